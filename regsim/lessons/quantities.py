"""Numbers a learner or a lesson writes ("2.3 MB", "6 layers", "2.4s"), read in a question's unit,
compared within a tolerance, and shown back the way the simulator shows them."""

from __future__ import annotations

import math
import re
from typing import Any

from regsim.units import UnitError, format_seconds, format_size, parse_duration, parse_size

# The step-record fields a computed answer can read, and the unit each is measured in.
METRIC_UNITS: dict[str, str | None] = {
    "layers_pushed": "layers",
    "layers_pulled": "layers",
    "layers_mounted": "layers",
    "layers_skipped": "layers",
    "cache_hits": "layers",
    "layer_bytes_up": "bytes",
    "layer_bytes_down": "bytes",
    "seconds": "seconds",
    "referrers_listed": None,   # artifacts a discover or verify found (plain counts, exact)
    "requests": None,           # requests the step sent
}
METRICS = tuple(METRIC_UNITS)

# Without a `tolerance:`, layers (and plain numbers) are exact, bytes 1%, seconds 10%.
DEFAULT_TOLERANCE: dict[str | None, float | str] = {None: 0.0, "layers": 0.0, "bytes": "1%", "seconds": "10%"}

_SIZE_SPELLINGS = {"b": "B", "byte": "B", "bytes": "B", "kb": "kB", "mb": "MB", "gb": "GB", "tb": "TB",
                   "kib": "KiB", "mib": "MiB", "gib": "GiB", "tib": "TiB"}
_TIME_SPELLINGS = {"s": "s", "sec": "s", "secs": "s", "second": "s", "seconds": "s", "ms": "ms",
                   "m": "m", "min": "m", "mins": "m", "minute": "m", "minutes": "m", "h": "h", "hour": "h",
                   "hours": "h"}
_NUMBER_AND_WORD = re.compile(r"^([0-9]+(?:\.[0-9]+)?|\.[0-9]+)\s*([A-Za-z]*)$")
_DIGIT_GROUPS = re.compile(r"(?<=\d)[,_ ](?=\d{3}\b)")


class QuantityError(ValueError):
    """A number that cannot be read in the question's unit; the message says what to write."""


def _example(unit: str | None) -> str:
    return {"bytes": "a size such as 2.3MB or 2300000", "layers": "a whole number of layers such as 3",
            "seconds": "a time such as 2.5s or 800ms"}.get(unit or "", "a number such as 3 or 2.5")


def _split(text: str, unit: str | None) -> tuple[float, str]:
    cleaned = _DIGIT_GROUPS.sub("", text.strip())
    match = _NUMBER_AND_WORD.match(cleaned)
    if not match:
        raise QuantityError(f"{text!r} is not a number: write {_example(unit)}")
    return float(match.group(1)), match.group(2)


def missing_unit(text: str, unit: str | None) -> str | None:
    """A learner's answer to a size or time question that is a bare number other than 0 (is
    "2.3" bytes, kB or MB?): the request for a unit, else None. Guessing the unit would grade
    the learner on a guess and spend the try; 0 needs no unit."""
    if unit not in ("bytes", "seconds"):
        return None
    try:
        number, word = _split(text, unit)
    except QuantityError:
        return None
    if word or number == 0:
        return None
    shown = f"{number:g}"
    if unit == "bytes":
        return f"{shown} what? Add a unit: {shown}MB, {shown}kB or {shown}B (this try is not used)."
    return f"{shown} what? Add a unit: {shown}s or {shown}ms (this try is not used)."


def parse_quantity(value: Any, unit: str | None) -> int | float:
    """A value in `unit`: bytes as an int, layers as an int, seconds as a float, else a number."""
    if isinstance(value, bool) or value is None:
        raise QuantityError(f"{value!r} is not a number: write {_example(unit)}")
    if isinstance(value, (int, float)):
        number, word = float(value), ""
        if math.isnan(number) or math.isinf(number):
            raise QuantityError(f"{value!r} is not a number: write {_example(unit)}")
    elif isinstance(value, str):
        number, word = _split(value, unit)
    else:
        raise QuantityError(f"{value!r} is not a number: write {_example(unit)}")
    if number < 0:
        raise QuantityError(f"{value!r} is negative: write {_example(unit)}")
    if unit == "bytes":
        if word:
            size_unit = _SIZE_SPELLINGS.get(word.lower(), word)
            try:
                return parse_size(f"{number:.12g}{size_unit}")
            except UnitError:
                raise QuantityError(f"{value!r} is not a size: write {_example(unit)} "
                                    "(units: B, kB, MB, GB, KiB, MiB, GiB)") from None
        return round(number)
    if unit == "seconds":
        if word:
            time_unit = _TIME_SPELLINGS.get(word.lower())
            if time_unit is None:
                raise QuantityError(f"{value!r} is not a time: write {_example(unit)}")
            return parse_duration(f"{number:.12g}{time_unit}")
        return number
    if word and not (unit == "layers" and word.lower() in ("layer", "layers")):
        raise QuantityError(f"{value!r}: write just {_example(unit)}")
    if unit == "layers":
        if number != int(number):
            raise QuantityError(f"{value!r}: a number of layers is a whole number, such as 3")
        return int(number)
    return int(number) if number == int(number) else number


def parse_tolerance(value: Any, unit: str | None) -> float | str:
    """An absolute tolerance in the unit (a number, or for bytes a size, for seconds a time), or "N%"."""
    if isinstance(value, str) and value.strip().endswith("%"):
        try:
            percent = float(value.strip()[:-1])
        except ValueError:
            raise QuantityError(f"tolerance {value!r} is not a percentage such as 10%") from None
        if percent < 0 or math.isnan(percent):
            raise QuantityError(f"tolerance {value!r} cannot be negative")
        return f"{percent:g}%"
    try:
        return float(parse_quantity(value, unit if unit in ("bytes", "seconds") else None))
    except QuantityError:
        raise QuantityError(f"tolerance {value!r} is not a number or a percentage such as 10%") from None


def allowed_error(expected: float, unit: str | None, tolerance: float | str | None) -> float:
    """How far from `expected` an answer may be and still count as right."""
    chosen = DEFAULT_TOLERANCE.get(unit, 0.0) if tolerance is None else tolerance
    if isinstance(chosen, str):
        return abs(expected) * float(chosen.rstrip("%")) / 100.0
    return float(chosen)


def within(actual: float, expected: float, unit: str | None, tolerance: float | str | None) -> bool:
    return abs(actual - expected) <= allowed_error(expected, unit, tolerance) + 1e-9


def format_quantity(value: Any, unit: str | None) -> str:
    """`2.3MB (2,300,000 bytes)`, `1 layer`, `2.4 s`, `3`."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if unit == "bytes":
        shown = format_size(int(value))
        return shown if int(value) < 1000 else f"{shown} ({int(value):,} bytes)"
    if unit == "layers":
        return f"{int(value)} layer" + ("" if int(value) == 1 else "s")
    if unit == "seconds":
        return format_seconds(float(value))
    return f"{value:g}" if isinstance(value, float) else str(value)
