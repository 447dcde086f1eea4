"""What a challenge file describes, once read and checked: a starting world, a goal, limits, help."""

from __future__ import annotations

from dataclasses import dataclass

from regsim.challenge.goals import Goal
from regsim.challenge.limits import Limit
from regsim.scenario.spec import Scenario


@dataclass(frozen=True, slots=True)
class Challenge:
    """A goal world to reach by typing commands.

    `scenario` holds the starting world (the scenario format's sections) and its `steps`, which run
    before the learner types anything; `start_as` is the client the learner acts as first."""

    id: str
    title: str
    task: str                       # what the learner is asked to do, in a few sentences
    scenario: Scenario
    goals: tuple[Goal, ...]
    limits: tuple[Limit, ...]
    hints: tuple[str, ...]
    solution: tuple[str, ...]       # lines typed into the sandbox, `as NAME` included
    explain: str                    # shown once the goal is reached: why this way works
    start_as: str | None = None
    path: str = ""
