"""The Live screen: a real client's requests as they arrive, each explained, the world and the bytes.

It reuses the player's widgets: the request log (one row per request, appended as it comes),
the world tree (the live registry's repositories, tags and layers; under `regsim watch`, what
the traffic showed of the upstream), the byte ledger (the operation in progress and the session
so far: layer bytes that travelled beside what whole-image transfers would have needed) and
the step panel (the operation's summary lines).
Requests are grouped into operations by `regsim.live.session`, as a saved record is.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from regsim.live.session import SessionSteps
from regsim.model.core.events import RequestEvent
from regsim.scenario.records import StepRecord
from regsim.tui.screens.panes import PanesScreen, Parts
from regsim.tui.views.requests import request_row
from regsim.tui.widgets.ledger_panel import LedgerPanel
from regsim.tui.widgets.request_log import RequestDetail, RequestLog
from regsim.tui.widgets.step_panels import DoneStep
from regsim.tui.widgets.world_tree import WorldTree
from regsim.units import exact_seconds, fit_path, format_size

if TYPE_CHECKING:
    from regsim.live.entry import LiveEntry
    from regsim.live.source import LiveSource

REDRAW_SECONDS = 0.15       # panels other than the log redraw at most this often
MAX_ROWS = 2000             # the table keeps the newest rows; the record keeps every request


class LiveRequestLog(RequestLog):
    """The request log, appended to one row at a time as requests arrive."""

    def append(self, event: RequestEvent) -> None:
        row = request_row(event)
        self._request_rows.append(row)
        if len(self._request_rows) > MAX_ROWS:
            del self._request_rows[: len(self._request_rows) - MAX_ROWS]
            self._fill()
            return
        tone = self._tone_style(row.tone)
        self.add_row(
            Text(row.method, style="bold"),
            Text(fit_path(row.path, self._path_width())),
            Text(row.status, style=tone),
            Text(row.outcome, style=tone),
            Text(row.bytes, justify="right"),
            Text(row.route),
            Text(row.why),
        )

    @property
    def events_shown(self) -> int:
        return len(self._request_rows)

    # Moving the cursor by hand decides following: up stops it, down to the newest row resumes it.
    def _moved_by_hand(self) -> None:
        screen = self.screen
        if isinstance(screen, LiveScreen):
            screen.set_follow(self.cursor_row >= self.row_count - 1)

    def action_cursor_up(self) -> None:
        super().action_cursor_up()
        self._moved_by_hand()

    def action_cursor_down(self) -> None:
        super().action_cursor_down()
        self._moved_by_hand()

    def action_page_up(self) -> None:
        super().action_page_up()
        self._moved_by_hand()

    def action_page_down(self) -> None:
        super().action_page_down()
        self._moved_by_hand()

    def action_scroll_top(self) -> None:
        super().action_scroll_top()
        self._moved_by_hand()

    def action_scroll_bottom(self) -> None:
        super().action_scroll_bottom()
        self._moved_by_hand()


def connect_text(server: LiveSource) -> Content:
    """The story panel's few lines: where the registry is; `c` shows the client commands (they
    are too long for the panel's narrow column)."""
    users = ", ".join(name for name, _ in server.users)
    return Content.assemble(
        ("Registry ", "bold"), (server.url, "bold $text-accent"), "\n",
        ("auth ", "dim"), server.auth, (f" · user {users}" if users else "", ""), "\n",
        ("data in ", "dim"), str(server.root), "\n\n",
        ("Press ", "dim"), ("c", "bold $text-accent"),
        (" for skopeo and oras commands to copy and paste.", "dim"),
    )


def shell_lines(words: list[str], width: int, indent: str = "    ") -> list[str]:
    """One command broken between its words into lines of at most `width` (when a word allows),
    each but the last ending in ` \\`, so the lines still paste into a shell as one command."""
    lines: list[str] = []
    current = words[0]
    for i, word in enumerate(words[1:], start=1):
        tail = 0 if i == len(words) - 1 else 2
        if len(current) + 1 + len(word) + tail <= width:
            current += " " + word
        else:
            lines.append(current + " \\")
            current = indent + word
    lines.append(current)
    return lines


def commands_text(server: LiveSource, width: int) -> Content:
    """Every client example, captions dim and commands bold, wrapped to `width`."""
    from regsim.live.cli import client_examples

    lines: list[Content] = []
    for caption, commands in client_examples(server):
        if lines:
            lines.append(Content(""))
        lines.append(Content.assemble((caption, "dim")))
        for words in commands:
            for line in shell_lines(words, max(20, width - 2)):
                lines.append(Content.assemble("  ", (line, "bold $text-primary")))
    return Content("\n").join(lines)


class CommandsText(Static):
    """The client commands, wrapped between words to whatever width the box has."""

    def __init__(self, server: LiveSource) -> None:
        super().__init__(id="connect-commands")
        self.server = server

    def on_mount(self) -> None:
        self.update(commands_text(self.server, max(40, self.app.size.width - 8)))

    def on_resize(self) -> None:
        if self.content_size.width:
            self.update(commands_text(self.server, self.content_size.width))


class ConnectScreen(ModalScreen[None]):
    """The client commands in full, across the whole width, to copy and paste."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,c,q", "dismiss", "Close", key_display="esc"),
    ]

    def __init__(self, server: LiveSource) -> None:
        super().__init__()
        self.server = server

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="connect-box"):
            yield Static(
                Content.assemble(
                    ("Connect a client to ", "bold"), (self.server.url, "bold $text-accent"),
                    ("  (auth ", "dim"), (self.server.auth, "dim"), (")", "dim"),
                ),
                id="connect-heading",
            )
            yield CommandsText(self.server)
            yield Static(
                Content.assemble(
                    ("PASSWORD stands for the user's password. ", "dim"),
                    ("esc closes this.", "dim"),
                ),
                id="connect-foot",
            )


class LiveScreen(PanesScreen):
    """Requests appear as they arrive; the highlighted one is explained in full below the table."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f", "follow", "Follow", tooltip="Keep the newest request highlighted (on by default)"),
        Binding("c", "connect", "Connect", tooltip="Commands for skopeo and oras to copy and paste"),
        Binding("v", "switch_view", "View", tooltip="Show the requests, the byte ledger or the world"),
    ]
    HELP_NOTES = (
        "Point skopeo, oras, docker or podman at the address at the top; every request appears here.",
        "c shows ready-made skopeo and oras commands for this registry, to copy and paste.",
        "↑ ↓ walk through the requests; the line under the table explains the highlighted one.",
        "Moving up stops following the newest request; f follows again.",
    )


    def __init__(self, server: LiveSource) -> None:
        super().__init__(classes="simulator")
        self.server = server
        self.steps = SessionSteps(server.service, keep_worlds=False)
        self.events: list[RequestEvent] = []
        self.received = 0
        self.follow = True
        self._dirty = False
        self._loop_thread = threading.get_ident()

    def compose(self) -> ComposeResult:
        yield from self.compose_panes([Static(id="next"), DoneStep(id="done")], LiveRequestLog(id="requests"))

    def on_mount(self) -> None:
        self.query_one("#next").border_title = "Connect a client"
        self.query_one("#next", Static).update(connect_text(self.server))
        self.title_panes()
        self.query_one("#done", DoneStep).border_title = "Waiting for a client"
        self.query_one("#done", DoneStep).update(Content.assemble(("No request yet.", "dim")))
        self.title = f"regsim live · {self.server.url}"
        self.set_class(True, f"-view-{self.detail}")
        self.query_one(RequestDetail).show(None)
        for entry in list(self.server.entries):   # requests that came before the screen
            self._take(entry)
        self.server.listeners.append(self._arrived)
        self.redraw()
        self.query_one(LiveRequestLog).focus()

    def on_unmount(self) -> None:
        if self._arrived in self.server.listeners:
            self.server.listeners.remove(self._arrived)

    # ----- requests arriving -----------------------------------------------------------------

    def _arrived(self, entry: LiveEntry) -> None:
        """A server listener: runs in the app's loop (or is handed to it from another thread)."""
        if threading.get_ident() == self._loop_thread:
            self._take(entry)
        else:
            self.app.call_from_thread(self._take, entry)

    def _take(self, entry: LiveEntry) -> None:
        event = entry.event
        self.events.append(event)
        if event.upload:
            self.received += event.bytes
        self.steps.feed(entry.to_dict())
        log = self.query_one(LiveRequestLog)
        log.append(event)
        if self.follow:
            log.move_cursor(row=log.row_count - 1, animate=False)
            self.query_one(RequestDetail).show(event)
        if not self._dirty:
            self._dirty = True
            self.set_timer(REDRAW_SECONDS, self.redraw)

    # ----- drawing ---------------------------------------------------------------------------

    def records(self) -> list[StepRecord]:
        """The operations so far, the open ones last; storage is the live registry's own."""
        records = [*self.steps.records, *self.steps.pending()]
        registry = self.server.registry
        if registry is not None and records:
            records[-1].storage = {self.server.service: {
                "stored_layer_bytes": registry.layer_bytes_stored(),
                "logical_layer_bytes": registry.logical_layer_bytes(),
                "freed_bytes": 0,
            }}
        return records

    def redraw(self) -> None:
        self._dirty = False
        records = self.records()
        current = records[-1] if records else None
        done = self.query_one("#done", DoneStep)
        if current is not None:
            done.show(current)
            in_progress = current.index > len(self.steps.records)
            done.border_title = f"Operation {current.index}" + (" (in progress)" if in_progress else "")
            done.border_subtitle = exact_seconds(current.seconds, 2)
        self.query_one(LedgerPanel).show(current, records, {})
        self.query_one("#ledger").border_subtitle = f"{format_size(self.received)} received in all"
        world = self.query_one(WorldTree)
        if self.server.world is not None:
            world.show(self.server.world)
        else:
            # A proxy holds no registry: the world is what the traffic showed of the upstream.
            world.show(self.steps.world)
            world.border_subtitle = "as seen in the traffic: images pushed or pulled through here"
        self.query_one("#requests-box").border_subtitle = f"{len(self.events)} requests"
        self.show_status()

    def status_parts(self) -> Parts:
        server = self.server
        parts: Parts = [
            ("● serving ", "$text-success bold"), (server.url, "bold"),
            f"  auth {server.auth}  ·  {len(self.events)} requests  ·  {len(self.steps.records)} operations done",
        ]
        if not self.follow:
            parts.append(("  ·  paused (f follows)", "$text-warning"))
        return parts

    def on_data_table_row_highlighted(self, event: RequestLog.RowHighlighted) -> None:
        log = self.query_one(LiveRequestLog)
        if self.follow and event.cursor_row != log.row_count - 1:
            return   # a late highlight of a row the log has moved past while following
        shown = self.events[len(self.events) - log.events_shown:]
        if 0 <= event.cursor_row < len(shown):
            self.query_one(RequestDetail).show(shown[event.cursor_row])

    def set_follow(self, follow: bool) -> None:
        if follow != self.follow:
            self.follow = follow
            self.show_status()

    # ----- keys ------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "switch_view":
            return self.has_class("-narrow")
        return True

    def action_connect(self) -> None:
        self.app.push_screen(ConnectScreen(self.server))

    def action_follow(self) -> None:
        self.follow = True
        log = self.query_one(LiveRequestLog)
        if log.row_count:
            log.move_cursor(row=log.row_count - 1, animate=False)
        if self.events:
            self.query_one(RequestDetail).show(self.events[-1])
        self.show_status()

