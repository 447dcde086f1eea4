"""Grading answers, and the quiz rules, with no UI: a question, a response, and (for computed answers)
the replayed run whose step record holds the simulator's own answer.

Rules (lesson-format.md): predict answers lock on commit; choice, myth and numeric answers allow
retries, a first-try right answer earning 1.0 and a later one 0.5; revealing the answer without a
right answer earns 0; a hint costs nothing but is recorded.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from regsim.lessons.model import Lesson, Question
from regsim.lessons.quantities import (
    QuantityError,
    format_quantity,
    missing_unit,
    parse_quantity,
    within,
)

if TYPE_CHECKING:  # the progress file reads AnswerRecord at start-up; the engine loads when answers are graded
    from regsim.scenario.engine import Run

FIRST_TRY, LATER_TRY = 1.0, 0.5


class AnswerError(ValueError):
    """A response that cannot be read as an answer (not counted as a try); the message says what to give."""


class QuizLocked(RuntimeError):
    """The question takes no more answers: a predict was committed, or the question is done."""


@dataclass(frozen=True, slots=True)
class Grade:
    correct: bool
    credit: float
    feedback: str
    expected_text: str        # the right answer as shown to the learner ("" while retries remain)


@dataclass(frozen=True, slots=True)
class AnswerRecord:
    """What progress keeps about one question."""

    question: str
    correct: bool
    credit: float
    attempts: int
    hinted: bool
    revealed: bool
    wrong: tuple[str, ...] = ()   # the known wrong answers picked, in order (see `wrong_pick`)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        if self.wrong:
            data["wrong"] = list(self.wrong)
        else:   # files without wrong picks keep the shape they always had
            del data["wrong"]
        return data


def answer_for(question: Question, run: Run | None = None) -> Any:
    """The right answer: a number in the question's unit, "myth"/"fact", or the right choice's text.

    A computed answer is read from the replayed record of `question.step`; for a question with
    choices it is the number the simulator produced (see `correct_choice` for which choice that is)."""
    if not question.computed:
        return question.answer
    if run is None:
        raise ValueError(f"question {question.id!r}: a computed answer needs the replayed scenario run")
    if question.step is None or question.metric is None:
        raise ValueError(f"question {question.id!r}: a computed answer needs a step and a metric")
    from regsim.scenario.engine import computed_answer

    return computed_answer(run.records[question.step - 1], question.metric)


def correct_choice(question: Question, run: Run | None = None) -> int:
    """The index of the right choice (for a computed answer: the choice equal to the simulator's number)."""
    if not question.computed:
        return next(i for i, choice in enumerate(question.choices) if choice.correct)
    value = answer_for(question, run)
    matches = [i for i, choice in enumerate(question.choices)
               if within(parse_quantity(choice.text, question.unit), value, question.unit, question.tolerance)]
    if len(matches) != 1:
        shown = format_quantity(value, question.unit)
        raise ValueError(f"question {question.id!r}: the simulator says {shown}, which "
                         + ("no choice matches" if not matches else "more than one choice matches"))
    return matches[0]


def expected_text(question: Question, run: Run | None = None) -> str:
    """The right answer in words."""
    if question.choices:
        return question.choices[correct_choice(question, run)].text
    value = answer_for(question, run)
    if question.kind == "myth":
        return "Myth" if value == "myth" else "Fact"
    return format_quantity(value, question.unit)


def _choice_index(question: Question, response: Any) -> int:
    if isinstance(response, int) and not isinstance(response, bool):
        if 0 <= response < len(question.choices):
            return response
    elif isinstance(response, str):
        for i, choice in enumerate(question.choices):
            if choice.text.casefold() == response.strip().casefold():
                return i
    raise AnswerError(f"choose one of the {len(question.choices)} choices (0 to {len(question.choices) - 1}, "
                      "or a choice's text)")


def _myth_response(response: Any) -> str:
    text = str(response).strip().lower() if isinstance(response, str) else ""
    if text in ("myth", "m"):
        return "myth"
    if text in ("fact", "f"):
        return "fact"
    raise AnswerError("answer myth or fact")


def grade(question: Question, response: Any, run: Run | None = None) -> Grade:
    """Grade one response on its own (credit 1.0 if right); `QuizState` applies the retry rules."""
    expected = expected_text(question, run)
    if question.choices:
        index = _choice_index(question, response)
        right = index == correct_choice(question, run)
        chosen = question.choices[index]
        feedback = chosen.feedback or ("Right." if right else question.feedback or "Not quite.")
        return Grade(right, 1.0 if right else 0.0, feedback, expected)
    if question.kind == "myth":
        verdict = _myth_response(response)
        right = verdict == question.answer
        opening = "Right" if right else "Not quite"
        return Grade(right, 1.0 if right else 0.0,
                     f"{opening}: it is a {question.answer}. {question.feedback or ''}".strip(), expected)
    if isinstance(response, str) and (asked := missing_unit(response, question.unit)):
        raise AnswerError(asked)
    try:
        value = parse_quantity(response, question.unit)
    except QuantityError as error:
        raise AnswerError(str(error)) from None
    target = answer_for(question, run)
    right = within(value, target, question.unit, question.tolerance)
    if right:
        said = f"Right: {expected}." if value == target else f"Right, close enough: the exact answer is {expected}."
        return Grade(True, 1.0, said, expected)
    return Grade(False, 0.0, _numeric_feedback(question, value), expected)


def wrong_pick(question: Question, response: Any) -> str | None:
    """A wrong answer's name, when it is one the lesson foresaw: the choice's text, the verdict
    ("myth"/"fact"), or a misconception's number in the question's unit; None for any other answer."""
    try:
        if question.choices:
            return question.choices[_choice_index(question, response)].text
        if question.kind == "myth":
            return _myth_response(response)
        value = parse_quantity(response, question.unit)
    except (AnswerError, QuantityError):
        return None
    for wrong, _ in question.misconceptions:
        if within(value, wrong, question.unit, question.tolerance):
            return format_quantity(wrong, question.unit)
    return None


def pick_feedback(question: Question, pick: str) -> str | None:
    """The feedback a learner read after a `wrong_pick`."""
    if question.choices:
        chosen = next((c for c in question.choices if c.text == pick), None)
        return None if chosen is None else chosen.feedback or question.feedback
    if question.kind == "myth":
        return question.feedback
    return next((why for wrong, why in question.misconceptions if format_quantity(wrong, question.unit) == pick), None)


def _numeric_feedback(question: Question, value: float) -> str:
    for wrong, why in question.misconceptions:
        if within(value, wrong, question.unit, question.tolerance):
            return why
    return question.feedback or f"Not quite: {format_quantity(value, question.unit)} is not it."


class QuizState:
    """One learner working on one question: tries, hint, reveal, and the credit they earn."""

    def __init__(self, question: Question, run: Run | None = None) -> None:
        self.question = question
        self.run = run
        self.attempts = 0
        self.hinted = False
        self.revealed = False
        self.correct = False
        self.credit = 0.0
        self.finished = False
        self.grades: list[Grade] = []
        self.wrong: list[str] = []

    @property
    def locked(self) -> bool:
        """No more answers are taken (a committed predict, a right answer, or a reveal)."""
        return self.finished

    def hint(self) -> str:
        """The hint (recorded; it costs nothing)."""
        self.hinted = True
        return self.question.hint or "There is no hint for this one: read the page again."

    def answer(self, response: Any) -> Grade:
        """Commit a response. An unreadable one raises AnswerError and does not count as a try."""
        if self.finished:
            what = "the prediction is locked" if self.question.kind == "predict" else "this question is done"
            raise QuizLocked(f"{self.question.id}: {what}; no more answers")
        result = grade(self.question, response, self.run)
        self.attempts += 1
        if not result.correct and (pick := wrong_pick(self.question, response)) is not None:
            self.wrong.append(pick)
        if result.correct:
            self.correct = True
            self.credit = FIRST_TRY if self.attempts == 1 else LATER_TRY
            self.finished = True
        elif not self.question.retries_allowed:
            self.finished = True
        shown = result.expected_text if self.finished else ""
        feedback = result.feedback
        if self.finished and not result.correct and self.question.explain:
            feedback = f"{feedback} {self.question.explain}"
        grade_ = Grade(result.correct, self.credit if result.correct else 0.0, feedback, shown)
        self.grades.append(grade_)
        return grade_

    def reveal(self) -> Grade:
        """Show the answer and why. Revealing before a right answer earns nothing."""
        if not self.finished:
            self.revealed = True
            self.finished = True
        expected = expected_text(self.question, self.run)
        explain = self.question.explain or f"The answer is {expected}."
        return Grade(self.correct, self.credit, explain, expected)

    def record(self) -> AnswerRecord:
        return AnswerRecord(self.question.id, self.correct, self.credit, self.attempts, self.hinted, self.revealed,
                            tuple(self.wrong))

    @classmethod
    def restore(cls, question: Question, record: AnswerRecord, run: Run | None = None) -> QuizState:
        """A question as the learner left it (from saved progress)."""
        state = cls(question, run)
        state.attempts, state.hinted, state.revealed = record.attempts, record.hinted, record.revealed
        state.correct, state.credit = record.correct, record.credit
        state.wrong = list(record.wrong)
        state.finished = record.correct or record.revealed or (question.kind == "predict" and record.attempts > 0)
        return state


@dataclass(frozen=True, slots=True)
class Score:
    earned: float
    possible: int            # one point per question
    answered: int            # questions finished (right, committed, or revealed)
    correct: int
    revealed: int
    hinted: int

    @property
    def percent(self) -> int:
        return round(100 * self.earned / self.possible) if self.possible else 0

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "percent": self.percent}


def score(questions: Iterable[Question], records: Mapping[str, AnswerRecord]) -> Score:
    """A lesson's score from the saved answers to its questions."""
    questions = list(questions)
    mine = [records[q.id] for q in questions if q.id in records]
    done = [r for r, q in ((records[q.id], q) for q in questions if q.id in records)
            if r.correct or r.revealed or (q.kind == "predict" and r.attempts > 0)]
    return Score(round(sum(r.credit for r in mine), 3), len(questions), len(done), sum(r.correct for r in mine),
                 sum(r.revealed for r in mine), sum(r.hinted for r in mine))


class LessonQuiz:
    """Every question of one lesson, for one learner; `summary()` is the lesson's score."""

    def __init__(self, lesson: Lesson, run: Run | None = None,
                 saved: Mapping[str, AnswerRecord] | None = None) -> None:
        self.lesson = lesson
        self.states = {q.id: QuizState.restore(q, saved[q.id], run) if saved and q.id in saved else QuizState(q, run)
                       for q in lesson.questions}

    def state(self, question_id: str) -> QuizState:
        return self.states[question_id]

    def records(self) -> dict[str, AnswerRecord]:
        return {qid: s.record() for qid, s in self.states.items() if s.attempts or s.hinted or s.revealed}

    def summary(self) -> Score:
        return score(self.lesson.questions, self.records())
