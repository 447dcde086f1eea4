"""Home: the bundled scenarios, one per line with its summary; Enter opens one in the player."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, ListItem, ListView, Static

from regsim.tui.screens.problems import ProblemsScreen
from regsim.tui.views.catalog import ScenarioEntry, scenario_entries


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


class HomeScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "enter",
            "open",
            "Open",
            priority=True,
            tooltip="Open the highlighted scenario in the player",
        ),
        Binding("up,k", "cursor_up", "Up", show=False),
        Binding("down,j", "cursor_down", "Down", show=False),
    ]

    def __init__(self, files: Sequence[Path]) -> None:
        super().__init__()
        self.files = list(files)

    def compose(self) -> ComposeResult:
        yield Static(
            Content.assemble(
                ("regsim", "bold"),
                "  ·  watch a container image registry work, one request at a time",
            ),
            id="status-line",
        )
        yield Static(
            "Scenarios: pick one and press Enter. In the player, → runs the next step.", id="intro"
        )
        yield ListView(
            *(ScenarioItem(entry) for entry in scenario_entries(self.files)), id="scenarios"
        )
        yield Static(id="summary")
        yield Footer(show_command_palette=False)

    def on_list_view_highlighted(self, event: ListView.Highlighted) -> None:
        if isinstance(event.item, ScenarioItem):
            self.query_one("#summary", Static).update(Content(event.item.entry.summary))

    def on_list_view_selected(self, event: ListView.Selected) -> None:
        event.stop()
        self.open(event.item)

    def action_open(self) -> None:
        self.open(self.query_one(ListView).highlighted_child)

    def open(self, item: ListItem | None) -> None:
        if not isinstance(item, ScenarioItem):
            return
        if item.entry.problems:
            self.app.push_screen(
                ProblemsScreen(f"{item.entry.path} cannot be opened:", item.entry.problems)
            )
        else:
            self.app.open_scenario(item.entry.path)  # type: ignore[attr-defined]

    def action_cursor_up(self) -> None:
        self.query_one(ListView).action_cursor_up()

    def action_cursor_down(self) -> None:
        self.query_one(ListView).action_cursor_down()
