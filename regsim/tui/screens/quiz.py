"""A quiz outside the lessons: one lesson's questions, or every myth of the curriculum.

A practice round: the questions start fresh, follow the same rules (a prediction locks, a later
right answer earns half, a reveal earns nothing), and the score runs along the top. The
lessons' own scores are kept by the lessons; a round does not change them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Static

from regsim.lessons.model import Lesson
from regsim.scenario.loader import Scenario
from regsim.tui.views.quiz import Asked, QuestionBook, score_line, titles
from regsim.tui.widgets.question_card import QuestionCard


class QuizScreen(Screen[None]):
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
        "tab and shift+tab move between questions; ↑ ↓ choose, Enter commits; type numbers in the box.",
        "esc in an answer box goes back to the list; Enter there goes on to the first open question.",
        "esc (or q) on the list goes back home.",
        "A practice round: the lessons keep their own scores.",
    )

    def __init__(
        self,
        heading: str,
        items: list[Asked],
        scenario_for: Callable[[Lesson], Scenario | None] = lambda lesson: None,
    ) -> None:
        super().__init__()
        self.heading = heading
        self.book = QuestionBook()
        self.book.add(items)
        self.items = items
        self.scenario_for = scenario_for  # names a prediction's step as the lesson does

    def compose(self) -> ComposeResult:
        yield Static(id="status-line")
        with VerticalScroll(id="quiz-questions"):
            lessons = {item.lesson.id for item in self.items}
            for i, item in enumerate(self.items, start=1):
                note = ""
                if len(lessons) > 1:
                    note = f" · lesson {item.lesson.order}: {item.lesson.title}"
                scenario = self.scenario_for(item.lesson) if item.question.step else None
                title, done_title = titles(item.question, i, len(self.items), scenario, note)
                yield QuestionCard(item, title, done_title=done_title)
            if not self.items:
                yield Static("No questions here.", id="quiz-empty")
        yield Footer(show_command_palette=False)

    def on_mount(self) -> None:
        self.title = self.heading
        self.show_score()
        cards = list(self.query(QuestionCard))
        if cards:
            cards[0].focus_answer()

    def show_score(self) -> None:
        self.query_one("#status-line", Static).update(
            Content.assemble(
                (self.heading, "bold"), ("  ·  ", "dim"), (score_line(self.book.score()), "bold")
            )
        )

    def card_in_play(self) -> QuestionCard | None:
        focused = self.focused
        cards = list(self.query(QuestionCard))
        for card in cards:
            if focused is not None and (focused is card or card in focused.ancestors):
                return card
        return next((card for card in cards if not card.locked), cards[0] if cards else None)

    def on_question_card_committed(self, event: QuestionCard.Committed) -> None:
        verdict = self.book.answer(event.card.key, event.picked)
        event.card.show(verdict)
        self.show_score()
        if verdict.locked:
            self.after_lock(event.card)
        event.card.bring_verdict_into_view()

    def after_lock(self, card: QuestionCard) -> None:
        """The verdict stays in view; tab goes on to the next question."""
        self.query_one("#quiz-questions", VerticalScroll).focus(scroll_visible=False)
        card.bring_verdict_into_view()

    def action_hint(self) -> None:
        card = self.card_in_play()
        if card is not None:
            card.show(self.book.hint(card.key))
            self.show_score()
            card.bring_verdict_into_view()

    def action_reveal(self) -> None:
        card = self.card_in_play()
        if card is not None:
            card.show(self.book.reveal(card.key))
            self.show_score()
            self.after_lock(card)

    def action_answer(self) -> None:
        card = self.card_in_play()
        if card is not None:
            card.focus_answer()

    def action_leave(self) -> None:
        self.dismiss()
