"""The world: registries, clients, the network between them, and simulated time.

Every request a client (or a mirror, or a replicating registry) makes goes through
`World.send`, which checks the link, calls the registry operation, and records the request.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any

from regsim.model.client.daemon import Client, Runtime
from regsim.model.client.session import HostSession
from regsim.model.core.context import Lane, RequestContext
from regsim.model.core.events import UNREACHABLE, Outcome, RequestEvent, RequestOutcome, Why
from regsim.model.oci.errors import RegistryError
from regsim.model.oci.response import Response
from regsim.model.registry.registry import Registry
from regsim.model.registry.replication import Replication
from regsim.model.sim.network import Network

_new_record = object.__new__


class World:
    """Everything a scenario sets up, and the transport every request travels through."""

    def __init__(self, operator_registry: str = "docker.io") -> None:
        # What `registry gc` and `registry catalog` mean when they name no host. It is never a
        # default for image names: a name with no host is always Docker Hub's (oci/reference.py).
        self.operator_registry = operator_registry
        self.registries: dict[str, Registry] = {}
        self.clients: dict[str, Client] = {}
        self.network = Network()
        self.now = 0.0
        self._recording: list[RequestEvent] | None = None   # see `recording`
        self._jobs = 0
        self.replication = Replication(self)
        self._time_listeners: list[Callable[[], list[str]]] = []

    # ----- building ------------------------------------------------------------------------

    def add_registry(self, registry: Registry, kind: str = "registry") -> Registry:
        """Put a registry on the network (build it with `clock=world.current_time` and
        `on_manifest_stored=world.manifest_stored` when it should keep the world's time or replicate)."""
        self.registries[registry.host] = registry
        self.network.add_node(registry.host, kind)
        return registry

    def manifest_stored(self, registry: str, repository: str, digest: str, tag: str | None) -> None:
        self.replication.schedule(registry, repository, digest, tag)

    def begin_step(self) -> None:
        """Open a step: copies due to replicas by now are made first (background requests)."""
        self.replication.begin_step()

    def wait(self, seconds: float) -> None:
        """Simulated time moves on (`wait 2h`); what waited for it happens when the step ends."""
        self.now += seconds

    def end_step(self, seconds: float = 0.0) -> list[str]:
        """Close a step: simulated time moves on by the step's seconds, and whatever was waiting
        for that time (a pull-through cache's expiry) happens, so the step's record shows it.
        Returns what the registries say about it."""
        self.now += seconds
        return [note for listener in self._time_listeners for note in listener()]

    def on_time_passed(self, listener: Callable[[], list[str]]) -> None:
        """Call `listener` at the end of every step, after the clock has moved; it returns notes
        on what happened then."""
        self._time_listeners.append(listener)

    def current_time(self) -> float:
        return self.now

    def client_session(self, name: str, host: str) -> HostSession:
        """A session of a registry's own client towards another registry (a pull-through cache's to
        its upstream): anonymous, known by the registry's name, and never listed among the clients."""
        return HostSession(Client(self, name), host, Outcome())

    def add_client(
        self,
        name: str,
        *,
        mirrors: Sequence[str] = (),
        platform: str = "linux/amd64",
        address: str | None = None,
        runtime: Runtime = Runtime.DOCKER,
        hosts: Mapping[str, Sequence[str]] | None = None,
    ) -> Client:
        client = Client(self, name, mirrors, platform, address, runtime=runtime, hosts=hosts)
        self.clients[name] = client
        self.network.add_node(name, "client")
        return client

    # ----- snapshots ------------------------------------------------------------------------

    def snapshot(self, previous: World | None = None, acted: Collection[str] | None = None) -> World:
        """A copy of the world to keep and read, never to change (the step engine keeps one after
        every step; `copy.deepcopy` makes one to change).

        A step changes only the clients it acts as (`acted`; None: any of them): every other client
        is as it was in `previous`, the snapshot kept before, and so is a client the step acted as
        whose tables came out equal to that snapshot's (a pull of an image it had). This copy's
        client reads that one's tables instead of copying them again.
        """
        memo: dict[int, Any] = {}
        copied = object.__new__(World)
        memo[id(self)] = copied
        clients: dict[str, Client] = {}
        kept_clients = previous.clients if previous is not None else {}
        for name, client in self.clients.items():
            kept = kept_clients.get(name)
            if kept is not None and ((acted is not None and name not in acted) or _same_tables(client, kept)):
                clients[name] = memo[id(client)] = kept.in_world(copied)
            else:
                clients[name] = memo[id(client)] = copy.deepcopy(client, memo)
        network = self.network
        kept_network = previous.network if previous is not None else None
        if kept_network is not None and _same_topology(network, kept_network):
            memo[id(network)] = kept_network   # links and nodes as they were: the snapshot before's serves
        copied.__dict__.update(copy.deepcopy({**self.__dict__, "clients": {}}, memo))
        copied.clients = clients
        return copied

    # ----- transport ------------------------------------------------------------------------

    def job(self, sender: str, lane: Lane, address: str | None = None, upstream: bool = False) -> RequestContext:
        """The context of a new job in `lane`: one blob's requests, which the timeline schedules together."""
        # Made without a call to RequestContext's __init__ (every field set here): a push makes one
        # for every blob, and the call cost as much as the rest.
        self._jobs += 1
        context = _new_record(RequestContext)
        context.sender = sender
        context.lane = lane
        context.job = self._jobs
        context.address = address
        context.upstream = upstream
        return context

    def send(
        self,
        context: RequestContext,
        dst: str,
        method: str,
        path: str,
        call: Callable[..., Response],
        why: Why,
        args: tuple[object, ...] = (),
        sent: int = 0,
    ) -> tuple[Response, RequestEvent]:
        """Deliver one request from `context.sender` to the registry `dst` (`call(*args)`) and record it.

        `sent` is the request body's length (an upload); otherwise the response body's length counts.
        Requests the registry makes while serving it (a mirror fetching from its upstream, a
        replica's copy) are recorded after it; they carry their own context (a mirror's count in
        the lane and job of the request it serves: `RequestContext.serving`).
        """
        # Every request of every scenario and of `regsim bench` passes here: it reads each
        # attribute once and calls nothing it need not (see the README's Benchmark).
        registry = self.registries.get(dst)
        if registry is None or (self.network.down and not self.network.is_up(context.sender, dst)):
            event = _record(context, dst, method, path, UNREACHABLE, 0, why, sent > 0)
            event.outcome = RequestOutcome.UNREACHABLE
            if self._recording is not None:
                self._recording.append(event)
            return Response(UNREACHABLE), event
        sink = self._recording
        position = 0 if sink is None else len(sink)
        try:
            response = call(*args)
        except RegistryError as error:
            response = Response.from_error(error)
        if sent:
            length = sent
        elif method == "HEAD":
            # A HEAD response carries no body, even an error's (RFC 9110 §9.3.2; Go's net/http,
            # which distribution serves with, drops what a handler writes for HEAD).
            length = 0
        else:
            body = response.body
            length = 0 if body is None else len(body)
        # The record, made without a call to RequestEvent's __init__ (its fields set here one by one,
        # every one of them): a call costs as much as the rest of the record, and every request
        # of a scenario or of `regsim bench` makes one.
        event = _new_record(RequestEvent)
        event.method = method
        event.path = path
        event.status = response.status
        event.bytes = length
        event.dst = dst
        event._why = why
        event.outcome = ""
        event.context = context
        event.upload = sent > 0
        event.rate_limit = None
        if registry.rate_limit is not None:   # its answers carry Docker Hub's rate-limit headers
            headers = response.headers
            remaining = headers.get("RateLimit-Remaining")
            if remaining is not None:
                event.rate_limit = (headers.get("RateLimit-Limit", ""), remaining,
                                    headers.get("Docker-RateLimit-Source", ""))
        if sink is not None:
            if position == len(sink):
                sink.append(event)
            else:  # the requests it caused (a mirror's to its upstream) are listed after it
                sink.insert(position, event)
        return response, event

    def recording_now(self) -> list[RequestEvent] | None:
        """The list the requests sent now go to, or None outside any recording."""
        return self._recording

    def recording(self) -> Recording:
        """The requests sent inside a `with world.recording() as requests:` block, in order (one
        step's, or one push's).

        Outside any recording nothing is kept, so a long-lived world (a live server) does not
        grow with its traffic, and a snapshot of the world between steps holds no requests."""
        return Recording(self)


def _same_topology(network: Network, kept: Network) -> bool:
    """Whether `network`'s nodes and links are `kept`'s (a snapshot's network is never changed, and
    its routes hold for every network with the same links)."""
    return (network.links == kept.links and network.nodes == kept.nodes and network.down == kept.down
            and network.routers == kept.routers)


def _same_tables(client: Client, kept: Client) -> bool:
    """Whether every field of `client` but its world equals `kept`'s (mostly the very same values)."""
    now, then = client.__dict__, kept.__dict__
    return now.keys() == then.keys() and all(
        value is then[name] or value == then[name] for name, value in now.items() if name != "world")


def _record(
    context: RequestContext, dst: str, method: str, path: str, status: int, length: int, why: Why, upload: bool
) -> RequestEvent:
    """A request's record, with no outcome said yet (`send` fills its own inline)."""
    event = _new_record(RequestEvent)
    event.method = method
    event.path = path
    event.status = status
    event.bytes = length
    event.dst = dst
    event._why = why
    event.outcome = ""
    event.context = context
    event.upload = upload
    event.rate_limit = None
    return event


class Recording:
    """`World.recording()`: a context manager (a class, not a generator: `regsim bench` opens one per push)."""

    __slots__ = ("_outer", "_world")

    def __init__(self, world: World) -> None:
        self._world = world
        self._outer: list[RequestEvent] | None = None

    def __enter__(self) -> list[RequestEvent]:
        world = self._world
        self._outer = world._recording
        requests: list[RequestEvent] = []
        world._recording = requests
        return requests

    def __exit__(self, *exc: object) -> None:
        self._world._recording = self._outer
