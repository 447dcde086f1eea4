"""What a lesson is, once its file has been read and checked: plain frozen data."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

KINDS = ("predict", "choice", "myth", "numeric")
UNITS = ("layers", "bytes", "seconds")
COMPUTED = "computed"


@dataclass(frozen=True, slots=True)
class Choice:
    text: str
    correct: bool = False
    feedback: str | None = None


@dataclass(frozen=True, slots=True)
class Question:
    """One question block.

    `answer` is the checked answer as the file gives it: `"computed"` (the simulator's own result
    for `metric` at `step`), a number (int bytes for `unit: bytes`, float seconds, int layers),
    `"myth"` / `"fact"`, or for a question with choices the text of the correct choice (or
    `"computed"`, when the replayed step decides which choice is right).

    `choices` are in the order the learner sees them, which is not the file's order
    (`regsim.choice_order`); grading goes by the choice picked, never by its place in the file.
    """

    id: str
    kind: str                                   # predict | choice | myth | numeric
    prompt: str
    statement: str | None = None                # myth: the claim to judge
    choices: tuple[Choice, ...] = ()
    answer: Any = None
    metric: str | None = None                   # with answer: computed
    unit: str | None = None                     # layers | bytes | seconds | None (a plain number)
    tolerance: float | str | None = None        # absolute (in the unit) or "10%"; None: the unit's default
    step: int | None = None                     # 1-based scenario step the question is about
    hint: str | None = None
    explain: str | None = None
    feedback: str | None = None                 # myth: why; others: shown after any wrong answer
    misconceptions: tuple[tuple[Any, str], ...] = ()   # (value in the unit, why) for typical wrong numbers
    line: int = 0                               # where the block starts in the .md file (its first YAML line)
    marks: tuple[tuple[str, int, int], ...] = field(default=(), repr=False, compare=False)

    @property
    def computed(self) -> bool:
        return isinstance(self.answer, str) and self.answer == COMPUTED

    @property
    def text(self) -> str:
        """What to show the learner: the prompt, or for a myth the statement."""
        return self.statement if self.kind == "myth" and self.statement else self.prompt

    @property
    def retries_allowed(self) -> bool:
        """Predict answers lock on commit; every other kind lets the learner try again."""
        return self.kind != "predict"

    def position(self, key: str) -> tuple[int, int]:
        """The line and column of one of the block's keys (the block's start if it is absent)."""
        for name, line, column in self.marks:
            if name == key:
                return line, column
        return self.line, 1


@dataclass(frozen=True, slots=True)
class Page:
    title: str
    markdown: str                               # the page's prose, without its sim and question blocks
    steps: tuple[int, int] | None = None        # 1-based inclusive scenario step range the page shows
    questions: tuple[Question, ...] = ()
    line: int = 0                               # the line of its `## ` heading
    challenges: tuple[str, ...] = ()            # challenge files (paths) its ```challenge blocks name


@dataclass(frozen=True, slots=True)
class Lesson:
    id: str
    title: str
    order: int
    scenario: str                               # the scenario's id (its file stem)
    goals: tuple[str, ...]
    intro: str
    pages: tuple[Page, ...]
    path: Path
    scenario_path: Path | None = None           # the scenario file the id resolved to

    @property
    def questions(self) -> tuple[Question, ...]:
        return tuple(q for page in self.pages for q in page.questions)

    def question(self, question_id: str) -> Question | None:
        return next((q for q in self.questions if q.id == question_id), None)

    def question_counts(self) -> dict[str, int]:
        """How many questions of each kind (every kind listed, zero included)."""
        counts = dict.fromkeys(KINDS, 0)
        for question in self.questions:
            counts[question.kind] += 1
        return counts
