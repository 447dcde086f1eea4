"""What the app offers: the scenario files and the lessons (no Textual).

Reading them takes a while (every scenario file is parsed; the lessons are checked against their
scenarios), so the app takes them ready-made when it can: tests read the course once and hand it
to every app they start.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from regsim.bundled import scenario_files
from regsim.tui.views.catalog import ScenarioEntry, scenario_entries

if TYPE_CHECKING:
    from regsim.lessons.loader import LessonSet


@dataclass
class Course:
    """The scenarios the home screen lists and the lessons (None until they are read)."""

    scenarios: list[ScenarioEntry]
    lessons: LessonSet | None = None
    lesson_problems: list[str] = field(default_factory=list)  # lesson files left out, and why

    @classmethod
    def read(
        cls, files: Sequence[Path] | None = None, lesson_folders: Sequence[Path] | None = None
    ) -> Course:
        """Scenario `files` (default: the bundled ones) and the lessons of `lesson_folders`
        (default: the bundled lessons), read now."""
        course = cls(scenario_entries(scenario_files() if files is None else files))
        course.lessons, course.lesson_problems = read_lessons(lesson_folders)
        return course


def read_lessons(folders: Iterable[Path] | None = None) -> tuple[LessonSet | None, list[str]]:
    """The lessons of `folders` (default: the bundled ones); a broken lesson is left out and
    listed. None (and why) when they cannot be read at all: the app runs on without them."""
    from regsim.lessons.loader import lesson_dirs, load_lessons  # loaded off the first frame

    try:
        lessons = load_lessons(lesson_dirs() if folders is None else folders, strict=False)
    except Exception as error:  # noqa: BLE001 - the app runs on without lessons
        return None, [f"the lessons could not be read ({type(error).__name__}: {error})"]
    return lessons, [str(problem) for problem in lessons.problems]


@runtime_checkable
class OffersCourse(Protocol):
    """An app with a course (the command palette lists what it offers)."""

    course: Course
    lesson_dirs: list[Path]   # the folders of lessons, scenarios and challenges given beside the bundled ones
