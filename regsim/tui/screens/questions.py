"""What the lesson and quiz screens share: answering, hints and reveals of the question cards.

A card says what the learner committed (`QuestionCard.Committed`); the screen grades it in its
`QuestionBook`, shows the verdict on the card, and then does what its own kind of screen does
after a question locks (a lesson runs the predicted step; a quiz moves on).
"""

from __future__ import annotations

from textual.screen import Screen

from regsim.lessons.question_book import QuestionBook
from regsim.tui.widgets.question_card import QuestionCard


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
