"""Check one scenario file and list every problem in it (`regsim lint` runs this on each scenario)."""

from __future__ import annotations

from pathlib import Path

from regsim.scenario.loader import load_scenario
from regsim.scenario.problems import ContentError, Problem


def lint_scenario_file(path: Path) -> list[Problem]:
    """Every problem in one scenario file, as FILE:LINE:COL (an empty list when it is clean),
    then its warnings (`Problem.warning`: worth fixing, but the scenario still replays)."""
    try:
        scenario = load_scenario(path)
    except ContentError as error:
        return list(error.problems)
    return list(scenario.warnings)
