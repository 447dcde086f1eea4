"""The player: step through a replayed scenario, live, with every request and byte on screen."""

from __future__ import annotations

from typing import ClassVar

from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.timer import Timer

from regsim.scenario.engine import Player
from regsim.scenario.records import StepRecord
from regsim.tui.messages import ChartRequested, SandboxFromPlayer
from regsim.tui.screens.panes import PanesScreen, Parts
from regsim.tui.views.chart import ChartSource
from regsim.tui.views.world import layer_names
from regsim.tui.widgets.ledger_panel import LedgerPanel
from regsim.tui.widgets.request_log import RequestDetail, RequestLog
from regsim.tui.widgets.step_panels import DoneStep, NextStep
from regsim.tui.widgets.world_tree import WorldTree

AUTO_INTERVALS = (0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0)  # seconds between steps when playing
DEFAULT_INTERVAL = 1.5


class PlayerScreen(PanesScreen):
    """An instructor drives this live: next, back, start, end, and auto-advance."""

    # Priority, so the arrow keys step the scenario even while the request table has focus.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "right,n,space,pagedown",
            "next",
            "Next",
            key_display="→",
            priority=True,
            tooltip="Run the next step",
        ),
        # A presentation clicker sends PageDown/PageUp to step and B or . to blank the projector.
        # In class mode b blanks (listed first, it passes the key on to Back otherwise).
        Binding("b,B", "class_blank", "Blank", show=False, priority=True,
                tooltip="In class mode: blank the screen until any key (a clicker's blank key)"),
        Binding(
            "left,p,b,pageup", "back", "Back", key_display="←", priority=True, tooltip="Undo the last step"
        ),
        Binding("full_stop", "blank", "Blank", key_display=".", show=False, priority=True,
                tooltip="Blank the screen until any key (a clicker's blank key)"),
        Binding("f", "toggle_class", "Class", show=False,
                tooltip="Class mode: large panes for a projector, predictions put to the room"),
        # Shown in help, not in the footer: help and back must fit in 80 columns.
        Binding(
            "home,g",
            "start",
            "Start",
            key_display="g",
            priority=True,
            show=False,
            tooltip="Back to before step 1",
        ),
        Binding(
            "end,G",
            "end",
            "End",
            key_display="G",
            priority=True,
            show=False,
            tooltip="Run every step",
        ),
        Binding("a", "auto", "Auto", tooltip="Play or pause: one step every few seconds"),
        Binding(
            "plus,equals_sign",
            "faster",
            "Faster",
            key_display="+",
            show=False,
            tooltip="Auto-advance sooner",
        ),
        Binding(
            "minus", "slower", "Slower", key_display="-", show=False, tooltip="Auto-advance later"
        ),
        Binding(
            "v",
            "switch_view",
            "View",
            show=False,  # a narrow screen's status bar shows it: v: requests ledger world
            tooltip="Show the requests, the byte ledger or the world",
        ),
        Binding("c", "chart", "Chart", tooltip="Transfer and storage charts up to this step"),
        Binding(
            "s", "sandbox", "Sandbox", tooltip="Type your own commands in the world as it is now"
        ),
        # A clicker's start/stop-show key sends esc: in class mode it does not leave (q does).
        Binding("escape", "stay_in_class", "Stay", show=False,
                tooltip="In class mode esc stays in the player (q leaves)"),
        Binding(
            "escape,q",
            "leave",
            "Leave",
            key_display="q",
            tooltip="Leave the player, back to the screen before (from home: the scenarios)",
        ),
    ]

    HELP_NOTES = (
        "↑ ↓ walk through the requests; the line under the table explains the highlighted one.",
        "tab moves between the request table and the world tree.",
        "On a narrow terminal, v shows the requests, the byte ledger or the world.",
    )


    def __init__(self, player: Player, classroom: bool = False) -> None:
        # Class mode swaps the pane layout ("simulator") for the projector's ("classroom").
        super().__init__(classes="classroom" if classroom else "simulator")
        self.player = player
        self.auto_interval = DEFAULT_INTERVAL
        self.auto_timer: Timer | None = None
        # Auto mode waiting at a prediction: on, but no step runs until the room has answered.
        self.auto_waiting = False
        self._bindings_at: tuple[bool, bool] | None = None

    @property
    def classroom(self) -> bool:
        return self.has_class("classroom")

    def compose(self) -> ComposeResult:
        yield from self.compose_panes([NextStep(id="next"), DoneStep(id="done")], RequestLog(id="requests"))

    def on_mount(self) -> None:
        self.title_panes()
        self.title = self.player.scenario.title
        self.set_class(True, f"-view-{self.detail}")
        self.show_position()
        self.query_one(RequestLog).focus()

    # ----- drawing ---------------------------------------------------------------------------

    def show_position(self) -> None:
        """Redraw every panel from the player's records; nothing here computes what the model knows."""
        player = self.player
        upcoming = player.next_step
        # A step that asks for a prediction keeps its narration (which tells what happens) until it runs.
        withheld = ("Predict first: the narration appears once this step has run."
                    if upcoming is not None and upcoming.ask is not None and upcoming.say else None)
        self.query_one(NextStep).show(upcoming, player.total, withheld=withheld)
        done = player.scenario.steps[player.position - 1] if player.position else None
        self.query_one(DoneStep).show(player.current, done)
        requests = player.current.requests if player.current else []
        self.query_one(RequestLog).show(requests)
        self.query_one(RequestDetail).show(requests[0] if requests else None)
        self.query_one("#requests-box").border_subtitle = (
            f"{len(requests)} requests" if requests else ""
        )
        self.query_one(LedgerPanel).show(
            player.current, player.records_so_far(), layer_names(player.world)
        )
        self.query_one(WorldTree).show(player.world)
        self.show_status()
        self.refresh_bindings_if_changed()

    def refresh_bindings_if_changed(self) -> None:
        """The footer redraws all its keys on a refresh; only ask when a key turned on or off."""
        at = (self.player.position == 0, self.player.position >= self.player.total)
        if at != self._bindings_at:
            self._bindings_at = at
            self.refresh_bindings()

    def status_parts(self) -> Parts:
        player = self.player
        parts: Parts = [(f"step {player.position} of {player.total}", "bold")]
        if self.auto_waiting:
            parts.append(("  ⏸ auto waits: predict, then →", "$text-warning bold"))
        elif self.auto_timer:
            parts.append((f"  ▶ auto every {self.auto_interval:g} s", "$text-accent bold"))
        if self.classroom:
            parts.append(("  · class", "$text-accent"))
        return [*parts, "  ·  ", player.scenario.title]

    def shown_record(self) -> StepRecord | None:
        return self.player.current

    def chart_source(self) -> ChartSource:
        player = self.player
        return ChartSource(player.run, player.position, player.scenario.id)

    # ----- keys ------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        at_start = self.player.position == 0
        at_end = self.player.position >= self.player.total
        if action in ("next", "end"):
            return None if at_end else True
        if action in ("back", "start"):
            return None if at_start else True
        if action == "auto":
            return True if self.auto_timer or self.auto_waiting or not at_end else None
        if action == "faster":
            return None if self.auto_interval <= AUTO_INTERVALS[0] else True
        if action == "slower":
            return None if self.auto_interval >= AUTO_INTERVALS[-1] else True
        if action in ("class_blank", "stay_in_class"):
            return self.classroom   # False: not listed in help, and the key goes to Back or Leave
        if action == "switch_view":
            return self.classroom or self.has_class("-narrow")
        return True

    def action_next(self) -> None:
        upcoming = self.player.next_step
        if self.classroom and upcoming is not None and upcoming.ask is not None:
            self.put_to_room()
            return
        self.player.step()
        self.show_position()
        self.resume_auto()

    def put_to_room(self) -> None:
        """The next step's prediction, large; the reveal key runs the step."""
        upcoming = self.player.next_step
        if upcoming is None or upcoming.ask is None:
            return
        from regsim.tui.screens.room_question import RoomQuestion

        self.app.push_screen(RoomQuestion(upcoming, self.player.total, self._reveal), self._after_room)

    def _reveal(self) -> StepRecord | None:
        record = self.player.step()
        self.show_position()
        return record

    def _after_room(self, revealed: bool | None) -> None:
        self.show_position()
        if revealed:
            self.resume_auto()

    def action_class_blank(self) -> None:
        if not self.classroom:
            raise SkipAction()   # b is Back outside class mode
        self.action_blank()

    def action_stay_in_class(self) -> None:
        if not self.classroom:
            raise SkipAction()   # esc leaves outside class mode

    def action_blank(self) -> None:
        from regsim.tui.screens.room_question import BlankScreen

        self.app.push_screen(BlankScreen())

    def action_toggle_class(self) -> None:
        classroom = not self.classroom
        self.set_class(not classroom, "simulator")
        self.set_class(classroom, "classroom")
        self.show_position()
        self.refresh_bindings()


    def action_back(self) -> None:
        self.player.back()
        self.show_position()

    def action_start(self) -> None:
        self.player.restart()
        self.show_position()

    def action_end(self) -> None:
        self.stop_auto()
        self.player.seek(self.player.total)
        self.show_position()

    def action_auto(self) -> None:
        if self.auto_timer or self.auto_waiting:
            self.stop_auto()
        else:
            self.auto_timer = self.set_interval(self.auto_interval, self._auto_step)
        self.show_status()
        self.refresh_bindings()

    def action_faster(self) -> None:
        self._set_interval(
            max((i for i in AUTO_INTERVALS if i < self.auto_interval), default=AUTO_INTERVALS[0])
        )

    def action_slower(self) -> None:
        self._set_interval(
            min((i for i in AUTO_INTERVALS if i > self.auto_interval), default=AUTO_INTERVALS[-1])
        )

    def action_chart(self) -> None:
        self.stop_auto()
        self.show_status()
        self.post_message(ChartRequested(self.chart_source(), "transfer"))

    def action_sandbox(self) -> None:
        self.stop_auto()
        self.show_status()
        self.post_message(SandboxFromPlayer(self.player))

    def action_leave(self) -> None:
        self.stop_auto()
        self.dismiss()

    # ----- auto-advance ----------------------------------------------------------------------

    def _auto_step(self) -> None:
        upcoming = self.player.next_step
        if upcoming is not None and upcoming.ask is not None:
            # A prediction is the point of the step: auto waits for the room, then goes on.
            self.stop_auto()
            self.auto_waiting = True
            self.show_status()
            if self.classroom:
                self.put_to_room()
            return
        self.player.step()
        if self.player.position >= self.player.total:
            self.stop_auto()
        self.show_position()

    def resume_auto(self) -> None:
        """After a prediction's step has run, auto mode (if it was waiting) plays on."""
        if self.auto_waiting:
            self.auto_waiting = False
            if self.player.position < self.player.total:
                self.auto_timer = self.set_interval(self.auto_interval, self._auto_step)
            self.show_status()
            self.refresh_bindings()

    def stop_auto(self) -> None:
        self.auto_waiting = False
        if self.auto_timer:
            self.auto_timer.stop()
            self.auto_timer = None

    def _set_interval(self, seconds: float) -> None:
        self.auto_interval = seconds
        if self.auto_timer:
            self.auto_timer.stop()
            self.auto_timer = self.set_interval(self.auto_interval, self._auto_step)
        self.show_status()
        self.refresh_bindings()
