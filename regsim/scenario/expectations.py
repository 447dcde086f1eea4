"""What a step's `expect:` says, as one small typed check per key (the loader makes them; the
engine's `check_expectations` compares each with what the step did)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Succeeds:
    """`ok: true` or `ok: false`."""

    expected: bool


@dataclass(frozen=True, slots=True)
class FailsWith:
    """`error: CODE`: the step's error code (`error: null`: none)."""

    expected: str | None


@dataclass(frozen=True, slots=True)
class LayerBytes:
    """`layers_up: SIZE` (`up`) or `layers_down: SIZE`: the layer bytes the acting client sent or received."""

    up: bool
    expected: int


@dataclass(frozen=True, slots=True)
class Count:
    """`layers_pushed: N` and the other counts a step record keeps (`metric` names it)."""

    metric: str
    expected: int


@dataclass(frozen=True, slots=True)
class RateLimitRemaining:
    """`rate_limit_remaining: N`: what the last RateLimit-Remaining header of the step said."""

    expected: int


@dataclass(frozen=True, slots=True)
class Seconds:
    """`seconds: 6.5` or `{about: 6.5, within: …}`: the step's time, give or take `allowed` seconds."""

    expected: float
    allowed: float
    tolerance: str   # as the file gave it ("10%", "500 ms"), for the message


@dataclass(frozen=True, slots=True)
class Stored:
    """`stored: {HOST: SIZE}`: each registry's stored layer bytes after the step."""

    expected: dict[str, int]


@dataclass(frozen=True, slots=True)
class OutputContains:
    """`output_contains: TEXT`: a line of the step's output contains the text."""

    expected: str


Expectation = Succeeds | FailsWith | LayerBytes | Count | RateLimitRemaining | Seconds | Stored | OutputContains
