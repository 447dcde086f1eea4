"""The context a request is sent in: who sends it, and which lane and job of the step it counts in."""

from __future__ import annotations

from dataclasses import dataclass

from regsim.model.sim.events import Lane


@dataclass(slots=True)
class RequestContext:
    """Who sends (and from which address), and how the step's timeline schedules the request.

    One is made per conversation (serial requests) or per blob a command moves (its requests
    share a job in a parallel lane), never per request, and never changed once made (not
    frozen only because a frozen dataclass is slower to make). A request a registry makes
    while serving another (a mirror fetching from its upstream) counts in the lane and job of
    the request it serves: the transport sees to that.
    """

    sender: str
    lane: Lane = Lane.SERIAL
    job: int = -1
    address: str | None = None   # the sender's network address, if not its name (clients behind one NAT share one)
