"""Clients acting at once: every client's requests in simulated time together, sharing the links.

Each client runs its own requests as it would alone (serial requests one after another, its blobs in
its own 3 download / 5 upload lanes); at every moment the bytes in flight share each link by
max-min fairness (progressive filling: every flow grows at the same pace until a link it crosses is
full, then stays at that rate while the others grow on), which is what TCP flows sharing a
bottleneck converge to. The step lasts until the last client is done.

A pull-through cache asked for a blob that another client's request is still fetching does not wait
for that fetch: it streams the blob from upstream again for this request. In distribution's
registry/proxy/proxyblobstore.go (ServeBlob) the `inflight` map only makes sure one copy goes into
the cache's own storage; a request that finds the digest in flight is answered by `copyContent`
straight from the remote (https://github.com/distribution/distribution/pull/4664 says so in its docs).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from regsim.model.sim.events import Lane, RequestEvent, RequestOutcome
from regsim.model.sim.network import LANES, Job, Network, StepTiming, covered, job_from
from regsim.model.sim.routes import LinkKey

_EPSILON_SECONDS = 1e-12
_EPSILON_BYTES = 1e-6


@dataclass(slots=True)
class _Phase:
    jobs: list[Job]
    lanes: int


@dataclass(slots=True)
class _Client:
    phases: list[_Phase]
    waiting: list[Job] = field(default_factory=list)
    active: list[Job] = field(default_factory=list)
    lanes: int = 1
    finished: float | None = None


@dataclass(frozen=True, slots=True)
class TogetherTiming:
    """A step of clients acting at once: the step's timing, each client's finish, each link's peak."""

    timing: StepTiming
    finished: list[float]                # per part, in the order given: seconds from the step's start
    peak: dict[LinkKey, float]           # per link: the largest share of its bandwidth in use at once


def _phases(events: Sequence[RequestEvent], network: Network) -> list[_Phase]:
    """Serial requests one at a time; consecutive requests of one parallel lane as one batch."""
    phases: list[_Phase] = []
    batch: dict[int, list[RequestEvent]] = {}
    lane = Lane.SERIAL

    def flush() -> None:
        if batch:
            phases.append(_Phase([job_from(group, network) for group in batch.values()], LANES.get(lane, 1)))
            batch.clear()

    for event in events:
        if event.lane == Lane.SERIAL or event.job < 0:
            flush()
            phases.append(_Phase([job_from([event], network)], 1))
            continue
        if event.lane != lane:
            flush()
            lane = event.lane
        batch.setdefault(event.job, []).append(event)
    flush()
    return phases


def blob_digest(path: str) -> str:
    """The digest a blob request names (containerd adds `?ns=REGISTRY` when it asks a mirror)."""
    return path.partition("?")[0].rsplit("/", 1)[-1]


def fetched_again(parts: Sequence[Sequence[RequestEvent]]) -> list[list[RequestEvent]]:
    """Each part's requests as they go when the parts run at once.

    Run one after another, a later client finds a blob cached that an earlier one's request filled;
    run at once, that fill is still under way when it asks, so the cache fetches the blob from
    upstream again for it. Its request becomes a miss, followed by the cache's own fetch."""
    filled: dict[tuple[str, str], RequestEvent] = {}    # (cache, digest) -> an earlier part's fetch
    result: list[list[RequestEvent]] = []
    for events in parts:
        mine: dict[tuple[str, str], RequestEvent] = {}
        found: list[RequestEvent] = []
        for event in events:
            found.append(event)
            if "/blobs/" not in event.path or event.method != "GET":
                continue
            digest = blob_digest(event.path)
            if event.upstream and event.bytes:
                mine[(event.src, digest)] = event
            elif event.outcome == RequestOutcome.CACHE_HIT and (event.dst, digest) in filled:
                fill = filled[(event.dst, digest)]
                event.outcome = RequestOutcome.CACHE_MISS
                found.append(RequestEvent(
                    fill.method, fill.path, fill.status, fill.bytes, fill.src, fill.dst,
                    "fetch it from upstream again: another client's fetch of it is still under way",
                    fill.outcome, event.lane, event.job, False, True))
        filled.update(mine)
        result.append(found)
    return result


def max_min_rates(flows: list[tuple[LinkKey, ...]], capacity: dict[LinkKey, float]) -> list[float]:
    """Progressive filling: each flow's rate (bytes/s) over the links it crosses, max-min fair."""
    rates = [0.0] * len(flows)
    left = {key: capacity[key] for links in flows for key in links}
    open_flows = set(range(len(flows)))
    while open_flows:
        users: dict[LinkKey, int] = {}
        for i in open_flows:
            for key in flows[i]:
                users[key] = users.get(key, 0) + 1
        share = min(left[key] / count for key, count in users.items())
        full = {key for key, count in users.items() if left[key] / count <= share * (1 + 1e-12)}
        for i in open_flows:
            rates[i] += share
        for key, count in users.items():
            left[key] -= share * count
        open_flows = {i for i in open_flows if not any(key in full for key in flows[i])}
    return rates


def together_timing(
    parts: Sequence[Sequence[RequestEvent]], background: Sequence[RequestEvent], network: Network
) -> TogetherTiming:
    """Simulate every part's requests at once (and the registries' background work beside them)."""
    # A registry's background work (replication a push set off) runs beside the clients: no one waits for it.
    delivered = [[e for e in events if e.status != 0 and e.lane != Lane.BACKGROUND] for events in parts]
    background = [*background, *(e for events in parts for e in events if e.lane == Lane.BACKGROUND)]
    clients = [_Client(_phases(events, network)) for events in delivered]
    clients.append(_Client(_phases([e for e in background if e.status != 0], network)))
    sizes: dict[LinkKey, int] = {}
    for events in (*delivered, background):
        for event in events:
            if event.status != 0:
                for key in network.route_taken(event.src, event.dst).keys:
                    sizes[key] = sizes.get(key, 0) + event.bytes
    capacity = {key: network.link(*key).bytes_per_second
                for client in clients for phase in client.phases for job in phase.jobs for key in job.links}
    busy: dict[LinkKey, list[tuple[float, float]]] = {}
    peak: dict[LinkKey, float] = {}
    clock = 0.0
    while True:
        running: list[Job] = []
        for client in clients:
            while client.finished is None and not client.active and not client.waiting:
                if not client.phases:
                    client.finished = clock
                    break
                phase = client.phases.pop(0)
                client.waiting, client.lanes = list(phase.jobs), phase.lanes
            while client.waiting and len(client.active) < client.lanes:
                client.active.append(client.waiting.pop(0))
            running.extend(client.active)
        if not running:
            break
        moving = [job for job in running if job.remaining_latency <= 0 and job.remaining_bytes > 0]
        rates = max_min_rates([job.links for job in moving], capacity)
        step = float("inf")
        for job in running:
            if job.remaining_latency > 0:
                step = min(step, job.remaining_latency)
            elif job.remaining_bytes <= 0:
                step = 0.0
        for job, rate in zip(moving, rates, strict=True):
            step = min(step, job.remaining_bytes / rate)
        load: dict[LinkKey, float] = {}
        for job, rate in zip(moving, rates, strict=True):
            for key in job.links:
                load[key] = load.get(key, 0.0) + rate
        for key, rate in load.items():
            peak[key] = max(peak.get(key, 0.0), rate / capacity[key])
        for job in running:
            for key, start, stop in job.busy_links(step):
                spans = busy.setdefault(key, [])
                spans.append((clock + start, clock + stop))
        clock += step
        for job in running:
            if job.remaining_latency > 0:
                job.remaining_latency -= step
                if job.remaining_latency <= _EPSILON_SECONDS:
                    job.remaining_latency = 0.0
        for job, rate in zip(moving, rates, strict=True):
            job.remaining_bytes -= rate * step
        for client in clients:
            client.active = [job for job in client.active
                             if job.remaining_latency > 0 or job.remaining_bytes > _EPSILON_BYTES]
    finished = [client.finished or 0.0 for client in clients]
    client_seconds = max(finished[:-1], default=0.0)
    seconds = max(finished)
    links = {key: (size, min(seconds, covered(busy.get(key, [])))) for key, size in sizes.items()}
    timing = StepTiming(seconds, client_seconds, finished[-1] if background else 0.0, links)
    return TogetherTiming(timing, finished[:-1], peak)
