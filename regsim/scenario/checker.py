"""A scenario's YAML values read by their path: each wrong shape or unknown key becomes one Problem at its
FILE:LINE:COL (positions from `problems.Located`), and reading goes on so every problem is reported at once."""

from __future__ import annotations

from typing import Any

from regsim.scenario.problems import Located, Path, Problem, did_you_mean


class Checker:
    def __init__(self, located: Located) -> None:
        self.located = located
        self.problems: list[Problem] = list(located.duplicates)

    def add(self, path: Path, message: str, key: bool = False) -> None:
        self.problems.append(self.located.problem(path, message, key))

    def mapping(self, value: Any, path: Path, what: str) -> dict[str, Any]:
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.add(path, f"{what} must be a mapping (key: value lines)")
            return {}
        return value

    def sequence(self, value: Any, path: Path, what: str) -> list[Any]:
        if value is None:
            return []
        if not isinstance(value, list):
            self.add(path, f"{what} must be a list (lines starting with -)")
            return []
        return value

    def keys(self, value: dict[str, Any], allowed: tuple[str, ...], path: Path, what: str) -> None:
        for key in value:
            if key not in allowed:
                self.add((*path, key), f"unknown key {key!r} in {what}{did_you_mean(str(key), allowed)}", key=True)

    def text(self, value: Any, path: Path, what: str, required: bool = True) -> str | None:
        if value is None:
            if required:
                self.add(path, f"{what} is required")
            return None
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            self.add(path, f"{what} must be text")
            return None
        return str(value)
