"""Clients that act alike in a step are timed as one.

In a rollout, fifty nodes send the same requests for the same image at once; each crosses links
of its own (its access link) and links they all share. Such clients are alike when their requests
match one for one (lane, blob, bytes, round trip) and their routes match link for link: the very
same shared link, or an own link of the same bandwidth. Max-min fairness gives alike flows the
same rate, by the same arithmetic (the filling adds the same shares to each and fills their links
in the same round), so alike clients finish at the very same moment. The step is simulated with
the first of them standing for all: its flows count once on its own links and once per member on
the links they share (fairness.py), and every member takes its times, each on its own links.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from regsim.model.core.events import RequestEvent
from regsim.model.sim.routes import LinkKey, Route

SHARED = -1   # a link more than one part uses (or a background copy)

Sent = list[tuple[RequestEvent, Route]]   # requests that left, each with the route it took


@dataclass(slots=True)
class Alike:
    """Parts of a step whose clients act alike: the first is simulated for all of them."""

    members: list[int]                 # the parts, in order
    own: list[list[LinkKey]]           # per member, its own links, in the order its requests first cross them


def alike(sents: Sequence[Sent], solo: Sequence[bool], owner: dict[LinkKey, int],
          capacity: Callable[[LinkKey], float]) -> list[Alike]:
    """The parts grouped by how they act (a part marked `solo` is a group of its own); `owner`
    gives each link's part, or SHARED."""
    groups: dict[object, Alike] = {}
    found: list[Alike] = []
    shapes: dict[object, int] = {}   # a route's shape -> its number
    for part, sent in enumerate(sents):
        if solo[part]:
            found.append(Alike([part], [[]]))
            continue
        signature, own = _signature(sent, part, owner, capacity, shapes)
        group = groups.get(signature)
        if group is None:
            group = groups[signature] = Alike([], [])
            found.append(group)
        group.members.append(part)
        group.own.append(own)
    return found


def _signature(sent: Sent, part: int, owner: dict[LinkKey, int], capacity: Callable[[LinkKey], float],
               shapes: dict[object, int]) -> tuple[tuple[object, ...], list[LinkKey]]:
    """How a part acts, with its own links named by the order it first crosses them; and those links."""
    own: dict[LinkKey, int] = {}
    jobs: dict[int, int] = {}
    numbered: dict[int, int] = {}   # id(route) -> the number of its shape
    items = []
    for event, route in sent:
        shape = numbered.get(id(route))
        if shape is None:
            keys: list[object] = []
            for key in route.keys:
                if owner[key] == part:
                    keys.append((own.setdefault(key, len(own)), capacity(key)))
                else:
                    keys.append(key)
            shape = numbered[id(route)] = shapes.setdefault((route.latency, tuple(keys)), len(shapes))
        context = event.context   # lane and job read it: read it once
        job = context.job
        if job >= 0:
            job = jobs.setdefault(job, len(jobs))
        items.append((context.lane, job, event.bytes, shape))
    return tuple(items), list(own)
