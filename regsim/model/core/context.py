"""The context a request is sent in: who sends it, and which lane and job of the step it counts in."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Lane(StrEnum):
    """How a request is scheduled in simulated time (dockerd's defaults)."""

    SERIAL = "serial"
    DOWNLOAD = "download"        # up to 3 layer downloads at once
    UPLOAD = "upload"            # up to 5 layer uploads at once
    BACKGROUND = "background"    # a registry's own work no client waits for (replication, a mirror's cache fill)


@dataclass(slots=True)
class RequestContext:
    """Who sends (and from which address), and how the step's timeline schedules the request.

    One is made per conversation (serial requests) or per blob a command moves (its requests
    share a job in a parallel lane), never per request, and never changed once made (not
    frozen only because a frozen dataclass is slower to make). It travels with the request:
    the transport records it, and a registry endpoint that needs it is given it (a rate
    limit reads the sender's address; a pull-through cache sends its requests to the
    upstream in the lane and job of the request it serves, see `serving`).
    """

    sender: str
    lane: Lane = Lane.SERIAL
    job: int = -1
    address: str | None = None   # the sender's network address, if not its name (clients behind one NAT share one)
    upstream: bool = False       # the sender is a registry (a mirror's fill, a replica's copy), not a client

    def serving(self, served: RequestContext | None) -> RequestContext:
        """This sender's context for a request it makes while serving `served` (a mirror asking its
        upstream for what a client asked it): it counts in that request's lane and job, so the
        timeline shows the client waiting for it."""
        if served is None or (served.lane is self.lane and served.job == self.job):
            return self
        return RequestContext(self.sender, served.lane, served.job, self.address, self.upstream)


def source_address(context: RequestContext | None) -> str:
    """The address a request comes from (its sender's name when it has none; "" when unknown)."""
    if context is None:
        return ""
    return context.address or context.sender
