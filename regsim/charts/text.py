"""Charts as plain text rows for a terminal: the same numbers, drawn with block characters.

No matplotlib here, so the terminal app can show a chart without loading it.
"""

from __future__ import annotations

from regsim.charts.data import (
    chart_title,
    check_kind,
    network_rows,
    node_kinds,
    rollout_rows,
    sharing_rows,
    steps_until,
    storage_rows,
    storing_nodes,
    transfer_rows,
    unit_system,
)
from regsim.charts.errors import ChartError
from regsim.charts.labels import short_command
from regsim.charts.rows import SharingRow, StepColumns
from regsim.scenario.contract import RunJSON
from regsim.units import format_seconds, format_share, format_size

MIN_WIDTH = 40
FULL, LIGHT = "█", "░"
VERB_MARK = {"push": "↑", "pull": "↓"}


def _fit(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _bar(full: float, light: float, scale: float, cells: int) -> str:
    """`full` in █ then up to `light` in ░, `scale` filling `cells` columns."""
    if scale <= 0 or cells <= 0:
        return " " * max(cells, 0)
    solid = round(cells * full / scale)
    shaded = max(round(cells * light / scale) - solid, 0)
    if full > 0 and solid == 0:
        solid = 1  # a non-zero amount is never drawn as nothing
    return (FULL * solid + LIGHT * shaded).ljust(cells)[:cells]


MIN_BAR = 8


def _layout(labels: list[str], values: list[str], width: int) -> tuple[int, int, int]:
    """Column widths (label, value, bar) shared by every row of one chart, so bars compare."""
    label_width = min(max((len(label) for label in labels), default=0), width // 3)
    value_width = min(
        max((len(value) for value in values), default=0), width - label_width - 3 - MIN_BAR
    )
    return label_width, value_width, width - label_width - value_width - 3


def _rows_to_lines(
    labels: list[str],
    bars: list[tuple[float, float]],
    values: list[str],
    scale: float,
    layout: tuple[int, int, int],
) -> list[str]:
    label_width, value_width, cells = layout
    return [
        f"{_fit(label, label_width):<{label_width}} │{_bar(full, light, scale, cells)} "
        f"{_fit(value, value_width):>{value_width}}"
        for label, (full, light), value in zip(labels, bars, values, strict=True)
    ]


def _step_name(row: StepColumns) -> str:
    mark = VERB_MARK.get(row["verb"], " ")
    return f"{row['step']:>2}{mark}{short_command(row['command'], row['verb'])}"


def _transfer(run: RunJSON, until: int | None, width: int) -> list[str]:
    units = unit_system(run)
    rows = transfer_rows(run, until)
    if not rows:
        return ["(no steps)"]
    scale = max(max(r["cumulative_naive_bytes"], r["cumulative_actual_bytes"]) for r in rows)
    values = [
        f"{format_size(r['cumulative_actual_bytes'], units)} of "
        f"{format_size(r['cumulative_naive_bytes'], units)}"
        for r in rows
    ]
    labels = [_step_name(r) for r in rows]
    lines = _rows_to_lines(
        labels,
        [(r["cumulative_actual_bytes"], r["cumulative_naive_bytes"]) for r in rows],
        values,
        scale,
        _layout(labels, values, width),
    )
    last = rows[-1]
    saved = (
        f"saved: {format_size(last['saved_bytes'], units)} "
        f"({format_share(last['saved_bytes'], last['cumulative_naive_bytes'])})"
    )
    legend = f"{FULL} actually moved  {LIGHT} naive (whole images)  ↑ push  ↓ pull"
    return lines + [_fit(saved, width), _fit(legend, width)]


def _storage(run: RunJSON, until: int | None, width: int) -> list[str]:
    units = unit_system(run)
    rows = storage_rows(run, until)
    registries = storing_nodes(run)
    if not rows or not registries:
        return ["(no storage reported)"]
    kinds = node_kinds(run)
    scale = max(max(held["stored_layer_bytes"], held["logical_layer_bytes"])
                for r in rows for held in r["registries"].values())
    labels = [_step_name(r) for r in rows]
    values: dict[str, list[str]] = {}
    for name in registries:
        values[name] = []
        for r in rows:
            held = r["registries"][name]
            value = (f"{format_size(held['stored_layer_bytes'], units)} / "
                     f"{format_size(held['logical_layer_bytes'], units)}")
            if held["freed_bytes"]:
                value += f", gc freed {format_size(held['freed_bytes'], units)}"
            values[name].append(value)
    layout = _layout(labels, [v for column in values.values() for v in column], width)
    lines: list[str] = []
    for name in registries:
        kind = kinds.get(name)
        lines.append(_fit(f"{name} ({kind})" if kind else name, width))
        column = [r["registries"][name] for r in rows]
        bars: list[tuple[float, float]] = [(h["stored_layer_bytes"], h["logical_layer_bytes"]) for h in column]
        lines += _rows_to_lines(labels, bars, values[name], scale, layout)
    legend = f"stored / logical:  {FULL} stored (deduplicated)  {LIGHT} logical (tagged images)"
    return lines + [_fit(legend, width)]


def _sharing(run: RunJSON, until: int | None, width: int) -> list[str]:
    units = unit_system(run)
    rows = sharing_rows(run, until)
    if not rows:
        return ["(no tagged images)"]
    layers: dict[tuple[str, str], SharingRow] = {}
    for r in rows:
        layers.setdefault((r["registry"], r["digest"]), r)   # sharing is within one registry
    ordered = list(layers.values())
    registries = list(dict.fromkeys(r["registry"] for r in ordered))
    scale = max(r["size_bytes"] for r in ordered)
    values = [
        f"{format_size(r['size_bytes'], units)}, "
        + (f"shared by {r['shared_by']}" if r["shared_by"] >= 2 else "1 image")
        for r in ordered
    ]
    labels = [r["layer"] for r in ordered]
    layout = _layout(labels, values, width)
    lines: list[str] = []
    for registry in registries:
        if len(registries) > 1:   # each registry's store under its own heading, as in the figure
            lines.append(_fit(f"in {registry}", width))
        picked = [i for i, r in enumerate(ordered) if r["registry"] == registry]
        lines += _rows_to_lines(
            [labels[i] for i in picked],
            [(ordered[i]["size_bytes"], ordered[i]["size_bytes"]) for i in picked],
            [values[i] for i in picked],
            scale,
            layout,
        )
    return lines


def _network(run: RunJSON, until: int | None, width: int) -> list[str]:
    units = unit_system(run)
    rows = network_rows(run, until)
    if not rows:
        return ["(no links)"]
    scale = max(r["total_bytes"] for r in rows)
    values = [
        f"{format_size(r['total_bytes'], units)} in {format_seconds(r['total_seconds'])}"
        for r in rows
    ]
    labels = [f"{r['node_a']} – {r['node_b']}" for r in rows]
    return _rows_to_lines(
        labels,
        [(r["total_bytes"], r["total_bytes"]) for r in rows],
        values,
        scale,
        _layout(labels, values, width),
    )


def _rollout(run: RunJSON, until: int | None, width: int) -> list[str]:
    rows = rollout_rows(run, until)
    if not rows:
        return ["(no step with clients acting at once)"]
    scale = max(float(r["seconds"]) for r in rows)
    values = [format_seconds(float(r["seconds"])) + ("" if r["ok"] else " (failed)") for r in rows]
    labels = [f"step {r['step']} {r['client']}" for r in rows]
    return _rows_to_lines(
        labels,
        [(float(r["seconds"]), float(r["seconds"])) for r in rows],
        values,
        scale,
        _layout(labels, values, width),
    )


def terminal_lines(run: RunJSON, kind: str, width: int, until: int | None = None) -> list[str]:
    """Chart `kind` as text lines at most `width` columns wide: a title, then one bar per row.

    transfer and storage draw one row per step; sharing one per layer; network one per link;
    rollout one per client of each step where clients acted at once.
    """
    kind = check_kind(kind)
    if isinstance(width, bool) or not isinstance(width, int) or width < MIN_WIDTH:
        raise ChartError(f"width must be at least {MIN_WIDTH} columns, got {width!r}")
    steps_until(run, until)
    draw = {"transfer": _transfer, "storage": _storage, "sharing": _sharing, "network": _network,
            "rollout": _rollout}[kind]
    return [_fit(chart_title(run, kind, until), width), *draw(run, until, width)]
