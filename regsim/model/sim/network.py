"""The simulated network: nodes, links with bandwidth and round-trip latency, and the route a
request takes between two nodes. Unlisted links are fast and local.

How long a step takes, with every request on its route and the links shared, is flows.py's.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from regsim.model.core.snapshot import Copier, copy_fields, same, shallow
from regsim.model.sim.routes import Graphs, LinkKey, Route, find_route, graphs_for

DEFAULT_BANDWIDTH = 10e9     # bit/s: a local link
DEFAULT_LATENCY = 0.0002     # s: round trip on a local link


class NodeKind(StrEnum):
    """What a network node is; the word is the one `play --json`'s topology and the charts use."""

    CLIENT = "client"
    REGISTRY = "registry"
    MIRROR = "mirror"               # a pull-through cache
    REPLICA = "replica"             # a registry another one copies its images to
    ROUTER = "router"               # forwards traffic, neither client nor registry
    LIVE_REGISTRY = "live registry"  # `regsim serve`'s own registry


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

    def __deepcopy__(self, memo: dict[int, Any]) -> Link:   # immutable: a world's snapshot can share it
        return self


_LOCAL = Link()   # every unlisted pair (frozen: sharing it is safe)


def _key(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a <= b else (b, a)


class Network:
    """Nodes (clients, registries, mirrors, replicas) and the links between them."""

    def __init__(self) -> None:
        self.nodes: dict[str, NodeKind] = {}
        self.links: dict[tuple[str, str], Link] = {}
        self.down: set[tuple[str, str]] = set()   # links that are down: while empty, no request need look
        self.routers: set[str] = set()            # nodes that forward traffic (neither clients nor registries)
        self._routes: dict[tuple[str, str], Route | None] = {}   # found once per topology change
        self._graphs: Graphs | None = None        # the links as routes.py reads them, made once per change

    def __deepcopy__(self, memo: dict[int, Any]) -> Network:
        # Names, pairs of names, links and routes: nothing changes one once made.
        return copy_fields(self, memo, _COPIERS)

    def add_node(self, name: str, kind: str) -> None:
        """Put a node on the network; `kind` is a NodeKind (or its word: ValueError for any other)."""
        node_kind = self.nodes[name] = NodeKind(kind)
        if node_kind == NodeKind.ROUTER:
            self.routers.add(name)
        self._changed()

    def _changed(self) -> None:
        """The topology changed: routes are found again."""
        self._routes.clear()
        self._graphs = None

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
        self._changed()

    def link(self, a: str, b: str) -> Link:
        """The link between two nodes (an unlisted pair gets the fast local default; nothing is stored)."""
        return self.links.get(_key(a, b)) or _LOCAL

    def bytes_per_second(self, key: LinkKey) -> float:
        """A link's bandwidth in bytes per second, by its key (an unlisted pair's is the local default)."""
        return (self.links.get(key) or _LOCAL).bandwidth / 8

    def set_up(self, a: str, b: str, up: bool) -> None:
        self._check(a, b)
        key = _key(a, b)
        self.links[key] = replace(self.links.get(key, _LOCAL), up=up)
        if up:
            self.down.discard(key)
        else:
            self.down.add(key)
        self._changed()

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
            graphs = self._graphs
            if graphs is None:
                edges = tuple((key, link.bandwidth, link.latency, link.up) for key, link in sorted(self.links.items()))
                graphs = self._graphs = graphs_for(edges, self.routers)
            found = find_route(a, b, graphs, (DEFAULT_BANDWIDTH, DEFAULT_LATENCY))
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
        self._changed()


_COPIERS: dict[str, Copier] = {name: shallow for name in ("nodes", "links", "down", "routers", "_routes")}
_COPIERS["_graphs"] = same   # the paths found in one topology hold for every copy of it
