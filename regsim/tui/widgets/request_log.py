"""The request log: every request of the step just done, one row each, coloured by its outcome."""

from __future__ import annotations

from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual.content import Content
from textual.widgets import DataTable, Static

from regsim.model.sim.events import RequestEvent
from regsim.tui.views.requests import TONES, RequestRow, rate_limit_lines, request_row, request_rows
from regsim.units import fit_path

# Outcome sits beside the status it explains ("404 missing", "401 challenge"), before the wide columns.
COLUMNS = (
    ("method", "Method"),
    ("path", "Path"),
    ("status", "Status"),
    ("outcome", "Outcome"),
    ("bytes", "Bytes"),
    ("route", "From → to"),
    ("why", "Why"),
)


class RequestLog(DataTable[Text]):
    """A DataTable of RequestRows; the tone colours live in regsim.tcss as component classes."""

    COMPONENT_CLASSES: ClassVar[set[str]] = DataTable.COMPONENT_CLASSES | {
        f"request-log--{t}" for t in TONES
    }

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, id=id, classes=classes)
        self._request_rows: list[RequestRow] = []

    def on_mount(self) -> None:
        for key, label in COLUMNS:
            self.add_column(label, key=key)
        self.app.theme_changed_signal.subscribe(
            self, lambda _theme: self.call_after_refresh(self._fill)
        )

    def show(self, events: list[RequestEvent]) -> None:
        rows = request_rows(events)
        if not rows and not self._request_rows and self.row_count == 0:
            return  # an empty step after an empty step: nothing to redraw
        self._request_rows = rows
        self._fill(keep_cursor=False)

    def on_resize(self) -> None:
        if self._request_rows:
            self._fill()

    def _path_width(self) -> int:
        # Narrow screens: leave room for status, outcome, bytes and who sent it to whom (the
        # From → to column, sized by the rows shown); wide ones: never cut.
        # A lesson's side panel (under 70 columns) keeps only the digest's start.
        width = self.size.width or 120
        if width < 70:
            return max(12, width - 44)
        if width >= 110 or not self._request_rows:
            return 200
        columns = zip(*((r.method, r.status, r.outcome, r.bytes, r.route) for r in self._request_rows), strict=True)
        labels = ("Method", "Status", "Outcome", "Bytes", "From → to")
        # Each column has a cell of padding on either side; the path's own, and the scrollbar.
        others = sum(max(len(label), *(len(v) for v in values)) + 2
                     for label, values in zip(labels, columns, strict=True))
        return max(20, width - others - 4)

    def _fill(self, keep_cursor: bool = True) -> None:
        row_index = self.cursor_row if keep_cursor else 0
        self.clear()
        for column in self.columns.values():  # widths follow the rows shown, never earlier ones
            column.content_width = column.label.cell_len
        path_width = self._path_width()
        for row in self._request_rows:
            tone = self._tone_style(row.tone)
            self.add_row(
                Text(row.method, style="bold"),
                Text(fit_path(row.path, path_width)),
                Text(row.status, style=tone),
                Text(row.outcome, style=tone),
                Text(row.bytes, justify="right"),
                Text(row.route),
                Text(row.why),
            )
        if 0 < row_index < len(self._request_rows):
            self.move_cursor(row=row_index, animate=False)

    def _tone_style(self, tone: str) -> Style:
        return self.get_component_rich_style(f"request-log--{tone}", partial=True, default=Style())


class RequestDetail(Static):
    """The highlighted request in full: its whole path and why, which the table may have to cut."""

    def show(self, event: RequestEvent | None) -> None:
        if event is None:
            self.update(Content.assemble(("No requests in this step.", "dim")))
            return
        row = request_row(event)
        self.update(
            Content.assemble(
                (f"{event.method} ", "bold"),
                event.path,
                "\n",
                (f"{row.status} {row.outcome}", "bold"),
                f"  {row.bytes}  {row.route}  ",
                (event.why, "italic"),
                *rate_limit_lines(event),
            )
        )
