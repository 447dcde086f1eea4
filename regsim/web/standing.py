"""Where a class stands, read from its learners' stored progress (no web code, no drawing).

Who is on which lesson, each question's share of right first answers among the learners who answered
it, and the misconceptions most often picked: the foreseen wrong answers (a wrong choice, the wrong
verdict on a myth, a number a lesson names as a typical mistake) with the feedback the learner read.
Progress files are only read here: a damaged one is skipped, never moved (the learner's app does that).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any

from regsim.lessons.grading import pick_feedback
from regsim.lessons.model import Lesson
from regsim.lessons.progress import DEFAULT_LEARNER, problems_in
from regsim.web.roster import Learner

TOP_MISCONCEPTIONS = 3


@dataclass(frozen=True, slots=True)
class LearnerRow:
    name: str
    lesson: str            # the lesson's title, or "" before any
    page: int              # 1-based page within it (0 before any)
    pages: int
    finished: int          # lessons finished
    answered: int          # questions answered (any try)
    online: bool


@dataclass(frozen=True, slots=True)
class QuestionRow:
    lesson: str
    question: str          # its id
    text: str
    answered: int          # learners who gave at least one answer
    right_first: int       # of those, right on the first try

    @property
    def share(self) -> float:
        return self.right_first / self.answered if self.answered else 0.0


@dataclass(frozen=True, slots=True)
class Misconception:
    lesson: str
    question: str
    text: str              # the question as asked
    pick: str              # the wrong answer picked
    times: int
    feedback: str


@dataclass(frozen=True, slots=True)
class Standing:
    learners: list[LearnerRow]
    questions: list[QuestionRow]
    misconceptions: list[Misconception]


def read_progress(learner: Learner) -> dict[str, Any]:
    """The learner's own part of their progress file ({} when there is none, or it is damaged)."""
    try:
        data = json.loads(learner.progress.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return {}
    if problems_in(data):
        return {}
    mine: dict[str, Any] = data["learners"].get(DEFAULT_LEARNER, {})
    return mine


def class_standing(learners: Iterable[Learner], lessons: Iterable[Lesson], online: Collection[str] = ()) -> Standing:
    ordered = sorted(lessons, key=lambda lesson: lesson.order)
    by_id = {lesson.id: lesson for lesson in ordered}
    progress = [(learner, read_progress(learner)) for learner in learners]
    rows = []
    for learner, mine in progress:
        lessons_done = mine.get("lessons", {})
        last = mine.get("last") or {}
        lesson = by_id.get(last.get("lesson", ""))
        rows.append(LearnerRow(
            learner.name, lesson.title if lesson else "", last.get("page", 0) + 1 if lesson else 0,
            len(lesson.pages) if lesson else 0,
            sum(entry["status"] == "finished" for entry in lessons_done.values()),
            sum(len(entry.get("answers", {})) for entry in lessons_done.values()), learner.id in online))
    questions = []
    picks: Counter[tuple[str, str, str]] = Counter()
    for lesson in ordered:
        for question in lesson.questions:
            answers = [answer for _, mine in progress
                       if (answer := mine.get("lessons", {}).get(lesson.id, {}).get("answers", {}).get(question.id))
                       and answer["attempts"] > 0]
            for answer in answers:
                picks.update((lesson.id, question.id, pick) for pick in answer.get("wrong", ()))
            questions.append(QuestionRow(lesson.title, question.id, question.text, len(answers),
                                         sum(a["correct"] and a["attempts"] == 1 for a in answers)))
    found = []
    # Most picked first; ties in course order (the Counter keeps first-seen order among equals).
    for (lesson_id, question_id, pick), times in picks.most_common():
        asked = by_id[lesson_id].question(question_id)
        feedback = pick_feedback(asked, pick) if asked else None
        if asked is None or feedback is None:
            continue
        found.append(Misconception(by_id[lesson_id].title, question_id, asked.text, pick, times, feedback))
        if len(found) == TOP_MISCONCEPTIONS:
            break
    return Standing(rows, questions, found)
