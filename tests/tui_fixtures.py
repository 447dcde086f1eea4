"""Fixtures for the app's tests: the course read once per test session, and apps built on it.

Reading the course (every scenario file parsed, every lesson checked and its scenario replayed)
takes seconds; an app given the course ready-made starts at once. `make_app` builds an app on
the bundled course; the snapshot tests use `small_course`, a frozen copy of a little of it in
tests/fixtures/tui, so that editing a bundled lesson never rewrites a snapshot.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from time import monotonic
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:  # textual loads only for the tests that build an app
    from regsim.tui.app import RegsimApp
    from regsim.tui.course import Course

SMALL_COURSE = Path(__file__).parent / "fixtures" / "tui"

MakeApp = Callable[..., "RegsimApp"]


@pytest.fixture(scope="session")
def bundled_course() -> Course:
    """The bundled scenarios and lessons, read once (a lesson's run is replayed on first use, once)."""
    from regsim.tui.course import Course

    course = Course.read()
    assert course.lessons is not None and not course.lesson_problems, course.lesson_problems
    return course


@pytest.fixture(scope="session")
def small_course() -> Course:
    """Two lessons and four scenarios, frozen copies of bundled ones (tests/fixtures/tui)."""
    from regsim.tui.course import Course

    course = Course.read(
        sorted((SMALL_COURSE / "scenarios").glob("*.yaml")), [SMALL_COURSE / "lessons"]
    )
    assert course.lessons is not None and not course.lesson_problems, course.lesson_problems
    return course


@pytest.fixture
def no_host_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Progress, exports and any per-user state go to a temporary folder, never the developer's;
    the exports folder is returned."""
    exports = tmp_path / "exports"
    exports.mkdir()
    monkeypatch.setenv("REGSIM_EXPORT_DIR", str(exports))
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        monkeypatch.setenv(name, str(tmp_path / name.lower()))
    return exports


@pytest.fixture
def make_app(bundled_course: Course, no_host_state: Path) -> MakeApp:
    """`make_app(scenario, **options)`: a RegsimApp on the course read once (the bundled one
    unless `course=` says otherwise); options go to RegsimApp (progress_path, run, files…)."""

    from regsim.tui.app import RegsimApp

    def make(scenario_path: str | Path | None = None, **options: Any) -> RegsimApp:
        course: Course = options.pop("course", bundled_course)
        if "files" not in options:
            options.setdefault("scenarios", course.scenarios)
        if "lesson_dirs" not in options:
            options.setdefault("lessons", course.lessons)
        app = RegsimApp(scenario_path, **options)
        # Scrolls jump instead of gliding: a key that scrolls (End, PageDown) is then settled at
        # once rather than after its animation's second, and what a test checks is the same.
        app.animation_level = "none"
        return app

    return make


async def until(pilot: Any, condition: Callable[[], object], seconds: float = 10.0) -> None:
    """Let the app run until `condition` holds (a timer fired, a worker finished, a search
    answered): no fixed sleep, so a test waits as long as it must and no longer."""
    deadline = monotonic() + seconds
    while not condition():
        if monotonic() > deadline:
            raise AssertionError(f"still not true after {seconds} s: {condition}")
        await pilot.pause()


async def run_from_palette(pilot: Any, query: str, expect: str) -> None:
    """Search the command palette (ctrl+p) for `query`, wait until the highlighted command is
    `expect`, and run it with Enter."""
    from textual.command import CommandList, CommandPalette
    from textual.widgets import Input

    await pilot.press("ctrl+p")
    palette = pilot.app.screen
    assert isinstance(palette, CommandPalette)
    palette.query_one(Input).value = query
    found = palette.query_one(CommandList)

    def highlighted() -> str:
        if found.highlighted is None:
            return ""
        prompt = found.get_option_at_index(found.highlighted).prompt
        return str(getattr(prompt, "plain", prompt)).split("\n", 1)[0]  # the name, not its help

    await until(pilot, lambda: highlighted().lower() == expect.lower())
    await pilot.press("enter")
    await pilot.pause()


def shown_text(widget: Any) -> str:
    """The words a widget shows on screen, its lines joined: what its boxes cut off is not there."""
    from textual.geometry import Region
    from textual.widget import Widget

    visible = widget.region
    for box in widget.ancestors:
        if isinstance(box, Widget):
            visible = visible.intersection(box.region)
    crop = Region(visible.x - widget.region.x, visible.y - widget.region.y, visible.width, visible.height)
    return " ".join(" ".join(strip.text.split()) for strip in widget.render_lines(crop))
