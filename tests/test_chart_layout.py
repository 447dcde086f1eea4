"""Charts a student can paste into a report as they are: no label covers another label or a node.

Each bundled scenario's network, sharing and storage chart is drawn once (Agg) and every piece of
text is measured by matplotlib's own renderer: the boxes of the texts a reader must read (titles,
tick labels, node names, link and value labels, legend entries) may not overlap each other or the
markers of the graph's nodes.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

import pytest

from regsim.bundled import find_scenario, scenario_files
from regsim.charts import make_figure
from regsim.scenario.engine import replay
from regsim.scenario.loader import load_scenario
from regsim.scenario.records import run_to_dict

if TYPE_CHECKING:
    from matplotlib.figure import Figure
    from matplotlib.transforms import Bbox

SCENARIOS = sorted(path.stem for path in scenario_files())


@functools.cache
def run_of(name: str) -> dict:  # type: ignore[type-arg]
    return run_to_dict(replay(load_scenario(find_scenario(name))))  # type: ignore[return-value]


Box = tuple[str, float, "Bbox", "Bbox"]   # text, rotation, box in its own turned frame, box on the canvas


def text_boxes(fig: Figure) -> list[Box]:
    """Every visible, non-empty text of the figure: its box on the canvas, in pixels, and (for
    turned text, such as slanted tick labels) its box in a frame turned with it, where two texts
    slanted alike are two upright rectangles."""
    import math

    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.text import Text

    # Laid out afresh, as an export is: tick positions follow the axes' final size.
    FigureCanvasAgg(fig)
    fig.draw_without_rendering()   # lays out and measures, paints nothing
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    unseen = unseen_tick_labels(fig)
    boxes = []
    for artist in fig.findobj(Text):
        if not (artist.get_visible() and artist.get_text().strip() and artist.figure is not None):
            continue
        if id(artist) in unseen:
            continue
        box = Text.get_window_extent(artist, renderer)   # the text (an annotation's arrow may cross bars)
        if box.width <= 0 or box.height <= 0:
            continue
        angle = artist.get_rotation() % 360
        turned = box
        if angle and artist.get_rotation_mode() == "anchor":
            # Turned about its anchor: upright, the same text sits at the same anchor; in the
            # frame turned by the angle it is that upright box, moved as the anchor moves.
            artist.set_rotation(0)
            upright = Text.get_window_extent(artist, renderer)
            artist.set_rotation(angle)
            ax_, ay = artist.get_transform().transform(artist.get_unitless_position())
            c, s = math.cos(math.radians(-angle)), math.sin(math.radians(-angle))
            turned = upright.translated(c * ax_ - s * ay - ax_, s * ax_ + c * ay - ay)
        boxes.append((artist.get_text(), angle, turned, box))
    return boxes


def unseen_tick_labels(fig: Figure) -> set[int]:
    """The tick labels matplotlib keeps but never draws: those of ticks outside their axis's view
    (a panel's "400" when its axis ends at 214 lies over the panel above, yet is not painted)."""
    unseen: set[int] = set()
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            low, high = sorted(axis.get_view_interval())
            for tick, where in zip(axis.get_major_ticks(), axis.get_majorticklocs(), strict=False):
                if not low - 1e-9 <= where <= high + 1e-9:
                    unseen.update((id(tick.label1), id(tick.label2)))
    return unseen


def node_boxes(fig: Figure) -> list[tuple[str, Bbox]]:
    """The square around every marker drawn by `scatter` (nodes, images, layers), and every bar,
    in pixels."""
    from matplotlib.collections import PathCollection
    from matplotlib.patches import Rectangle
    from matplotlib.transforms import Bbox

    boxes = []
    for ax in fig.axes:
        for patch in ax.patches:
            if isinstance(patch, Rectangle):
                boxes.append((f"bar at x={patch.get_x():.2f}", patch.get_window_extent()))
        for collection in ax.collections:
            if not isinstance(collection, PathCollection):
                continue
            sizes = collection.get_sizes()
            for i, (x, y) in enumerate(ax.transData.transform(collection.get_offsets())):
                radius = (sizes[i % len(sizes)] ** 0.5) / 2 * fig.dpi / 72
                boxes.append((f"marker at ({x:.0f}, {y:.0f})",
                              Bbox.from_extents(x - radius, y - radius, x + radius, y + radius)))
    return boxes


def _overlap(a: Bbox, b: Bbox) -> bool:
    return bool(min(a.x1, b.x1) - max(a.x0, b.x0) > 1 and min(a.y1, b.y1) - max(a.y0, b.y0) > 1)


def overlaps(fig: Figure) -> list[str]:
    """Each text cut by the figure's edge, and each pair of texts, or text and marker, whose boxes
    overlap by more than a pixel."""
    texts = text_boxes(fig)
    nodes = [(name, 0.0, box, box) for name, box in node_boxes(fig)]
    page = fig.bbox
    found = [f"{a!r} is cut by the figure's edge" for a, _, _, box in texts
             if box.x0 < page.x0 - 1 or box.x1 > page.x1 + 1 or box.y0 < page.y0 - 1 or box.y1 > page.y1 + 1]
    for i, (a, angle_a, turned_a, box_a) in enumerate(texts):
        for b, angle_b, turned_b, box_b in texts[i + 1:] + nodes:
            alike = angle_a == angle_b and (angle_a == 0 or b in dict.fromkeys(t[0] for t in texts))
            if _overlap(turned_a, turned_b) if alike else _overlap(box_a, box_b):
                found.append(f"{a!r} overlaps {b!r}")
    return found


@pytest.mark.parametrize("kind", ["network", "sharing", "storage"])
@pytest.mark.parametrize("name", SCENARIOS)
def test_no_label_covers_another_or_a_node(name: str, kind: str) -> None:
    fig = make_figure(run_of(name), kind)  # type: ignore[arg-type]
    assert overlaps(fig) == []


@pytest.mark.parametrize("name", ["kubernetes-nodes", "fleet-rollout"])
def test_rollout_labels_stay_clear_of_each_other_and_inside_the_figure(name: str) -> None:
    """The fifty-node rollout names every fifth node and shortens a long command, keeping its image."""
    fig = make_figure(run_of(name), "rollout")  # type: ignore[arg-type]
    assert overlaps(fig) == []
    titles = [ax.get_title(loc="left") for ax in fig.axes]
    assert all(title.endswith(("app:1.0", "app:2.0", "nginx:1.27", "nginx:1.28", "nginx:1.28.1")) for title in titles)


def test_fifty_alike_nodes_are_drawn_as_one_and_the_csv_keeps_every_link() -> None:
    """kubernetes-nodes has 55 clients: named one under another they would cover each other."""
    from regsim.charts import chart_data

    run = run_of("kubernetes-nodes")
    fig = make_figure(run, "network")  # type: ignore[arg-type]
    names = [t.get_text() for t in fig.axes[0].texts]
    assert "node1 … node50 (50)" in names and "node7" not in names
    assert any(name.startswith("50 links, ") for name in names)
    rows = chart_data(run, "network")  # type: ignore[arg-type]
    assert sum(1 for row in rows if "node7" in (row["node_a"], row["node_b"])) >= 1
