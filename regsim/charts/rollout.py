"""The rollout chart: for each step where clients acted at once, when each client was done.

The slowest client sets the step's time; clients that share a saturated link finish together,
so a fleet behind one WAN shows as one tall column of bars ending at the same second.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from regsim.charts import style
from regsim.charts.canvas import new_figure
from regsim.charts.data import rollout_rows, steps_until
from regsim.charts.rows import RolloutRow
from regsim.scenario.contract import RunJSON
from regsim.units import format_seconds

if TYPE_CHECKING:
    from matplotlib.figure import Figure

MAX_TITLE = 124         # characters of a panel's title that fit the figure's width at 10 pt
MAX_CLIENT_LABELS = 12   # more names than this collide on a panel 2.8 in high: name every nth


def rollout_figure(run: RunJSON, until: int | None = None) -> Figure:
    """One panel per step of clients acting at once: a bar per client, from 0 to when it was done."""
    steps_until(run, until)
    rows = rollout_rows(run, until)
    if not rows:
        fig = new_figure(run, "rollout", until)
        ax = fig.add_subplot()
        ax.text(0.5, 0.5, "no step of this run has clients acting at once (together:)", ha="center",
                va="center", fontsize=13, color=style.GREY, transform=ax.transAxes)
        ax.set_axis_off()
        return fig
    steps: dict[int, list[RolloutRow]] = {}
    for row in rows:
        steps.setdefault(row["step"], []).append(row)
    fig = new_figure(run, "rollout", until, max(style.FIGSIZE[1], 2.8 * len(steps) + 1.2))
    axes = fig.subplots(len(steps), 1, squeeze=False)[:, 0]
    for ax, (index, clients) in zip(axes, steps.items(), strict=True):
        names = [c["client"] for c in clients]
        seconds = [float(c["seconds"]) for c in clients]
        ys = list(range(len(names)))[::-1]    # the first client listed on top
        colours = [style.PULL if c["ok"] else style.NAIVE for c in clients]
        ax.barh(ys, seconds, color=colours, height=0.8)
        every = max(1, math.ceil(len(names) / MAX_CLIENT_LABELS))
        ax.set_yticks(ys[::every], names[::every], fontsize=9 if len(names) > 10 else 11)
        last = max(seconds)
        ax.axvline(last, color="black", linewidth=1.2, linestyle=(0, (4, 3)))
        command = clients[0]["command"]
        title = f"step {index}: {len(names)} clients at once · {command}"
        words = command.split()
        while len(title) > MAX_TITLE and len(words) > 3:   # past the figure's edge: drop options, keep the image
            words = [*words[:2], "…", *words[3 + (words[2] == "…"):]]
            title = f"step {index}: {len(names)} clients at once · {' '.join(words)}"
        ax.set_title(title, loc="left", fontsize=12 if len(title) <= 100 else 10)
        ax.set_xlim(0, last * 1.05 or 1)
        # The last client's time under the axis, never over a bar or the step's (long) title.
        ax.set_xlabel(f"seconds from the step's start until the client was done · the last, dashed: "
                      f"{format_seconds(last)}", fontsize=11)
    return fig
