"""A step's predict question and, once the step has run, its answer as the records give it."""

from __future__ import annotations

from regsim.scenario.records import StepRecord
from regsim.scenario.spec import Ask
from regsim.scenario.text import ask_answer_text


def answer_text(ask: Ask, record: StepRecord) -> str:
    """`answer: computed` is the simulator's own result for the metric; sizes and times read as such."""
    return ask_answer_text(ask, record)


def right_choice(ask: Ask, record: StepRecord) -> int | None:
    """Which of the ask's choices (0-based, in the order shown) the replay's answer is, if any."""
    answer = answer_text(ask, record).strip().casefold()
    for i, choice in enumerate(ask.choices):
        if choice.strip().casefold() == answer:
            return i
    return None
