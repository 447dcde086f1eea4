"""Scenario steps as lessons name them: a 1-based number, a step id, or a range `a..b` of either."""

from __future__ import annotations

from typing import Any

from regsim.scenario.problems import did_you_mean
from regsim.scenario.spec import Scenario


class StepRefError(ValueError):
    """A step reference that does not name a step of the lesson's scenario."""


class StepIndex:
    """The steps of one scenario, for turning references into 1-based step numbers."""

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self.count = len(scenario.steps)
        self.ids = {step.id: step.index for step in scenario.steps if step.id}

    def describe(self, number: int) -> str:
        step = self.scenario.steps[number - 1]
        return f"step {number} ({step.id})" if step.id else f"step {number}"

    def resolve(self, reference: Any) -> int:
        """One step: `3` or `bob-pulls-v2` -> its 1-based number."""
        if isinstance(reference, bool) or reference is None or isinstance(reference, (list, dict, float)):
            raise StepRefError(f"{reference!r} is not a step: give a step id or a number from 1 to {self.count}")
        text = str(reference).strip()
        if text.isdigit():
            number = int(text)
            if not 1 <= number <= self.count:
                raise StepRefError(f"step {number} is beyond the scenario {self.scenario.id!r}, which has steps "
                                   f"1 to {self.count}")
            return number
        if text in self.ids:
            return self.ids[text]
        raise StepRefError(f"unknown step id {text!r} in the scenario {self.scenario.id!r}"
                           f"{did_you_mean(text, self.ids)}")

    def resolve_range(self, reference: Any) -> tuple[int, int]:
        """`3`, `1..4`, `bob-pulls`, `alice-builds..alice-pushes` -> (first, last), inclusive."""
        text = str(reference).strip() if isinstance(reference, (str, int)) and not isinstance(reference, bool) else None
        if text is None or not text:
            raise StepRefError("steps is a step id or number, or a range such as 1..4 or first-id..last-id")
        if ".." not in text:
            number = self.resolve(text)
            return number, number
        first_text, _, last_text = text.partition("..")
        first, last = self.resolve(first_text), self.resolve(last_text)
        if first > last:
            raise StepRefError(f"the range {text!r} runs backwards ({self.describe(first)} comes after "
                               f"{self.describe(last)})")
        return first, last
