"""One learner going through one lesson, page by page (no Textual).

`LessonTour` knows which page is shown, where the simulator stands for it, and saves every
answer, hint, reveal and page change to the learner's progress as it happens.
"""

from __future__ import annotations

from regsim.lessons.grading import LessonQuiz, QuizState, Score
from regsim.lessons.model import Lesson, Page, Question
from regsim.lessons.progress import ProgressStore
from regsim.lessons.question_book import Asked, QuestionBook
from regsim.lessons.verdicts import Verdict, restored, score_line, titles
from regsim.scenario.engine import Run


class LessonTour:
    """One learner going through one lesson: pages, the simulator's position, answers saved."""

    def __init__(
        self,
        lesson: Lesson,
        run: Run,
        store: ProgressStore,
        page: int = 0,
        next_lesson: Lesson | None = None,
    ) -> None:
        self.lesson = lesson
        self.next_lesson = next_lesson  # offered on the done page
        self.run = run
        self.store = store
        self.quiz = LessonQuiz(lesson, run, saved=store.answers(lesson.id))
        self.book = QuestionBook(save=self._save)
        self.book.add(Asked(lesson, q, self.quiz.state(q.id)) for q in lesson.questions)
        self.problems: list[str] = []  # notices from saving, for the screen to show
        self._check(store.start_lesson(lesson.id))
        self.page = max(0, min(page, len(lesson.pages) - 1))
        self._check(store.set_position(lesson.id, self.page))
        # While the learner steps through the page's step range, the last step shown (None: all of it).
        self.stepped: int | None = None
        self.step_from = 0          # the first step of the range shown one at a time
        if self.page == 0:
            self._start_stepping(0)
        self.passed: list[Asked] = []  # predictions whose step ran unanswered, for the screen
        self._reveal_passed()

    # ----- pages --------------------------------------------------------------------------------

    @property
    def count(self) -> int:
        return len(self.lesson.pages)

    @property
    def finished(self) -> bool:
        """Past the last page: the summary is shown."""
        return self.page >= self.count

    def current(self) -> Page | None:
        return None if self.finished else self.lesson.pages[self.page]

    def go(self, page: int) -> None:
        """Show another page (the summary is `count`); the position is saved at once. Going on to
        the next page whose step range holds several new steps shows the first of them."""
        before = self.sim_position()
        forward = page == self.page + 1
        self.page = max(0, min(page, self.count))
        self.stepped = None
        if forward and not self.finished:
            self._start_stepping(before)
        if self.finished:
            self._check(self.store.finish_lesson(self.lesson.id))
        else:
            self._check(self.store.set_position(self.lesson.id, self.page))
        self._reveal_passed()

    def markdown(self) -> str:
        """The page's text; the first page starts with the introduction and the goals."""
        if self.finished:
            return self.summary_markdown()
        page = self.lesson.pages[self.page]
        parts = []
        if self.page == 0:
            if self.lesson.intro:
                parts.append(self.lesson.intro)
            if self.lesson.goals:
                parts.append(
                    "**In this lesson**\n\n" + "\n".join(f"- {goal}" for goal in self.lesson.goals)
                )
        parts.append(f"## {page.title}")
        if page.markdown:
            parts.append(page.markdown)
        return "\n\n".join(parts)

    def heading(self) -> str:
        """`Lesson 6 · page 2 of 4 · Layers…` (the title last: on a narrow line it is the part cut)."""
        where = "done" if self.finished else f"page {self.page + 1} of {self.count}"
        note = self.stepping_note()
        if note:
            where += f" · {note}"
        return f"Lesson {self.lesson.order} · {where} · {self.lesson.title}"

    # ----- the simulator ------------------------------------------------------------------------

    def _start_stepping(self, before: int) -> None:
        steps = self.lesson.pages[self.page].steps
        if steps is not None:
            first = max(before + 1, steps[0])
            if first < self.sim_position():
                self.stepped = self.step_from = first

    def can_step(self) -> bool:
        """The page's step range has steps the simulator has not shown yet (→ shows the next)."""
        return self.stepped is not None and self.sim_position() < self.sim_position(full=True)

    def step(self) -> None:
        """Show one more step of the page's range; after its last, → turns the page again."""
        if self.can_step():
            assert self.stepped is not None
            self.stepped += 1
        if not self.can_step():
            self.stepped = None

    def stepping_note(self) -> str | None:
        """`step 1 of 3 here, → next` while stepping through the page's range (None otherwise)."""
        page = self.current()
        if not self.can_step() or self.stepped is None or page is None or page.steps is None:
            return None
        last = min(page.steps[1], self.sim_position(full=True))
        return f"step {self.stepped - self.step_from + 1} of {last - self.step_from + 1} here, → next"

    def sim_position(self, page: int | None = None, full: bool = False) -> int:
        """Steps done when this page (or `page`) is shown: the end of every step range so far,
        and every committed prediction so far; never an open prediction's step on this page. While
        the learner steps through this page's range, no further than the step shown (unless `full`)."""
        shown = self.page if page is None else page
        stepped = self.stepped if page is None and not full else None
        last = min(shown, self.count - 1)
        position = 0
        for number, each in enumerate(self.lesson.pages[: last + 1]):
            if each.steps is not None:
                end = each.steps[1] if stepped is None or number != last else min(each.steps[1], stepped)
                position = max(position, end)
            for question in each.questions:
                if self._predict_step(question) and self.quiz.state(question.id).locked:
                    position = max(position, question.step or 0)
        if shown >= self.count:
            return position
        waiting = [
            q.step
            for q in self.lesson.pages[last].questions
            if self._predict_step(q) and not self.quiz.state(q.id).locked
        ]
        if waiting:
            position = min(position, min(step for step in waiting if step) - 1)
        return max(0, min(position, len(self.run.records)))

    @staticmethod
    def _predict_step(question: Question) -> bool:
        return question.kind == "predict" and question.step is not None

    def open_predictions(self) -> dict[int, int]:
        """Steps that a prediction not yet committed is about, each with the page (0-based) that
        asks it: until then the simulator must not tell what such a step does."""
        found: dict[int, int] = {}
        for number, page in enumerate(self.lesson.pages):
            for question in page.questions:
                if self._predict_step(question) and not self.quiz.state(question.id).locked:
                    found.setdefault(question.step or 0, number)
        return found

    def would_pass(self, page: int) -> list[Question]:
        """The open predictions that showing `page` would run past (each then counts as
        revealed): the screen asks before it goes there."""
        position = self.sim_position(page)
        return [
            question
            for question in self.lesson.questions
            if self._predict_step(question)
            and (question.step or 0) <= position
            and not self.quiz.state(question.id).locked
        ]

    def _reveal_passed(self) -> None:
        """A prediction whose step the simulator has now run (the learner paged past it without
        committing) counts as revealed: no credit, saved at once, as the reveal key would."""
        position = self.sim_position()
        for question in self.lesson.questions:
            if (
                self._predict_step(question)
                and (question.step or 0) <= position
                and not self.quiz.state(question.id).locked
            ):
                key = f"{self.lesson.id}/{question.id}"
                self.book.reveal(key)
                self.passed.append(self.book.asked[key])

    def take_passed(self) -> list[Asked]:
        """The predictions revealed by paging since the last call (for a notice)."""
        found, self.passed = self.passed, []
        return found

    # ----- questions ----------------------------------------------------------------------------

    def questions(self) -> list[Asked]:
        page = self.current()
        if page is None:
            return []
        return [self.book.asked[f"{self.lesson.id}/{q.id}"] for q in page.questions]

    def restored(self, item: Asked) -> Verdict | None:
        return restored(item.question, item.state)

    def titles(self, question: Question, number: int, of: int) -> tuple[str, str]:
        """The question's label while open, and once locked (a prediction's step has run)."""
        return titles(question, number, of, self.run.scenario)

    def reload(self) -> bool:
        """Take up answers saved elsewhere meanwhile (a quiz opened over this lesson) for the
        questions still open here; True when any changed."""
        saved = self.store.answers(self.lesson.id)
        changed = False
        for question in self.lesson.questions:
            state = self.quiz.state(question.id)
            record = saved.get(question.id)
            if state.locked or record is None or record == state.record():
                continue
            fresh = QuizState.restore(question, record, self.run)
            self.quiz.states[question.id] = fresh
            self.book.asked[f"{self.lesson.id}/{question.id}"].state = fresh
            changed = True
        return changed

    def _save(self, item: Asked) -> None:
        self._check(self.store.record_answer(self.lesson.id, item.state.record()))

    def _check(self, saved: bool) -> None:
        if not saved and self.store.notice:
            self.problems.append(self.store.notice)

    def take_problems(self) -> list[str]:
        found, self.problems = self.problems, []
        return found

    # ----- the end ------------------------------------------------------------------------------

    def summary(self) -> Score:
        return self.quiz.summary()

    def summary_markdown(self) -> str:
        result = self.summary()
        lines = [f"## Lesson complete: {self.lesson.title}", "", f"**{score_line(result)}**", ""]
        if self.lesson.questions:
            lines += ["| Question | Result | Points |", "|---|---|---|"]
            for question in self.lesson.questions:
                state = self.quiz.state(question.id)
                outcome = _result(question, state.correct, state.revealed, state.locked, state.attempts)
                if state.correct and state.credit < 1:
                    outcome = "right on a later try"
                lines.append(f"| {_cell(question.text)} | {outcome} | {state.credit:g} |")
            lines.append("")
        if self.lesson.goals:
            lines += ["**You can now**", ""] + [f"- {goal}" for goal in self.lesson.goals]
        if self.next_lesson is not None:
            upcoming = self.next_lesson
            lines += [
                "",
                f"**Next: lesson {upcoming.order}, {upcoming.title}.** Press **→** to go on.",
            ]
        lines += ["", "Press **q** for the list of lessons, or **←** to read the pages again."]
        return "\n".join(lines)


def _cell(text: str, width: int = 60) -> str:
    """The question's text for the table, shortened at a word (never mid-word) when long."""
    text = " ".join(text.split()).replace("|", "/")
    if len(text) <= width:
        return text
    return text[: width - 1].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def _result(question: Question, correct: bool, revealed: bool, locked: bool, attempts: int) -> str:
    if correct:
        return "right"
    if revealed:
        return "revealed"
    if locked or attempts:
        return "not right" if locked else "tried"
    return "not answered"
