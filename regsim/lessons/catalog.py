"""The curriculum as `regsim lessons --json` prints it: each lesson with its questions and the learner's progress."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from regsim.lessons.grading import score
from regsim.lessons.model import Lesson
from regsim.lessons.progress import ProgressStore


def lesson_summaries(lessons: Iterable[Lesson], store: ProgressStore | None = None) -> list[dict[str, Any]]:
    """One dict per lesson, in the order given (a LessonSet's is the curriculum's): id, title, scenario,
    order, goals, pages, questions (counts by kind: predict, choice, myth, numeric) and progress."""
    summaries = []
    for lesson in lessons:
        answers = store.answers(lesson.id) if store is not None else {}
        result = score(lesson.questions, answers)
        summaries.append({
            "id": lesson.id,
            "title": lesson.title,
            "scenario": lesson.scenario,
            "order": lesson.order,
            "goals": list(lesson.goals),
            "pages": len(lesson.pages),
            "questions": lesson.question_counts(),
            "progress": {
                "status": store.status(lesson.id) if store is not None else "not started",
                "score": result.earned,
                "out_of": result.possible,
                "percent": result.percent,
                "answered": result.answered,
            },
        })
    return summaries
