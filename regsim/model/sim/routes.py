"""Routes across the network graph: which links a request crosses between two nodes.

A request follows the lowest-latency path whose every intermediate node is a router (clients and
registries do not forward traffic). A pair joined by no path at all, even over a link that is down,
uses an implicit fast local link; a pair joined only over links that are down has no route, and its
requests are unreachable.

The paths come from Dijkstra's algorithm over the links, run once per destination and topology. It
is written out here rather than taken from networkx, whose import alone (about 0.1 s) would cost more
than opening a scenario does; it breaks ties as networkx's `single_source_dijkstra_path` does (the
first path found at the lowest latency, neighbours in the order their links were listed), and a test
compares the two on random topologies.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass
from typing import Any

LinkKey = tuple[str, str]
Edges = tuple[tuple[LinkKey, float, float, bool], ...]   # (key, bandwidth, latency, up) per link

_GRAPHS: dict[tuple[Edges, frozenset[str]], Graphs] = {}   # the last topologies seen (a scenario's few)


@dataclass(frozen=True, slots=True)
class Route:
    """The links a request crosses: their round trips add up, the slowest one bounds its bytes."""

    keys: tuple[LinkKey, ...]
    latency: float          # seconds: the sum of the route's round trips
    bandwidth: float        # bits per second: the bottleneck along it

    @property
    def bytes_per_second(self) -> float:
        return self.bandwidth / 8

    def __deepcopy__(self, memo: dict[int, Any]) -> Route:   # immutable: a world's snapshot can share it
        return self


def _key(a: str, b: str) -> LinkKey:
    return (a, b) if a <= b else (b, a)


def find_route(a: str, b: str, graphs: Graphs, local: tuple[float, float]) -> Route | None:
    """The lowest-latency route from `a` to `b` over a topology's links (see `graphs_for`).

    None when `a` and `b` are joined only over links that are down."""
    paths, joined = graphs.towards(b)
    path = paths.get(a)
    if path is not None and len(path) > 1:
        hops = [graphs.hop(x, y) for x, y in zip(path, path[1:], strict=False)]
        keys = tuple(_key(x, y) for x, y in zip(path, path[1:], strict=False))
        return Route(keys[::-1], sum(latency for latency, _ in hops), min(bandwidth for _, bandwidth in hops))
    if a in joined:
        return None   # joined only over links that are down
    return Route((_key(a, b),), local[1], local[0])


class Graphs:
    """One topology's links, and the paths towards each destination found so far."""

    def __init__(self, edges: Edges, routers: frozenset[str]) -> None:
        self.routers = routers
        self.up: dict[str, dict[str, tuple[float, float]]] = {}      # node -> neighbour -> (latency, bandwidth)
        self.every: dict[str, dict[str, float]] = {}                 # links that are down too
        for (x, y), bandwidth, latency, is_up in edges:
            for a, b in ((x, y), (y, x)):
                self.every.setdefault(a, {})[b] = latency
                if is_up:
                    self.up.setdefault(a, {})[b] = (latency, bandwidth)
        self._towards: dict[str, tuple[dict[str, list[str]], set[str]]] = {}

    def hop(self, x: str, y: str) -> tuple[float, float]:
        return self.up[x][y]

    def towards(self, b: str) -> tuple[dict[str, list[str]], set[str]]:
        """The lowest-latency paths from `b` to every node over links that are up, and the nodes
        joined to `b` at all; a path passes through routers only (one Dijkstra per destination)."""
        found = self._towards.get(b)
        if found is None:
            paths = _dijkstra_paths(self.up, b, self.routers) if b in self.up else {}
            joined = _joined(self.every, b, self.routers) if b in self.every else set()
            found = self._towards[b] = (paths, joined)
        return found


def _dijkstra_paths(adjacent: dict[str, dict[str, tuple[float, float]]], source: str,
                    routers: frozenset[str]) -> dict[str, list[str]]:
    """The lowest-latency path from `source` to every node it reaches; traffic leaves only the
    source itself or a router (a client or registry is an end)."""
    done: dict[str, float] = {}
    seen = {source: 0.0}
    paths = {source: [source]}
    fringe: list[tuple[float, int, str]] = [(0.0, 0, source)]
    pushed = 1
    while fringe:
        distance, _, node = heapq.heappop(fringe)
        if node in done:
            continue
        done[node] = distance
        if node != source and node not in routers:
            continue
        for neighbour, (latency, _bandwidth) in adjacent[node].items():
            total = distance + latency
            if neighbour not in done and (neighbour not in seen or total < seen[neighbour]):
                seen[neighbour] = total
                heapq.heappush(fringe, (total, pushed, neighbour))
                pushed += 1
                paths[neighbour] = [*paths[node], neighbour]
    return paths


def _joined(adjacent: dict[str, dict[str, float]], source: str, routers: frozenset[str]) -> set[str]:
    """Every node a path of links (up or down) joins to `source`, through routers only."""
    joined = {source}
    todo = [source]
    while todo:
        node = todo.pop()
        if node != source and node not in routers:
            continue
        for neighbour in adjacent[node]:
            if neighbour not in joined:
                joined.add(neighbour)
                todo.append(neighbour)
    return joined


def graphs_for(edges: Edges, routers: frozenset[str] | set[str]) -> Graphs:
    """The graphs of this topology (built once; a scenario has a few)."""
    key = (edges, frozenset(routers))
    found = _GRAPHS.get(key)
    if found is None:
        if len(_GRAPHS) >= 16:
            _GRAPHS.clear()
        found = _GRAPHS[key] = Graphs(*key)
    return found
