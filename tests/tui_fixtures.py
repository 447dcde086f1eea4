"""Fixtures for the app's tests: the course read once per test session, and apps built on it.

Reading the course (every scenario file parsed, every lesson checked and its scenario replayed)
takes seconds; an app given the course ready-made starts at once. `make_app` builds an app on
the bundled course; the snapshot tests use `small_course`, a frozen copy of a little of it in
tests/fixtures/tui, so that editing a bundled lesson never rewrites a snapshot.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
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
        return RegsimApp(scenario_path, **options)

    return make
