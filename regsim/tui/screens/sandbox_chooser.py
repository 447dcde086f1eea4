"""Which scenario's setup the sandbox starts from: a short list, Enter picks."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import ListItem, ListView, Static

from regsim.tui.views.catalog import ScenarioEntry


class SetupItem(ListItem):
    def __init__(self, entry: ScenarioEntry) -> None:
        super().__init__()
        self.entry = entry

    def compose(self) -> ComposeResult:
        yield Static(Content(self.entry.title))


class SandboxChooser(ModalScreen[ScenarioEntry | None]):
    """Dismisses with the chosen scenario, or None on escape."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "escape,q",
            "dismiss(None)",
            "Cancel",
            key_display="esc",
            tooltip="Back without opening a sandbox",
        ),
    ]

    def __init__(self, entries: Sequence[ScenarioEntry]) -> None:
        super().__init__()
        self.entries = [entry for entry in entries if not entry.problems]

    def compose(self) -> ComposeResult:
        with Vertical(id="chooser-box"):
            yield Static(
                Content.assemble(
                    ("Sandbox: ", "bold"), "start from which scenario's registries and clients?"
                ),
                id="chooser-heading",
            )
            yield ListView(*(SetupItem(entry) for entry in self.entries), id="setups")
            yield Static(Content.assemble(("Enter opens, esc cancels", "dim")))

    def on_list_view_selected(self, event: ListView.Selected) -> None:
        event.stop()
        if isinstance(event.item, SetupItem):
            self.dismiss(event.item.entry)
