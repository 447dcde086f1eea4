"""What the player, the sandbox and the live screen share: the simulator's panes.

Each shows a status line, the story, the byte ledger, the world tree and the request log;
a narrow screen shows one of the three details at a time, switched with a key.
"""

from __future__ import annotations

from collections.abc import Sequence

from textual.app import ComposeResult
from textual.containers import Container, Horizontal, Vertical
from textual.content import Content
from textual.reactive import reactive
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer, Static

from regsim.scenario.records import StepRecord
from regsim.tui.widgets.ledger_panel import LedgerPanel
from regsim.tui.widgets.request_log import RequestDetail, RequestLog
from regsim.tui.widgets.world_tree import WorldTree

DETAILS = ("requests", "ledger", "world")  # what a narrow screen shows one at a time

Parts = list[str | tuple[str, str]]


class PanesScreen(Screen[None]):
    """A screen built from the simulator's panes."""

    detail: reactive[str] = reactive("requests")
    SWITCH_KEY = "v"

    def compose_panes(
        self, story: Sequence[Widget], log: RequestLog, above: Sequence[Widget] = ()
    ) -> ComposeResult:
        """The shared layout: status bar, anything `above` the body, then story, ledger, world, requests."""
        with Horizontal(id="status-bar"):
            yield Static(id="status-line")
            yield Static(id="view-switch")
        yield from above
        with Container(id="body"):
            with Vertical(id="story"):
                yield from story
            yield LedgerPanel(id="ledger")
            yield WorldTree(id="world")
            with Vertical(id="requests-box"):
                yield log
                yield RequestDetail(id="request-detail")
        yield Footer(show_command_palette=False)

    def title_panes(self) -> None:
        self.query_one("#ledger").border_title = "Bytes (layers)"
        self.query_one("#world").border_title = "World"
        self.query_one("#requests-box").border_title = "Requests"

    def status_parts(self) -> Parts:
        """The status line's words (each screen says what it is showing)."""
        raise NotImplementedError

    def shown_record(self) -> StepRecord | None:
        """The step whose requests the log shows."""
        return None

    def show_status(self) -> None:
        self.query_one("#status-line", Static).update(Content.assemble(*self.status_parts()))
        switch: Parts = [(f"{self.SWITCH_KEY}:", "dim")]
        for name in DETAILS:
            switch.append((f" {name}", "reverse bold" if name == self.detail else "dim"))
        self.query_one("#view-switch", Static).update(Content.assemble(*switch))

    def on_resize(self) -> None:
        # The breakpoint classes change with the size; the view key only matters when narrow.
        self.call_after_refresh(self._after_resize)

    def _after_resize(self) -> None:
        self.show_status()
        self.refresh_bindings()

    def on_data_table_row_highlighted(self, event: RequestLog.RowHighlighted) -> None:
        current = self.shown_record()
        if current is not None and 0 <= event.cursor_row < len(current.requests):
            self.query_one(RequestDetail).show(current.requests[event.cursor_row])

    def watch_detail(self, old: str, new: str) -> None:
        self.set_class(False, f"-view-{old}")
        self.set_class(True, f"-view-{new}")
        if self.is_mounted:
            self.show_status()

    def action_switch_view(self) -> None:
        self.detail = DETAILS[(DETAILS.index(self.detail) + 1) % len(DETAILS)]
