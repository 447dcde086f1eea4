"""Problems in a user's file, each as FILE:LINE:COL: message, instead of a traceback."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static


class ProblemsScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,enter,q", "dismiss", "Close", key_display="esc")
    ]

    def __init__(self, heading: str, problems: list[str]) -> None:
        super().__init__()
        self.heading = heading
        self.problems = problems

    def compose(self) -> ComposeResult:
        lines = [
            Content.assemble(("error ", "$text-error bold"), (self.heading, "bold")),
            Content(""),
        ]
        lines += [Content(problem) for problem in self.problems]
        lines += [
            Content(""),
            Content.assemble(("Fix the file and open it again. esc closes this.", "dim")),
        ]
        with Vertical(id="problems-box"):
            yield Static(Content("\n").join(lines), id="problems-text")
