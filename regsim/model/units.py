"""Sizes, bandwidths and durations as people write them, and back."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

_SIZE_UNITS = {
    "B": 1,
    "kB": 1000, "KB": 1000, "MB": 1000**2, "GB": 1000**3, "TB": 1000**4,
    "KiB": 1024, "MiB": 1024**2, "GiB": 1024**3, "TiB": 1024**4,
}
_RATE_UNITS = {"bit/s": 1, "kbit/s": 1e3, "Kbit/s": 1e3, "Mbit/s": 1e6, "Gbit/s": 1e9, "bps": 1,
               "kbps": 1e3, "Mbps": 1e6, "Gbps": 1e9}
_TIME_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "min": 60.0, "h": 3600.0, "d": 86400.0}
_NUMBER = r"([0-9]+(?:\.[0-9]+)?)\s*"
_SIZE_RE = re.compile(rf"^{_NUMBER}([A-Za-z]+)$")
_RATE_RE = re.compile(rf"^{_NUMBER}([A-Za-z]+/s|[A-Za-z]+ps)$")
_TIME_RE = re.compile(rf"^{_NUMBER}([a-z]+)$")


class UnitError(ValueError):
    """A size, bandwidth or duration that cannot be read."""


def parse_size(text: str | int) -> int:
    """`29MB` -> 29_000_000 (kB/MB/GB are powers of 1000, KiB/MiB/GiB powers of 1024)."""
    if isinstance(text, bool):
        raise UnitError(f"{text!r} is not a size")
    if isinstance(text, int):
        if text < 0:
            raise UnitError(f"a size cannot be negative ({text})")
        return text
    match = _SIZE_RE.match(str(text).strip())
    if not match or match.group(2) not in _SIZE_UNITS:
        raise UnitError(
            f"{text!r} is not a size: write a number and a unit, such as 29MB or 512KiB "
            f"(units: {', '.join(_SIZE_UNITS)})"
        )
    return round(float(match.group(1)) * _SIZE_UNITS[match.group(2)])


def parse_bandwidth(text: str) -> float:
    """`100Mbit/s` -> 1e8 bits per second."""
    match = _RATE_RE.match(str(text).strip())
    if not match or match.group(2) not in _RATE_UNITS:
        raise UnitError(f"{text!r} is not a bandwidth: write e.g. 100Mbit/s or 1Gbit/s")
    value = float(match.group(1)) * _RATE_UNITS[match.group(2)]
    if value <= 0:
        raise UnitError(f"bandwidth must be positive, not {text!r}")
    return value


def parse_duration(text: str | float) -> float:
    """`80ms` -> 0.08, `2h` -> 7200.0."""
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        if text < 0:
            raise UnitError(f"a duration cannot be negative ({text})")
        return float(text)
    match = _TIME_RE.match(str(text).strip())
    if not match or match.group(2) not in _TIME_UNITS:
        raise UnitError(f"{text!r} is not a duration: write e.g. 80ms, 30s, 10m, 2h or 1d")
    return float(match.group(1)) * _TIME_UNITS[match.group(2)]


@lru_cache(maxsize=4096)
def format_size(size: int, binary: bool = False) -> str:
    """A size as docker prints it: three significant digits, `79MB`, `2.5GB`, `585B`.

    Halves round up (369.5MB reads 370MB and 372.5MB reads 373MB, never down to the even
    neighbour), and a value that rounds to 1000 moves to the next unit (`1MB`, not `1000kB`).
    """
    base, units = (1024, ("B", "KiB", "MiB", "GiB", "TiB")) if binary else (
        1000, ("B", "kB", "MB", "GB", "TB"))
    if size < 0:
        return "-" + format_size(-size, binary)
    unit = 0
    while size >= base ** (unit + 1) and unit < len(units) - 1:
        unit += 1
    if unit == 0:
        return f"{size}B"
    value = Decimal(size) / Decimal(base ** unit)
    digits = 3 - len(str(int(value)))          # decimals that keep three significant digits
    rounded = value.quantize(Decimal(1).scaleb(-max(digits, 0)), rounding=ROUND_HALF_UP)
    if rounded >= base and unit < len(units) - 1:
        return f"1{units[unit + 1]}"
    text = f"{rounded:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return f"{text}{units[unit]}"


def format_share(part: float, whole: float) -> str:
    """`part` as a percentage of `whole`, in whole numbers, except that it never reads 100% or 0%
    unless it is exactly that: 99.7% stays 99.7%, and a sliver reads 0.3%, not 0%."""
    if not whole:
        return "0%"
    share = 100 * part / whole
    if round(share) in (0, 100) and part not in (0, whole):
        for places in (1, 2, 3):
            text = f"{share:.{places}f}"
            if float(text) not in (0.0, 100.0):
                return f"{text}%"
        return "<0.001%" if share < 50 else ">99.999%"
    return f"{round(share)}%"


def format_seconds(seconds: float) -> str:
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    if seconds < 120:
        return f"{seconds:.1f} s"
    if seconds < 7200:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"
