"""Charts of the run on screen, drawn with block characters; `e` exports PNG and CSV."""

from __future__ import annotations

import re
from pathlib import Path
from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Footer, ProgressBar, Static

from regsim.charts import KINDS, ChartError, chart_title
from regsim.charts.text import FULL, LIGHT
from regsim.tui.messages import ChartRequested
from regsim.tui.screens.export_dialog import ExportDialog
from regsim.tui.views.chart import ChartSource, export_chart, export_directory, export_names, next_kind

_BARS = re.compile(f"({FULL}+|{LIGHT}+)")


def chart_content(lines: list[str]) -> Content:
    """The text chart with its bars coloured: what moved (█) strong, what whole images cost (░) dim."""
    styled = []
    for line in lines:
        parts: list[str | tuple[str, str]] = []
        for piece in _BARS.split(line):
            if piece.startswith(FULL):
                parts.append((piece, "$text-primary"))
            elif piece.startswith(LIGHT):
                parts.append((piece, "$text-warning 70%"))
            elif piece:
                parts.append(piece)
        styled.append(Content.assemble(*parts))
    return Content("\n").join(styled)


class ChartScreen(Screen[None]):
    """One chart kind at a time for the run up to the player's (or sandbox's) position."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "k,c,tab",
            "next_kind",
            "Kind",
            key_display="k",
            tooltip="Next chart: " + " → ".join(KINDS),
        ),
        Binding("e", "export", "Export", tooltip="Write this chart as PNG and CSV (asks where first)"),
        Binding(
            "escape,q",
            "leave",
            "Back",
            key_display="q",
            tooltip="Back to where the chart was opened from",
        ),
    ]

    HELP_NOTES = (
        "e asks where to write, suggesting $REGSIM_EXPORT_DIR when it is set, else Documents/regsim, "
        "else the current directory.",
        "█ is what actually moved or is stored; ░ is what whole images would have cost.",
    )

    kind: reactive[str] = reactive("transfer", init=False)

    class ExportProgress(Message):
        """A file is being written (done of total)."""

        def __init__(self, done: int, total: int, name: str) -> None:
            super().__init__()
            self.done, self.total, self.name = done, total, name

    class ExportDone(Message):
        def __init__(self, paths: list[Path] | None, problem: str | None = None) -> None:
            super().__init__()
            self.paths, self.problem = paths, problem

    def __init__(
        self, source: ChartSource, kind: str = "transfer", export_on_mount: bool = False
    ) -> None:
        super().__init__()
        self.source = source
        self.export_on_mount = export_on_mount
        self.set_reactive(ChartScreen.kind, kind)
        self.exporting = False

    def compose(self) -> ComposeResult:
        yield Static(id="status-line")
        yield Static(id="chart-title")
        with VerticalScroll(id="chart-box"):
            yield Static(id="chart")
        with Horizontal(id="export-bar"):
            yield Static(id="export-label")
            yield ProgressBar(id="export-progress", show_eta=False)
        yield Footer(show_command_palette=False)

    def on_mount(self) -> None:
        self.title = f"Chart: {self.source.run.scenario.title}"
        self.draw()
        if self.export_on_mount:
            self.action_export()

    def chart_source(self) -> ChartSource:
        return self.source

    def on_chart_requested(self, message: ChartRequested) -> None:
        """Asked from this screen (the palette): another kind of this chart, or its export."""
        message.stop()
        if message.export:
            self.action_export()
        else:
            self.kind = message.kind

    def watch_kind(self) -> None:
        self.draw()

    def on_resize(self) -> None:
        self.call_after_refresh(self.draw)

    def draw(self) -> None:
        source, kind = self.source, self.kind
        data, until = source.run_dict(kind)
        where = (
            f"after step {source.position} of {source.total}"
            if source.position < source.total
            else f"all {source.total} steps"
        )
        kinds: list[str | tuple[str, str]] = []
        for name in KINDS:
            kinds.append((f" {name} ", "reverse bold" if name == kind else "dim"))
        self.query_one("#status-line", Static).update(
            Content.assemble(("chart", "bold"), f"  {where}  ·  k:", *kinds)
        )
        self.query_one("#chart-title", Static).update(
            Content.assemble((chart_title(data, kind, until), "bold"))
        )
        box = self.query_one("#chart-box")
        width = max((box.scrollable_content_region.width or box.size.width or 100) - 1, 40)
        lines = source.lines(kind, width)[1:]  # the title is shown above, wrapped
        self.query_one("#chart", Static).update(chart_content(lines))

    # ----- keys ------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "export":
            return None if self.exporting else True
        return True

    def action_next_kind(self) -> None:
        self.kind = next_kind(self.kind)

    def action_leave(self) -> None:
        self.dismiss()

    def action_export(self) -> None:
        """Ask where (the suggested folder shown, editable), then write; escape writes nothing."""
        if self.exporting:
            return
        names = export_names(self.source, self.kind)
        self.app.push_screen(ExportDialog(export_directory(), names), self.export_into)

    def export_into(self, folder: Path | None) -> None:
        if folder is None or self.exporting:
            return
        self.exporting = True
        self.add_class("-exporting")
        self.query_one("#export-label", Static).update("Exporting…")
        self.query_one(ProgressBar).update(total=2, progress=0)
        self.refresh_bindings()
        self.export(self.kind, folder)

    @work(thread=True, exclusive=True, group="chart-export")
    def export(self, kind: str, directory: Path) -> None:
        """Draw and write the files off the UI thread; matplotlib loads here, on first use."""
        try:
            paths = export_chart(
                self.source,
                kind,
                directory,
                lambda done, total, name: self.post_message(self.ExportProgress(done, total, name)),
            )
        except ChartError as error:
            self.post_message(self.ExportDone(None, str(error)))
            return
        except Exception as error:  # noqa: BLE001 - an export must not take the app down
            self.post_message(self.ExportDone(None, f"{type(error).__name__}: {error}"))
            return
        self.post_message(self.ExportDone(paths))

    def on_chart_screen_export_progress(self, message: ExportProgress) -> None:
        self.query_one(ProgressBar).update(total=message.total, progress=message.done)
        if message.name:
            self.query_one("#export-label", Static).update(
                Content.assemble("Exporting ", (message.name, "bold"), "…")
            )

    def on_chart_screen_export_done(self, message: ExportDone) -> None:
        self.exporting = False
        self.remove_class("-exporting")
        self.refresh_bindings()
        if message.paths is None:
            self.notify(message.problem or "", title="Export failed", severity="error", timeout=8)
            return
        folder = message.paths[0].parent
        names = ", ".join(path.name for path in message.paths)
        self.notify(f"Wrote {names} to {folder}", title="Chart exported", timeout=8)
