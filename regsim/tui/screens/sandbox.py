"""The sandbox: type docker and registry commands against a scenario's world, and undo them."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.content import Content
from textual.widget import Widget
from textual.widgets import Input, Static

from regsim.scenario.records import StepRecord
from regsim.scenario.sandbox import Reply, SandboxSession, summary_lines
from regsim.tui.screens.confirm import ConfirmScreen
from regsim.tui.screens.panes import PanesScreen, Parts
from regsim.tui.views.chart import ChartSource
from regsim.tui.views.world import layer_names
from regsim.tui.widgets.command_line import CommandLine
from regsim.tui.widgets.ledger_panel import LedgerPanel
from regsim.tui.widgets.request_log import RequestDetail, RequestLog
from regsim.tui.widgets.step_panels import OutputPanel
from regsim.tui.widgets.world_tree import WorldTree


class SandboxScreen(PanesScreen):
    """A command line over a live world; the panes show what the last command did."""

    SWITCH_KEY = "f2"

    # The command line has focus, so every key here is one that typing cannot produce.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "ctrl+z",
            "undo",
            "Undo",
            key_display="ctrl+z",
            priority=True,
            tooltip="Take back the last command",
        ),
        Binding("up", "recall(-1)", "Earlier", show=False, tooltip="The command typed before"),
        Binding("down", "recall(1)", "Later", show=False, tooltip="The command typed after"),
        Binding(
            "f2", "switch_view", "View", tooltip="Show the requests, the byte ledger or the world"
        ),
        Binding("pageup", "scroll_output(-1)", "Scroll", show=False, tooltip="Scroll the output up"),
        Binding("pagedown", "scroll_output(1)", "Scroll", show=False, tooltip="Scroll the output down"),
        Binding("f1", "app.help", "Help", tooltip="Every key of this screen"),
        Binding("escape", "leave", "Leave", tooltip="Leave the sandbox"),
    ]

    HELP_NOTES: tuple[str, ...] = (
        "Type a command and press Enter; `help` lists them all, `as NAME` switches the client.",
        "tab moves between the command line, the output, the request table and the world tree.",
        "PageUp and PageDown scroll the output (help is longer than a small screen).",
        "ctrl+p opens the command palette: charts of this sandbox's run, other scenarios.",
    )


    def __init__(self, session: SandboxSession) -> None:
        super().__init__(classes="simulator")
        self.session = session
        self._recall = 0

    def compose(self) -> ComposeResult:
        prompt = Horizontal(
            CommandLine(placeholder=self.session.hint(), id="command"),
            Static(id="prompt-hint"),
            id="prompt",
        )
        yield from self.compose_panes(self.story(), RequestLog(id="requests"), [prompt])

    def story(self) -> list[Widget]:
        """The story column: what the last command did (a challenge adds its goal above)."""
        return [OutputPanel(id="done")]

    def on_mount(self) -> None:
        self.title_panes()
        self.title = f"Sandbox: {self.session.scenario.title}"
        self.set_class(True, f"-view-{self.detail}")
        self.query_one("#prompt-hint", Static).update(
            Content.assemble(
                ("Enter", "bold"),
                " runs · ",
                ("↑", "bold"),
                " recalls · ",
                ("ctrl+z", "bold"),
                " undoes · ",
                ("help", "bold"),
                " lists all",
            )
        )
        self.query_one(OutputPanel).show_note(
            "", "Type a command above and press Enter.", summary_lines()
        )
        self.show_session()
        self.query_one(Input).focus()

    # ----- drawing ---------------------------------------------------------------------------

    def show_session(self) -> None:
        """Redraw the panes from the session's last record and world, as one screen update. A
        narrow screen shows one detail pane at a time; the others are drawn when switched to."""
        session = self.session
        record = session.current
        requests = record.requests if record else []
        with self.app.batch_update():
            if self.shows("requests"):
                self.query_one(RequestLog).show(requests)
                self.query_one(RequestDetail).show(requests[0] if requests else None)
            self.query_one("#requests-box").border_subtitle = (
                f"{len(requests)} requests" if requests else ""
            )
            if self.shows("ledger"):
                self.query_one(LedgerPanel).show(
                    record, session.records_so_far(), layer_names(session.world)
                )
            if self.shows("world"):
                self.query_one(WorldTree).show(session.world)
            self.query_one("#prompt").border_title = f"{session.actor or 'no client'}$"
            self.query_one("#command", Input).placeholder = session.hint()
            self.show_status()

    def shows(self, detail: str) -> bool:
        """Whether a detail pane is on screen."""
        return not self.has_class("-narrow") or self.detail == detail

    def watch_detail(self, old: str, new: str) -> None:
        super().watch_detail(old, new)
        if self.is_mounted:
            self.show_session()   # the pane switched to shows the last command

    def _after_resize(self) -> None:
        super()._after_resize()
        self.show_session()   # from narrow to wide, every pane is on screen again

    def status_parts(self) -> Parts:
        session = self.session
        count = len(session.records)
        parts: Parts = [("sandbox", "bold"), f"  {count} command{'s' if count != 1 else ''}"]
        if not self.has_class("-narrow"):   # (narrow: the prompt's title names the client, "alice$")
            parts += ["  ·  acting as ", (session.actor or "nobody", "$text-accent bold")]
        return parts + self.title_parts()

    def title_parts(self) -> Parts:
        """The status line's last words: the scenario the sandbox started from."""
        session = self.session
        parts: Parts = ["  ·  ", session.scenario.title]
        if session.start_step:
            parts.append((f" (from step {session.start_step})", "dim"))
        return parts

    def shown_record(self) -> StepRecord | None:
        return self.session.current

    def chart_source(self) -> ChartSource:
        run = self.session.run
        return ChartSource(run, len(run.records), f"{run.scenario.id}-sandbox")

    def show_reply(self, reply: Reply) -> None:
        done = self.query_one(OutputPanel)
        with self.app.batch_update():
            if reply.kind == "ran" and reply.record is not None:
                done.show(reply.record)
            elif reply.kind != "empty":
                done.show_note(reply.text, reply.message, reply.lines, failed=reply.kind == "problem")
            self.show_session()

    # ----- typing and keys -------------------------------------------------------------------

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()  # (the command line has emptied itself for the next command already)
        self._recall = 0
        self.run_line(event.value)

    def run_line(self, text: str) -> Reply:
        """Type one line into the session and show what it did."""
        reply = self.session.enter(text)
        self.show_reply(reply)
        return reply

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # ctrl+z stays on (with nothing to undo it says so): the footer, which rebuilds every key
        # when one turns on or off, is then never rebuilt while commands run.
        if action == "switch_view":
            return self.has_class("-narrow")
        if action == "recall":
            return isinstance(self.focused, Input)
        return True

    def action_scroll_output(self, pages: int) -> None:
        """PageUp/PageDown from the command line (the request table and the output panel, when
        focused, take these keys themselves)."""
        output = self.query_one(OutputPanel)
        page = max(1, output.scrollable_content_region.height - 1)   # a line of the last page stays
        # At once (not after the next refresh), so keys pressed in a row each move a page.
        output.scroll_to(y=output.scroll_y + pages * page, animate=False, immediate=True)

    def action_undo(self) -> None:
        self.show_reply(self.session.undo())

    def action_recall(self, step: int) -> None:
        history = self.session.history
        if not history:
            return
        self._recall = max(-len(history), min(0, self._recall + step))
        command = self.query_one(Input)
        command.value = history[self._recall] if self._recall else ""
        command.cursor_position = len(command.value)

    def action_leave(self) -> None:
        """Leaving throws the session away: with commands typed, ask first."""
        count = len(self.session.records)
        if not count:
            self.dismiss()
            return
        self.app.push_screen(
            ConfirmScreen(
                f"Leave the sandbox? The {count} command{'s' if count != 1 else ''} you ran "
                "here will be gone.",
                yes="leave and throw the session away",
                no="stay in the sandbox",
            ),
            self.leave_answered,
        )

    def leave_answered(self, leave: bool | None) -> None:
        if leave:
            self.dismiss()
