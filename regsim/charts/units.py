"""Byte counts and durations as people read them: 79 MB, 75.3 MiB, 6.64 s."""

from __future__ import annotations

from regsim.charts.errors import ChartError
from regsim.model.units import format_share

UNIT_SYSTEMS: dict[str, tuple[int, tuple[str, ...]]] = {
    "decimal": (1000, ("B", "kB", "MB", "GB", "TB", "PB")),
    "binary": (1024, ("B", "KiB", "MiB", "GiB", "TiB", "PiB")),
}


def unit_system(run_or_units: object) -> str:
    """The run's `units` ("decimal" when it names none); ChartError for anything else."""
    units = run_or_units.get("units") if isinstance(run_or_units, dict) else run_or_units
    if units is None:
        return "decimal"
    if units not in UNIT_SYSTEMS:
        raise ChartError(f"units must be 'decimal' or 'binary', not {units!r}")
    return str(units)


def _three_digits(value: float) -> str:
    """At most three significant digits, without trailing zeros: 79, 75.3, 1.47."""
    if value >= 100:
        text = f"{value:.0f}"
    elif value >= 10:
        text = f"{value:.1f}"
    else:
        text = f"{value:.2f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def format_bytes(count: float, units: str = "decimal") -> str:
    """A byte count in the largest unit that keeps it at 1 or more: `format_bytes(79e6)` is '79 MB'."""
    base, names = UNIT_SYSTEMS[unit_system(units)]
    sign = "−" if count < 0 else ""
    value = float(abs(count))
    if value < base:
        return f"{sign}{value:.0f} B"
    index = 0
    while value >= base and index < len(names) - 1:
        value /= base
        index += 1
    # 999.96 kB rounds to "1000 kB"; say "1 MB" instead.
    if float(_three_digits(value)) >= base and index < len(names) - 1:
        value /= base
        index += 1
    return f"{sign}{_three_digits(value)} {names[index]}"


def axis_unit(largest: float, units: str = "decimal") -> tuple[float, str]:
    """The (divisor, name) an axis whose largest value is `largest` bytes should be drawn in."""
    base, names = UNIT_SYSTEMS[unit_system(units)]
    divisor, index = 1.0, 0
    while largest >= divisor * base and index < len(names) - 1:
        divisor *= base
        index += 1
    return divisor, names[index]


def format_seconds(seconds: float) -> str:
    """Simulated seconds: '0.64 s', '6.6 s', '2 min 5 s'."""
    if seconds < 60:
        return f"{_three_digits(seconds)} s" if seconds > 0 else "0 s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest} s"


def format_percent(part: float, whole: float) -> str:
    """A whole-number percentage that never rounds to 100% or 0% (see `format_share`)."""
    return format_share(part, whole)
