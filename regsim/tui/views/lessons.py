"""Lessons as the home screen lists them: each with the learner's progress, and where to continue.

No Textual here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from regsim.lessons.catalog import lesson_summaries
from regsim.lessons.model import Lesson
from regsim.lessons.progress import ProgressStore


@dataclass(frozen=True, slots=True)
class LessonRow:
    """One lesson on the home screen."""

    id: str
    order: int
    title: str
    status: str  # not started | in progress | done
    progress: str  # `in progress · 2/5` or `not started`
    questions: int
    pages: int


@dataclass(frozen=True, slots=True)
class LessonListing:
    """The home screen's lessons: a row each, where to continue (lesson id, title, page), how
    many myth-or-fact statements the curriculum has, and the lesson files left out (and why)."""

    rows: list[LessonRow]
    continue_at: tuple[str, str, int] | None
    myths: int
    problems: list[str]


def lesson_rows(lessons: Iterable[Lesson], store: ProgressStore) -> list[LessonRow]:
    rows = []
    for item in lesson_summaries(lessons, store):
        progress = item["progress"]
        count = sum(item["questions"].values())
        shown = progress["status"]
        if shown != "not started" and count:
            shown += f" · {progress['score']:g}/{progress['out_of']}"
        rows.append(
            LessonRow(
                item["id"],
                item["order"],
                item["title"],
                progress["status"],
                shown,
                count,
                item["pages"],
            )
        )
    return rows


def continue_at(lessons: Iterable[Lesson], store: ProgressStore) -> tuple[Lesson, int] | None:
    """The lesson and page (0-based) to continue at: the last position, unless that lesson is done."""
    last = store.last_position
    if last is None:
        return None
    lesson = next((item for item in lessons if item.id == last[0]), None)
    if lesson is None or store.status(lesson.id) == "done":
        return None
    return lesson, max(0, min(last[1], len(lesson.pages) - 1))
