"""The simulated network: links with bandwidth and round-trip latency, and how long a step takes.

Unlisted links are fast and local. A step's seconds come from its request records alone:
serial requests one after another; blob transfers in parallel lanes (3 downloads, 5 uploads
at once, dockerd's defaults) that share each link's bandwidth fairly.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from regsim.model.events import BACKGROUND, DOWNLOAD, SERIAL, UPLOAD, RequestEvent

DEFAULT_BANDWIDTH = 10e9     # bit/s: a local link
DEFAULT_LATENCY = 0.0002     # s: round trip on a local link
LANES = {DOWNLOAD: 3, UPLOAD: 5}


class NetworkError(ValueError):
    """Bad network input: an unknown node, a negative bandwidth, a link to itself."""


@dataclass(slots=True)
class Link:
    bandwidth: float = DEFAULT_BANDWIDTH   # bits per second
    latency: float = DEFAULT_LATENCY       # seconds per request round trip
    up: bool = True
    listed: bool = False

    @property
    def bytes_per_second(self) -> float:
        return self.bandwidth / 8


_LOCAL = Link()


def _key(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a <= b else (b, a)


class Network:
    """Nodes (clients, registries, mirrors, replicas) and the links between them."""

    def __init__(self) -> None:
        self.nodes: dict[str, str] = {}
        self.links: dict[tuple[str, str], Link] = {}
        self._down: set[tuple[str, str]] = set()   # links that are down: most requests need not look

    def add_node(self, name: str, kind: str) -> None:
        self.nodes[name] = kind

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
            raise NetworkError(f"latency between {a} and {b} cannot be negative or infinite: give a finite number of seconds")
        self.links[_key(a, b)] = Link(bandwidth, latency, True, True)
        self._down.discard(_key(a, b))

    def link(self, a: str, b: str) -> Link:
        """The link between two nodes (an unlisted pair gets the fast local default; nothing is stored)."""
        return self.links.get(_key(a, b)) or _LOCAL

    def set_up(self, a: str, b: str, up: bool) -> None:
        self._check(a, b)
        key = _key(a, b)
        if key not in self.links:
            self.links[key] = Link()
        self.links[key].up = up
        if up:
            self._down.discard(key)
        else:
            self._down.add(key)

    def is_up(self, a: str, b: str) -> bool:
        if not self.any_down:
            return True
        found = self.links.get(_key(a, b))
        return found is None or found.up

    @property
    def any_down(self) -> bool:
        return bool(self._down)

    def listed_links(self) -> list[tuple[str, str, Link]]:
        return [(a, b, link) for (a, b), link in sorted(self.links.items()) if link.listed or not link.up]

    def graph(self) -> Any:
        """The topology as a networkx graph (imported only when asked for)."""
        import networkx as nx  # type: ignore[import-untyped]

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
        self._down = {k for k, link in self.links.items() if not link.up}


@dataclass(slots=True)
class _Job:
    latency: float
    bytes: int
    links: tuple[tuple[str, str], ...]
    remaining_latency: float = 0.0
    remaining_bytes: float = 0.0


def _job_from(events: Sequence[RequestEvent], network: Network) -> _Job:
    latency = 0.0
    size = 0
    links: list[tuple[str, str]] = []
    for event in events:
        link = network.link(event.src, event.dst)
        latency += link.latency
        if event.bytes:
            size = max(size, event.bytes)   # a mirror streams what it fetches: one payload, two links
            key = _key(event.src, event.dst)
            if key not in links:
                links.append(key)
    return _Job(latency, size, tuple(links), latency, float(size))


def _run_parallel(jobs: list[_Job], lanes: int, network: Network) -> float:
    """Processor-sharing simulation: `lanes` jobs at a time, each link's bandwidth split fairly."""
    clock = 0.0
    waiting = list(jobs)
    active: list[_Job] = []
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
                rate = min(network.link(*key).bytes_per_second / users[key] for key in job.links)
                rates[i] = rate
                step = min(step, job.remaining_bytes / rate)
            else:
                step = 0.0
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
    return clock


def step_seconds(events: Iterable[RequestEvent], network: Network) -> float:
    """Simulated seconds for a step's requests, from first principles (latency + bytes/bandwidth)."""
    total = 0.0
    batch: list[list[RequestEvent]] = []
    batch_lane = SERIAL
    jobs_by_id: dict[int, list[RequestEvent]] = {}

    def flush() -> float:
        if not batch:
            return 0.0
        jobs = [_job_from(group, network) for group in batch]
        seconds = _run_parallel(jobs, LANES.get(batch_lane, 1), network)
        batch.clear()
        jobs_by_id.clear()
        return seconds

    for event in events:
        if event.status == 0 or event.lane == BACKGROUND:
            continue  # never left the client, or nobody waits for it
        if event.lane == SERIAL or event.job < 0:
            total += flush()
            job = _job_from([event], network)
            total += job.latency + (job.bytes / network.link(event.src, event.dst).bytes_per_second)
            continue
        if event.lane != batch_lane:
            total += flush()
            batch_lane = event.lane
        group = jobs_by_id.get(event.job)
        if group is None:
            group = jobs_by_id[event.job] = []
            batch.append(group)
        group.append(event)
    total += flush()
    return total


def link_usage(events: Iterable[RequestEvent], network: Network) -> dict[tuple[str, str], tuple[int, float]]:
    """Bytes and busy seconds per link (each request's round trip plus its bytes over the bandwidth)."""
    usage: dict[tuple[str, str], tuple[int, float]] = {}
    for event in events:
        if event.status == 0:
            continue
        key = _key(event.src, event.dst)
        link = network.link(event.src, event.dst)
        size, seconds = usage.get(key, (0, 0.0))
        usage[key] = (size + event.bytes, seconds + link.latency + event.bytes / link.bytes_per_second)
    return usage
