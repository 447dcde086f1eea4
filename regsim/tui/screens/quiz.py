"""A quiz outside the lessons: one lesson's questions, or every myth of the curriculum.

The questions follow the lessons' rules (a prediction locks, a later right answer earns half, a
reveal earns nothing), and the round's score runs along the top. An answer counts in the
question's own lesson, as if given there, unless the lesson already has an answer to it: that
question is practice here, and its first result stands.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.widgets import Footer, Static

from regsim.lessons.model import Lesson
from regsim.lessons.question_book import Asked, QuestionBook
from regsim.lessons.quiz_progress import QuizProgress
from regsim.lessons.verdicts import restored, score_line, titles
from regsim.scenario.spec import Scenario
from regsim.tui.screens.questions import QuestionsScreen
from regsim.tui.widgets.in_view import keep_focus_in_view
from regsim.tui.widgets.question_card import QuestionCard


class QuizScreen(QuestionsScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("h", "hint", "Hint", tooltip="A hint for the question you are in"),
        Binding(
            "r", "reveal", "Reveal", tooltip="Show the answer and why (no credit if not yet right)"
        ),
        Binding("escape,q", "leave", "Home", key_display="q", tooltip="Back to the home screen"),
        Binding(
            "enter",
            "answer",
            "Answer",
            show=False,
            tooltip="From the list: on to the first open question (its choices or its box)",
        ),
    ]

    HELP_NOTES = (
        "↑ ↓ and the page keys scroll the list; a letter (b) marks that choice and Enter commits it.",
        "tab and shift+tab move between questions; type numbers, with their unit, in the box.",
        "esc in an answer box goes back to the list; Enter there goes on to the first open question.",
        "esc (or q) on the list goes back home.",
        "Your answers count in each question's lesson and are saved as you go.",
        "A question already answered in its lesson is practice: the lesson keeps its first result.",
    )

    def __init__(
        self,
        heading: str,
        items: list[Asked],
        scenario_for: Callable[[Lesson], Scenario | None] = lambda lesson: None,
        progress: QuizProgress | None = None,
    ) -> None:
        super().__init__()
        self.heading = heading
        self.progress = progress  # where answers are saved (None: nowhere)
        self._book = QuestionBook(save=progress.save if progress is not None else None)
        self._book.add(items)
        self.items = items
        self.scenario_for = scenario_for  # names a prediction's step as the lesson does

    def compose(self) -> ComposeResult:
        with Horizontal(id="status-bar"):
            yield Static(id="status-line")  # cut with an ellipsis when the line is too short
            yield Static(id="status-score")  # never cut
        with VerticalScroll(id="quiz-questions"):
            lessons = {item.lesson.id for item in self.items}
            for i, item in enumerate(self.items, start=1):
                note = ""
                if len(lessons) > 1:
                    note = f" · lesson {item.lesson.order}: {item.lesson.title}"
                if item.practice:
                    note += " · practice (answered in the lesson)"
                scenario = self.scenario_for(item.lesson) if item.question.step else None
                title, done_title = titles(item.question, i, len(self.items), scenario, note)
                earlier = None if item.practice else restored(item.question, item.state)
                yield QuestionCard(item, title, earlier, done_title=done_title)
            if not self.items:
                yield Static("No questions here.", id="quiz-empty")
        yield Footer(show_command_palette=False)

    def on_mount(self) -> None:
        self.title = self.heading
        self.show_score()
        # The list has the focus: the scrolling keys scroll it, a letter marks a choice.
        self.query_one("#quiz-questions", VerticalScroll).focus(scroll_visible=False)
        keep_focus_in_view(self, self.query_one("#quiz-questions", VerticalScroll))

    def show_score(self) -> None:
        self.query_one("#status-line", Static).update(Content.assemble((self.heading, "bold")))
        self.query_one("#status-score", Static).update(
            Content.assemble((score_line(self.book.score()), "bold"))
        )

    # ----- answers (graded in QuestionsScreen) ------------------------------------------------

    @property
    def book(self) -> QuestionBook:
        return self._book

    def take_problems(self) -> list[str]:
        return self.progress.take_problems() if self.progress is not None else []

    def after_lock(self, card: QuestionCard) -> None:
        """The verdict stays in view; tab goes on to the next question."""
        self.query_one("#quiz-questions", VerticalScroll).focus(scroll_visible=False)
        card.bring_verdict_into_view()

    def action_leave(self) -> None:
        self.dismiss()
