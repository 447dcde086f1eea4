"""The rows of the home list, each one widget that draws its own text.

A row built of containers and Statics cost five widgets; the list has dozens of rows, and every
widget is styled, laid out and restyled on each focus change, which made start-up slow. Each row
here is a single ListItem whose `render` returns its text, so the list costs a widget per row.
"""

from __future__ import annotations

from typing import ClassVar

from textual.content import Content
from textual.geometry import Size
from textual.widgets import ListItem

from regsim.tui.views.catalog import ScenarioEntry
from regsim.tui.views.lessons import LessonRow

SANDBOX_SUMMARY = (
    "Type docker pull, docker push, registry gc and more against a scenario's setup, with undo."
)
STATUS_STYLES = {
    "done": "$text-success bold",
    "in progress": "$text-accent bold",
    "not started": "dim",
}
PROGRESS_WIDTH = 14  # the progress column's least width, right-aligned after a gap of 2


class Row(ListItem):
    """A home list row: its text is `content()`, drawn by the row itself."""

    def content(self) -> Content:
        return Content("")

    def render(self) -> Content:
        return self.content()

    @property
    def text(self) -> str:
        """The row's words, as shown (tests and the help read them)."""
        return self.content().plain


class SectionItem(Row):
    """A heading inside the list (never highlighted)."""

    def __init__(self, title: str, note: str = "", *, id: str | None = None) -> None:
        super().__init__(classes="section", disabled=True, id=id)
        self.heading = title
        self.note = note

    def content(self) -> Content:
        return Content.assemble((self.heading, "bold underline"), (f"  {self.note}", "dim"))


class ContinueItem(Row):
    """Continue: the lesson and page the learner left; hidden while there is none."""

    def __init__(self) -> None:
        super().__init__(id="continue", disabled=True)
        self.lesson_id: str | None = None
        self.page = 0
        self.title = ""

    def content(self) -> Content:
        if self.lesson_id is None:
            return Content("")
        return Content.assemble(
            ("▶ Continue: ", "$text-accent bold"), (self.title, "bold"), f", page {self.page + 1}"
        )

    def show(self, lesson_id: str | None, title: str = "", page: int = 0) -> None:
        self.lesson_id, self.title, self.page = lesson_id, title, page
        self.disabled = lesson_id is None
        self.display = lesson_id is not None
        self.refresh(layout=True)


class LessonItem(Row):
    """A lesson: its number and title on the left, the learner's progress on the right."""

    def __init__(self, row: LessonRow) -> None:
        super().__init__(classes="-done" if row.status == "done" else None)
        self.row = row

    def content(self) -> Content:
        row = self.row
        title = Content.assemble((f"{row.order:>2}  ", "dim"), (row.title, "bold"))
        progress = Content.assemble((row.progress, STATUS_STYLES.get(row.status, "")))
        room = max(PROGRESS_WIDTH, progress.cell_length) + 2
        width = self.size.width
        if not width:   # not laid out yet: one line, as long as it needs
            return Content.assemble(title, progress.pad_left(2))
        if title.cell_length > width - room:
            # A long title on a narrow screen: the progress column gives up its padding first
            # (it is right-aligned, so its right edge stays where the others' is).
            room = progress.cell_length + 2
        # The title takes what the progress column leaves, cut with an ellipsis if still too long.
        title = title.truncate(max(0, width - room), ellipsis=True, pad=True)
        return Content.assemble(title, progress.right(min(room, width)))

    def show(self, row: LessonRow) -> None:
        self.row = row
        self.set_class(row.status == "done", "-done")
        self.refresh()


class MythsItem(Row):
    """The quiz of every myth in the curriculum."""

    def __init__(self, count: int) -> None:
        super().__init__(id="myths")
        self.count = count

    def content(self) -> Content:
        return Content.assemble(
            ("    Quiz: myth or fact", "bold"), (f"  {self.count} statements, myth or fact?", "dim")
        )


class LessonProblemsItem(Row):
    """The lesson files left out, listed on Enter."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(classes="-broken")
        self.problems = problems

    def content(self) -> Content:
        return Content.assemble(
            ("    Some lesson files have problems", "$text-error bold"),
            (f"  {len(self.problems)} — Enter lists them", "dim"),
        )


class TitledRow(Row):
    """A title, and under it a summary indented by `indent` (left out on short screens, where
    the line under the list shows the highlighted row's summary instead)."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"titled-row--summary"}
    indent = 0

    def title(self) -> Content:
        return Content("")

    def summary(self) -> str:
        return ""

    def lines(self, width: int) -> list[Content]:
        lines = self.title().wrap(width) if width else [self.title()]
        if not self.is_mounted or not self.screen.has_class("-short"):
            # The summary's colour is the stylesheet's (its component class), worked out over
            # the row's background as a child widget's would be.
            style = self.get_visual_style("titled-row--summary") if self.is_mounted else ""
            summary = Content.styled(self.summary(), style)
            inner = max(1, width - self.indent)
            lines += [line.pad_left(self.indent) for line in summary.wrap(inner)]
        return lines

    def content(self) -> Content:
        return Content("\n").join(self.lines(self.size.width))

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self.lines(width))


class ScenarioItem(TitledRow):
    indent = 2

    def __init__(self, entry: ScenarioEntry) -> None:
        super().__init__(classes="-broken" if entry.problems else None)
        self.entry = entry

    def title(self) -> Content:
        entry = self.entry
        steps = f"  {entry.steps} steps" if entry.steps else ""
        style = "bold $text-error" if entry.problems else "bold"
        return Content.assemble((entry.title, style), (steps, "dim"))

    def summary(self) -> str:
        return self.entry.summary


class SandboxItem(TitledRow):
    """The entry that opens the sandbox, after the scenarios."""

    def title(self) -> Content:
        return Content.assemble(("Sandbox", "bold"), ("  your own commands", "dim"))

    def summary(self) -> str:
        return SANDBOX_SUMMARY
