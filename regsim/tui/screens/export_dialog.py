"""Where a chart export goes: asked before anything is written, with a folder already filled in."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from regsim.tui.views.chart import export_folder_problem


class ExportDialog(ModalScreen[Path | None]):
    """The folder to write `names` into; enter writes, escape writes nothing."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel", key_display="esc")]

    def __init__(self, folder: Path, names: list[str]) -> None:
        super().__init__()
        self.folder = folder
        self.names = names

    def compose(self) -> ComposeResult:
        with Vertical(id="export-box"):
            yield Static(Content.assemble(("Export this chart", "bold")), id="export-heading")
            yield Static(Content("Writes " + " and ".join(self.names) + " into this folder:"))
            yield Input(str(self.folder), id="export-folder", select_on_focus=False)
            yield Static(id="export-problem")
            yield Static(Content.assemble(("enter: write the files · esc: cancel, nothing is written", "dim")))

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        folder = Path(event.value.strip() or ".").expanduser()
        problem = export_folder_problem(folder)
        if problem:
            self.query_one("#export-problem", Static).update(Content.assemble((problem, "$text-error")))
            return
        self.dismiss(folder)

    def action_cancel(self) -> None:
        self.dismiss(None)
