"""Any chart kind as a matplotlib Figure: the step charts (figures.py) and the graphs (graphs.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from regsim.charts import style
from regsim.charts.data import check_kind
from regsim.charts.figures import storage_figure, transfer_figure
from regsim.charts.graphs import network_figure, sharing_figure
from regsim.charts.rollout import rollout_figure
from regsim.scenario.contract import RunJSON

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def make_figure(run: RunJSON, kind: str, until: int | None = None) -> Figure:
    """Chart `kind` (see KINDS) of `run` over steps 1..until, as a matplotlib Figure.

    Save it with `export` for reproducible files: export fixes the SVG ids and metadata.
    """
    draw = {
        "transfer": transfer_figure,
        "storage": storage_figure,
        "sharing": sharing_figure,
        "network": network_figure,
        "rollout": rollout_figure,
    }[check_kind(kind)]
    with style.rc_context():
        return draw(run, until)
