"""What the player, the sandbox and the live screen share: the simulator's panes.

Each shows a status line, the story, the byte ledger, the world tree and the request log;
a narrow screen shows one of the three details at a time, switched with a key.
"""

from __future__ import annotations

from textual.content import Content
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Static

from regsim.scenario.records import StepRecord
from regsim.tui.widgets.request_log import RequestDetail, RequestLog

DETAILS = ("requests", "ledger", "world")  # what a narrow screen shows one at a time

Parts = list[str | tuple[str, str]]


class PanesScreen(Screen[None]):
    """A screen built from the simulator's panes."""

    detail: reactive[str] = reactive("requests")
    SWITCH_KEY = "v"

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
