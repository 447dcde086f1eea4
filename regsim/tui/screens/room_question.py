"""A step's prediction put to the room: the question and its choices large, the answer on a key.

The instructor shows the question, the room commits (hands up, cards, a clicker poll), then the
reveal key runs the step and marks the simulator's answer; the next key goes back to the player.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from regsim.scenario.records import StepRecord
from regsim.scenario.spec import StepSpec
from regsim.tui.views.ask import answer_text, right_choice

LETTERS = "abcdefgh"


class RoomQuestion(ModalScreen[bool]):
    """Dismissed with True once revealed (the step has run), False when the room went back."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("pagedown,right,space,enter,n,r", "forward", "Reveal", key_display="PgDn",
                tooltip="Reveal the answer (the step runs); again: back to the player"),
        Binding("pageup,left,p,escape", "backward", "Back", key_display="PgUp",
                tooltip="Back to the player (before the reveal, the step has not run)"),
    ]

    def __init__(self, step: StepSpec, total: int, run_step: Callable[[], StepRecord | None]) -> None:
        super().__init__()
        assert step.ask is not None
        self.step = step
        self.total = total
        self.run_step = run_step
        self.record: StepRecord | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="room-box"):
            yield Static(id="room-question")
            yield Static(id="room-choices")
            yield Static(id="room-foot")

    def on_mount(self) -> None:
        self.query_one("#room-box").border_title = f"Predict · step {self.step.index} of {self.total}"
        self.show()

    def show(self) -> None:
        ask = self.step.ask
        assert ask is not None
        self.query_one("#room-question", Static).update(Content.assemble((ask.question, "bold")))
        right = right_choice(ask, self.record) if self.record is not None else None
        lines: list[Content] = []
        for i, choice in enumerate(ask.choices):
            letter = LETTERS[i] if i < len(LETTERS) else str(i + 1)
            if i == right:
                lines.append(Content.assemble((f" {letter}  ", "$text-success bold reverse"),
                                              (f"  {choice}  ✓", "$text-success bold")))
            elif self.record is not None:
                lines.append(Content.assemble((f" {letter}  ", "dim reverse"), (f"  {choice}", "dim")))
            else:
                lines.append(Content.assemble((f" {letter}  ", "$text-warning bold reverse"),
                                              (f"  {choice}", "bold")))
        if self.record is not None and right is None:
            lines.append(Content.assemble(("Answer: ", "$text-success bold"),
                                          (answer_text(ask, self.record), "bold")))
        elif not ask.choices:
            lines.append(Content.assemble(("Everyone writes down an answer.", "italic")))
        self.query_one("#room-choices", Static).update(Content("\n\n").join(lines))
        foot = ("PgDn: back to the player  ·  the step has run" if self.record is not None
                else "PgDn: reveal (the step runs)  ·  PgUp: back")
        self.query_one("#room-foot", Static).update(Content.assemble((foot, "dim")))

    def action_forward(self) -> None:
        if self.record is None:
            self.record = self.run_step()
            if self.record is not None:
                self.show()
                return
        self.dismiss(self.record is not None)

    def action_backward(self) -> None:
        self.dismiss(self.record is not None)


class BlankScreen(ModalScreen[None]):
    """The projector's "blank" (B or . on a clicker): a black screen until any key."""

    def compose(self) -> ComposeResult:
        yield Static(id="blank")

    def on_key(self, event: events.Key) -> None:
        event.stop()
        self.dismiss(None)
