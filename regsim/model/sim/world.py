"""The world: registries, clients, the network between them, and simulated time.

Every request a client (or a mirror, or a replicating registry) makes goes through
`World.send`, which checks the link, calls the registry operation, and records the request.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from regsim.model.oci.errors import RegistryError
from regsim.model.oci.response import Response
from regsim.model.registry.registry import Registry
from regsim.model.sim.events import SERIAL, UNREACHABLE, RequestEvent
from regsim.model.sim.network import Network

if TYPE_CHECKING:
    from regsim.model.client.daemon import Client

class World:
    """Everything a scenario sets up, and the transport every request travels through."""

    def __init__(self, default_registry: str = "docker.io") -> None:
        self.default_registry = default_registry
        self.registries: dict[str, Registry] = {}
        self.clients: dict[str, Client] = {}
        self.network = Network()
        self.now = 0.0
        self.sink: list[RequestEvent] = []
        self._job = -1
        self._lane = SERIAL
        self._jobs = 0
        from regsim.model.registry.replication import Replication

        self.replication = Replication(self)

    # ----- building ------------------------------------------------------------------------

    def add_registry(self, registry: Registry, kind: str = "registry") -> Registry:
        self.registries[registry.host] = registry
        self.network.add_node(registry.host, kind)
        registry.world = self  # type: ignore[attr-defined]
        registry.clock = self.current_time
        return registry

    def manifest_stored(self, registry: str, repository: str, digest: str, tag: str | None) -> None:
        self.replication.schedule(registry, repository, digest, tag)

    def begin_step(self) -> None:
        """Open a step: copies due to replicas by now are made first (background requests)."""
        self.replication.begin_step()

    def end_step(self, seconds: float = 0.0) -> None:
        """Close a step: simulated time moves on by the step's seconds."""
        self.now += seconds

    def current_time(self) -> float:
        return self.now

    def add_client(self, name: str, **options: object) -> Client:
        from regsim.model.client.daemon import Client

        client = Client(self, name, **options)  # type: ignore[arg-type]
        self.clients[name] = client
        self.network.add_node(name, "client")
        return client

    # ----- transport ------------------------------------------------------------------------

    def new_job(self) -> int:
        self._jobs += 1
        return self._jobs

    def send(
        self,
        src: str,
        dst: str,
        method: str,
        path: str,
        call: Callable[..., Response],
        why: str,
        *,
        args: tuple[object, ...] = (),
        lane: str | None = None,
        job: int | None = None,
        sent: int = 0,
    ) -> tuple[Response, RequestEvent]:
        """Deliver one request from `src` to the registry `dst` (`call(*args)`) and record it.

        A request made while another is being served (a mirror fetching from its upstream)
        inherits that request's lane and job, so its time and bytes count with it.
        """
        if lane is None:
            lane = self._lane
        if job is None:
            job = self._job
        network = self.network
        if dst not in self.registries or (network._down and not network.is_up(src, dst)):
            response = Response(UNREACHABLE)
            event = RequestEvent(method, path, UNREACHABLE, 0, src, dst, why, "unreachable", lane, job, bool(sent))
            self.sink.append(event)
            return response, event
        outer_lane, outer_job = self._lane, self._job
        self._lane, self._job = lane, job
        sink = self.sink
        position = len(sink)
        try:
            response = call(*args)
        except RegistryError as error:
            response = Response.from_error(error)
        finally:
            self._lane, self._job = outer_lane, outer_job
        event = RequestEvent(
            method, path, response.status, sent or response.length, src, dst, why, "", lane, job, sent > 0,
            src in self.registries,
        )
        if position == len(sink):
            sink.append(event)
        else:  # requests it caused (a mirror's upstream fetch) are listed after it
            sink.insert(position, event)
        return response, event

    def capture(self) -> list[RequestEvent]:
        """Start a fresh list of request records (one per step) and return it."""
        self.sink = []
        return self.sink
