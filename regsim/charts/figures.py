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
    storage_rows,
    storing_nodes,
    transfer_rows,
    unit_system,
)
from regsim.charts.errors import ChartError
from regsim.charts.labels import step_label
from regsim.scenario.contract import RunJSON, StepJSON, StorageJSON
from regsim.units import axis_unit, format_share, format_size

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.text import Text
    from matplotlib.transforms import Bbox

MAX_TICK_LABELS = 14  # more step labels than this on a 10-inch axis collide


def _label_steps(ax: Axes, steps: list[StepJSON]) -> None:
    """Tick every step with `N verb target` (a failed one ends in ✗ and reads in red): slanted up
    to MAX_TICK_LABELS steps, upright and smaller beyond, so each still has its own line."""
    positions = list(range(1, len(steps) + 1))
    ax.set_xticks(positions, [step_label(step) for step in steps])
    many = len(steps) > MAX_TICK_LABELS
    for tick, step in zip(ax.get_xticklabels(), steps, strict=True):
        tick.set(rotation=90 if many else 30, ha="right" if not many else "center",
                 va="top", rotation_mode="anchor" if not many else "default",
                 fontsize=11 if len(steps) <= 50 else 9)   # 11 points fit 50 upright labels
        if many:
            tick.set(rotation_mode="anchor", ha="right", va="center")
        if step.get("ok") is False:
            tick.set(color=style.NAIVE, fontweight="bold")
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
    mirrored = "cumulative_mirror_upstream_bytes" in rows[0]
    upstream = [r["cumulative_mirror_upstream_bytes"] / divisor for r in rows] if mirrored else []

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
    if mirrored:   # what the mirrors fetched from upstream, over the WAN, for what they served
        ax.plot(xs, upstream, color=style.UPSTREAM, linestyle=(0, (1, 1.5)), linewidth=3)
    failed = [(x, a) for x, a, step in zip(xs, actual, steps, strict=True) if step.get("ok") is False]
    if failed:
        ax.scatter([x for x, _ in failed], [a for _, a in failed], marker="X", s=170, color=style.NAIVE,
                   edgecolors="white", linewidths=1.0, zorder=4)
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
    # With mirrors, the saving that matters is the WAN's: clients still receive every layer, from
    # the mirror, while it fetches each from upstream twice on its first pull (a copy kept, a copy
    # streamed) and not again until the copy expires.
    low, high = actual[-1], naive[-1]
    if mirrored and saved <= 0:
        saved = last["mirror_saved_bytes"]
        served = sum(r["mirror_served_bytes"] for r in rows)
        saved_text = f"WAN saved by the mirror: {format_size(saved, units)} ({format_share(saved, served)})"
        # The arrow is as long as the saving: from what crossed the WAN to what the mirror served.
        low, high = upstream[-1], upstream[-1] + saved / divisor
    if saved > 0:
        ax.annotate(
            "",
            xy=(xs[-1], high),
            xytext=(xs[-1], low),
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
            (low + high) / 2,
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
    if mirrored and last["saved_bytes"] <= 0:   # the shaded gap is empty: the WAN line says it
        handles.pop(2)
    if mirrored:
        handles.insert(2, Line2D([], [], color=style.UPSTREAM, linewidth=3, linestyle=(0, (1, 1.5)),
                                 label="fetched by the mirror from upstream (WAN)"))
    if failed:
        handles.append(Line2D([], [], linestyle="none", marker="X", markersize=11, color=style.NAIVE,
                              markeredgecolor="white", label="step failed (✗)"))
    ax.legend(handles=handles, loc="upper left", frameon=True, framealpha=0.9)
    if saved > 0:
        _clear_of_lines(fig, ax, saved_label)
    return fig


def _clear_of_lines(fig: Figure, ax: Axes, label: Text) -> None:
    """Move `label` up or down to the nearest height where no line and not the legend runs
    through it, preferring where it stands (between the two lines, by the arrow)."""
    import numpy as np

    from regsim.charts.placing import laid_out

    renderer = laid_out(fig)
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

    top = max(max(held["stored_layer_bytes"], held["logical_layer_bytes"])
              for row in rows for held in row["registries"].values())
    divisor, unit = axis_unit(top, units)
    xs = list(range(1, len(rows) + 1))
    width = 0.38
    # (axes, annotation, places to try, fallback note for the panel's title): placed once laid out
    # Values first (each has one place), then gc notes (they have many).
    values: list[tuple[Axes, Text, list[tuple[float, float]], str | None]] = []
    notes: list[tuple[Axes, Text, list[tuple[float, float]], str | None]] = []
    for ax, name in zip(axes, registries, strict=True):
        held = [row["registries"][name] for row in rows]
        logical = [bytes_["logical_layer_bytes"] / divisor for bytes_ in held]
        stored = [bytes_["stored_layer_bytes"] / divisor for bytes_ in held]
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
            freed = row["registries"][name]["freed_bytes"]
            if freed > 0:
                note = f"gc freed {format_size(freed, units)}"
                label = ax.annotate(
                    note,
                    xy=(x + width / 2, height_),
                    xytext=(0, 30),
                    textcoords="offset points",
                    ha="center",
                    va="bottom",
                    fontsize=11,
                    fontweight="bold",
                    arrowprops={"arrowstyle": "->", "color": "black", "lw": 1.2},
                    bbox={"boxstyle": "round,pad=0.2", "facecolor": "white", "edgecolor": "none"},
                )
                places: list[tuple[float, float]] = [
                    (dx, dy) for dy in (30, 45, 60, 75, 90, 20) for dx in (0, -40, 40, -80, 80, -120, 120)]
                notes.append((ax, label, places, f"{note} at step {row['step']}"))
        for x, value, bytes_, side in _value_labels(held, divisor):
            label = ax.annotate(
                format_size(bytes_, units), xy=(x + side * width / 2, value), xytext=(0, 3),
                textcoords="offset points", ha="center", va="bottom", fontsize=11, rotation=90,
                color=style.STORED if side > 0 else "black",
            )
            values.append((ax, label, [(0, 3)], None))
        kind = kinds.get(name)
        ax.set_title(f"{name} ({kind})" if kind else name, loc="left", fontsize=12)
        ax.set_ylim(0, (top / divisor) * 1.6 or 1)   # room above the tallest bar for its value
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
    fig.get_layout_engine().set(h_pad=0.12)  # type: ignore[union-attr,call-arg]  # panels' tick labels apart
    _place_storage_labels(fig, values + notes)
    return fig


def _value_labels(held: list[StorageJSON], divisor: float) -> list[tuple[int, float, int, int]]:
    """Which bars carry their value: the last step's two, then each stored bar that changed
    (a value the bar before already showed is not repeated).

    Each as (x, bar height, bytes, side: -1 logical, +1 stored), in the order they
    are placed (a later one is left out when there is no room for it)."""
    last = len(held)
    logical, stored = held[-1]["logical_layer_bytes"], held[-1]["stored_layer_bytes"]
    labels = [(last, logical / divisor, logical, -1), (last, stored / divisor, stored, 1)]
    previous = 0
    for x, bytes_ in enumerate(held[:-1], start=1):
        stored = bytes_["stored_layer_bytes"]
        if stored != previous:
            labels.append((x, stored / divisor, stored, 1))
        previous = stored
    return [label for label in labels if label[2] > 0]


def _place_storage_labels(fig: Figure, pending: list[tuple[Axes, Text, list[tuple[float, float]], str | None]]) -> None:
    """Each gc note and value label where it covers no bar and no other label; a gc note with no
    room goes into its panel's title instead."""
    from regsim.charts.placing import bar_boxes, laid_out, place

    for _, label, _, _ in pending:
        label.set_in_layout(False)  # placing a label must not move the panels it is placed in
    renderer = laid_out(fig)
    taken: dict[int, list[Bbox]] = {}
    for ax, label, places, fallback in pending:
        boxes = taken.setdefault(id(ax), bar_boxes(ax))
        if not place(label, places, boxes, renderer, within=ax.get_window_extent(renderer)) and fallback:
            ax.set_title(f"{ax.get_title(loc='left')} · {fallback}", loc="left", fontsize=12)
