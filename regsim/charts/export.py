"""Writing a chart to a file: PNG, SVG or PDF drawings, or CSV of the same numbers.

Files are rendered in memory, written to a temporary file beside the target and renamed
over it, so a failure never leaves a half-written chart. The same run gives the same bytes.
"""

from __future__ import annotations

import csv
import io
import os
import secrets
from collections.abc import Mapping, Sequence
from pathlib import Path

from regsim.charts import style
from regsim.charts.data import chart_title, check_kind, csv_rows, steps_until
from regsim.charts.errors import ChartError
from regsim.scenario.contract import RunJSON

SUFFIXES: tuple[str, ...] = (".png", ".svg", ".pdf", ".csv")


def check_suffix(path: str | os.PathLike[str]) -> str:
    """The file format named by `path`'s suffix; ChartError listing the supported ones."""
    if Path(path).is_dir():
        raise ChartError(
            f"cannot write {os.fspath(path)}: it is a folder; name a file in it, such as "
            f"{os.fspath(Path(path) / 'chart.png')}"
        )
    suffix = Path(path).suffix.lower()
    if suffix not in SUFFIXES:
        shown = f"'{suffix}'" if suffix else "no suffix"
        raise ChartError(
            f"cannot write {os.fspath(path)}: {shown} is not a chart format; "
            f"end the name with one of {', '.join(SUFFIXES)}"
        )
    return suffix[1:]


def _cell(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


# Headers for a chart with no rows (a run without steps, images or links).
EMPTY_COLUMNS = {
    "transfer": ["step", "actor", "command", "verb", "actual_bytes", "naive_bytes",
                 "cumulative_actual_bytes", "cumulative_naive_bytes", "saved_bytes"],
    "storage": ["step", "actor", "command", "verb"],
    "sharing": ["registry", "image", "layer", "digest", "size_bytes", "shared_by"],
    "network": ["node_a", "node_b", "declared", "bandwidth_bps", "latency_s", "total_bytes",
                "total_seconds", "peak_share"],
    "rollout": ["step", "actor", "command", "verb", "client", "seconds", "ok"],
}  # fmt: skip


def csv_bytes(rows: Sequence[Mapping[str, object]], empty_columns: list[str] | None = None) -> bytes:
    """The rows as UTF-8 CSV with a header line; columns in the rows' key order."""
    buffer = io.StringIO()
    columns = list(rows[0]) if rows else empty_columns
    if columns:
        writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({key: _cell(value) for key, value in row.items()})
    return buffer.getvalue().encode("utf-8")


def render(run: RunJSON, kind: str, fmt: str, until: int | None = None) -> bytes:
    """The bytes of chart `kind` in format `fmt` (png, svg, pdf or csv)."""
    kind = check_kind(kind)
    if fmt == "csv":
        return csv_bytes(csv_rows(run, kind, until), EMPTY_COLUMNS[kind])
    from regsim.charts.draw import make_figure

    fig = make_figure(run, kind, until)
    buffer = io.BytesIO()
    with style.rc_context():
        fig.savefig(
            buffer,
            format=fmt,
            dpi=style.PNG_DPI,
            metadata=style.save_metadata(fmt, chart_title(run, kind, until)),
        )
    return buffer.getvalue()


def _check_target(target: Path) -> None:
    parent = target.parent
    if target.is_dir():
        raise ChartError(f"cannot write {target}: it is a directory; give a file name")
    if not parent.exists():
        raise ChartError(f"cannot write {target}: directory {parent} does not exist")
    if not parent.is_dir():
        raise ChartError(f"cannot write {target}: {parent} is not a directory")


def write_atomically(target: Path, data: bytes) -> None:
    """Write `data` to a temporary file beside `target`, then rename it into place."""
    _check_target(target)
    temporary = target.parent / f".{target.name}.{secrets.token_hex(4)}.tmp"
    try:
        # 0o666 less the umask, like any file a program creates: os.open applies the umask.
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        with os.fdopen(fd, "wb") as file:
            file.write(data)
        os.replace(temporary, target)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        reason = error.strerror or str(error)
        raise ChartError(f"cannot write {target}: {reason}") from error


def export(run: RunJSON, kind: str, path: str | os.PathLike[str], until: int | None = None) -> Path:
    """Write chart `kind` of `run` to `path`; the suffix (.png .svg .pdf .csv) picks the format.

    Returns the path written. Raises ChartError for an unknown kind, an unsupported
    suffix, an `until` outside 1..len(steps) or a path that cannot be written.
    """
    kind = check_kind(kind)
    fmt = check_suffix(path)
    steps_until(run, until)
    target = Path(path)
    _check_target(target)
    write_atomically(target, render(run, kind, fmt, until))
    return target
