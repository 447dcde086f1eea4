"""The step charts: cumulative transfer (actual vs. naive) and storage per registry.

matplotlib is imported inside the functions, so importing regsim.charts stays cheap
and headless code never loads it. Figures are built with `Figure()`, not pyplot: no
global state, no GUI backend, safe to draw from a worker thread.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

from regsim.charts import style
from regsim.charts.canvas import new_figure
from regsim.charts.data import (
    node_kinds,
    steps_until,
    storage_columns,
    storage_rows,
    storing_nodes,
    transfer_rows,
    unit_system,
)
from regsim.charts.errors import ChartError
from regsim.charts.labels import step_label
from regsim.scenario.contract import RunJSON, StepJSON
from regsim.units import axis_unit, format_share, format_size

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.text import Text

MAX_TICK_LABELS = 14  # more step labels than this on a 10-inch axis collide


def _label_steps(ax: Axes, steps: list[StepJSON]) -> None:
    """Tick each step with `N verb target`; past MAX_TICK_LABELS, number a spaced subset only."""
    positions = list(range(1, len(steps) + 1))
    if len(steps) <= MAX_TICK_LABELS:
        ax.set_xticks(positions, [step_label(step) for step in steps])
        for tick in ax.get_xticklabels():
            tick.set(rotation=30, ha="right", rotation_mode="anchor")
    else:
        stride = -(-len(steps) // MAX_TICK_LABELS)
        shown = positions[::stride]
        ax.set_xticks(shown, [str(steps[p - 1].get("index", p)) for p in shown])
        ax.set_xlabel("step")
    ax.set_xlim(0.5, len(steps) + 0.5)


def _need_steps(steps: list[StepJSON]) -> None:
    if not steps:
        raise ChartError("the run has no steps, so there is nothing to chart over time")


def transfer_figure(run: RunJSON, until: int | None = None) -> Figure:
    """Cumulative layer bytes that crossed the network beside whole-image transfers."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    steps = steps_until(run, until)
    _need_steps(steps)
    rows = transfer_rows(run, until)
    units = unit_system(run)
    fig = new_figure(run, "transfer", until)
    ax = fig.add_subplot()

    xs = list(range(1, len(rows) + 1))
    top = max(max(r["cumulative_naive_bytes"], r["cumulative_actual_bytes"]) for r in rows)
    divisor, unit = axis_unit(top, units)
    actual = [r["cumulative_actual_bytes"] / divisor for r in rows]
    naive = [r["cumulative_naive_bytes"] / divisor for r in rows]

    ax.fill_between(
        xs,
        actual,
        naive,
        where=[n >= a for a, n in zip(actual, naive, strict=True)],
        color=style.SAVED,
        alpha=0.3,
        linewidth=0,
        interpolate=True,
    )
    ax.plot(xs, naive, color=style.NAIVE, linestyle=(0, (5, 3)), linewidth=2.5)
    ax.plot(xs, actual, color=style.ACTUAL, linewidth=2.5)
    for verb, marker, colour in (("push", "^", style.PUSH), ("pull", "v", style.PULL)):
        points = [(x, a) for x, a, r in zip(xs, actual, rows, strict=True) if r["verb"] == verb]
        if points:
            ax.scatter(
                [x for x, _ in points],
                [a for _, a in points],
                marker=marker,
                s=130,
                color=colour,
                edgecolors="black",
                linewidths=0.8,
                zorder=3,
            )
    others = [(x, a) for x, a, r in zip(xs, actual, rows, strict=True) if r["verb"] not in ("push", "pull")]
    if others:
        ax.scatter(
            [x for x, _ in others],
            [a for _, a in others],
            marker="o",
            s=28,
            facecolors="white",
            edgecolors=style.GREY,
            linewidths=1.2,
            zorder=3,
        )

    last = rows[-1]
    saved = last["saved_bytes"]
    saved_text = (
        f"saved: {format_size(saved, units)} "
        f"({format_share(saved, last['cumulative_naive_bytes'])})"
    )
    if saved > 0:
        ax.annotate(
            "",
            xy=(xs[-1], naive[-1]),
            xytext=(xs[-1], actual[-1]),
            arrowprops={
                "arrowstyle": "<->",
                "color": "black",
                "lw": 1.5,
                "shrinkA": 0,
                "shrinkB": 0,
            },
        )
        saved_label = ax.text(
            xs[-1] - 0.12,
            (actual[-1] + naive[-1]) / 2,
            saved_text,
            ha="right",
            va="center",
            fontsize=13,
            fontweight="bold",
            bbox={
                "boxstyle": "round,pad=0.3",
                "facecolor": "white",
                "edgecolor": "none",
                "alpha": 0.85,
            },
        )

    _label_steps(ax, steps)
    ax.set_ylim(0, max(naive + actual) * 1.12 or 1)
    ax.set_ylabel(f"layer bytes, cumulative ({unit})")
    handles = [
        Line2D([], [], color=style.ACTUAL, linewidth=2.5, label="actually sent or received"),
        Line2D(
            [],
            [],
            color=style.NAIVE,
            linewidth=2.5,
            linestyle=(0, (5, 3)),
            label="naive: whole images every time",
        ),
        Patch(facecolor=style.SAVED, alpha=0.3, label=saved_text),
        Line2D(
            [],
            [],
            linestyle="none",
            marker="^",
            markersize=10,
            color=style.PUSH,
            markeredgecolor="black",
            label="push (bytes up)",
        ),
        Line2D(
            [],
            [],
            linestyle="none",
            marker="v",
            markersize=10,
            color=style.PULL,
            markeredgecolor="black",
            label="pull (bytes down)",
        ),
    ]
    ax.legend(handles=handles, loc="upper left", frameon=True, framealpha=0.9)
    if saved > 0:
        _clear_of_lines(fig, ax, saved_label)
    return fig


def _clear_of_lines(fig: Figure, ax: Axes, label: Text) -> None:
    """Move `label` up or down to the nearest height where no line and not the legend runs
    through it, preferring where it stands (between the two lines, by the arrow)."""
    import numpy as np
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)
    fig.canvas.draw()   # lays the figure out, so screen positions are final
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]  # an Agg canvas has it; stubs type the base
    box = label.get_window_extent(renderer)
    area = ax.get_window_extent(renderer)
    margin = 4.0
    points = []
    for line in ax.get_lines():
        xs, ys = np.asarray(line.get_xdata(), float), np.asarray(line.get_ydata(), float)
        if len(xs) > 1:
            dense = np.column_stack([
                np.concatenate([np.linspace(a, b, 100) for a, b in itertools.pairwise(xs)]),
                np.concatenate([np.linspace(a, b, 100) for a, b in itertools.pairwise(ys)]),
            ])
            points.append(ax.transData.transform(dense))
    near = np.concatenate(points) if points else np.empty((0, 2))
    near = near[(near[:, 0] > box.x0 - margin) & (near[:, 0] < box.x1 + margin)]
    legend = ax.get_legend()
    legend_box = legend.get_window_extent(renderer) if legend is not None else None
    half = box.height / 2 + margin
    centre = (box.y0 + box.y1) / 2
    heights = np.arange(area.y0 + half, area.y1 - half, 2.0)
    for y in sorted(heights, key=lambda h: (abs(h - centre), h)):
        if np.any(np.abs(near[:, 1] - y) < half):
            continue
        if (legend_box is not None and legend_box.x1 > box.x0 and legend_box.x0 < box.x1
                and legend_box.y0 - half < y < legend_box.y1 + half):
            continue
        label.set_y(ax.transData.inverted().transform((box.x0, y))[1])
        return


def storage_figure(run: RunJSON, until: int | None = None) -> Figure:
    """Per registry and step: deduplicated stored bytes beside logical bytes, GC drops marked."""
    from matplotlib.patches import Patch

    steps = steps_until(run, until)
    _need_steps(steps)
    rows = storage_rows(run, until)
    registries = storing_nodes(run)
    if not registries:
        raise ChartError("no registry in this run reports storage, so there is no storage chart")
    units = unit_system(run)
    kinds = node_kinds(run)
    height = max(style.FIGSIZE[1], 1.5 * len(registries) + 2.6)
    fig = new_figure(run, "storage", until, height)
    axes = fig.subplots(len(registries), 1, sharex=True, sharey=True, squeeze=False)[:, 0]

    top = max(
        max(row[col] for col in storage_columns(name)[:2]) for row in rows for name in registries
    )
    divisor, unit = axis_unit(top, units)
    xs = list(range(1, len(rows) + 1))
    width = 0.38
    for ax, name in zip(axes, registries, strict=True):
        stored_key, logical_key, freed_key = storage_columns(name)
        logical = [row[logical_key] / divisor for row in rows]
        stored = [row[stored_key] / divisor for row in rows]
        ax.bar(
            [x - width / 2 for x in xs],
            logical,
            width,
            facecolor="white",
            edgecolor=style.LOGICAL,
            hatch="///",
            linewidth=1.5,
        )
        ax.bar([x + width / 2 for x in xs], stored, width, color=style.STORED)
        for x, row, height_ in zip(xs, rows, stored, strict=True):
            if row[freed_key] > 0:
                near_right = x > len(xs) - 1.5
                ax.annotate(
                    f"gc freed {format_size(row[freed_key], units)}",
                    xy=(x + width / 2, height_),
                    xytext=(-8 if near_right else 0, 30),
                    textcoords="offset points",
                    ha="right" if near_right else "center",
                    va="bottom",
                    fontsize=11,
                    fontweight="bold",
                    arrowprops={"arrowstyle": "->", "color": "black", "lw": 1.2},
                    bbox={"boxstyle": "round,pad=0.2", "facecolor": "white", "edgecolor": "none"},
                )
        kind = kinds.get(name)
        ax.set_title(f"{name} ({kind})" if kind else name, loc="left", fontsize=12)
        ax.set_ylim(0, (top / divisor) * 1.4 or 1)
    _label_steps(axes[-1], steps)
    fig.supylabel(f"layer bytes ({unit})", fontsize=12)
    fig.legend(
        handles=[
            Patch(
                facecolor="white",
                edgecolor=style.LOGICAL,
                hatch="///",
                label="logical: sum over tagged images",
            ),
            Patch(facecolor=style.STORED, label="stored: each blob once (deduplicated)"),
        ],
        loc="outside lower center",
        ncols=2,
        frameon=False,
    )
    return fig
