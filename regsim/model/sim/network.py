"""The simulated network: links with bandwidth and round-trip latency, and how long a step takes.

Unlisted links are fast and local. A step's seconds come from its request records alone:
serial requests one after another; blob transfers in parallel lanes (3 downloads, 5 uploads
at once, dockerd's defaults) that share each link's bandwidth fairly. The registries' background
work (replication) runs in its own lane beside the clients' requests, from the step's start or
from when the request that caused it is done: nobody waits for it, but the step is not over
until it is done. Each link's busy seconds come from the same simulation, so a link is never
busy longer than the step.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from regsim.model.sim.events import Lane, RequestEvent
from regsim.model.sim.routes import Route, find_route

# Enum members bound once: reading a member off its class costs about 0.15 µs in CPython 3.11,
# and these are read for every request of a step.
_SERIAL, _BACKGROUND = Lane.SERIAL, Lane.BACKGROUND

DEFAULT_BANDWIDTH = 10e9     # bit/s: a local link
DEFAULT_LATENCY = 0.0002     # s: round trip on a local link
LANES = {Lane.DOWNLOAD: 3, Lane.UPLOAD: 5, Lane.BACKGROUND: 5}   # background: a registry copying blobs to a replica


class NetworkError(ValueError):
    """Bad network input: an unknown node, a negative bandwidth, a link to itself."""


@dataclass(frozen=True, slots=True)
class Link:
    bandwidth: float = DEFAULT_BANDWIDTH   # bits per second
    latency: float = DEFAULT_LATENCY       # seconds per request round trip
    up: bool = True
    listed: bool = False

    @property
    def bytes_per_second(self) -> float:
        return self.bandwidth / 8


_LOCAL = Link()   # every unlisted pair (frozen: sharing it is safe)


def _key(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a <= b else (b, a)


class Network:
    """Nodes (clients, registries, mirrors, replicas) and the links between them."""

    def __init__(self) -> None:
        self.nodes: dict[str, str] = {}
        self.links: dict[tuple[str, str], Link] = {}
        self.down: set[tuple[str, str]] = set()   # links that are down: while empty, no request need look
        self.routers: set[str] = set()            # nodes that forward traffic (neither clients nor registries)
        self._routes: dict[tuple[str, str], Route | None] = {}   # found once per topology change

    def add_node(self, name: str, kind: str) -> None:
        self.nodes[name] = kind
        if kind == "router":
            self.routers.add(name)
        self._routes.clear()

    def _check(self, a: str, b: str) -> None:
        for name in (a, b):
            if name not in self.nodes:
                known = ", ".join(sorted(self.nodes)) or "none"
                raise NetworkError(f"unknown network node {name!r} (known: {known})")
        if a == b:
            raise NetworkError(f"a link needs two different nodes, not {a!r} twice")

    def set_link(self, a: str, b: str, bandwidth: float, latency: float) -> None:
        self._check(a, b)
        if not (bandwidth > 0 and math.isfinite(bandwidth)):
            raise NetworkError(f"bandwidth between {a} and {b} must be positive, not {bandwidth}")
        if not (latency >= 0 and math.isfinite(latency)):
            raise NetworkError(
                f"latency between {a} and {b} cannot be negative or infinite: give a finite number of seconds"
            )
        self.links[_key(a, b)] = Link(bandwidth, latency, True, True)
        self.down.discard(_key(a, b))
        self._routes.clear()

    def link(self, a: str, b: str) -> Link:
        """The link between two nodes (an unlisted pair gets the fast local default; nothing is stored)."""
        return self.links.get(_key(a, b)) or _LOCAL

    def set_up(self, a: str, b: str, up: bool) -> None:
        self._check(a, b)
        key = _key(a, b)
        self.links[key] = replace(self.links.get(key, _LOCAL), up=up)
        if up:
            self.down.discard(key)
        else:
            self.down.add(key)
        self._routes.clear()

    def is_up(self, a: str, b: str) -> bool:
        """Whether a request from `a` reaches `b` (some route joins them over links that are up)."""
        if not self.down:   # the common case: every link is up, nothing to look up
            return True
        if self.routers:
            return self.route(a, b) is not None
        found = self.links.get(_key(a, b))
        return found is None or found.up

    def route(self, a: str, b: str) -> Route | None:
        """The links a request from `a` to `b` crosses (None: only links that are down join them).

        Without routers every route is the pair's own link; with routers, the lowest-latency path
        through routers (see routes.py). Found once, until a link is set, goes down or comes up."""
        pair = (a, b)
        try:
            return self._routes[pair]
        except KeyError:
            pass
        if self.routers:
            edges = tuple((key, link.bandwidth, link.latency, link.up) for key, link in sorted(self.links.items()))
            found = find_route(a, b, self.routers, edges, (DEFAULT_BANDWIDTH, DEFAULT_LATENCY))
        else:
            link = self.link(a, b)
            found = Route((_key(a, b),), link.latency, link.bandwidth) if link.up else None
        self._routes[pair] = found
        return found

    def route_taken(self, a: str, b: str) -> Route:
        """The route a request that was delivered took (a local link if the topology changed since)."""
        return self.route(a, b) or Route((_key(a, b),), DEFAULT_LATENCY, DEFAULT_BANDWIDTH)

    def listed_links(self) -> list[tuple[str, str, Link]]:
        return [(a, b, link) for (a, b), link in sorted(self.links.items()) if link.listed or not link.up]

    def graph(self) -> Any:
        """The topology as a networkx graph (imported only when asked for)."""
        import networkx as nx

        g = nx.Graph()
        for name, kind in self.nodes.items():
            g.add_node(name, kind=kind)
        for a, b, link in self.listed_links():
            g.add_edge(a, b, bandwidth=link.bandwidth, latency=link.latency, up=link.up)
        return g

    def copy_state(self) -> dict[tuple[str, str], tuple[float, float, bool, bool]]:
        return {k: (v.bandwidth, v.latency, v.up, v.listed) for k, v in self.links.items()}

    def restore_state(self, state: dict[tuple[str, str], tuple[float, float, bool, bool]]) -> None:
        self.links = {k: Link(*v) for k, v in state.items()}
        self.down = {k for k, link in self.links.items() if not link.up}
        self._routes.clear()


@dataclass(slots=True)
class Job:
    latency: float                               # its round trips, one after another
    bytes: int
    links: tuple[tuple[str, str], ...]           # the links its payload crosses
    hops: tuple[tuple[tuple[tuple[str, str], ...], float], ...] = ()   # each request's links and round trip
    remaining_latency: float = 0.0
    remaining_bytes: float = 0.0

    def busy_links(self, seconds: float) -> list[tuple[tuple[str, str], float, float]]:
        """The links this job occupies over the next `seconds`: (link, from, to) relative to now.

        While it makes its round trips, each request's link for that request's round trip;
        afterwards, every link its payload crosses.
        """
        if self.remaining_latency <= 0:
            return [(key, 0.0, seconds) for key in self.links] if self.remaining_bytes > 0 else []
        spans: list[tuple[tuple[str, str], float, float]] = []
        done = self.latency - self.remaining_latency   # round-trip time already behind it
        elapsed = 0.0
        for keys, latency in self.hops:
            start, stop = max(elapsed, done), min(elapsed + latency, done + seconds)
            if stop > start:
                spans.extend((key, start - done, stop - done) for key in keys)
            elapsed += latency
        return spans


def job_from(events: Sequence[RequestEvent], network: Network) -> Job:
    latency = 0.0
    size = 0
    links: list[tuple[str, str]] = []
    hops: list[tuple[tuple[tuple[str, str], ...], float]] = []
    for event in events:
        route = network.route_taken(event.src, event.dst)
        latency += route.latency
        hops.append((route.keys, route.latency))
        if event.bytes:
            size = max(size, event.bytes)   # a mirror streams what it fetches: one payload, two links
            for key in route.keys:
                if key not in links:
                    links.append(key)
    return Job(latency, size, tuple(links), tuple(hops), latency, float(size))


class _Timeline:
    """One sequence of requests in simulated time, noting when each link carries something."""

    def __init__(self, network: Network) -> None:
        self.network = network
        self.clock = 0.0
        self.busy: dict[tuple[str, str], list[tuple[float, float]]] = {}

    def _mark(self, key: tuple[str, str], start: float, stop: float) -> None:
        """The link carries something from `start` to `stop` seconds after the clock."""
        if stop <= start:
            return
        spans = self.busy.setdefault(key, [])
        begin, end = self.clock + start, self.clock + stop
        if spans and spans[-1][0] <= begin <= spans[-1][1]:
            spans[-1] = (spans[-1][0], max(spans[-1][1], end))
        else:
            spans.append((begin, end))

    def serial(self, event: RequestEvent) -> None:
        """One request on its own: its round trip, then its bytes over its link."""
        job = job_from([event], self.network)
        route = self.network.route_taken(event.src, event.dst)
        seconds = job.latency + (job.bytes / route.bytes_per_second)
        for key in route.keys:
            self._mark(key, 0.0, seconds)
        self.clock += seconds

    def parallel(self, jobs: list[Job], lanes: int) -> None:
        """Processor sharing: `lanes` jobs at a time, each link's bandwidth split fairly among the
        payloads on it; a job first makes its round trips, then moves its payload."""
        clock = 0.0   # within the batch (added to the timeline's clock at the end, as one sum)
        waiting = list(jobs)
        active: list[Job] = []
        while waiting or active:
            while waiting and len(active) < lanes:
                active.append(waiting.pop(0))
            users: dict[tuple[str, str], int] = {}
            for job in active:
                if job.remaining_latency <= 0:
                    for key in job.links:
                        users[key] = users.get(key, 0) + 1
            step = float("inf")
            rates: dict[int, float] = {}
            for i, job in enumerate(active):
                if job.remaining_latency > 0:
                    step = min(step, job.remaining_latency)
                elif job.remaining_bytes > 0 and job.links:
                    rate = min(self.network.link(*key).bytes_per_second / users[key] for key in job.links)
                    rates[i] = rate
                    step = min(step, job.remaining_bytes / rate)
                else:
                    step = 0.0
            for job in active:
                for key, start, stop in job.busy_links(step):
                    self._mark(key, clock + start, clock + stop)
            clock += step
            still = []
            for i, job in enumerate(active):
                if job.remaining_latency > 0:
                    job.remaining_latency -= step
                    if job.remaining_latency > 1e-12:
                        still.append(job)
                        continue
                    job.remaining_latency = 0.0
                    if job.remaining_bytes > 0:
                        still.append(job)
                    continue
                if i in rates:
                    job.remaining_bytes -= rates[i] * step
                    if job.remaining_bytes > 1e-6:
                        still.append(job)
            active = still
        self.clock += clock

    def run(self, events: Iterable[RequestEvent]) -> None:
        """Serial requests one after another; consecutive requests of one parallel lane as a batch."""
        batch: list[list[RequestEvent]] = []
        batch_lane = _SERIAL
        jobs_by_id: dict[int, list[RequestEvent]] = {}

        def flush() -> None:
            if batch:
                self.parallel([job_from(group, self.network) for group in batch], LANES.get(batch_lane, 1))
            batch.clear()
            jobs_by_id.clear()

        for event in events:
            if event.lane == _SERIAL or event.job < 0:
                flush()
                self.serial(event)
                continue
            if event.lane != batch_lane:
                flush()
                batch_lane = event.lane
            group = jobs_by_id.get(event.job)
            if group is None:
                group = jobs_by_id[event.job] = []
                batch.append(group)
            group.append(event)
        flush()


def covered(spans: list[tuple[float, float]]) -> float:
    """The length of the union of time spans."""
    total = 0.0
    end = -math.inf
    for start, stop in sorted(spans):
        if stop <= end:
            continue
        total += stop - max(start, end)
        end = stop
    return total


@dataclass(frozen=True, slots=True)
class StepTiming:
    """How long a step took, and what each link carried during it."""

    seconds: float               # from the step's start until its last request is done
    client_seconds: float        # the requests clients wait for (every lane but background)
    background_seconds: float    # the registries' own work (replication), run beside the rest
    links: dict[tuple[str, str], tuple[int, float]]   # per link: bytes, and seconds it carried something


def step_timing(events: Iterable[RequestEvent], network: Network) -> StepTiming:
    """A step's seconds and per-link usage from one simulation of its requests (latency + bytes/bandwidth).

    The registries' background work runs beside the clients' requests: from the step's start (a copy
    due in this step), or from the moment the request that caused it was done (a copy made at once).
    Nobody waits for it, but the step lasts until it is done too. A link is busy while it carries a
    request's round trip or bytes, so it is never busy longer than the step.
    """
    client = _Timeline(network)
    background = _Timeline(network)
    sizes: dict[tuple[str, str], int] = {}
    before: list[RequestEvent] = []      # clients' requests before the first background one
    after: list[RequestEvent] = []
    theirs: list[RequestEvent] = []
    for event in events:
        if event.status == 0:
            continue  # it never left
        for key in network.route_taken(event.src, event.dst).keys:
            sizes[key] = sizes.get(key, 0) + event.bytes
        if event.lane == _BACKGROUND:
            theirs.append(event)
        else:
            (after if theirs else before).append(event)
    client.run(before)
    background.clock = start = client.clock
    client.run(after)
    background.run(theirs)
    seconds = max(client.clock, background.clock)
    links = {
        key: (size, min(seconds, covered(client.busy.get(key, []) + background.busy.get(key, []))))
        for key, size in sizes.items()
    }
    return StepTiming(seconds, client.clock, background.clock - start if theirs else 0.0, links)


def step_seconds(events: Iterable[RequestEvent], network: Network) -> float:
    """Simulated seconds for a step's requests, from first principles (latency + bytes/bandwidth)."""
    return step_timing(events, network).seconds


def link_usage(events: Iterable[RequestEvent], network: Network) -> dict[tuple[str, str], tuple[int, float]]:
    """Bytes and busy seconds per link: the time it carried a request's round trip or bytes."""
    return step_timing(events, network).links
