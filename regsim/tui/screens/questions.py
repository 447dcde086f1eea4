"""What the lesson and quiz screens share: answering, hints and reveals of the question cards.

A card says what the learner committed (`QuestionCard.Committed`); the screen grades it in its
`QuestionBook`, shows the verdict on the card, and then does what its own kind of screen does
after a question locks (a lesson runs the predicted step; a quiz moves on).
"""

from __future__ import annotations

from textual import events
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Input

from regsim.lessons.question_book import QuestionBook
from regsim.tui.widgets.in_view import in_view
from regsim.tui.widgets.question_card import LETTERS, NUMBER_START, AnswerInput, QuestionCard


class QuestionsScreen(Screen[None]):
    """A screen of question cards graded by one `QuestionBook`."""

    @property
    def book(self) -> QuestionBook:
        """Where this screen's answers are graded and saved."""
        raise NotImplementedError

    def show_score(self) -> None:
        """Redraw the score (and whatever else the status line shows)."""
        raise NotImplementedError

    def after_lock(self, card: QuestionCard) -> None:
        """`card` takes no more answers now (right, out of tries, or revealed)."""

    def take_problems(self) -> list[str]:
        """Notices from saving progress since the last call (a read-only disk, say)."""
        return []

    def card_in_play(self) -> QuestionCard | None:
        """The question the focus is in, else the first one still open, else the first."""
        focused = self.focused
        cards = list(self.query(QuestionCard))
        for card in cards:
            if focused is not None and (focused is card or card in focused.ancestors):
                return card
        return next((card for card in cards if not card.locked), cards[0] if cards else None)

    async def on_key(self, event: events.Key) -> None:
        """A letter marks that choice; a digit typed on the page starts the answer in the box.
        Keys typed right after a digit may already be on their way to the page; they reach
        here, and go to the box too."""
        focused = self.focused
        if not (event.is_printable and event.character):
            if isinstance(focused, AnswerInput) and await focused.take_key(event):
                event.stop()  # Enter, backspace…: acted on in the box, in the order typed
                event.prevent_default()
            return
        if isinstance(focused, AnswerInput):
            # The box stops every printable key it receives, so this one was sent elsewhere
            # before the focus moved into the box.
            focused.add_typed(event.character)
            event.stop()
            event.prevent_default()
            return
        if isinstance(focused, Input):
            return
        if event.character in LETTERS and self.choose_letter(event.character):
            event.stop()
            event.prevent_default()
            return
        if event.character in NUMBER_START and any(
            card.type_into(event.character) for card in self.cards_in_reach()
        ):
            event.stop()
            event.prevent_default()

    def cards_in_reach(self) -> list[QuestionCard]:
        """The open questions a key typed on the page goes to, in order: the one the focus is
        in, then those on screen, then the rest."""
        open_cards = [card for card in self.query(QuestionCard) if not card.locked]
        focused = self.focused
        ahead = [c for c in open_cards if focused is not None and c in focused.ancestors]
        return ahead + [c for c in open_cards if in_view(c)] + open_cards

    def choose_letter(self, letter: str) -> bool:
        """Mark the choice labelled `letter` (the learner commits it with Enter): in the
        question the focus is in, else the first open one on screen, else the first open one.
        A letter that is one of the screen's keys (h, r…) stays that key."""
        if any(
            letter in binding.key.split(",")
            for binding in self.BINDINGS
            if isinstance(binding, Binding)
        ):
            return False
        ahead = [card for card in self.cards_in_reach() if card.has_choices]
        return bool(ahead) and ahead[0].choose(letter)

    def tell_problems(self) -> None:
        for problem in self.take_problems():
            self.notify(problem, severity="warning", timeout=8)

    def on_question_card_committed(self, event: QuestionCard.Committed) -> None:
        if event.card.locked:  # a second Enter typed before the first was graded
            self.notify("That question is done: your first answer stands.", timeout=4)
            return
        verdict = self.book.answer(event.card.key, event.picked)
        event.card.show(verdict)
        self.show_score()
        if verdict.locked:
            self.after_lock(event.card)
        event.card.bring_verdict_into_view()
        self.tell_problems()

    def action_hint(self) -> None:
        card = self.card_in_play()
        if card is not None:
            card.show(self.book.hint(card.key))
            self.show_score()
            card.bring_verdict_into_view()
            self.tell_problems()

    def action_reveal(self) -> None:
        card = self.card_in_play()
        if card is not None:
            card.show(self.book.reveal(card.key))
            self.show_score()
            self.after_lock(card)
            card.bring_verdict_into_view()
            self.tell_problems()

    def action_answer(self) -> None:
        card = self.card_in_play()
        if card is not None:
            card.focus_answer()
