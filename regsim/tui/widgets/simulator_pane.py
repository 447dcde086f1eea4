"""The simulator beside a lesson: the player's panels in one column, one detail at a time.

The step panels on top (what runs next, what the last step printed), then the request log,
the byte ledger or the world, switched with a key. It draws what a `Player` holds; nothing more.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Static

from regsim.scenario.engine import Player
from regsim.tui.views.world import layer_names
from regsim.tui.widgets.ledger_panel import LedgerPanel
from regsim.tui.widgets.request_log import RequestDetail, RequestLog
from regsim.tui.widgets.step_panels import DonePanel, NextStep
from regsim.tui.widgets.world_tree import WorldTree

DETAILS = ("requests", "ledger", "world")
IDLE_NOTE = "No step has run yet: the pages and your predictions move the simulator on."
FINISHED_NOTE = "The pages have shown the whole scenario."


class SimulatorPane(Vertical):
    """The lesson's scenario at the step the page has reached."""

    def __init__(self, player: Player, *, id: str | None = None) -> None:
        super().__init__(id=id, classes="-view-requests")
        self.player = player
        self.detail = "requests"
        self.withheld: dict[int, str] = {}  # step number -> the note shown instead of its narration

    def compose(self) -> ComposeResult:
        yield Static(id="sim-status")
        yield NextStep(id="next")
        yield DonePanel(id="done")
        with Vertical(id="requests-box"):
            yield RequestLog(id="requests")
            yield RequestDetail(id="request-detail")
        yield LedgerPanel(id="ledger")
        yield WorldTree(id="world")

    def on_mount(self) -> None:
        self.query_one("#ledger").border_title = "Bytes (layers)"
        self.query_one("#world").border_title = "World"
        self.query_one("#requests-box").border_title = "Requests"
        self.show()

    def seek(self, position: int, withheld: dict[int, str] | None = None) -> None:
        """Move to `position`; `withheld` names the steps whose narration must wait (a
        prediction about them is still open) with the note to show instead."""
        withheld = withheld or {}
        if position != self.player.position or withheld != self.withheld:
            self.withheld = withheld
            self.player.seek(position)
            self.show()

    def show(self) -> None:
        """Redraw every panel from the player's records."""
        player = self.player
        upcoming = player.next_step
        note = self.withheld.get(upcoming.index) if upcoming is not None else None
        self.query_one(NextStep).show(upcoming, player.total, FINISHED_NOTE, note, ask=False)
        done = player.scenario.steps[player.position - 1] if player.position else None
        self.query_one(DonePanel).show(player.current, done, IDLE_NOTE)
        requests = player.current.requests if player.current else []
        log = self.query_one(RequestLog)
        log.show(requests)
        log.can_focus = bool(requests)  # tab skips an empty table (nothing to pick in it)
        self.query_one(RequestDetail).show(requests[0] if requests else None)
        self.query_one("#requests-box").border_subtitle = (
            f"{len(requests)} requests" if requests else ""
        )
        self.query_one(LedgerPanel).show(
            player.current, player.records_so_far(), layer_names(player.world)
        )
        self.query_one(WorldTree).show(player.world)
        self.show_status()

    def show_status(self) -> None:
        player = self.player
        parts: list[str | tuple[str, str]] = [
            ("Simulator ", "bold"),
            (f"step {player.position} of {player.total}", "bold $text-accent"),
            ("  ·  v:", "dim"),
        ]
        for name in DETAILS:
            parts.append((f" {name}", "reverse bold" if name == self.detail else "dim"))
        self.query_one("#sim-status", Static).update(Content.assemble(*parts))

    def switch_detail(self) -> None:
        old = self.detail
        self.detail = DETAILS[(DETAILS.index(old) + 1) % len(DETAILS)]
        self.set_class(False, f"-view-{old}")
        self.set_class(True, f"-view-{self.detail}")
        self.show_status()

    def on_data_table_row_highlighted(self, event: RequestLog.RowHighlighted) -> None:
        current = self.player.current
        if current is not None and 0 <= event.cursor_row < len(current.requests):
            self.query_one(RequestDetail).show(current.requests[event.cursor_row])
