"""Home: the bundled scenarios, one per line with its summary; Enter opens one in the player.

The last entry opens the sandbox; `s` opens it straight on the highlighted scenario's setup.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, ListItem, ListView, Static

from regsim.tui.screens.problems import ProblemsScreen
from regsim.tui.screens.sandbox_chooser import SandboxChooser
from regsim.tui.views.catalog import ScenarioEntry

SANDBOX_SUMMARY = (
    "Type docker pull, docker push, registry gc and more against a scenario's setup, with undo."
)


class ScenarioItem(ListItem):
    def __init__(self, entry: ScenarioEntry) -> None:
        super().__init__(classes="-broken" if entry.problems else "")
        self.entry = entry

    def compose(self) -> ComposeResult:
        entry = self.entry
        steps = f"  {entry.steps} steps" if entry.steps else ""
        with Vertical():
            yield Static(Content.assemble((entry.title, "bold"), (steps, "dim")), classes="title")
            yield Static(Content(entry.summary), classes="summary")


class SandboxItem(ListItem):
    """The entry that opens the sandbox, after the scenarios."""

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(
                Content.assemble(("Sandbox", "bold"), ("  your own commands", "dim")),
                classes="title",
            )
            yield Static(Content(SANDBOX_SUMMARY), classes="summary")


class HomeScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "enter",
            "open",
            "Open",
            priority=True,
            tooltip="Open the highlighted scenario in the player",
        ),
        Binding(
            "s",
            "sandbox",
            "Sandbox",
            tooltip="Type your own commands against the highlighted scenario's setup",
        ),
        Binding("up,k", "cursor_up", "Up", show=False),
        Binding("down,j", "cursor_down", "Down", show=False),
    ]

    def __init__(self, entries: Sequence[ScenarioEntry]) -> None:
        super().__init__()
        self.entries = list(entries)

    def compose(self) -> ComposeResult:
        yield Static(
            Content.assemble(
                ("regsim", "bold"),
                "  ·  watch a container image registry work, one request at a time",
            ),
            id="status-line",
        )
        yield Static(
            "Scenarios: pick one and press Enter. In the player, → runs the next step; "
            "s opens a sandbox.",
            id="intro",
        )
        yield ListView(
            *(ScenarioItem(entry) for entry in self.entries), SandboxItem(), id="scenarios"
        )
        yield Static(id="summary")
        yield Footer(show_command_palette=False)

    def on_list_view_highlighted(self, event: ListView.Highlighted) -> None:
        if isinstance(event.item, ScenarioItem):
            self.query_one("#summary", Static).update(Content(event.item.entry.summary))
        elif isinstance(event.item, SandboxItem):
            self.query_one("#summary", Static).update(Content(SANDBOX_SUMMARY))

    def on_list_view_selected(self, event: ListView.Selected) -> None:
        event.stop()
        self.open(event.item)

    def action_open(self) -> None:
        self.open(self.query_one(ListView).highlighted_child)

    def open(self, item: ListItem | None) -> None:
        if isinstance(item, SandboxItem):
            self.app.push_screen(SandboxChooser(self.entries), self._chosen_for_sandbox)
            return
        if not isinstance(item, ScenarioItem):
            return
        if item.entry.problems:
            self.app.push_screen(
                ProblemsScreen(f"{item.entry.path} cannot be opened:", item.entry.problems)
            )
        else:
            self.app.open_scenario(item.entry.path)  # type: ignore[attr-defined]

    def action_sandbox(self) -> None:
        """A sandbox on the highlighted scenario's setup; on the Sandbox entry, choose one first."""
        item = self.query_one(ListView).highlighted_child
        if isinstance(item, ScenarioItem) and not item.entry.problems:
            self.app.open_sandbox(item.entry.path)  # type: ignore[attr-defined]
        else:
            self.app.push_screen(SandboxChooser(self.entries), self._chosen_for_sandbox)

    def _chosen_for_sandbox(self, entry: ScenarioEntry | None) -> None:
        if entry is not None:
            self.app.open_sandbox(entry.path)  # type: ignore[attr-defined]

    def action_cursor_up(self) -> None:
        self.query_one(ListView).action_cursor_up()

    def action_cursor_down(self) -> None:
        self.query_one(ListView).action_cursor_down()
