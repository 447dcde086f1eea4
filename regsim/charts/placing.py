"""Placing labels where they cover nothing: measured by matplotlib's own renderer, in pixels.

A chart is laid out once (Agg), then each label tries its places in order and takes the first
whose box overlaps no box already taken (bars, markers, labels placed before it).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.backend_bases import RendererBase
    from matplotlib.figure import Figure
    from matplotlib.text import Text
    from matplotlib.transforms import Bbox


def laid_out(fig: Figure) -> RendererBase:
    """Lay the figure out (Agg) so screen positions are final; its renderer, to measure text.
    Nothing is painted: layout and text metrics only, a fraction of a full draw."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)
    fig.draw_without_rendering()
    renderer: RendererBase = fig.canvas.get_renderer()  # type: ignore[attr-defined]  # Agg has it
    return renderer


def bar_boxes(ax: Axes) -> list[Bbox]:
    """The boxes of the axes' bars (and other rectangles), in pixels."""
    from matplotlib.patches import Rectangle
    from matplotlib.transforms import Bbox

    bars = [patch for patch in ax.patches if isinstance(patch, Rectangle)]
    low = [(bar.get_x(), bar.get_y()) for bar in bars]
    high = [(bar.get_x() + bar.get_width(), bar.get_y() + bar.get_height()) for bar in bars]
    corners = ax.transData.transform(low + high)
    return [Bbox([corners[i], corners[i + len(bars)]]) for i in range(len(bars))]


def clear(box: Bbox, taken: Iterable[Bbox], within: Bbox | None = None) -> bool:
    """True when `box` overlaps none of `taken` (by more than a pixel) and lies inside `within`."""
    if within is not None and not (box.x0 >= within.x0 - 1 and box.x1 <= within.x1 + 1
                                   and box.y0 >= within.y0 - 1 and box.y1 <= within.y1 + 1):
        return False
    return not any(
        min(box.x1, other.x1) - max(box.x0, other.x0) > 1 and min(box.y1, other.y1) - max(box.y0, other.y0) > 1
        for other in taken
    )


def place(label: Text, places: Sequence[tuple[float, float]], taken: list[Bbox], renderer: RendererBase,
          within: Bbox | None = None, pad: float = 2.0) -> bool:
    """Move `label` to the first of `places` (in its own coordinates) where it is clear of `taken`;
    add its box to `taken`. False, and the label hidden, when no place is clear. Only the text
    itself is measured (an annotation's arrow may cross a bar: it points at one)."""
    from matplotlib.text import Text

    for position in places:
        label.set_position(position)
        box = Text.get_window_extent(label, renderer).padded(pad)
        if clear(box, taken, within):
            taken.append(box)
            return True
    label.set_visible(False)
    return False
