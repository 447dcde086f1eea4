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

_GRAPHS: dict[Edges, tuple[Any, Any]] = {}   # the graphs of the last topologies seen (a scenario's few)


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
    import networkx as nx

    up, every = _graphs(edges)

    def allowed(node: str) -> bool:   # traffic passes through routers only
        return node in routers or node in (a, b)

    if a in up and b in up:
        view = nx.subgraph_view(up, filter_node=allowed)
        try:
            path = nx.shortest_path(view, a, b, weight="latency")
        except nx.NetworkXNoPath:
            path = None
        if path is not None:
            keys = tuple(_key(x, y) for x, y in zip(path, path[1:], strict=False))
            hops = [up.edges[x, y] for x, y in zip(path, path[1:], strict=False)]
            return Route(keys, sum(h["latency"] for h in hops), min(h["bandwidth"] for h in hops))
    if a in every and b in every and nx.has_path(nx.subgraph_view(every, filter_node=allowed), a, b):
        return None   # joined only over links that are down
    return Route((_key(a, b),), local[1], local[0])


def _graphs(edges: Edges) -> tuple[Any, Any]:
    """The links that are up, and every link, as networkx graphs (built once per topology)."""
    found = _GRAPHS.get(edges)
    if found is not None:
        return found
    import networkx as nx

    up: Any = nx.Graph()
    every: Any = nx.Graph()
    for (x, y), bandwidth, latency, is_up in edges:
        every.add_edge(x, y)
        if is_up:
            up.add_edge(x, y, latency=latency, bandwidth=bandwidth)
    if len(_GRAPHS) >= 16:
        _GRAPHS.clear()
    _GRAPHS[edges] = (up, every)
    return up, every
