"""Where a quiz's answers are saved: in each question's own lesson, as if given there (no Textual)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from regsim.lessons.model import Lesson, Question
from regsim.lessons.progress import ProgressStore
from regsim.lessons.question_book import Asked, answered_in_lesson, quiz_items
from regsim.scenario.engine import Run


class QuizProgress:
    """A quiz's answers kept in each question's own lesson, as if given there: a question not
    yet answered in its lesson takes the quiz's result; one already answered keeps its first."""

    def __init__(self, store: ProgressStore) -> None:
        self.store = store
        self.problems: list[str] = []  # notices from saving, for the screen to show

    def items(
        self,
        lessons: Iterable[Lesson],
        run_for: Callable[[Lesson], Run],
        keep: Callable[[Question], bool] = lambda q: True,
    ) -> list[Asked]:
        return quiz_items(lessons, run_for, keep, saved=lambda lesson: self.store.answers(lesson.id))

    def save(self, item: Asked) -> None:
        if item.practice:
            return
        lesson_id = item.lesson.id
        if answered_in_lesson(item.question, self.store.answers(lesson_id).get(item.question.id)):
            item.practice = True  # answered in the lesson meanwhile: that result stands
            return
        if not self.store.record_answer(lesson_id, item.state.record()) and self.store.notice:
            self.problems.append(self.store.notice)

    def take_problems(self) -> list[str]:
        found, self.problems = self.problems, []
        return found
