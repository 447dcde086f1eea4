"""The regsim app: home, lessons, quizzes, the player, the sandbox and charts; `run_app` starts it."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual import work
from textual.app import App
from textual.binding import Binding, BindingType
from textual.screen import Screen

from regsim.bundled import find_scenario, scenario_files
from regsim.lessons.progress import ProgressStore
from regsim.scenario.engine import Player, Run
from regsim.scenario.loader import Scenario, load_scenario
from regsim.scenario.problems import ContentError
from regsim.tui.commands import RegsimCommands
from regsim.tui.screens.chart import ChartScreen
from regsim.tui.screens.help import HelpScreen
from regsim.tui.screens.home import HomeScreen
from regsim.tui.screens.player import PlayerScreen
from regsim.tui.screens.problems import ProblemsScreen
from regsim.tui.screens.sandbox import SandboxScreen
from regsim.tui.views.catalog import ScenarioEntry, scenario_entries
from regsim.tui.views.chart import ChartSource
from regsim.tui.views.lessons import LessonRow, continue_at, lesson_rows
from regsim.tui.views.sandbox import SandboxSession

if TYPE_CHECKING:
    from regsim.lessons.loader import LessonSet

LIGHT, DARK = "textual-light", "textual-dark"


class RegsimApp(App[int]):
    """Home lists the lessons and scenarios; a lesson pairs pages with the simulator; the player
    replays a scenario step by step; the sandbox takes commands; quizzes score questions."""

    CSS_PATH = "regsim.tcss"
    TITLE = "regsim"
    COMMANDS = App.COMMANDS | {RegsimCommands}
    HORIZONTAL_BREAKPOINTS: ClassVar[list[tuple[int, str]]] = [
        (0, "-narrow"),
        (110, "-wide"),
        (150, "-huge"),
    ]
    VERTICAL_BREAKPOINTS: ClassVar[list[tuple[int, str]]] = [(0, "-short"), (32, "-tall")]
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "question_mark", "help", "Help", key_display="?", tooltip="Every key of this screen"
        ),
        Binding(
            "t", "toggle_theme", "Light/dark", show=False, tooltip="Switch between light and dark"
        ),
        # q goes back one screen (home's q quits); ctrl+q, Textual's own, quits from anywhere.
    ]

    def __init__(
        self,
        scenario_path: str | Path | None = None,
        files: Sequence[Path] | None = None,
        *,
        lesson_dirs: Sequence[str | Path] | None = None,
        run: Run | None = None,
        progress_path: str | Path | None = None,
    ) -> None:
        super().__init__()
        self.scenario_path = scenario_path
        self.files = list(files) if files is not None else scenario_files()
        self.lesson_dirs = [Path(d) for d in lesson_dirs or ()]
        self.run_to_open = run
        self.progress_path = Path(progress_path) if progress_path is not None else None
        self.store: ProgressStore | None = None
        self.lessons: LessonSet | None = None
        self.lesson_problems: list[str] = []
        self._catalog: list[ScenarioEntry] | None = None
        self._home: HomeScreen | None = None
        self._loading_started = False
        self.lessons_shown = asyncio.Event()  # set once home lists the lessons (tests wait on it)

    def catalog(self) -> list[ScenarioEntry]:
        """The scenario files, each read once: title, summary, or its problems."""
        if self._catalog is None:
            self._catalog = scenario_entries(self.files)
        return self._catalog

    def get_default_screen(self) -> Screen[None]:
        self._home = HomeScreen(self.catalog())
        return self._home

    def on_mount(self) -> None:
        self.store = ProgressStore(self.progress_path)
        if self.store.notice:
            self.notify(self.store.notice, title="Progress", severity="warning", timeout=12)
        if self.run_to_open is not None:
            self.push_screen(PlayerScreen(Player.from_run(self.run_to_open)))
            self.start_loading_lessons()
        elif self.scenario_path is not None:
            self.open_scenario(self.scenario_path)
            self.start_loading_lessons()
        # Otherwise the home screen starts loading the lessons once it has been drawn.

    def start_loading_lessons(self) -> None:
        """Read the lessons in a thread (YAML takes a while), once."""
        if not self._loading_started:
            self._loading_started = True
            self.load_lessons()

    # ----- lessons ---------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="lessons", exit_on_error=False)
    def load_lessons(self) -> None:
        """Read the bundled and instructor lessons; a broken lesson is left out and listed."""
        from regsim.lessons.loader import lesson_dirs, load_lessons

        try:
            lessons = load_lessons(lesson_dirs(self.lesson_dirs), strict=False)
            problems = [str(problem) for problem in lessons.problems]
        except Exception as error:  # noqa: BLE001 - the app runs on without lessons
            lessons, problems = (
                None,
                [f"the lessons could not be read ({type(error).__name__}: {error})"],
            )
        try:
            self.call_from_thread(self.call_later, self.lessons_loaded, lessons, problems)
        except RuntimeError:  # the app closed while the lessons were being read
            pass

    async def lessons_loaded(self, lessons: LessonSet | None, problems: list[str]) -> None:
        self.lessons = lessons
        self.lesson_problems = problems
        if self._home is not None:
            myths = sum(q.kind == "myth" for lesson in lessons or () for q in lesson.questions)
            await self._home.show_lessons(
                self.lesson_rows(), self.continue_entry(), myths, problems
            )
        self.lessons_shown.set()

    def lesson_rows(self) -> list[LessonRow]:
        assert self.store is not None
        return lesson_rows(self.lessons or (), self.store)

    def continue_entry(self) -> tuple[str, str, int] | None:
        if self.lessons is None or self.store is None:
            return None
        found = continue_at(self.lessons, self.store)
        return (found[0].id, found[0].title, found[1]) if found else None

    def refresh_home(self) -> None:
        """Statuses and scores on the home screen, after a lesson."""
        if self._home is not None and self.lessons is not None:
            self._home.update_lessons(self.lesson_rows(), self.continue_entry())

    def lessons_ready(self) -> bool:
        if self.lessons is None:
            self.notify("The lessons are still loading; try again in a moment.", timeout=4)
            return False
        return True

    def open_lesson(self, lesson_id: str, page: int | None = None) -> bool:
        """A lesson at `page` (0-based; by default where the learner left it, else the start)."""
        if not self.lessons_ready():
            return False
        assert self.lessons is not None and self.store is not None
        lesson = self.lessons.get(lesson_id)
        if lesson is None:
            self.notify(f"No lesson {lesson_id!r}.", severity="error")
            return False
        try:
            run = self.lessons.run_for(lesson)
        except Exception as error:  # noqa: BLE001 - as for open_scenario
            reason = f"{type(error).__name__}: {error}"
            self.push_screen(
                ProblemsScreen(
                    f"{lesson.scenario} could not be replayed (a bug in regsim):", [reason]
                )
            )
            return False
        if page is None:
            last = self.store.last_position
            page = last[1] if last and last[0] == lesson.id else 0
        from regsim.tui.screens.lesson import LessonScreen  # the Markdown widget loads when needed
        from regsim.tui.views.lessons import LessonTour

        self.push_screen(LessonScreen(LessonTour(lesson, run, self.store, page)))
        return True

    def open_quiz(self, lesson_id: str | None = None) -> bool:
        """A quiz: one lesson's questions, or (None) every myth of the curriculum. Its answers
        count in each question's lesson (one already answered there keeps its first result)."""
        if not self.lessons_ready():
            return False
        assert self.lessons is not None and self.store is not None
        from regsim.tui.screens.quiz import QuizScreen
        from regsim.tui.views.lessons import QuizProgress
        from regsim.tui.views.quiz import is_myth

        lessons = self.lessons
        progress = QuizProgress(self.store)
        if lesson_id is None:
            items = progress.items(lessons, lessons.run_for, is_myth)
            heading = "Quiz: myth or fact"
        else:
            lesson = lessons.get(lesson_id)
            if lesson is None:
                self.notify(f"No lesson {lesson_id!r}.", severity="error")
                return False
            items = progress.items([lesson], lessons.run_for)
            heading = f"Quiz: {lesson.title}"
        self.push_screen(QuizScreen(heading, items, lessons.scenario_for, progress))
        return True

    def open_scenario(self, name: str | Path) -> bool:
        """Replay a scenario file (or bundled id) and show it in the player; problems in a modal."""
        path = find_scenario(str(name))
        try:
            player = Player(load_scenario(path))
        except ContentError as error:
            problems = [str(problem) for problem in error.problems]
            self.push_screen(ProblemsScreen(f"{path} cannot be opened:", problems))
            return False
        except Exception as error:  # noqa: BLE001 - a class must not lose the app to one bad replay
            reason = f"{type(error).__name__}: {error}"
            self.push_screen(
                ProblemsScreen(f"{path} could not be replayed (a bug in regsim):", [reason])
            )
            return False
        self.push_screen(PlayerScreen(player))
        return True

    def open_sandbox(self, name: str | Path) -> bool:
        """A sandbox on a fresh world built from a scenario's setup (none of its steps run)."""
        path = find_scenario(str(name))
        try:
            scenario: Scenario = load_scenario(path)
            session = SandboxSession.from_scenario(scenario)
        except ContentError as error:
            problems = [str(problem) for problem in error.problems]
            self.push_screen(ProblemsScreen(f"{path} cannot be opened:", problems))
            return False
        except Exception as error:  # noqa: BLE001 - as for open_scenario
            reason = f"{type(error).__name__}: {error}"
            self.push_screen(
                ProblemsScreen(f"{path} could not be set up (a bug in regsim):", [reason])
            )
            return False
        self.push_screen(SandboxScreen(session))
        return True

    def open_sandbox_from_player(self, player: Player) -> None:
        """A sandbox on a copy of the world the player shows now."""
        self.push_screen(SandboxScreen(SandboxSession.from_player(player)))

    # ----- charts ----------------------------------------------------------------------------

    @staticmethod
    def chart_source(screen: Screen[object]) -> ChartSource | None:
        """The run a screen shows, up to where it is, for the chart screen; None without one."""
        if isinstance(screen, ChartScreen):
            return screen.source
        if isinstance(screen, PlayerScreen):
            player = screen.player
            return ChartSource(player.run, player.position, player.scenario.id)
        if isinstance(screen, SandboxScreen):
            run = screen.session.run
            return ChartSource(run, len(run.records), f"{run.scenario.id}-sandbox")
        return None

    def open_chart(self, kind: str = "transfer", screen: Screen[object] | None = None) -> None:
        """The chart screen for `screen`'s run (the current screen's by default)."""
        screen = screen or self.screen
        if isinstance(screen, ChartScreen):
            screen.kind = kind
            return
        source = self.chart_source(screen)
        if source is None:
            self.notify("Open a scenario or a sandbox first: charts show a run.", timeout=5)
            return
        self.push_screen(ChartScreen(source, kind))

    def export_chart(self, screen: Screen[object] | None = None) -> None:
        """Export the chart shown, or open the transfer chart of `screen`'s run and export it."""
        screen = screen or self.screen
        if isinstance(screen, ChartScreen):
            screen.action_export()
            return
        source = self.chart_source(screen)
        if source is None:
            self.notify("Open a scenario or a sandbox first: charts show a run.", timeout=5)
            return
        self.push_screen(ChartScreen(source, "transfer", export_on_mount=True))

    def action_help(self) -> None:
        if isinstance(self.screen, HelpScreen):
            return
        self.push_screen(HelpScreen(self.screen))

    def action_toggle_theme(self) -> None:
        self.theme = LIGHT if self.current_theme.dark else DARK


def run_app(
    scenario_path: str | None = None,
    *,
    lesson_dirs: Sequence[str | Path] | None = None,
    run: Run | None = None,
    progress_path: str | Path | None = None,
) -> int:
    """Run the app. With a path (or a bundled scenario id) it opens straight in the player; with
    `run` (a recorded live session, say) the player shows that run. `lesson_dirs` adds instructor
    folders (`regsim --lessons DIR`); `progress_path` keeps progress somewhere else (tests)."""
    app = RegsimApp(scenario_path, lesson_dirs=lesson_dirs, run=run, progress_path=progress_path)
    result = app.run()
    return result if isinstance(result, int) else (app.return_code or 0)
