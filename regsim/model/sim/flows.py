"""How long a step takes: every request on its route, every link shared by the bytes on it.

One model for every step. A step's clients (one, or several acting at once) each run their own
requests as they would alone: serial requests one after another, blobs in the client's own
parallel lanes (3 downloads, 5 uploads at once, dockerd's defaults). A request first makes the
round trips of its route, then moves its bytes; at every moment the bytes in flight share each
link by max-min fairness (progressive filling: every flow grows at the same pace until a link it
crosses is full, then stays at that rate while the others grow on), which is what TCP flows
sharing a bottleneck converge to. One client on its own is this model with one client in it: its
bytes are bounded by the slowest link of its route. (A client's requests as jobs: jobs.py; the
filling: fairness.py; clients acting alike, timed once for all of them: alike.py.)

A registry's background work (replication, a mirror's copy into its storage) runs beside the
clients, in its own lanes: nobody waits for it, but the step lasts until it is done. A copy due
from an earlier step starts with the step; a copy a push sets off starts when the request that
stored the manifest is done, as a registry's push event does (distribution
notifications/listener.go: `ManifestPushed` is dispatched after the manifest's `Put` succeeds;
Harbor src/controller/event/handler/replication/replication.go starts a replication for each
`PushArtifactEvent`), each copy in its own lanes. A copy set off in the middle of a request starts
when the requests before it are made: a pull-through cache's copy of a blob it lacks starts with
the GET that streams the blob to the client, after the HEAD (distribution
registry/proxy/proxyblobstore.go ServeBlob: `go storeLocal(...)`, then `copyContent(ctx, dgst, w)`),
so the two cross the WAN together and share it.

A pull-through cache asked for a blob whose copy into its storage is still under way does not wait
for that copy: it asks the upstream for the blob once more (a HEAD, then a GET) and streams it to
this request without storing it. In ServeBlob the `inflight` map only makes sure one copy goes into
the cache's own storage; a request that finds the digest in flight is answered by `copyContent`
straight from the remote, so N clients asking at once for a blob the cache lacks cost N+1 GETs
upstream (https://github.com/distribution/distribution/pull/3428 says so; pull/4664 corrects the
docs that claimed otherwise).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from regsim.model.core.context import Lane
from regsim.model.core.events import RequestEvent, RequestOutcome
from regsim.model.sim.alike import SHARED, Alike, Sent, alike
from regsim.model.sim.fairness import Flow, fill
from regsim.model.sim.jobs import Actor, Copies, Job, busy_spans, client_and_copies, covered, set_flows
from regsim.model.sim.network import Network
from regsim.model.sim.routes import LinkKey, Route

# Bound once: reading a member off its class costs about 0.15 µs in CPython 3.11, and this is read
# for every request of a step.
_BACKGROUND = Lane.BACKGROUND

_EPSILON_SECONDS = 1e-12
_EPSILON_BYTES = 1e-6


@dataclass(frozen=True, slots=True)
class StepTiming:
    """How long a step took, and what each link carried during it."""

    seconds: float               # from the step's start until its last request is done
    client_seconds: float        # the requests clients wait for (every lane but background)
    background_seconds: float    # the registries' own work (replication): from its start to its end
    links: dict[LinkKey, tuple[int, float]]   # per link: bytes, and seconds it carried something


@dataclass(frozen=True, slots=True)
class FlowTiming:
    """A step's timing, each client's finish, and each link's peak."""

    timing: StepTiming
    finished: list[float]                # per part, in the order given: seconds from the step's start
    peak: dict[LinkKey, float]           # per link: the largest share of its bandwidth in use at once


@dataclass(slots=True)
class _Pair:
    """What a step's requests between two nodes took and carried, and which part sent them."""

    route: Route
    bytes: int
    part: int   # SHARED once a second part or a background copy sends some


def _sent(events: Sequence[RequestEvent], part: int, network: Network,
          seen: dict[tuple[str, str], _Pair]) -> tuple[Sent, Copies]:
    """A part's requests that left, each with its route, and the background copies among them.

    `seen` keeps what each pair of nodes' requests took and carried, and which part sent them."""
    mine: Sent = []
    groups: Copies = []
    for event in events:
        if event.status == 0:
            continue   # it never left
        context = event.context   # src and lane read it: read it once
        pair = (context.sender, event.dst)
        background = context.lane == _BACKGROUND
        entry = seen.get(pair)
        if entry is None:
            entry = seen[pair] = _Pair(network.route_taken(context.sender, event.dst), event.bytes,
                                       SHARED if background else part)
        else:
            entry.bytes += event.bytes
            if background or entry.part != part:
                entry.part = SHARED
        route = entry.route
        if background:
            if groups and groups[-1][0] == len(mine):
                groups[-1][1].append((event, route))
            else:
                groups.append((len(mine), [(event, route)]))
        else:
            mine.append((event, route))
    return mine, groups


def blob_digest(path: str) -> str:
    """The digest a blob request names (containerd adds `?ns=REGISTRY` when it asks a mirror)."""
    return path.partition("?")[0].rsplit("/", 1)[-1]


_ASKED_AGAIN = "does the upstream have it? (the cache's copy of it into storage is still under way)"
_STREAMED_AGAIN = "stream it from upstream again, without keeping it: the cache's copy into storage is still under way"


def fetched_again(parts: Sequence[Sequence[RequestEvent]]) -> list[list[RequestEvent]]:
    """Each part's requests as they go when the parts run at once.

    Run one after another, a later client finds a blob cached that an earlier one's request filled;
    run at once, the cache's copy of it into storage is still under way when it asks, so the cache
    asks the upstream again for it (a HEAD, then a GET) and streams the blob to it without storing
    it (distribution registry/proxy/proxyblobstore.go: `inflight`, then `copyContent` from the
    remote). Its request becomes a miss, followed by the cache's two requests."""
    filled: dict[tuple[str, str], list[RequestEvent]] = {}   # (cache, digest) -> an earlier part's HEAD and GET
    result: list[list[RequestEvent]] = []
    for events in parts:
        if not filled and not any(event.context.upstream for event in events):
            result.append(list(events))   # no cache filled for it, none by it: as it went
            continue
        mine: dict[tuple[str, str], list[RequestEvent]] = {}
        found: list[RequestEvent] = []
        for event in events:
            found.append(event)
            if event.upstream:
                # the cache's Stat and the GET it streams to the client (not its own copy, in the background)
                if event.lane != _BACKGROUND and event.method in ("HEAD", "GET") and "/blobs/" in event.path:
                    asked = mine.setdefault((event.src, blob_digest(event.path)), [])
                    if event.method == "HEAD":
                        asked.clear()
                    asked.append(event)
            elif (filled and event.method == "GET" and event.outcome == RequestOutcome.CACHE_HIT
                  and "/blobs/" in event.path):
                fills = filled.get((event.dst, blob_digest(event.path)))
                if fills is None:
                    continue
                event.outcome = RequestOutcome.CACHE_MISS
                for fill in fills:
                    why = _ASKED_AGAIN if fill.method == "HEAD" else _STREAMED_AGAIN
                    found.append(RequestEvent(
                        fill.method, fill.path, fill.status, fill.bytes, fill.src, fill.dst, why,
                        fill.outcome, event.lane, event.job, False, True))
        filled.update((key, asked) for key, asked in mine.items() if any(e.method == "GET" for e in asked))
        result.append(found)
    return result


def _ones(links: tuple[LinkKey, ...]) -> tuple[int, ...]:
    return (1,) * len(links)


def flow_timing(
    parts: Sequence[Sequence[RequestEvent]], network: Network, due: Sequence[RequestEvent] = ()
) -> FlowTiming:
    """Simulate every part's requests at once, with the registries' background work beside them.

    `parts`: each client's requests, in the order it sent them (background copies its requests set
    off among them); `due`: the background copies due at the step's start, before any client acts."""
    seen: dict[tuple[str, str], _Pair] = {}
    due_sent = _sent(due, SHARED, network, seen)[1] if due else []
    sents = [_sent(events, part, network, seen) for part, events in enumerate(parts)]
    sizes: dict[LinkKey, int] = {}   # bytes, per link: what every route across it carried
    owner: dict[LinkKey, int] = {}   # per link: the part whose requests alone cross it, or SHARED
    for pair in seen.values():
        for key in pair.route.keys:
            sizes[key] = sizes.get(key, 0) + pair.bytes
            known = owner.get(key)
            owner[key] = pair.part if known is None or known == pair.part else SHARED
    capacity = {key: network.bytes_per_second(key) for key in sizes}
    if len(parts) > 1:
        groups = alike([mine for mine, _ in sents], [bool(theirs) for _, theirs in sents], owner,
                       capacity.__getitem__)
    else:
        groups = [Alike([part], [[]]) for part in range(len(parts))]
    ones: dict[int, Flow] = {}   # flows that stand for one client (one object per route)
    clients: list[Actor] = []   # one per group of clients acting alike
    copies: list[Actor] = []
    if due_sent:
        copies.extend(client_and_copies([], due_sent)[1])
    for group in groups:
        first = group.members[0]
        client, theirs = client_and_copies(*sents[first])
        size = len(group.members)
        if size == 1:
            set_flows(client, _ones, ones)
        else:
            def counted(links: tuple[LinkKey, ...], first: int = first, size: int = size) -> tuple[int, ...]:
                return tuple(1 if owner[key] == first else size for key in links)   # its own links once
            set_flows(client, counted, {})
        clients.append(client)
        copies.extend(theirs)
    for copy in copies:
        set_flows(copy, _ones, ones)
    actors = [*clients, *copies]
    peak: dict[LinkKey, float] = {}
    midway = [copy for copy in copies if copy.gate is not None and copy.gate[2] is not None]
    jobs: list[Job] = []        # every job, in the order they became active
    live = actors               # the actors not finished yet, in order
    step = 0.0                  # the last step of time: every actor busy in it moves on by it
    while True:
        # One pass over the actors: each moves on by the last step (its jobs' round trips and bytes),
        # starts its next phase when this one is done, fills its lanes, and says what it waits for.
        least = math.inf        # the next step: the shortest round trip left, or a transfer's end
        moving: list[Job] = []
        running = False
        ended = False
        for actor in live:
            active = actor.active
            if active:
                actor.elapsed += step
                now = actor.phase_start + actor.elapsed
                still: list[Job] = []
                for job in active:
                    if job.remaining_latency > 0:
                        job.remaining_latency -= step
                        if job.remaining_latency <= _EPSILON_SECONDS:
                            job.remaining_latency = 0.0
                            job.sent = now
                        else:
                            still.append(job)
                            if job.remaining_latency < least:
                                least = job.remaining_latency
                            continue
                        if job.remaining_bytes > _EPSILON_BYTES:
                            still.append(job)
                            moving.append(job)
                            continue
                    elif job.remaining_bytes > 0:
                        job.remaining_bytes -= job.rate * step
                        if job.remaining_bytes > _EPSILON_BYTES:
                            still.append(job)
                            moving.append(job)
                            continue
                    job.done = True
                    job.ended = now
                actor.active = active = still
            while not active and not actor.waiting:
                if actor.started is None:
                    if actor.gate is not None:
                        trigger, job, offset = actor.gate
                        if not job.done and (offset is None
                                             or job.latency - job.remaining_latency < offset - _EPSILON_SECONDS):
                            break   # the request that sets it off is not done (or not sent) yet
                        actor.phase_start = trigger.now()
                    actor.started = actor.phase_start
                actor.phase_start += actor.elapsed   # the phase before is over
                actor.elapsed = 0.0
                if not actor.phases:
                    actor.finished = actor.phase_start
                    ended = True
                    break
                actor.waiting, actor.lanes = actor.phases.pop()
            waiting = actor.waiting
            if waiting and len(active) < actor.lanes:
                now = actor.phase_start + actor.elapsed
                while waiting and len(active) < actor.lanes:
                    job = waiting.pop()
                    job.began = job.sent = now
                    jobs.append(job)
                    active.append(job)
                    if job.remaining_latency > 0:
                        if job.remaining_latency < least:
                            least = job.remaining_latency
                    elif job.remaining_bytes > 0:
                        moving.append(job)
                    else:
                        least = 0.0   # nothing to send and nothing to wait for: done at once
            if active:
                running = True
        if ended:
            live = [actor for actor in live if actor.finished is None]
        if not running:
            break
        step = least
        if moving:
            rates = fill([job.flow for job in moving], capacity)
            load: dict[LinkKey, float] = {}
            for job, rate in zip(moving, rates, strict=True):
                job.rate = rate
                left = job.remaining_bytes / rate
                if left < step:
                    step = left
                crossed, weights = job.flow
                for key, weight in zip(crossed, weights, strict=True):
                    load[key] = load.get(key, 0.0) + rate * weight
            for key, rate in load.items():
                share = rate / capacity[key]
                if share > peak.get(key, 0.0):
                    peak[key] = share
        for actor in midway:   # a copy set off midway through a running job starts exactly then
            if actor.started is None and actor.gate is not None:
                trigger, job, offset = actor.gate
                ahead = (offset or 0.0) - (job.latency - job.remaining_latency)
                if ahead > _EPSILON_SECONDS and any(active is job for active in trigger.active):
                    step = min(step, ahead)
    finished = [0.0] * len(parts)
    for group, client in zip(groups, clients, strict=True):
        for part in group.members:
            finished[part] = client.finished or 0.0
    ends = [copy.finished or 0.0 for copy in copies]
    seconds = max([*finished, *ends], default=0.0)
    background = max(ends) - min(copy.started or 0.0 for copy in copies) if copies else 0.0
    busy = busy_spans(jobs)
    for group in groups:   # each member, on its own links, as the first of its group
        for own in group.own[1:]:
            for simulated, key in zip(group.own[0], own, strict=True):
                if simulated in busy:
                    busy[key] = busy[simulated]
                if simulated in peak:
                    peak[key] = peak[simulated]
    union: dict[int, float] = {}   # id(spans) -> how long they cover (members share their first's)
    links: dict[LinkKey, tuple[int, float]] = {}
    for key, size in sizes.items():
        spans = busy.get(key)
        if spans is None:
            links[key] = (size, 0.0)
            continue
        time = union.get(id(spans))
        if time is None:
            time = union[id(spans)] = covered(spans)
        links[key] = (size, min(seconds, time))
    timing = StepTiming(seconds, max(finished, default=0.0), background, links)
    return FlowTiming(timing, finished, peak)


def step_timing(events: Iterable[RequestEvent], network: Network) -> StepTiming:
    """A step of one client (or none): its seconds and per-link usage, as a step of clients acting
    at once with one client in it."""
    return flow_timing([list(events)], network).timing


def step_seconds(events: Iterable[RequestEvent], network: Network) -> float:
    """Simulated seconds for a step's requests, from first principles (latency + bytes/bandwidth)."""
    return step_timing(events, network).seconds


def link_usage(events: Iterable[RequestEvent], network: Network) -> dict[LinkKey, tuple[int, float]]:
    """Bytes and busy seconds per link: the time it carried a request's round trip or bytes."""
    return step_timing(events, network).links
