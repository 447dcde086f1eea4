"""Home: continue where you left off, the lessons with your progress, the scenarios, the sandbox.

The app reads the lessons in a worker once the screen is up (reading them takes a moment);
until then their section says so. Enter opens the highlighted entry; `z` quizzes the highlighted lesson;
`s` opens the sandbox on the highlighted scenario's setup.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, ListItem, ListView, Static

from regsim.tui.messages import LessonChosen, QuizChosen, SandboxChosen, ScenarioChosen
from regsim.tui.screens.problems import ProblemsScreen
from regsim.tui.screens.sandbox_chooser import SandboxChooser
from regsim.tui.views.catalog import ScenarioEntry
from regsim.tui.views.lessons import LessonListing, LessonRow
from regsim.tui.widgets.home_rows import (
    SANDBOX_SUMMARY,
    ContinueItem,
    LessonItem,
    LessonProblemsItem,
    MythsItem,
    SandboxItem,
    ScenarioItem,
    SectionItem,
    TitledRow,
)

MYTHS_SUMMARY = "Every myth-or-fact statement of the lessons in one round, with a running score."

OPEN_TIP = "Open the highlighted lesson, quiz or scenario"


class HomeList(ListView):
    """The home list; its Enter is named in the footer and the help."""

    HELP_IN_SCREEN = True  # the help lists these keys with the screen's own
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_cursor", "Open", tooltip=OPEN_TIP),
        # Home, End and the page keys move the highlight (the view follows it), so Enter opens
        # what is highlighted on screen, never an entry scrolled out of sight.
        Binding("home", "move_to('first')", show=False),
        Binding("end", "move_to('last')", show=False),
        Binding("pageup", "move_to('page_up')", show=False),
        Binding("pagedown", "move_to('page_down')", show=False),
    ]

    def action_move_to(self, where: str) -> None:
        items = [i for i, child in enumerate(self.children) if not child.disabled]
        if not items:
            return
        current = self.index if self.index is not None else items[0]
        page = max(1, self.scrollable_content_region.height - 1)
        if where == "first":
            target = items[0]
        elif where == "last":
            target = items[-1]
        elif where == "page_up":
            target = next((i for i in items if i >= current - page), items[0])
        else:
            target = next((i for i in reversed(items) if i <= current + page), items[-1])
        self.index = target


def lesson_items(lessons: LessonListing) -> list[ListItem]:
    """The lessons section's entries, below its heading."""
    items: list[ListItem] = [LessonItem(row) for row in lessons.rows]
    if lessons.myths:
        items.append(MythsItem(lessons.myths))
    if lessons.problems:
        items.append(LessonProblemsItem(lessons.problems))
    if not lessons.rows and not lessons.problems:
        items.append(SectionItem("No lessons found"))
    return items


class HomeScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        # Not a priority binding: Enter must wait for the arrow keys typed before it to move the
        # highlight. The list answers Enter itself (HomeList); this one serves other focus.
        Binding("enter", "open", "Open", show=False, tooltip=OPEN_TIP),
        Binding(
            "z",
            "quiz",
            "Quiz",
            tooltip="A quiz of the highlighted lesson's questions (answers count in the lesson)",
        ),
        Binding(
            "s",
            "sandbox",
            "Sandbox",
            tooltip="Type your own commands against the highlighted scenario's setup",
        ),
        Binding("q", "app.quit", "Quit", tooltip="Leave regsim (ctrl+q works on every screen)"),
        Binding("l", "jump('lessons')", "Lessons", show=False, tooltip="Jump to the lessons"),
        Binding(
            "g",
            "jump('scenarios')",
            "Scenarios",
            show=False,
            tooltip="Jump to the scenario gallery",
        ),
        Binding("up,k", "cursor_up", "Up", show=False),
        Binding("down,j", "cursor_down", "Down", show=False),
    ]

    def __init__(
        self, entries: Sequence[ScenarioEntry], lessons: LessonListing | None = None
    ) -> None:
        """`lessons`: listed at once; without them, the section says they are loading until
        `show_lessons`."""
        super().__init__()
        self.entries = list(entries)
        self.listing = lessons
        self.rows: list[LessonRow] = []
        self.lessons_shown = False
        self._touched = False  # the learner has moved the highlight: loading lessons keeps it

    def compose(self) -> ComposeResult:
        yield Static(
            Content.assemble(
                ("regsim", "bold"),
                "  ·  watch a container image registry work, one request at a time",
            ),
            id="status-line",
        )
        yield Static(
            "Lessons: read, predict, watch the registry do it. Scenarios: step through one with → "
            "in the player. Enter opens; z quizzes a lesson.",
            id="intro",
        )
        yield HomeList(
            ContinueItem(),
            SectionItem("Lessons", id="lessons-heading"),
            *(
                lesson_items(self.listing)
                if self.listing is not None
                else [SectionItem("Loading the lessons…", id="lessons-loading")]
            ),
            SectionItem("Scenarios", "step through what a registry does", id="scenarios-heading"),
            *(ScenarioItem(entry) for entry in self.entries),
            SandboxItem(),
            id="home-list",
        )
        yield Static(id="summary")
        yield Footer(show_command_palette=False)

    def on_mount(self) -> None:
        if self.listing is not None:
            self.lessons_listed(self.listing)
            self.highlight_start()

    # ----- the lessons, once loaded ----------------------------------------------------------

    async def show_lessons(self, lessons: LessonListing) -> None:
        """Put the lessons in their section (called once, when the worker has read them)."""
        listing = self.query_one(ListView)
        loading = self.query_one("#lessons-loading", SectionItem)
        at = listing.children.index(loading)
        was = listing.highlighted_child
        listing.index = None  # indices shift below: let go of the highlight, then set it again
        await loading.remove()
        await listing.insert(at, lesson_items(lessons))
        self.listing = lessons
        self.lessons_listed(lessons)
        if self._touched and was is not None:
            listing.index = listing.children.index(was)  # the learner's entry stays highlighted
        else:
            self.highlight_start()

    def lessons_listed(self, lessons: LessonListing) -> None:
        self.rows = lessons.rows
        self.lessons_shown = True
        self.show_continue(lessons.continue_at)
        self.refresh_bindings()

    def highlight_start(self) -> None:
        """Continue if there is one, else the first lesson."""
        listing = self.query_one(ListView)
        for i, item in enumerate(listing.children):
            if isinstance(item, (ContinueItem, LessonItem)) and not item.disabled:
                listing.index = i
                return

    def show_continue(self, continue_at: tuple[str, str, int] | None) -> None:
        item = self.query_one(ContinueItem)
        if continue_at is None:
            item.show(None)
        else:
            item.show(*continue_at)

    def update_lessons(
        self, rows: list[LessonRow], continue_at: tuple[str, str, int] | None
    ) -> None:
        """New progress after a lesson: statuses, scores, and where to continue."""
        by_id = {row.id: row for row in rows}
        for item in self.query(LessonItem):
            if item.row.id in by_id:
                item.show(by_id[item.row.id])
        self.rows = rows
        listing = self.query_one(ListView)
        continuing = self.query_one(ContinueItem)
        was = continuing.lesson_id if listing.highlighted_child is continuing else None
        self.show_continue(continue_at)
        if was is not None and continuing.lesson_id is None:
            # The lesson it led to is done: Continue is gone, so that lesson's row is highlighted.
            for i, child in enumerate(listing.children):
                if isinstance(child, LessonItem) and child.row.id == was:
                    listing.index = i
                    break
        self.show_summary(listing.highlighted_child)

    def on_resize(self, event: events.Resize) -> None:
        # The size classes (-short) are set once the screen has handled the resize, after this
        # handler: then the scenario rows show or leave out their summaries.
        self.call_later(self.fit_rows)

    def fit_rows(self) -> None:
        for row in self.query(TitledRow):
            row.refresh(layout=True)

    def on_key(self, event: events.Key) -> None:
        if event.key in ("up", "down", "k", "j", "home", "end", "pageup", "pagedown", "l", "g"):
            self._touched = True

    # ----- the list --------------------------------------------------------------------------

    def on_list_view_highlighted(self, event: ListView.Highlighted) -> None:
        item = event.item
        self.show_summary(item)
        if item is not None:
            # The summary's height can change the list's: keep the highlight in view after it.
            self.call_after_refresh(event.list_view.scroll_to_widget, item, animate=False)
        self.refresh_bindings()

    def show_summary(self, item: ListItem | None) -> None:
        """The line under the list: what the highlighted entry is (a lesson: its progress)."""
        summary = self.query_one("#summary", Static)
        if isinstance(item, ScenarioItem):
            summary.update(Content(item.entry.summary))
        elif isinstance(item, SandboxItem):
            summary.update(Content(SANDBOX_SUMMARY))
        elif isinstance(item, LessonItem):
            row = item.row
            summary.update(
                Content(f"{row.pages} pages · {row.questions} questions · {row.progress}")
            )
        elif isinstance(item, MythsItem):
            summary.update(Content(MYTHS_SUMMARY))
        elif isinstance(item, ContinueItem):
            summary.update(Content("Back to the page you were reading, with your answers so far."))

    def on_list_view_selected(self, event: ListView.Selected) -> None:
        event.stop()
        self.open(event.item)

    def action_open(self) -> None:
        self.open(self.query_one(ListView).highlighted_child)

    def open(self, item: ListItem | None) -> None:
        app = self.app
        self._touched = True
        if isinstance(item, ContinueItem) and item.lesson_id is not None:
            self.post_message(LessonChosen(item.lesson_id, item.page))
        elif isinstance(item, LessonItem):
            self.post_message(LessonChosen(item.row.id))
        elif isinstance(item, MythsItem):
            self.post_message(QuizChosen(None))
        elif isinstance(item, LessonProblemsItem):
            app.push_screen(ProblemsScreen("Lesson files with problems (left out):", item.problems))
        elif isinstance(item, SandboxItem):
            app.push_screen(SandboxChooser(self.entries), self._chosen_for_sandbox)
        elif isinstance(item, ScenarioItem):
            if item.entry.problems:
                app.push_screen(
                    ProblemsScreen(f"{item.entry.path} cannot be opened:", item.entry.problems)
                )
            else:
                self.post_message(ScenarioChosen(item.entry.path))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "quiz":
            item = self.query_one(ListView).highlighted_child if self.is_mounted else None
            return True if isinstance(item, (LessonItem, ContinueItem, MythsItem)) else None
        return True

    def action_quiz(self) -> None:
        item = self.query_one(ListView).highlighted_child
        if isinstance(item, LessonItem):
            self.post_message(QuizChosen(item.row.id))
        elif isinstance(item, ContinueItem) and item.lesson_id is not None:
            self.post_message(QuizChosen(item.lesson_id))
        elif isinstance(item, MythsItem):
            self.post_message(QuizChosen(None))

    def action_jump(self, section: str) -> None:
        listing = self.query_one(ListView)
        kinds = (ContinueItem, LessonItem) if section == "lessons" else (ScenarioItem,)
        for i, item in enumerate(listing.children):
            if isinstance(item, kinds) and not item.disabled:
                listing.index = i
                return

    def action_sandbox(self) -> None:
        """A sandbox on the highlighted scenario's setup; elsewhere, choose one first."""
        item = self.query_one(ListView).highlighted_child
        if isinstance(item, ScenarioItem) and not item.entry.problems:
            self.post_message(SandboxChosen(item.entry.path))
        else:
            self.app.push_screen(SandboxChooser(self.entries), self._chosen_for_sandbox)

    def _chosen_for_sandbox(self, entry: ScenarioEntry | None) -> None:
        if entry is not None:
            self.post_message(SandboxChosen(entry.path))

    def action_cursor_up(self) -> None:
        self.query_one(ListView).action_cursor_up()

    def action_cursor_down(self) -> None:
        self.query_one(ListView).action_cursor_down()
