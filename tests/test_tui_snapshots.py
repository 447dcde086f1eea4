"""Snapshots (SVG) of each screen at 120x34: what a class sees, checked against an approved picture.

The app shows a small frozen course (tests/fixtures/tui: two lessons, four scenarios), so editing
the bundled content never changes a picture. Update after a deliberate change to the app with
`pytest tests/test_tui_snapshots.py --snapshot-update`, then look at the SVGs in
tests/__snapshots__/ before keeping them.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import textual.constants
from textual.pilot import Pilot
from textual.widgets import Input
from tui_fixtures import SMALL_COURSE, MakeApp

from regsim.lessons.grading import AnswerRecord
from regsim.lessons.progress import ProgressStore
from regsim.scenario.engine import Player
from regsim.scenario.loader import load_scenario
from regsim.tui.app import RegsimApp
from regsim.tui.course import Course

SIZE = (120, 34)
SCENARIOS = SMALL_COURSE / "scenarios"


@pytest.fixture
def app_on(make_app: MakeApp, small_course: Course, tmp_path: Path):  # type: ignore[no-untyped-def]
    """`app_on(scenario)`: the app on the small course, opened on one of its scenarios (by id)."""

    def make(scenario: str | None = None, **options: object) -> RegsimApp:
        options.setdefault("progress_path", tmp_path / "progress.json")
        path = SCENARIOS / f"{scenario}.yaml" if scenario else None
        return make_app(path, course=small_course, **options)

    return make


@pytest.fixture(autouse=True)
def no_host_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing from the developer's machine reaches the picture: state, exports, colour settings."""
    monkeypatch.setenv("REGSIM_EXPORT_DIR", str(tmp_path / "exports"))
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        monkeypatch.setenv(name, str(tmp_path / name.lower()))
    for name in ("TEXTUAL_THEME", "TEXTUAL_FILTERS", "TEXTUAL_COLOR_SYSTEM", "TEXTUAL_DIM_FACTOR"):
        monkeypatch.delenv(name, raising=False)
    for name in ("NO_COLOR", "FORCE_COLOR", "COLUMNS", "LINES"):
        monkeypatch.delenv(name, raising=False)
    # Textual reads its environment once, on import; what it read must not reach the picture.
    monkeypatch.setattr(textual.constants, "FILTERS", "")
    # No blink timer at all: one that fired on a busy machine between `frozen` showing the cursor
    # and the screenshot hid it (the reactive's class default is what a new Input starts with).
    monkeypatch.setattr(Input, "cursor_blink", False)


async def frozen(pilot: Pilot) -> None:
    """The default dark theme, the lessons read, no blinking cursors: a snapshot must not depend
    on when or where it was taken."""
    await pilot.app.lessons_shown.wait()
    await pilot.pause()
    pilot.app.theme = "textual-dark"
    for command in pilot.app.query(Input):
        command.cursor_blink = False
    await pilot.pause()
    # A blink already scheduled may still have hidden the cursor: show it, whatever the timing.
    for command in pilot.app.query(Input):
        command._cursor_visible = True
    await pilot.pause()


def typing(*lines: str, keys: tuple[str, ...] = ()):  # type: ignore[no-untyped-def]
    """A run_before that presses `keys`, then types each line into the sandbox's command line."""

    async def run_before(pilot: Pilot) -> None:
        # Keys pressed before the app has shown its first screen could land on none (seen once on a busy machine).
        await pilot.app.lessons_shown.wait()
        await pilot.pause()
        await pilot.press(*keys)
        await pilot.pause()
        for line in lines:
            pilot.app.screen.query_one(Input).value = line
            await pilot.press("enter")
            await pilot.pause()
        await frozen(pilot)

    return run_before


def failed_step(name: str) -> int:
    player = Player(load_scenario(SCENARIOS / f"{name}.yaml"))
    return next(record.index for record in player.run.records if not record.ok)


def test_home_lists_the_scenarios_and_the_sandbox(snap_compare, app_on) -> None:  # type: ignore[no-untyped-def]
    async def run_before(pilot: Pilot) -> None:
        await frozen(pilot)
        await pilot.press("g")  # the scenario gallery, below the lessons
        await pilot.pause()

    assert snap_compare(app_on(), terminal_size=SIZE, run_before=run_before)


def test_home_lists_the_lessons_with_progress_and_continue(  # type: ignore[no-untyped-def]
    snap_compare, app_on, tmp_path: Path
) -> None:
    progress = tmp_path / "progress.json"
    store = ProgressStore(progress)
    store.start_lesson("what-is-an-image")
    store.record_answer(
        "what-is-an-image", AnswerRecord("build-traffic", True, 1.0, 1, False, False)
    )
    store.finish_lesson("what-is-an-image")
    store.start_lesson("layers-travel-once")
    store.set_position("layers-travel-once", 1)
    assert snap_compare(app_on(progress_path=progress), terminal_size=SIZE, run_before=frozen)


def in_lesson(lesson_id: str, page: int, *keys: str):  # type: ignore[no-untyped-def]
    """A run_before that opens a lesson at a page (0-based), then presses `keys`."""

    async def run_before(pilot: Pilot) -> None:
        await frozen(pilot)
        pilot.app.open_lesson(lesson_id, page)
        await pilot.pause()
        await pilot.press(*keys)
        await pilot.pause()
        await frozen(pilot)

    return run_before


def test_lesson_page_with_a_predict_question(snap_compare, app_on) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(app_on(), terminal_size=SIZE, run_before=in_lesson("layers-travel-once", 1))


def test_lesson_reveal_after_a_wrong_prediction(snap_compare, app_on) -> None:  # type: ignore[no-untyped-def]
    run_before = in_lesson("layers-travel-once", 1, "h", "6", "enter")
    assert snap_compare(app_on(), terminal_size=SIZE, run_before=run_before)


def test_player_after_three_steps(snap_compare, app_on) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(
        app_on("first-push-pull"), press=["n", "n", "n"], terminal_size=SIZE, run_before=frozen
    )


def test_player_on_a_failed_step(snap_compare, app_on) -> None:  # type: ignore[no-untyped-def]
    steps = failed_step("private-pull")
    assert snap_compare(
        app_on("private-pull"), press=["n"] * steps, terminal_size=SIZE, run_before=frozen
    )


def test_help_of_the_player(snap_compare, app_on) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(
        app_on("first-push-pull"), press=["question_mark"], terminal_size=SIZE, run_before=frozen
    )


def test_sandbox_after_a_push(snap_compare, app_on) -> None:  # type: ignore[no-untyped-def]
    run_before = typing(
        "docker tag app:v1 registry.example/team/app:v1",
        "docker push registry.example/team/app:v1",
        keys=("n", "s"),
    )
    assert snap_compare(app_on("first-push-pull"), terminal_size=SIZE, run_before=run_before)


def test_sandbox_answers_an_unknown_command(snap_compare, app_on) -> None:  # type: ignore[no-untyped-def]
    run_before = typing("dockr pull app:v1", keys=("s",))
    assert snap_compare(app_on("first-push-pull"), terminal_size=SIZE, run_before=run_before)


def test_chart_of_the_transfer_after_seven_steps(snap_compare, app_on) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(
        app_on("second-version"),
        press=["n"] * 7 + ["c"],
        terminal_size=SIZE,
        run_before=frozen,
    )


def test_chart_of_the_storage_at_the_end(snap_compare, app_on) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(
        app_on("garbage-collection"),
        press=["end", "c", "k"],
        terminal_size=SIZE,
        run_before=frozen,
    )
