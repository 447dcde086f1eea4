"""Where the network chart puts each node when the topology has routers, and each link's label.

Without routers every link joins a client to a registry, and columns by role read well. With
routers, columns by role would stack a site's switch and the data centre's edge in one column and
bend the WAN between them through the drawing. Here a node's column is how many links it is from
the nearest client (clients, then site switches, then what hangs off them, ...), and each node sits
level with the nodes it links to on its left, so a site's switch sits beside its own clients and
its mirror beside its switch.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

from regsim.model.sim.network import NodeKind

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.text import Text

GAP = 0.45  # the least height between two nodes of one column (the drawing is 0 to 1 high): room for a label


def hop_columns(kinds: Mapping[str, str], links: Iterable[tuple[str, str]]) -> dict[str, tuple[float, float]]:
    """Each node's (x, y): x its hops from the nearest client, y level with its neighbours to the left."""
    neighbours: dict[str, list[str]] = {name: [] for name in kinds}
    for a, b in links:
        neighbours.setdefault(a, []).append(b)
        neighbours.setdefault(b, []).append(a)
    hops = {name: 0 for name, kind in kinds.items() if kind == NodeKind.CLIENT}
    frontier = list(hops)
    while frontier:
        following = []
        for name in frontier:
            for other in neighbours[name]:
                if other not in hops:
                    hops[other] = hops[name] + 1
                    following.append(other)
        frontier = following
    deepest = max(hops.values(), default=0)
    for name in neighbours:             # joined to no client: beyond the rest, as a registry would be
        hops.setdefault(name, deepest + 1)
    columns: dict[int, list[str]] = {}
    for name in neighbours:
        columns.setdefault(hops[name], []).append(name)
    y: dict[str, float] = {}
    for column in sorted(columns):
        names = columns[column]
        if column == min(columns):
            y.update(zip(names, _spread(len(names)), strict=True))
            continue
        wanted = {}
        for i, name in enumerate(names):
            placed = [y[other] for other in neighbours[name] if other in y]
            wanted[name] = sum(placed) / len(placed) if placed else 1 - i / max(len(names) - 1, 1)
        y.update(_apart(wanted))
    return {name: (float(hops[name]), y[name]) for name in neighbours}


def _spread(count: int) -> list[float]:
    return [0.5] if count == 1 else [1 - i / (count - 1) for i in range(count)]


def _apart(wanted: dict[str, float]) -> dict[str, float]:
    """Heights as near the wanted ones as keeps nodes GAP apart, within 0 to 1, top to bottom."""
    order = sorted(wanted, key=lambda name: -wanted[name])
    placed: dict[str, float] = {}
    previous = None
    for name in order:
        height = wanted[name] if previous is None else min(wanted[name], previous - GAP)
        placed[name] = previous = height
    low = min(placed.values(), default=0.0)
    if low < 0:
        placed = {name: height - low for name, height in placed.items()}
    return placed


def spread_link_labels(fig: Figure, ax: Axes, labels: list[tuple[tuple[tuple[float, float], ...], Text]],
                       nodes: Sequence[tuple[float, float]] = ()) -> None:
    """Slide each link's label along its link, or above or below it (up to about a label's height
    away, room a router's marker can take), until it overlaps no
    label placed before it, no node name and none of `nodes` (their markers). Labels start at the
    middle of their link and come busiest link first; a label with no clear place is left out
    rather than covering another (a quiet link's: the CSV has every link)."""
    from matplotlib.transforms import Bbox

    from regsim.charts.placing import laid_out

    renderer = laid_out(fig)
    taken = [text.get_window_extent(renderer) for text in ax.texts if all(text is not t for _, t in labels)]
    taken = [box.expanded(1.0, 1.0) for box in taken]
    for x, y in nodes:   # a marker is about 26 points across
        cx, cy = ax.transData.transform((x, y))
        half = 18 * fig.dpi / 72
        taken.append(Bbox([[cx - half, cy - half], [cx + half, cy + half]]))
    to_data = ax.transData.inverted()
    for (p0, c, p1), label in labels:
        height = label.get_window_extent(renderer).height
        for shift in (0.0, 0.6, -0.6, 1.2, -1.2):
            for t in (0.5, 0.44, 0.56, 0.38, 0.62, 0.33, 0.67, 0.28, 0.72, 0.2, 0.8):
                x = (1 - t) ** 2 * p0[0] + 2 * t * (1 - t) * c[0] + t**2 * p1[0]
                y = (1 - t) ** 2 * p0[1] + 2 * t * (1 - t) * c[1] + t**2 * p1[1]
                px, py = ax.transData.transform((x, y))
                label.set_position(tuple(to_data.transform((px, py + shift * (height + 6)))))
                box = label.get_window_extent(renderer).expanded(1.08, 1.15)
                if not any(box.overlaps(other) for other in taken):
                    taken.append(box)
                    break
            else:
                continue
            break
        else:
            label.set_visible(False)
