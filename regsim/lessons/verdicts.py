"""How a question and its result are put to the learner: a label, the choices offered, a verdict
after each answer, hint or reveal, and the score line.

No Textual here: the lesson and quiz screens turn these into widgets. Grading itself lives in
`regsim.lessons.grading`; this module only words its results for the learner.
"""

from __future__ import annotations

from dataclasses import dataclass

from regsim.lessons.grading import (
    Grade,
    QuizState,
    Score,
    answer_for,
    correct_choice,
    expected_text,
)
from regsim.lessons.model import Question
from regsim.lessons.quantities import QuantityError, parse_quantity, within
from regsim.scenario.engine import Run
from regsim.scenario.spec import Scenario

MYTH_CHOICES = ("Myth", "Fact")
KIND_NAMES = {
    "predict": "Predict",
    "choice": "Choose one",
    "myth": "Myth or fact?",
    "numeric": "Work it out",
}
UNIT_HINTS = {
    "layers": "layers",
    "bytes": "a size",
    "seconds": "a time",
    None: "a number",
}
# Examples for the answer box, first choice first; one equal (or close) to the answer is skipped.
UNIT_EXAMPLES: dict[str | None, tuple[str, ...]] = {
    "layers": ("3", "5", "2", "7"),
    "bytes": ("2.3MB", "750kB", "41GB", "12MB"),
    "seconds": ("4.5s", "12s", "800ms", "90s"),   # with their unit: a bare number is asked for one
    None: ("3", "5", "2", "7"),
}


@dataclass(frozen=True, slots=True)
class Verdict:
    """What the learner is told after an answer, a hint, a reveal, or an unreadable answer.

    `tone` picks the colour and the word in front: right, wrong, retry, revealed, hint, error.
    """

    tone: str
    headline: str
    lines: tuple[str, ...] = ()
    locked: bool = False


def choices_of(question: Question) -> tuple[str, ...]:
    """What a learner picks from: the choices, Myth/Fact, or nothing (a typed number)."""
    if question.kind == "myth":
        return MYTH_CHOICES
    return tuple(choice.text for choice in question.choices)


def response_for(question: Question, picked: int | str) -> int | str:
    """The grading response for a picked option index (or typed text)."""
    if question.kind == "myth" and isinstance(picked, int):
        return MYTH_CHOICES[picked].lower()
    return picked


def input_hint(question: Question, run: Run | None = None) -> str:
    """The answer box's placeholder: `layers, e.g. 5 · Enter commits`. The example is never the
    answer (nor close enough to count as right)."""
    what = UNIT_HINTS.get(question.unit, "a number")
    example = _example(question, run)
    return f"{what}, e.g. {example} · Enter commits" if example else f"{what} · Enter commits"


def _example(question: Question, run: Run | None) -> str | None:
    examples = UNIT_EXAMPLES.get(question.unit, UNIT_EXAMPLES[None])
    try:
        answer = answer_for(question, run)
    except (ValueError, IndexError, KeyError, TypeError):
        return None  # the answer is not known here: better no example than a risky one
    if not isinstance(answer, (int, float)) or isinstance(answer, bool):
        return examples[0]
    for example in examples:
        try:
            value = parse_quantity(example, question.unit)
            if not within(value, answer, question.unit, question.tolerance):
                return example
        except QuantityError:
            continue
    return None


def label(
    question: Question, number: int, of: int, step_name: str | None = None, ran: bool = False
) -> str:
    """`Question 2 of 3 · Predict, before step 9 (alice-pushes-v2) runs` (`ran`: once it has)."""
    kind = KIND_NAMES.get(question.kind, question.kind)
    where = f"Question {number} of {of}" if of > 1 else "Question"
    if question.kind == "predict" and question.step is not None:
        step = step_name or f"step {question.step}"
        kind += f": {step} has run" if ran else f", before {step} runs"
    return f"{where} · {kind}"


def step_name(scenario: Scenario, number: int) -> str:
    """`step 9 (alice-pushes-v2)`."""
    step = scenario.steps[number - 1]
    return f"step {number} ({step.id})" if step.id else f"step {number}"


def titles(
    question: Question, number: int, of: int, scenario: Scenario | None = None, note: str = ""
) -> tuple[str, str]:
    """A question's label while it is open and once it is locked (a prediction: before its step
    runs, then once it has run), the same in a lesson and in a quiz; `note` is added to both."""
    step = (
        step_name(scenario, question.step)
        if scenario is not None and question.step and question.step <= len(scenario.steps)
        else None
    )
    return (
        label(question, number, of, step) + note,
        label(question, number, of, step, ran=True) + note,
    )


def _choice_lines(question: Question, state: QuizState) -> tuple[str, ...]:
    """Every choice with its mark and its feedback: the reveal explains each one."""
    if not question.choices:
        return ()
    try:
        right = correct_choice(question, state.run)
    except ValueError:
        return ()
    lines = []
    for i, choice in enumerate(question.choices):
        mark = "✓" if i == right else "✗"
        why = f" — {choice.feedback}" if choice.feedback and i != right else ""
        lines.append(f"{mark} {choice.text}{why}")
    return tuple(lines)


def answered(question: Question, state: QuizState, grade: Grade) -> Verdict:
    """The verdict on one committed answer."""
    if not state.locked:  # wrong, and another try is allowed
        if question.kind == "myth":
            # The feedback names the answer ("it is a fact"): with two choices, that would be
            # the try given away.
            return Verdict("retry", "Not quite — try again", ("h shows a hint.",))
        return Verdict("retry", "Not quite — try again", (grade.feedback,))
    lines = [grade.feedback] if grade.feedback else []
    if grade.expected_text and not grade.correct:
        lines.append(f"The answer: {grade.expected_text}.")
    if question.explain and question.explain not in grade.feedback:
        lines.append(question.explain)
    lines += _others(question, state, grade)
    if grade.correct:
        headline = "Right" + (
            " (first try: 1 point)"
            if grade.credit >= 1
            else f" ({grade.credit:g} point on a later try)"
        )
        return Verdict("right", headline, tuple(lines), locked=True)
    return Verdict("wrong", "Not right", tuple(lines), locked=True)


def _others(question: Question, state: QuizState, grade: Grade) -> list[str]:
    choices = _choice_lines(question, state)
    return ["Every choice:", *choices] if choices else []


def revealed(question: Question, state: QuizState, grade: Grade) -> Verdict:
    """The answer shown on request; it earns nothing unless already earned."""
    lines = [f"The answer: {grade.expected_text}."]
    if grade.feedback:
        lines.append(grade.feedback)
    if question.kind == "myth" and question.feedback:
        lines.append(question.feedback)
    choices = _choice_lines(question, state)
    if choices:
        lines += ["Every choice:", *choices]
    headline = "Revealed — no credit" if state.revealed else "The answer"
    return Verdict("revealed", headline, tuple(lines), locked=True)


def restored(question: Question, state: QuizState) -> Verdict | None:
    """A question already finished in saved progress: what it came to (the answer given is not kept)."""
    if not state.locked:
        if state.attempts:
            tries = "1 earlier try" if state.attempts == 1 else f"{state.attempts} earlier tries"
            return Verdict("retry", f"{tries}, not yet right", ())
        return None
    try:
        expected = expected_text(question, state.run)
    except ValueError:
        expected = ""
    lines = [f"The answer: {expected}."] if expected else []
    if question.explain:
        lines.append(question.explain)
    if state.revealed and not state.correct:
        return Verdict("revealed", "Revealed earlier — no credit", tuple(lines), locked=True)
    if state.correct:
        return Verdict(
            "right", f"Answered right earlier ({state.credit:g} point)", tuple(lines), locked=True
        )
    return Verdict("wrong", "Answered earlier, not right", tuple(lines), locked=True)


def hinted(state: QuizState) -> Verdict:
    return Verdict("hint", "Hint", (state.hint(),), locked=state.locked)


def score_line(result: Score) -> str:
    """`Score 2.5 of 7 (36%) · 3 answered · 1 revealed · 1 hint`."""
    parts = [
        f"Score {result.earned:g} of {result.possible} ({result.percent}%)",
        f"{result.answered} answered",
    ]
    if result.revealed:
        parts.append(f"{result.revealed} revealed")
    if result.hinted:
        parts.append(f"{result.hinted} hint{'s' if result.hinted != 1 else ''}")
    return " · ".join(parts)
