"""A client's requests as the simulation runs them: jobs in phases, and when each link was busy.

Serial requests go one at a time; a parallel lane's requests run side by side, up to its width
(3 downloads, 5 uploads at once: dockerd's defaults), one job per blob. A job first makes the round
trips of its requests, one after another, then moves its payload (a mirror streams what it fetches:
one payload over both links). Its times are kept, and each link's busy time is read from them once
the step is over (flows.py runs the step).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

from regsim.model.core.context import Lane
from regsim.model.sim.alike import Sent
from regsim.model.sim.fairness import Flow
from regsim.model.sim.routes import LinkKey

LANES = {Lane.DOWNLOAD: 3, Lane.UPLOAD: 5, Lane.BACKGROUND: 5}   # background: a registry copying blobs to a replica

# Bound once: reading a member off its class costs about 0.15 µs in CPython 3.11, and this is read
# for every request of a step.
_SERIAL = Lane.SERIAL


class Job:
    """A request, or the requests of one blob (a mirror's fetch counts with the download it serves).

    It keeps the times (from the step's start) it became active, made its last round trip and was
    done, from which each link's busy time is read once the step is over."""

    __slots__ = ("latency", "bytes", "links", "hops", "remaining_latency", "remaining_bytes", "done", "rate",
                 "flow", "began", "sent", "ended")

    def __init__(self, latency: float, size: int, links: tuple[LinkKey, ...],
                 hops: tuple[tuple[tuple[LinkKey, ...], float], ...]) -> None:
        self.latency = latency                   # its round trips, one after another
        self.bytes = size
        self.links = links                       # the links its payload crosses
        self.hops = hops                         # each request's links and round trip
        self.remaining_latency = latency
        self.remaining_bytes = float(size)
        self.done = False
        self.rate = 0.0                          # bytes/s while its payload moves
        self.flow: Flow = (links, ())            # its links, and how many clients it stands for on each
        self.began = self.sent = self.ended = 0.0


def job_from(sent: Sent) -> Job:
    """The job of a blob's requests (its round trips one after another, one payload)."""
    latency = 0.0
    size = 0
    links: list[LinkKey] = []
    hops: list[tuple[tuple[LinkKey, ...], float]] = []
    for event, route in sent:
        latency += route.latency
        hops.append((route.keys, route.latency))
        if event.bytes:
            size = max(size, event.bytes)   # a mirror streams what it fetches: one payload, two links
            for key in route.keys:
                if key not in links:
                    links.append(key)
    return Job(latency, size, tuple(links), tuple(hops))


Phase = tuple[list[Job], int]   # its jobs (the next one last) and how many run at once


@dataclass(slots=True)
class Actor:
    """A client's requests, or one background copy's: phases one after another.

    Each keeps its own clock: when its phase began, and the time since (steps added to it), so a
    client alone adds up its seconds exactly as a sum of round trips and transfers."""

    phases: list[Phase]                     # the phases still to come, the next one last
    # A copy starts once the job that set it off has made `offset` seconds of its round trips (the
    # requests before the copy), or, with no offset, once that job is done.
    gate: tuple[Actor, Job, float | None] | None = None
    waiting: list[Job] = field(default_factory=list)   # the next one last
    active: list[Job] = field(default_factory=list)
    lanes: int = 1
    phase_start: float = 0.0
    elapsed: float = 0.0                     # since phase_start
    started: float | None = None
    finished: float | None = None

    def now(self) -> float:
        return self.phase_start + self.elapsed


_NO_JOB = Job(0.0, 0, (), ())   # a placeholder while a batch is gathered


def phases_of(sent: Sent) -> tuple[list[Phase], list[Job]]:
    """Serial requests one at a time; consecutive requests of one parallel lane as one batch.
    Also the job each request belongs to, in the order given. The phases come next one last."""
    phases: list[Phase] = []
    jobs: list[Job] = []
    batch: dict[int, list[int]] = {}   # job id -> the positions of its requests
    lane = _SERIAL

    def flush() -> None:
        made = []
        for positions in batch.values():
            if len(positions) == 1:   # a blob fetched in one request (no mirror in between)
                event, route = sent[positions[0]]
                keys, latency = route.keys, route.latency
                job = Job(latency, event.bytes, keys if event.bytes else (), ((keys, latency),))
            else:
                job = job_from([sent[i] for i in positions])
            made.append(job)
            for i in positions:
                jobs[i] = job
        made.reverse()
        phases.append((made, LANES.get(lane, 1)))
        batch.clear()

    for i, (event, route) in enumerate(sent):
        context = event.context   # lane and job read it: read it once
        if context.lane == _SERIAL or context.job < 0:
            if batch:
                flush()
            # One request alone (most of them): its route is its one hop, and its payload's links.
            keys, latency = route.keys, route.latency
            job = Job(latency, event.bytes, keys if event.bytes else (), ((keys, latency),))
            jobs.append(job)
            phases.append(([job], 1))
            continue
        jobs.append(_NO_JOB)
        if context.lane != lane:
            if batch:
                flush()
            lane = context.lane
        batch.setdefault(context.job, []).append(i)
    if batch:
        flush()
    phases.reverse()
    return phases, jobs


Copies = list[tuple[int, Sent]]   # background copies: how many of the client's requests came before each


def client_and_copies(mine: Sent, groups: Copies) -> tuple[Actor, list[Actor]]:
    """A part's client, and the background copies among its requests (each gated on the request
    before it: the one that set it off, or none when it was due at the step's start)."""
    phases, jobs = phases_of(mine)
    client = Actor(phases)
    copies = []
    for after, group in groups:
        gate: tuple[Actor, Job, float | None] | None = None
        if after:
            job = jobs[after - 1]
            made = sum(1 for other in jobs[:after] if other is job)   # its requests sent before the copy
            offset = None if made == len(job.hops) else sum(latency for _, latency in job.hops[:made])
            gate = (client, job, offset)
        copies.append(Actor(phases_of(group)[0], gate))
    return client, copies


def set_flows(actor: Actor, weights: Callable[[tuple[LinkKey, ...]], tuple[int, ...]],
               made: dict[int, Flow]) -> None:
    """Each of the actor's jobs gets its flow: its links and how many clients it counts for on each
    (one flow object per route, so the filling fills each route once)."""
    for jobs, _ in actor.phases:
        for job in jobs:
            links = job.links
            flow = made.get(id(links))
            if flow is None:
                flow = made[id(links)] = (links, weights(links))
            job.flow = flow


def busy_spans(jobs: list[Job]) -> dict[LinkKey, list[tuple[float, float]]]:
    """When each link carried something: each request's links during its round trip, then the links
    its payload crosses while it moves (`jobs` in the order they became active).

    Spans are gathered per route first (a route's tuple of links is one object for a step), and
    spans of one route that touch are merged: one client's requests follow each other on its route."""
    routes: dict[int, tuple[tuple[LinkKey, ...], list[tuple[float, float]]]] = {}

    def add(keys: tuple[LinkKey, ...], start: float, stop: float) -> None:
        found = routes.get(id(keys))
        if found is None:
            routes[id(keys)] = (keys, [(start, stop)])
            return
        spans = found[1]
        first, last = spans[-1]
        if first <= start <= last:
            if stop > last:
                spans[-1] = (first, stop)
        else:
            spans.append((start, stop))

    for job in jobs:
        start = job.began
        for keys, latency in job.hops:
            stop = start + latency
            if stop > start:
                add(keys, start, stop)
            start = stop
        if job.links and job.ended > job.sent:
            add(job.links, job.sent, job.ended)
    busy: dict[LinkKey, list[tuple[float, float]]] = {}
    for keys, spans in routes.values():
        for key in keys:
            found = busy.get(key)
            if found is None:
                busy[key] = spans.copy()
            else:
                found.extend(spans)
    return busy


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
