"""The scenarios the home screen lists: title, summary and step count, or the file's problems."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from regsim.scenario.loader import load_scenario
from regsim.scenario.problems import ContentError


@dataclass(frozen=True, slots=True)
class ScenarioEntry:
    path: Path
    title: str
    summary: str
    steps: int = 0
    problems: list[str] = field(default_factory=list)


def scenario_entries(paths: Iterable[Path]) -> list[ScenarioEntry]:
    """One entry per file; a file with problems is listed with them rather than left out."""
    entries = []
    for path in paths:
        try:
            scenario = load_scenario(path)
        except ContentError as error:
            entries.append(
                ScenarioEntry(
                    path,
                    path.stem,
                    "This file has problems.",
                    problems=[str(p) for p in error.problems],
                )
            )
            continue
        entries.append(ScenarioEntry(path, scenario.title, scenario.blurb, len(scenario.steps)))
    return entries
