"""The graph charts: image→layer sharing, and the network with each link's traffic.

networkx holds the graphs; positions are computed here rather than by networkx's
layouts, because those iterate over sets and would place nodes differently from one
Python process to the next, breaking byte-identical files.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from regsim.charts import style
from regsim.charts.canvas import new_figure
from regsim.charts.client_groups import group_clients
from regsim.charts.data import (
    down_spans,
    image_identity,
    network_rows,
    node_kinds,
    sharing_rows,
    steps_until,
    unit_system,
)
from regsim.charts.placement import hop_columns, spread_link_labels
from regsim.model.sim.network import NodeKind
from regsim.scenario.contract import RunJSON
from regsim.units import format_bandwidth, format_latency, format_seconds, format_size

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.text import Text

MAX_LAYER_LABELS = 24  # beyond this, only shared layers are named
KIND_COLUMN: dict[str, float] = {NodeKind.CLIENT: 0, NodeKind.ROUTER: 0.5, NodeKind.MIRROR: 1, NodeKind.REGISTRY: 2,
                                 NodeKind.REPLICA: 3}
MAX_LINK_LABELS = 8   # with more links than this, a client's own link is not labelled: the shared ones are


def _spread(count: int) -> list[float]:
    """`count` heights from top (1) to bottom (0), centred when there is one."""
    if count == 1:
        return [0.5]
    return [1 - i / (count - 1) for i in range(count)]


def _empty(ax: Axes, message: str) -> None:
    ax.text(
        0.5,
        0.5,
        message,
        ha="center",
        va="center",
        fontsize=13,
        color=style.GREY,
        transform=ax.transAxes,
    )
    ax.set_axis_off()


def sharing_figure(run: RunJSON, until: int | None = None) -> Figure:
    """Bipartite graph: images on the left, their layers on the right, shared layers marked."""
    import networkx as nx
    from matplotlib.lines import Line2D

    rows = sharing_rows(run, until)
    units = unit_system(run)
    # Tall enough that every image and layer has a line of its own (about 16 points each).
    lines = max(len({(r["registry"], r["image"]) for r in rows}),
                len({(r["registry"], r["digest"]) for r in rows}) + len({r["registry"] for r in rows}))
    fig = new_figure(run, "sharing", until, max(style.FIGSIZE[1], lines * 16 / 72 * 1.3 + 2.2))
    ax = fig.add_subplot()
    if not rows:
        _empty(ax, "no tagged images in this run")
        return fig

    # One square per image of one registry (tags naming the same manifest are one image), one
    # circle per layer of one registry's store: a replica's copy of a layer is its own circle.
    several = len({row["registry"] for row in rows}) > 1
    tags: dict[str, list[str]] = {}
    graph = nx.Graph()
    for row in rows:
        registry = row["registry"]
        image = f"image {registry} {image_identity(run, registry, row['image'])}"
        layer = f"layer {registry} {row['digest']}"
        if row["image"] not in tags.setdefault(image, []):
            tags[image].append(row["image"])
        graph.add_node(image, side="image", registry=registry)
        graph.add_node(
            layer, side="layer", name=row["layer"], size=row["size_bytes"],
            users=row["shared_by"], registry=registry,
        )
        graph.add_edge(image, layer)
    images = [n for n, side in graph.nodes(data="side") if side == "image"]
    layers = [n for n, side in graph.nodes(data="side") if side == "layer"]

    image_y = dict(zip(images, _spread(len(images)), strict=True))
    # Order layers by the mean height of their images so edges cross as little as possible.
    order = {digest: i for i, digest in enumerate(layers)}
    layers.sort(key=lambda d: (-sum(image_y[i] for i in graph[d]) / graph.degree[d], order[d]))
    if several:
        # Each registry's layers under a heading of its own: a layer's copy in another registry
        # is another store's, drawn (and counted) there. A registry's layers link only to its
        # images, so each registry's layers are already together.
        slots: list[tuple[str, str]] = []
        current = None
        for digest in layers:
            registry = graph.nodes[digest]["registry"]
            if registry != current:
                slots.append(("heading", registry))
                current = registry
            slots.append(("layer", digest))
        heights = _spread(len(slots))
        layer_y = {name: y for (kind, name), y in zip(slots, heights, strict=True) if kind == "layer"}
        for (kind, name), y in zip(slots, heights, strict=True):
            if kind == "heading":
                ax.text(1, y, f"in {name}", ha="center", va="center", fontsize=11,
                        fontstyle="italic", color=style.GREY)
    else:
        layer_y = dict(zip(layers, _spread(len(layers)), strict=True))
    colour = {
        image: style.IMAGE_COLOURS[i % len(style.IMAGE_COLOURS)] for i, image in enumerate(images)
    }
    largest = max(graph.nodes[d]["size"] for d in layers) or 1
    # No circle wider than the gap to its neighbours (the axes are about the figure's height less
    # 2 inches tall, and show 1.24 of data): circles never cover each other or a label.
    slots_shown = (len(layers) + (len({graph.nodes[d]["registry"] for d in layers}) if several else 0))
    gap = (fig.get_figheight() - 2.0) * 72 / 1.24 / max(1, slots_shown - 1)
    widest = min(1720.0, (0.85 * gap) ** 2)
    smallest = min(120.0, widest / 3)
    area_of = {d: smallest + (widest - smallest) * graph.nodes[d]["size"] / largest for d in layers}
    label_at = 10 + (max(area_of.values()) ** 0.5) / 2   # one column of labels, right of every circle

    for image, digest in graph.edges():
        if graph.nodes[image]["side"] != "image":
            image, digest = digest, image
        shared = graph.nodes[digest]["users"] >= 2
        ax.plot(
            [0, 1],
            [image_y[image], layer_y[digest]],
            color=colour[image],
            linewidth=2.2 if shared else 1.4,
            alpha=0.85,
            zorder=1,
            solid_capstyle="round",
        )
    for image in images:
        ax.scatter(
            [0],
            [image_y[image]],
            marker="s",
            s=260,
            color=colour[image],
            edgecolors="black",
            linewidths=0.8,
            zorder=3,
        )
        ax.annotate(
            f"{graph.nodes[image]['registry']}/{_tag_list(tags[image])}",
            (0, image_y[image]),
            xytext=(-14, 0),
            textcoords="offset points",
            ha="right",
            va="center",
            fontsize=11,
        )
    label_all = len(layers) <= MAX_LAYER_LABELS
    for digest in layers:
        node = graph.nodes[digest]
        users = node["users"]
        shared = users >= 2
        area = area_of[digest]
        ax.scatter(
            [1],
            [layer_y[digest]],
            s=area,
            zorder=3,
            color=style.SHARED if shared else style.LIGHT_GREY,
            edgecolors="black" if shared else style.GREY,
            linewidths=2 if shared else 1,
        )
        if shared or label_all:
            text = f"{node['name']} · {format_size(node['size'], units)}"
            if shared:
                text += f" · shared by {users}"
            ax.annotate(
                text,
                (1, layer_y[digest]),
                xytext=(label_at, 0),
                textcoords="offset points",
                ha="left",
                va="center",
                fontsize=11,
                fontweight="bold" if shared else "normal",
            )

    ax.set_xlim(-1.25, 2.0)
    ax.set_ylim(-0.12, 1.12)
    ax.set_axis_off()
    ax.text(0, 1.1, "images", ha="center", va="bottom", fontsize=12, fontweight="bold")
    ax.text(
        1, 1.1, "layers (area ~ size)", ha="center", va="bottom", fontsize=12, fontweight="bold"
    )
    fig.legend(
        handles=[
            Line2D(
                [],
                [],
                linestyle="none",
                marker="s",
                markersize=11,
                color=style.IMAGE_COLOURS[0],
                markeredgecolor="black",
                label="tagged image",
            ),
            Line2D(
                [],
                [],
                linestyle="none",
                marker="o",
                markersize=13,
                color=style.SHARED,
                markeredgecolor="black",
                markeredgewidth=2,
                label="layer shared by ≥ 2 images (or platforms) of its registry",
            ),
            Line2D(
                [],
                [],
                linestyle="none",
                marker="o",
                markersize=13,
                color=style.LIGHT_GREY,
                markeredgecolor=style.GREY,
                label="layer used by one image",
            ),
        ],
        loc="outside lower center",
        ncols=3,
        frameon=False,
    )
    return fig


MAX_TAG = 24   # a longer tag (a referrer's `sha256-<64 hex>` tag, say) is cut: it would squeeze the chart


def _short_tag(reference: str) -> str:
    repository, colon, tag = reference.rpartition(":")
    if colon and len(tag) > MAX_TAG and "/" not in tag:
        return f"{repository}:{tag[:MAX_TAG - 1]}…"
    return reference


def _tag_list(references: list[str]) -> str:
    """'team/app:1.4.0, :sha-abc123': every tag naming one image, its repository written once."""
    first, *rest = sorted(references)
    repository = first.rpartition(":")[0]
    others = [f":{ref.rpartition(':')[2]}" if ref.rpartition(":")[0] == repository else ref for ref in rest]
    return ", ".join(_short_tag(ref) if not ref.startswith(":") else ref for ref in [first, *others])


def network_figure(run: RunJSON, until: int | None = None) -> Figure:
    """The topology: clients, routers, mirrors, registries; each link labelled with its bytes and
    seconds, and coloured by the largest share of it in use at once."""
    import networkx as nx
    from matplotlib import colormaps
    from matplotlib.lines import Line2D
    from matplotlib.patches import PathPatch
    from matplotlib.path import Path

    steps_until(run, until)
    down = down_spans(run, until)
    kinds, rows = group_clients(node_kinds(run), network_rows(run, until), down)
    units = unit_system(run)
    fig = new_figure(run, "network", until)
    ax = fig.add_subplot()

    graph = nx.Graph()
    for name, kind in kinds.items():
        graph.add_node(name, kind=kind)
    for row in rows:
        for end in (row["node_a"], row["node_b"]):
            if end not in graph:
                graph.add_node(end, kind="node")
        graph.add_edge(row["node_a"], row["node_b"], **row)
    if not graph:
        _empty(ax, "this run has no topology")
        return fig

    pos: dict[str, tuple[float, float]] = {}
    if NodeKind.ROUTER in kinds.values():   # columns by hops from the clients (placement.py)
        pos = hop_columns(dict(graph.nodes(data="kind")),
                          [(row["node_a"], row["node_b"]) for row in rows if row["declared"]])
    else:   # columns by role (clients → mirrors → registries → replicas), top to bottom in file order
        columns: dict[float, list[str]] = {}
        for name, kind in graph.nodes(data="kind"):
            columns.setdefault(KIND_COLUMN.get(kind, 2), []).append(name)
        for x, key in enumerate(sorted(columns)):
            for name, y in zip(columns[key], _spread(len(columns[key])), strict=True):
                pos[name] = (float(x), y)

    busiest = max((row["total_bytes"] for row in rows), default=0) or 1
    labelled_keys = {
        (r["node_a"], r["node_b"]) for r in rows
        if len(rows) <= MAX_LINK_LABELS or NodeKind.CLIENT not in (kinds.get(r["node_a"]), kinds.get(r["node_b"]))
    }
    load = colormaps["YlOrRd"]
    # Through routers links are shared, and how full one got is the point: colour by it. Without
    # routers each link is one pair's own, which a lone transfer fills: its colour would say nothing.
    shared = NodeKind.ROUTER in kinds.values()
    link_labels: list[tuple[int, tuple[tuple[float, float], ...], Text]] = []
    for a, b, row in graph.edges(data=True):
        (x0, y0), (x1, y1) = pos[a], pos[b]
        # A link that skips a column or stays in one bends, so it does not run through a node.
        # It bows away from the middle of the drawing, where the other nodes sit.
        bend = 0.0 if abs(x1 - x0) == 1 else 0.15
        cx, cy = (x0 + x1) / 2 + bend * (y1 - y0), (y0 + y1) / 2 - bend * (x1 - x0)
        if (cy - (y0 + y1) / 2) * ((y0 + y1) / 2 - 0.5 or 1) < 0:
            cx, cy = (x0 + x1) / 2 - bend * (y1 - y0), (y0 + y1) / 2 + bend * (x1 - x0)
        busy = row["total_bytes"] > 0
        spans = down.get((a, b) if a <= b else (b, a), [])
        still_down = bool(spans) and spans[-1][1] is None
        ax.add_patch(
            PathPatch(
                Path([(x0, y0), (cx, cy), (x1, y1)], [Path.MOVETO, Path.CURVE3, Path.CURVE3]),
                facecolor="none",
                edgecolor=(style.NAIVE if still_down
                           else load(0.3 + 0.7 * row["peak_share"]) if shared and row["peak_share"] is not None
                           else "black" if busy else style.GREY),
                linewidth=1.2 + 3.3 * row["total_bytes"] / busiest,
                linestyle=(0, (1, 2)) if still_down else "solid" if row["declared"] else (0, (4, 3)),
                zorder=1,
                capstyle="round",
            )
        )
        links = row.get("links", 1)   # alike clients drawn as one node: their links as one
        text = (
            f"{links} links, {format_size(row['total_bytes'], units)} in all" if busy and links > 1
            else f"{format_size(row['total_bytes'], units)} in {format_seconds(row['total_seconds'])}"
            if busy
            else "no traffic"
        )
        if row["declared"] and row["bandwidth_bps"] and (busy or not spans):
            text += f"\n{format_bandwidth(row['bandwidth_bps'])}"
            if row["latency_s"] is not None:
                text += f", {format_latency(row['latency_s'])} latency"
        if shared and row["peak_share"] is not None and busy:
            text += f"\nat most {row['peak_share']:.0%} in use"
        if spans:   # a link a step cut: when, and whether it came back
            text = ("" if not busy else text + "\n") + ", ".join(
                f"✗ down from step {start}" if end is None else f"down steps {start}–{end - 1}"
                for start, end in spans)
        if (row["node_a"], row["node_b"]) not in labelled_keys:
            continue
        mx, my = (x0 + 2 * cx + x1) / 4, (y0 + 2 * cy + y1) / 4
        link_labels.append((row["total_bytes"], ((x0, y0), (cx, cy), (x1, y1)), ax.text(
            mx,
            my,
            text,
            ha="center",
            va="center",
            fontsize=9 if shared else 11,   # routers: more columns, less room
            zorder=4,
            bbox={"boxstyle": "round,pad=0.3", "facecolor": "white", "edgecolor": style.LIGHT_GREY},
        )))

    for name, kind in graph.nodes(data="kind"):
        marker, colour = style.NODE_STYLE.get(kind, style.OTHER_NODE_STYLE)
        ax.scatter(
            pos[name][0],
            pos[name][1],
            marker=marker,
            s=700,
            color=colour,
            edgecolors="black",
            linewidths=1.2,
            zorder=3,
        )
    width = max(x for x, _ in pos.values())
    for name in graph:
        # Outer columns are named on their outer side, away from the links that arrive there.
        column = pos[name][0]
        offset: tuple[float, float]
        if width and column == 0:
            offset, (ha, va) = (-22, 0), ("right", "center")
        elif width and column == width:
            offset, (ha, va) = (22, 0), ("left", "center")
        else:
            offset, (ha, va) = (0, -20), ("center", "top")
        ax.annotate(
            name,
            pos[name],
            xytext=offset,
            textcoords="offset points",
            fontsize=12,
            fontweight="bold",
            zorder=5,
            ha=ha,
            va=va,
        )
    ax.set_xlim(-0.75, width + 0.75)
    ax.set_ylim(-0.22, 1.12)
    ax.set_axis_off()
    present = sorted(
        {kind for _, kind in graph.nodes(data="kind")}, key=lambda k: (KIND_COLUMN.get(k, 9), k)
    )
    handles = [
        Line2D(
            [],
            [],
            linestyle="none",
            marker=style.NODE_STYLE.get(k, style.OTHER_NODE_STYLE)[0],
            markersize=12,
            color=style.NODE_STYLE.get(k, style.OTHER_NODE_STYLE)[1],
            markeredgecolor="black",
            label=k,
        )
        for k in present
    ]
    handles.append(Line2D([], [], color="black", linewidth=2, label="link in the scenario"))
    if any(runs[-1][1] is None for runs in down.values()):
        handles.append(Line2D([], [], color=style.NAIVE, linewidth=2, linestyle=(0, (1, 2)),
                              label="link down at the end"))
    if any(not row["declared"] for row in rows):
        handles.append(
            Line2D(
                [],
                [],
                color="black",
                linewidth=2,
                linestyle=(0, (4, 3)),
                label="unlisted link (fast, local)",
            )
        )
    columns_wide = len(handles)
    if shared and any(row["peak_share"] is not None for row in rows):
        handles.append(Line2D([], [], color=load(1.0), linewidth=3, label="colour: share in use (full = red)"))
    columns_wide = min(columns_wide, 4)   # more entries take a second row, not the page's margin
    fig.legend(handles=handles, loc="outside lower center", ncols=columns_wide, frameon=False)
    link_labels.sort(key=lambda label: -label[0])   # the busiest links' labels are placed first
    spread_link_labels(fig, ax, [(path, label) for _, path, label in link_labels], list(pos.values()))
    return fig
