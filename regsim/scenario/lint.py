"""Check one scenario file and list every problem in it (`regsim lint` runs this on each scenario):
what the reader finds, then every `expect` the replay contradicts, at the line of that expectation."""

from __future__ import annotations

from pathlib import Path

from regsim.scenario.engine import check_expectations, replay
from regsim.scenario.loader import load_scenario
from regsim.scenario.problems import ContentError, Located, Problem, read_content_file


def lint_scenario_file(path: Path) -> list[Problem]:
    """Every problem in one scenario file, as FILE:LINE:COL (an empty list when it is clean): its
    warnings (`Problem.warning`: worth fixing, but the scenario still replays), then each expectation
    the replay contradicts."""
    try:
        scenario = load_scenario(path)
    except ContentError as error:
        return list(error.problems)
    warnings = list(scenario.warnings)
    failures = check_expectations(replay(scenario))
    if not failures:
        return warnings
    located = Located(read_content_file(path, "scenario"), str(path))
    return [*warnings, *(located.problem(("steps", f.step - 1, "expect", f.key),
                                         f"this expectation does not hold: {f.key} is {f.actual}, not {f.expected}",
                                         key=True) for f in failures)]
