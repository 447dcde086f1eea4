"""A course's questions as an instructor audits them: each question's shape, and two course-level
numbers that show whether a learner could score by habit rather than understanding.

- the share of choice-type questions (any question with choices) whose right choice is the longest
  text, or tied for longest: learners soon learn to pick the longest option, so at most 40%;
- the share of myth-or-fact statements whose answer is "fact": always answering "myth" must not
  win, nor always answering "fact", so between 40% and 60%.

Both are measured on the choices as shown (`regsim.choice_order`); length does not depend on the
order, the right choice's index does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from regsim.lessons.grading import correct_choice
from regsim.lessons.model import Lesson, Question
from regsim.scenario.engine import Run

LONGEST_AT_MOST = 0.40
FACT_BETWEEN = (0.40, 0.60)
# Below these counts a share says little (three statements can only be 33% or 67% facts), so the
# course-level checks only apply to a set of lessons with at least this many of each.
MIN_CHOICE_QUESTIONS = 10
MIN_MYTH_STATEMENTS = 6


def right_index(question: Question, run: Run | None) -> int | None:
    """The index (in shown order) of the right choice; None without choices, or when a computed
    answer cannot be worked out (no run, or lint reports the mismatch)."""
    if not question.choices:
        return None
    if question.computed and run is None:
        return None
    try:
        return correct_choice(question, run)
    except (ValueError, StopIteration):
        return None


def right_is_longest(question: Question, index: int) -> bool:
    right = len(question.choices[index].text)
    return all(right >= len(c.text) for i, c in enumerate(question.choices) if i != index)


def feedback_texts(question: Question) -> set[str]:
    """The distinct feedback a learner can be shown for this question."""
    texts = {c.feedback for c in question.choices if c.feedback}
    texts.update(why for _, why in question.misconceptions)
    if question.feedback:
        texts.add(question.feedback)
    return texts


def question_entry(question: Question, lesson: Lesson, run: Run | None) -> dict[str, Any]:
    """One question for `regsim lessons --json --questions`."""
    page = next(n for n, p in enumerate(lesson.pages, 1) if any(q is question for q in p.questions))
    answer: Any
    if question.computed:
        answer = "computed"
    elif question.choices:
        answer = right_index(question, run)
    else:
        answer = question.answer
    return {
        "id": question.id,
        "kind": question.kind,
        "page": page,
        "locked": not question.retries_allowed,
        "choices": [choice.text for choice in question.choices],
        "answer": answer,
        "feedback": len(feedback_texts(question)),
    }


@dataclass(slots=True)
class CourseBalance:
    """The two course-level counts, with where each counted question is (file, line)."""

    choice_questions: int = 0
    right_longest: list[tuple[str, int]] = field(default_factory=list)
    myth_statements: int = 0
    facts: int = 0

    def add(self, lesson: Lesson, run: Run | None) -> None:
        for question in lesson.questions:
            if question.kind == "myth":
                self.myth_statements += 1
                self.facts += question.answer == "fact"
                continue
            index = right_index(question, run)
            if index is None:
                continue
            self.choice_questions += 1
            if right_is_longest(question, index):
                self.right_longest.append((str(lesson.path), question.position("choices")[0]))

    @property
    def longest_share(self) -> float:
        return len(self.right_longest) / self.choice_questions if self.choice_questions else 0.0

    @property
    def fact_share(self) -> float:
        return self.facts / self.myth_statements if self.myth_statements else 0.0

    def longest_ok(self) -> bool:
        return self.choice_questions < MIN_CHOICE_QUESTIONS or self.longest_share <= LONGEST_AT_MOST

    def facts_ok(self) -> bool:
        low, high = FACT_BETWEEN
        return self.myth_statements < MIN_MYTH_STATEMENTS or low <= self.fact_share <= high

    def summary(self) -> str:
        """`right choice longest in 12 of 50 choice-type questions (24%); fact is the answer of ...`"""
        return (f"the right choice is the longest in {len(self.right_longest)} of {self.choice_questions} "
                f"choice-type questions ({self.longest_share:.0%}, at most {LONGEST_AT_MOST:.0%}); \"fact\" is "
                f"the answer of {self.facts} of {self.myth_statements} myth-or-fact statements "
                f"({self.fact_share:.0%}, {FACT_BETWEEN[0]:.0%} to {FACT_BETWEEN[1]:.0%})")

    def to_dict(self) -> dict[str, Any]:
        return {
            "choice_questions": self.choice_questions,
            "right_choice_longest": len(self.right_longest),
            "right_choice_longest_share": round(self.longest_share, 3),
            "right_choice_longest_at_most": LONGEST_AT_MOST,
            "myth_statements": self.myth_statements,
            "fact_answers": self.facts,
            "fact_share": round(self.fact_share, 3),
            "fact_share_between": list(FACT_BETWEEN),
        }


def course_balance(lessons: Iterable[Lesson], run_for: Callable[[Lesson], Run | None]) -> CourseBalance:
    balance = CourseBalance()
    for lesson in lessons:
        balance.add(lesson, run_for(lesson))
    return balance
