"""The regsim app: home, lessons, quizzes, the player, the sandbox and charts; `run_app` starts it."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from textual import work
from textual.screen import Screen

from regsim.bundled import find_scenario, scenario_files
from regsim.lessons.progress import ProgressStore
from regsim.scenario.loader import load_scenario
from regsim.scenario.problems import ContentError
from regsim.tui.base_app import RegsimBaseApp
from regsim.tui.course import Course, read_lessons
from regsim.tui.messages import (
    ChallengeChosen,
    ChallengePlayed,
    ChartRequested,
    LessonChosen,
    QuizChosen,
    SandboxChosen,
    SandboxFromPlayer,
    ScenarioChosen,
)
from regsim.tui.screens.home import HomeScreen
from regsim.tui.screens.problems import ProblemsScreen
from regsim.tui.views.catalog import ScenarioEntry, scenario_entries
from regsim.tui.views.lessons import LessonListing, LessonRow, continue_at, lesson_rows

# What the home screen does not need loads when first used (the engine, the other screens,
# the palette's commands): start-up imports only what draws home.
if TYPE_CHECKING:
    from textual.command import Provider

    from regsim.lessons.loader import LessonSet
    from regsim.scenario.engine import Player, Run
    from regsim.tui.views.chart import ChartSource


def regsim_commands() -> type[Provider]:
    """The palette's commands, loaded when the palette first opens."""
    from regsim.tui.commands import RegsimCommands

    return RegsimCommands


class RegsimApp(RegsimBaseApp):
    """Home lists the lessons and scenarios; a lesson pairs pages with the simulator; the player
    replays a scenario step by step; the sandbox takes commands; quizzes score questions.

    Screens ask for another screen with a message (`LessonChosen`, `ChartRequested`…); the
    `on_...` handlers here open it. `lessons` and `scenarios`, when given, are used as they are
    (tests read the course once for many apps); otherwise the scenario files are read at start
    and the lessons in a worker once the home screen is drawn."""

    TITLE = "regsim"
    COMMANDS = {regsim_commands}  # regsim's commands, then Textual's (one provider: one order)
    # q goes back one screen (home's q quits); ctrl+q, Textual's own, quits from anywhere.

    def __init__(
        self,
        scenario_path: str | Path | None = None,
        files: Sequence[Path] | None = None,
        *,
        lessons: LessonSet | None = None,
        scenarios: Sequence[ScenarioEntry] | None = None,
        lesson_dirs: Sequence[str | Path] | None = None,
        run: Run | None = None,
        progress_path: str | Path | None = None,
        classroom: bool = False,
        start_at: int = 1,
    ) -> None:
        super().__init__()
        self.scenario_path = scenario_path
        self.classroom = classroom   # `regsim open --class`: the player opens in class mode
        self.start_at = start_at     # `regsim open --from STEP`: the first step still to run
        if scenarios is None:
            folders = [Path(d) for d in lesson_dirs or ()]
            scenarios = scenario_entries(scenario_files(folders) if files is None else files)
        self.course = Course(list(scenarios), lessons)
        if lessons is not None:
            self.course.lesson_problems = [str(problem) for problem in lessons.problems]
        self.lesson_dirs = [Path(d) for d in lesson_dirs or ()]
        self.run_to_open = run
        self.progress_path = Path(progress_path) if progress_path is not None else None
        self.store: ProgressStore | None = None
        self._home: HomeScreen | None = None
        self._loading_started = False
        self.lessons_shown = asyncio.Event()  # set once home lists the lessons (tests wait on it)

    @property
    def lessons(self) -> LessonSet | None:
        """The lessons, once read (None until then, or when they could not be read)."""
        return self.course.lessons

    def catalog(self) -> list[ScenarioEntry]:
        """The scenario files, each read once: title, summary, or its problems."""
        return self.course.scenarios

    def get_default_screen(self) -> Screen[None]:
        self.store = ProgressStore(self.progress_path)
        listing = self.lesson_listing() if self.course.lessons is not None else None
        self._home = HomeScreen(self.catalog(), listing)
        return self._home

    def on_mount(self) -> None:
        assert self.store is not None
        if self.store.notice:
            self.notify(self.store.notice, title="Progress", severity="warning", timeout=12)
        if self.run_to_open is not None:
            from regsim.scenario.engine import Player
            from regsim.tui.screens.player import PlayerScreen

            player = Player.from_run(self.run_to_open)
            player.seek(self.start_at - 1)
            self.push_screen(PlayerScreen(player, self.classroom))
        elif self.scenario_path is not None:
            self.open_scenario(self.scenario_path, self.start_at, self.classroom)
        if self.course.lessons is not None:
            self.lessons_shown.set()  # given ready-made: the home screen listed them at once
        else:
            # The home list is drawn and answering keys first; then the lessons are read.
            self.call_after_refresh(self.start_loading_lessons)

    def start_loading_lessons(self) -> None:
        """Read the lessons in a thread (YAML takes a while), once."""
        if not self._loading_started:
            self._loading_started = True
            self.load_lessons()

    # ----- lessons ---------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="lessons", exit_on_error=False)
    def load_lessons(self) -> None:
        """Read the bundled and instructor lessons; a broken lesson is left out and listed."""
        from regsim.lessons.loader import lesson_dirs  # (yaml and the checks load here, off the first frame)

        lessons, problems = read_lessons(lesson_dirs(self.lesson_dirs))
        with contextlib.suppress(RuntimeError):  # the app closed while the lessons were read
            self.call_from_thread(self.call_later, self.lessons_loaded, lessons, problems)

    async def lessons_loaded(self, lessons: LessonSet | None, problems: list[str]) -> None:
        self.course.lessons = lessons
        self.course.lesson_problems = problems
        if self._home is not None and self._home.is_attached and not self._exit:
            await self._home.show_lessons(self.lesson_listing())
        self.lessons_shown.set()

    def lesson_listing(self) -> LessonListing:
        """The home screen's lesson section, with the learner's progress."""
        lessons = self.course.lessons
        myths = sum(q.kind == "myth" for lesson in lessons or () for q in lesson.questions)
        return LessonListing(
            self.lesson_rows(), self.continue_entry(), myths, self.course.lesson_problems
        )

    def lesson_rows(self) -> list[LessonRow]:
        assert self.store is not None
        return lesson_rows(self.lessons or (), self.store)

    def continue_entry(self) -> tuple[str, str, int] | None:
        if self.lessons is None or self.store is None:
            return None
        found = continue_at(self.lessons, self.store)
        return (found[0].id, found[0].title, found[1]) if found else None

    def refresh_home(self, _: object = None) -> None:
        """Statuses and scores on the home screen, after a lesson or a quiz."""
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
        from regsim.lessons.tour import LessonTour
        from regsim.tui.screens.lesson import LessonScreen  # the Markdown widget loads when needed

        ordered = sorted(self.lessons, key=lambda each: each.order)
        later = [each for each in ordered if each.order > lesson.order]
        tour = LessonTour(lesson, run, self.store, page, next_lesson=later[0] if later else None)
        self.push_screen(LessonScreen(tour), self.refresh_home)
        return True

    def open_quiz(self, lesson_id: str | None = None) -> bool:
        """A quiz: one lesson's questions, or (None) every myth of the curriculum. Its answers
        count in each question's lesson (one already answered there keeps its first result)."""
        if not self.lessons_ready():
            return False
        assert self.lessons is not None and self.store is not None
        from regsim.lessons.question_book import is_myth
        from regsim.lessons.quiz_progress import QuizProgress
        from regsim.tui.screens.quiz import QuizScreen

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
        quiz = QuizScreen(heading, items, lessons.scenario_for, progress)
        self.push_screen(quiz, self.refresh_home)
        return True

    def open_scenario(self, name: str | Path, start_at: int = 1, classroom: bool = False) -> bool:
        """Replay a scenario file (or bundled id) and show it in the player, `start_at` the next
        step to run; problems in a modal."""
        from regsim.scenario.engine import Player
        from regsim.tui.screens.player import PlayerScreen

        path = find_scenario(str(name), self.lesson_dirs)
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
        player.seek(start_at - 1)
        self.push_screen(PlayerScreen(player, classroom))
        return True

    def open_sandbox(self, name: str | Path) -> bool:
        """A sandbox on a fresh world built from a scenario's setup (none of its steps run)."""
        from regsim.scenario.sandbox import SandboxSession
        from regsim.tui.screens.sandbox import SandboxScreen

        path = find_scenario(str(name), self.lesson_dirs)
        try:
            scenario = load_scenario(path)
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
        from regsim.scenario.sandbox import SandboxSession
        from regsim.tui.screens.sandbox import SandboxScreen

        self.push_screen(SandboxScreen(SandboxSession.from_player(player)))

    def open_challenge(self, name: str | Path) -> bool:
        """A challenge file (or bundled id) in the challenge screen; problems in a modal."""
        from regsim.bundled import find_challenge
        from regsim.challenge.loader import load_challenge
        from regsim.challenge.session import ChallengeSession
        from regsim.tui.screens.challenge import ChallengeScreen

        path = find_challenge(str(name), self.lesson_dirs)
        try:
            session = ChallengeSession(load_challenge(path))
        except ContentError as error:
            problems = [str(problem) for problem in error.problems]
            self.push_screen(ProblemsScreen(f"{path} cannot be opened:", problems))
            return False
        self.push_screen(ChallengeScreen(session))
        return True

    def open_chart(self, source: ChartSource, kind: str = "transfer", export: bool = False) -> None:
        """The chart screen for a run up to a step; with `export`, its files are written at once."""
        from regsim.tui.screens.chart import ChartScreen

        self.push_screen(ChartScreen(source, kind, export_on_mount=export))

    # ----- what the screens ask for ----------------------------------------------------------

    def on_lesson_chosen(self, message: LessonChosen) -> None:
        self.open_lesson(message.lesson_id, message.page)

    def on_quiz_chosen(self, message: QuizChosen) -> None:
        self.open_quiz(message.lesson_id)

    def on_scenario_chosen(self, message: ScenarioChosen) -> None:
        self.open_scenario(message.path)

    def on_sandbox_chosen(self, message: SandboxChosen) -> None:
        self.open_sandbox(message.path)

    def on_sandbox_from_player(self, message: SandboxFromPlayer) -> None:
        self.open_sandbox_from_player(message.player)

    def on_chart_requested(self, message: ChartRequested) -> None:
        self.open_chart(message.source, message.kind, message.export)

    def on_challenge_chosen(self, message: ChallengeChosen) -> None:
        self.open_challenge(message.path)

    def on_challenge_played(self, message: ChallengePlayed) -> None:
        if self.store is not None:
            self.store.record_challenge(message.challenge_id, solved=message.solved,
                                        solution_shown=message.solution_shown)


def run_app(
    scenario_path: str | None = None,
    *,
    lesson_dirs: Sequence[str | Path] | None = None,
    run: Run | None = None,
    progress_path: str | Path | None = None,
    classroom: bool = False,
    start_at: int = 1,
) -> int:
    """Run the app. With a path (or a bundled scenario id) it opens straight in the player; with
    `run` (a recorded live session, say) the player shows that run. `lesson_dirs` adds instructor
    folders (`regsim --lessons DIR`); `progress_path` keeps progress somewhere else (tests);
    `classroom` opens the player in class mode, `start_at` with the steps before it done."""
    app = RegsimApp(scenario_path, lesson_dirs=lesson_dirs, run=run, progress_path=progress_path,
                    classroom=classroom, start_at=start_at)
    result = app.run()
    return result if isinstance(result, int) else (app.return_code or 0)
