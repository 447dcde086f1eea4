"""Every size, bandwidth, duration, share and short digest a user reads or writes, in one style.

Parsing: `parse_size("29MB")`, `parse_bandwidth("100Mbit/s")`, `parse_duration("2h")`.
Formatting in regsim's own words: `format_size` (79MB, 75.3MiB), `format_seconds` (640 ms,
6.6 s, 2.1 min), `format_share` (62%), `short_digest` (sha256:5f8ee423db7d). regsim writes
sizes as docker does, so a number in the narration reads like the same number in docker's own
output. What imitates docker's output goes through `docker_size` and `docker_short_id`, so a
change of regsim's own style never changes docker's.
"""

from __future__ import annotations

import math
import re
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from urllib.parse import unquote

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


UNIT_SYSTEMS: dict[str, tuple[int, tuple[str, ...]]] = {
    "decimal": (1000, ("B", "kB", "MB", "GB", "TB")),
    "binary": (1024, ("B", "KiB", "MiB", "GiB", "TiB")),
}


def format_size(size: float, units: str = "decimal") -> str:
    """A size in regsim's words, in the scenario's unit system: `79MB`, `2.5GB`, `585B`, `75.3MiB`.

    Three significant digits; halves round up (369.5MB reads 370MB and 372.5MB reads 373MB,
    never down to the even neighbour), and a value that rounds to 1000 moves to the next unit
    (`1MB`, not `1000kB`).
    """
    return _three_digit_size(round(size), units == "binary")


def docker_size(size: int) -> str:
    """A size exactly as the docker CLI prints it (always decimal units): `79MB`, `2.5GB`, `585B`."""
    return _three_digit_size(size, False)


@lru_cache(maxsize=4096)
def _three_digit_size(size: int, binary: bool) -> str:
    base, units = UNIT_SYSTEMS["binary" if binary else "decimal"]
    if size < 0:
        return "-" + _three_digit_size(-size, binary)
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


def axis_unit(largest: float, units: str = "decimal") -> tuple[float, str]:
    """The (divisor, unit name) an axis whose largest value is `largest` bytes is drawn in."""
    base, names = UNIT_SYSTEMS[units]
    divisor, index = 1.0, 0
    while largest >= divisor * base and index < len(names) - 1:
        divisor *= base
        index += 1
    return divisor, names[index]


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


def format_bandwidth(bits_per_second: float) -> str:
    """A link's bandwidth: `100 Mbit/s`, `1 Gbit/s`, `2.5 kbit/s`."""
    for divisor, name in ((1e9, "Gbit/s"), (1e6, "Mbit/s"), (1e3, "kbit/s")):
        if bits_per_second >= divisor:
            return f"{bits_per_second / divisor:g} {name}"
    return f"{bits_per_second:g} bit/s"


def format_latency(seconds: float) -> str:
    """A link's latency, to three digits below a second (`80 ms`, `2.5 ms`), else as `format_seconds`."""
    return f"{seconds * 1000:.3g} ms" if seconds < 1 else format_seconds(seconds)


def format_seconds(seconds: float) -> str:
    """Simulated or measured seconds: `640 ms`, `6.6 s`, `2.1 min`, `3.0 h`."""
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    if seconds < 120:
        return f"{seconds:.1f} s"
    if seconds < 7200:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


def exact_seconds(seconds: float, places: int | None = None) -> str:
    """Seconds as a number with its unit, not rounded to a reading: to `places` decimals (`0.42 s`,
    `6.500123 s`), or, with none, as a scenario file writes them (`6.5 s`, `0.125 s`)."""
    return f"{seconds:g} s" if places is None else f"{seconds:.{places}f} s"


def format_wait(seconds: float) -> str:
    """A wait in whole minutes, rounded up, as a rate limit's window or time left: `6 h`, `1 h 59 min`, `5 min`."""
    hours, minutes = divmod(math.ceil(seconds / 60), 60)
    return " ".join(part for part in (f"{hours} h" if hours else "", f"{minutes} min" if minutes else "") if part)


_SHORT_HEX = 12   # as many hex digits as docker shows of an image ID


def short_digest(digest: str) -> str:
    """A digest as regsim names it in a sentence or a label: `sha256:5f8ee423db7d`.

    Anything that is not `ALGORITHM:HEX` (a tag, an empty string) comes back unchanged."""
    algorithm, colon, hexdigits = digest.partition(":")
    if not colon or not hexdigits:
        return digest
    return f"{algorithm}:{hexdigits[:_SHORT_HEX]}"


def elided_digest(digest: str) -> str:
    """`short_digest` with an ellipsis that says the digest goes on: `sha256:5f8ee423db7d…`."""
    short = short_digest(digest)
    return short + "…" if short != digest else digest


def docker_short_id(digest: str) -> str:
    """An image or layer ID as the docker CLI prints it: 12 hex digits, no algorithm (`5f8ee423db7d`)."""
    return digest.partition(":")[2][:_SHORT_HEX] if ":" in digest else digest[:_SHORT_HEX]


_DIGEST = re.compile(r"\b(sha256|sha512):([0-9a-f]{12})[0-9a-f]{20,}")
_QUERY_ALGORITHM = re.compile(r"^(\w+=)(?:sha256|sha512):")
_UUID = re.compile(r"\b([0-9a-f]{8})-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b")


def short_path(path: str) -> str:
    """A path that fits a table column: digests cut to the 12 hex digits docker prints, upload ids
    to their first 8, the closing digest (the one just checked) and the token service's
    `service=` (the To column names it) left out; query values are shown decoded."""
    base, _, query = path.partition("?")
    base = _UUID.sub(r"\1…", _DIGEST.sub(r"\1:\2…", base))
    params = []
    for param in query.split("&"):
        param = _DIGEST.sub(r"\1:\2…", unquote(param))
        if not param or param.startswith("service="):
            continue
        params.append(
            "digest=…" if param.startswith("digest=") else _QUERY_ALGORITHM.sub(r"\1", param)
        )
    return base + ("?" + "&".join(params) if params else "")


def elided_digests(text: str) -> str:
    """Every full digest and upload id in `text` cut to its start (`sha256:5f8ee423db7d…`), the rest
    kept: a whole path or reason that fits a line, its query decoded."""
    return _UUID.sub(r"\1…", _DIGEST.sub(r"\1:\2…", unquote(text)))


def fit_path(path: str, width: int) -> str:
    """Keep the end of a path, which names the blob or upload, when the column is too narrow."""
    return path if len(path) <= width else "…" + path[len(path) - width + 1 :]
