"""The world strip under a narrow lesson page: the step shown, its layer bytes against whole images,
and its last requests, in a few lines (the full simulator is a key away)."""

from __future__ import annotations

from regsim.scenario.prompt import prompt_line
from regsim.scenario.records import StepRecord
from regsim.tui.views.requests import request_row
from regsim.units import fit_path, format_size


def strip_lines(record: StepRecord | None, position: int, total: int, width: int, requests: int = 2) -> list[str]:
    """One summary line, then the step's last `requests` requests (method, path, status, bytes)."""
    if record is None:
        return [f"Simulator: no step has run yet (0 of {total}) · s shows it"]
    said = prompt_line(record.actor, record.command) if record.command else (record.say or "")
    head = f"Step {position}/{total} {said}"
    suffix = ""
    if record.naive_layer_bytes or record.layer_bytes:
        suffix += (f" · layers ↑{format_size(record.layer_bytes_up)} ↓{format_size(record.layer_bytes_down)}"
                   f" of {format_size(record.naive_layer_bytes)} whole")
    if len(record.requests) > requests:
        suffix += f" · {len(record.requests)} requests"
    lines = [_cut(head, width - len(suffix)) + suffix]
    events = record.requests[-requests:]
    for event in events:
        row = request_row(event)
        tail = f" {row.status} {row.bytes}"
        method = f"{row.method:<6}"
        lines.append(method + fit_path(row.path, max(8, width - len(method) - len(tail))) + tail)
    if not record.requests:
        lines.append("  (no requests: this step ran on the client alone)")
    return lines


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(1, width - 1)] + "…"
