"""A yes-or-no question before something that cannot be taken back (paging past an open
prediction, throwing away a sandbox session). y goes ahead; n, esc or Enter stay, so a key
typed in a hurry never does the thing that cannot be undone."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static


class ConfirmScreen(ModalScreen[bool]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Yes"),
        Binding("n,escape,enter", "answer(False)", "No", key_display="n"),
    ]

    def __init__(self, question: str, yes: str, no: str) -> None:
        super().__init__()
        self.question = question
        self.yes = yes
        self.no = no

    def compose(self) -> ComposeResult:
        lines = [
            Content.assemble((self.question, "bold")),
            Content(""),
            Content.assemble(("y ", "$text-accent bold"), self.yes),
            Content.assemble(("n ", "$text-accent bold"), self.no, (" (also esc)", "dim")),
        ]
        with Vertical(id="confirm-box"):
            yield Static(Content("\n").join(lines), id="confirm-text")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
