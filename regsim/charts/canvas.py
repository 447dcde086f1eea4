"""The blank figure every chart is drawn on: slide-sized, titled with what it shows."""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING

from regsim.charts import style
from regsim.charts.data import chart_title
from regsim.scenario.contract import RunJSON

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def new_figure(run: RunJSON, kind: str, until: int | None, height: float | None = None) -> Figure:
    """A slide-sized figure titled with what it shows."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(style.FIGSIZE[0], height or style.FIGSIZE[1]), layout="constrained")
    title = chart_title(run, kind, until)
    if len(title) > 75:  # run title on one line, what the chart shows on the next
        head, _, tail = title.partition(": ")
        # "(after step 4 of 15)" wraps as one piece, never leaving "15)" alone on a line
        what, paren, after = tail.partition(" (after step ")
        tail = what + (" " + (paren.strip() + " " + after).replace(" ", "\u00a0") if paren else "")
        title = "\n".join([textwrap.fill(head, 75), textwrap.fill(tail, 75)])
    fig.suptitle(title)
    return fig
