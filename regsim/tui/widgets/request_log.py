"""The request log: every request of the step just done, one row each, coloured by its outcome."""

from __future__ import annotations

from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual.content import Content
from textual.widgets import DataTable, Static

from regsim.model.core.events import RequestEvent
from regsim.tui.views.requests import TONES, RequestRow, rate_limit_lines, request_row, request_rows
from regsim.units import elided_digests, fit_path

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
        self._filled_width = 0  # the width the rows were cut for (only the path column depends on it)

    def on_mount(self) -> None:
        for key, label in COLUMNS:
            self.add_column(label, key=key)
        self.app.theme_changed_signal.subscribe(
            self, lambda _theme: self.call_after_refresh(self._fill)
        )

    def show(self, events: list[RequestEvent]) -> None:
        rows = request_rows(events)
        if rows == self._request_rows and self.row_count == len(rows):
            # The same requests (the sandbox's `as`, help, a problem): the rows drawn stand.
            if self.cursor_row:
                self.move_cursor(row=0, animate=False)
            return
        self._request_rows = rows
        self._fill(keep_cursor=False)

    def on_resize(self) -> None:
        # A taller or shorter table (the panel above grew) shows the same rows: refill on a new width only.
        if self._request_rows and self.size.width != self._filled_width:
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
        self._filled_width = self.size.width
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
    """The highlighted request whole: method, path, status, bytes, who sent it to whom, and why,
    which a narrow table has to cut. Digests keep their first 12 hex digits (docker's short form)
    so the path fits one line and leaves the other lines to the sender and the reason."""

    _event: RequestEvent | None = None
    _drawn = False

    def show(self, event: RequestEvent | None) -> None:
        if self._drawn and event is self._event:
            return   # (the table's cursor, put back on the first row, asks for the request shown)
        self._event, self._drawn = event, True
        if event is None:
            self.update(Content.assemble(("No requests in this step.", "dim")))
            return
        row = request_row(event)
        self.update(
            Content.assemble(
                (f"{event.method} ", "bold"),
                elided_digests(event.path),
                "  ",
                (f"{row.status} {row.outcome}", "bold"),
                f"  {row.bytes}\n",
                (row.route, "bold"),
                "  ",
                (elided_digests(event.why), "italic"),
                *rate_limit_lines(event),
            )
        )
