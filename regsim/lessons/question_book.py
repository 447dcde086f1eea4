"""The questions in play on one screen (a lesson's, or a quiz's from several lessons): each
answer, hint and reveal graded, worded as a verdict and handed to whoever saves progress.

No Textual here; the lesson tour and the quiz both keep their questions in a `QuestionBook`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace

from regsim.lessons.grading import AnswerError, AnswerRecord, QuizLocked, QuizState, Score, score
from regsim.lessons.model import Lesson, Question
from regsim.lessons.verdicts import (
    Verdict,
    answered,
    hinted,
    input_hint,
    response_for,
    revealed,
)
from regsim.scenario.engine import Run


@dataclass(slots=True)
class Asked:
    """One question in play: which lesson it belongs to, and its state for this learner."""

    lesson: Lesson
    question: Question
    state: QuizState
    practice: bool = False  # already answered in its lesson: a quiz answer leaves that result
    earlier: AnswerRecord | None = None  # practice: the lesson's result, which the score keeps

    @property
    def key(self) -> str:
        return f"{self.lesson.id}/{self.question.id}"


@dataclass(slots=True)
class QuestionBook:
    """Answers, hints and reveals for a set of questions, each change passed to `save`."""

    asked: dict[str, Asked] = field(default_factory=dict)
    save: Callable[[Asked], object] | None = None

    def add(self, items: Iterable[Asked]) -> None:
        for item in items:
            self.asked[item.key] = item

    def answer(self, key: str, picked: int | str) -> Verdict:
        item = self.asked[key]
        response = response_for(item.question, picked)
        if isinstance(response, str) and not response.strip():
            return Verdict(
                "error", "Type an answer first", (input_hint(item.question, item.state.run),)
            )
        try:
            grade = item.state.answer(response)
        except AnswerError as error:
            return Verdict("error", "Cannot read that answer (not counted)", (str(error),))
        except QuizLocked:
            return Verdict(
                "error", "This question is locked", ("Your first answer stands.",), locked=True
            )
        self._saved(item)
        return answered(item.question, item.state, grade)

    def hint(self, key: str) -> Verdict:
        item = self.asked[key]
        verdict = hinted(item.state)
        self._saved(item)
        return verdict

    def reveal(self, key: str) -> Verdict:
        item = self.asked[key]
        grade = item.state.reveal()
        self._saved(item)
        return revealed(item.question, item.state, grade)

    def _saved(self, item: Asked) -> None:
        if self.save is not None:
            self.save(item)

    def score(self) -> Score:
        """The running score. A practice question counts with its lesson's result (which
        stands), so a quiz left and opened again starts from the score it had."""
        records = {
            key: item.earlier if item.practice and item.earlier is not None else item.state.record()
            for key, item in self.asked.items()
            if (item.practice and item.earlier is not None)
            or item.state.attempts
            or item.state.hinted
            or item.state.revealed
        }
        keyed = [_keyed(item) for item in self.asked.values()]
        return score(keyed, {key: _rekey(record, key) for key, record in records.items()})


def _keyed(item: Asked) -> Question:
    """The question under its book key, so questions of different lessons never collide."""
    return replace(item.question, id=item.key)


def _rekey(record: AnswerRecord, key: str) -> AnswerRecord:
    return replace(record, question=key)


def quiz_items(
    lessons: Iterable[Lesson],
    run_for: Callable[[Lesson], Run],
    keep: Callable[[Question], bool] = lambda q: True,
    saved: Callable[[Lesson], Mapping[str, AnswerRecord]] | None = None,
) -> list[Asked]:
    """The chosen questions of `lessons`, in curriculum order.

    `saved` gives a lesson's saved answers: a question already answered there comes fresh,
    as practice (its first result stands); one tried there but not yet right goes on from
    those tries and hints. Without `saved`, every question comes fresh. A run is replayed
    only for a lesson with a computed answer among the chosen questions."""
    items = []
    for lesson in lessons:
        chosen = [q for q in lesson.questions if keep(q)]
        if not chosen:
            continue
        run = run_for(lesson) if any(q.computed for q in chosen) else None
        records = saved(lesson) if saved is not None else {}
        for question in chosen:
            record = records.get(question.id)
            state = QuizState.restore(question, record, run) if record else QuizState(question, run)
            if state.locked:
                fresh = QuizState(question, run)
                items.append(Asked(lesson, question, fresh, practice=True, earlier=record))
            else:
                items.append(Asked(lesson, question, state))
    return items


def answered_in_lesson(question: Question, record: AnswerRecord | None) -> bool:
    """Whether a saved answer has finished the question (right, revealed, or a prediction made)."""
    return record is not None and QuizState.restore(question, record).locked


def is_myth(question: Question) -> bool:
    return question.kind == "myth"
