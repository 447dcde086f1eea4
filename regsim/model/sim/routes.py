"""Routes across the network graph: which links a request crosses between two nodes.

A request follows the lowest-latency path whose every intermediate node is a router (clients and
registries do not forward traffic). A pair joined by no path at all, even over a link that is down,
uses an implicit fast local link; a pair joined only over links that are down has no route, and its
requests are unreachable. networkx finds the paths; it is imported only when a scenario has routers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

LinkKey = tuple[str, str]
Edges = tuple[tuple[LinkKey, float, float, bool], ...]   # (key, bandwidth, latency, up) per link

_GRAPHS: dict[tuple[Edges, frozenset[str]], _Graphs] = {}   # the last topologies seen (a scenario's few)


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


def find_route(
    a: str,
    b: str,
    routers: frozenset[str] | set[str],
    edges: Edges,
    local: tuple[float, float],
) -> Route | None:
    """The lowest-latency route from `a` to `b` over `edges`.

    None when `a` and `b` are joined only over links that are down."""
    graphs = _graphs(edges, frozenset(routers))
    paths, joined = graphs.towards(b)
    path = paths.get(a)
    if path is not None and len(path) > 1:
        up = graphs.up
        hops = [up.edges[x, y] for x, y in zip(path, path[1:], strict=False)]
        keys = tuple(_key(x, y) for x, y in zip(path, path[1:], strict=False))
        return Route(keys[::-1], sum(h["latency"] for h in hops), min(h["bandwidth"] for h in hops))
    if a in joined:
        return None   # joined only over links that are down
    return Route((_key(a, b),), local[1], local[0])


class _Graphs:
    """One topology's graphs, and the paths towards each destination found so far."""

    def __init__(self, edges: Edges, routers: frozenset[str]) -> None:
        import networkx as nx

        self.routers = routers
        self.up: Any = nx.Graph()
        self.every: Any = nx.Graph()
        for (x, y), bandwidth, latency, is_up in edges:
            self.every.add_edge(x, y, latency=latency)
            if is_up:
                self.up.add_edge(x, y, latency=latency, bandwidth=bandwidth)
        self._towards: dict[str, tuple[dict[str, list[str]], set[str]]] = {}

    def towards(self, b: str) -> tuple[dict[str, list[str]], set[str]]:
        """The lowest-latency paths from `b` to every node over links that are up, and the nodes
        joined to `b` at all; a path passes through routers only (one Dijkstra per destination)."""
        found = self._towards.get(b)
        if found is None:
            import networkx as nx

            routers = self.routers

            def through(u: str, v: str, data: dict[str, Any]) -> float | None:
                # Traffic leaves only the destination itself or a router: a client or registry is an end.
                return data["latency"] if u == b or u in routers else None

            paths = nx.single_source_dijkstra_path(self.up, b, weight=through) if b in self.up else {}
            joined: set[str] = set()
            if b in self.every:
                joined = set(nx.single_source_dijkstra_path_length(self.every, b, weight=through))
            found = self._towards[b] = (paths, joined)
        return found


def _graphs(edges: Edges, routers: frozenset[str]) -> _Graphs:
    """The graphs of this topology (built once; a scenario has a few)."""
    key = (edges, routers)
    found = _GRAPHS.get(key)
    if found is None:
        if len(_GRAPHS) >= 16:
            _GRAPHS.clear()
        found = _GRAPHS[key] = _Graphs(edges, routers)
    return found
