"""Lint rules that keep a lesson's questions honest: only understanding should earn the point.

- No answer on the screen before its question: a goal that says "Predict that <outcome>"; a goal
  line, the page title or the prose just above a question that holds most of the right choice's
  key words (and clearly more of them than any wrong choice's); a computed answer, as the
  simulator prints it (`40MB`, `5 layers`), in a goal, the title or the prose just above.
- A prediction locks on its first try: a question that asks for one ("Before reading on", "predict",
  "guess") is kind: predict; a predict question with choices offers at least three; one with a
  number to type has feedback for at least two common wrong values.
- Every wrong choice has feedback of its own: not shared with another choice, and long enough to
  name the misconception (six words or more).

These are checks on simple, visible cases, chosen to report few false alarms: a page may use the
words its question uses, as long as it does not say the right choice much more than a wrong one.
There is no marker to silence them; a restatement belongs in the question's `explain`, shown once
the learner has answered.
"""

from __future__ import annotations

import re

from regsim.lessons.grading import answer_for
from regsim.lessons.model import Lesson, Question
from regsim.lessons.quantities import format_quantity
from regsim.lessons.question_audit import right_index
from regsim.scenario.engine import Run
from regsim.scenario.problems import Problem

_WORD = re.compile(r"[a-z0-9][a-z0-9'-]*")
_STOP = frozenset([
    "about", "above", "after", "again", "also", "another", "because", "been", "before", "being", "below",
    "between", "both", "cannot", "could", "does", "doing", "down", "each", "every", "from", "further", "have",
    "having", "here", "into", "itself", "just", "more", "most", "much", "only", "other", "over", "same",
    "some", "such", "than", "that", "their", "them", "then", "there", "these", "they", "this", "those",
    "through", "under", "until", "very", "were", "what", "when", "where", "which", "while", "whom", "will",
    "with", "would", "your", "yours", "the", "and", "for", "are", "but", "not", "you", "all", "any", "can",
    "had", "her", "his", "how", "its", "our", "out", "was", "who", "why", "one", "two", "its", "it's", "than",
    "onto", "upon", "nothing", "anything", "something",
])
_PREDICTING = re.compile(r"\bbefore reading on\b|\bpredict|\bguess\b", re.IGNORECASE)
SHARE = 0.6          # of the right choice's key words, for a passage to give it away
MIN_KEY_WORDS = 3
MIN_FEEDBACK_WORDS = 6


def _stem(word: str) -> str:
    word = word.strip("'-")
    for suffix in ("ing", "ed", "es", "s"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def key_words(text: str) -> set[str]:
    """The words that carry a text's meaning: four letters or more, not common glue, stemmed."""
    return {_stem(w) for w in _WORD.findall(text.lower()) if len(w) >= 4 and w not in _STOP}


def _share(words: set[str], passage: set[str]) -> float:
    return len(words & passage) / len(words) if words else 0.0


def _text_above(lines: list[str], fence_line: int) -> tuple[int, str]:
    """The prose just above a question's fence (up to the previous block or heading), and its first line."""
    index = fence_line - 2            # 0-based, the line above the fence
    taken: list[str] = []
    while index >= 0:
        line = lines[index]
        if line.startswith("```") or line.startswith("#") or line.strip() == "---":
            break
        taken.append(line)
        index -= 1
    return index + 2, " ".join(reversed(taken))


def _goal_lines(lines: list[str], goals: tuple[str, ...]) -> list[tuple[int, int, str]]:
    found = []
    for goal in goals:
        for number, line in enumerate(lines, 1):
            if goal in line:
                found.append((number, line.index(goal) + 1, goal))
                break
    return found


def honesty_problems(lesson: Lesson, run: Run | None, text: str) -> list[Problem]:
    """Every question in `lesson` that can be answered without understanding, as FILE:LINE:COL."""
    filename = str(lesson.path)
    lines = text.splitlines()
    problems: list[Problem] = []
    goals = _goal_lines(lines, lesson.goals)
    for line, column, goal in goals:
        if re.match(r"predict that\b", goal, re.IGNORECASE):
            problems.append(Problem(filename, line, column, "this goal states what a prediction will find; "
                                    "say what the learner will predict (\"Predict how many layers ...\"), not the "
                                    "outcome"))
    for page in lesson.pages:
        for question in page.questions:
            problems.extend(_given_away(question, lesson, run, lines, goals, page.title, page.line))
            problems.extend(_locked(question, filename))
            problems.extend(_own_feedback(question, filename))
    return problems


def _given_away(question: Question, lesson: Lesson, run: Run | None, lines: list[str],
                goals: list[tuple[int, int, str]], title: str, title_line: int) -> list[Problem]:
    filename = str(lesson.path)
    fence = question.line - 1
    above_line, above = _text_above(lines, fence)
    places = [(line, column, goal, "a goal") for line, column, goal in goals]
    places.append((title_line, 1, title, "the page title"))
    places.append((above_line, 1, above, "the text just above it"))
    problems: list[Problem] = []
    where = question.position("prompt")
    index = right_index(question, run)
    if index is not None and not question.computed:
        right = key_words(question.choices[index].text)
        wrong = [key_words(c.text) for i, c in enumerate(question.choices) if i != index]
        if len(right) >= MIN_KEY_WORDS:
            for line, _column, passage_text, what in places:
                passage = key_words(passage_text)
                share = _share(right, passage)
                if share >= SHARE and all(_share(w, passage) <= share - 0.25 for w in wrong):
                    problems.append(Problem(filename, *where, f"{what} (line {line}) already says the right choice "
                                            f"({', '.join(sorted(right & passage))}): the learner can answer "
                                            "without understanding; move that statement below the question"))
                    break
    elif question.computed and not question.choices and run is not None and question.step is not None:
        try:
            shown = format_quantity(answer_for(question, run), question.unit).split(" (")[0]
        except (ValueError, IndexError):
            return problems
        variants = {shown, shown.replace("MB", " MB").replace("GB", " GB").replace("kB", " kB")}
        if any(ch.isalpha() for ch in shown):       # "3" alone is too common to mean anything
            for line, _column, passage_text, what in places:
                if any(re.search(rf"(?<![\d.]){re.escape(v)}\b", passage_text) for v in variants):
                    problems.append(Problem(filename, *where, f"{what} (line {line}) already says the simulator's "
                                            f"answer, {shown}: the learner can copy it; move it below the question"))
                    break
    return problems


def _locked(question: Question, filename: str) -> list[Problem]:
    if question.kind == "choice" and _PREDICTING.search(question.prompt):
        return [Problem(filename, *question.position("kind"), "this question asks for a prediction, so make it "
                        "kind: predict (with the step it predicts): a prediction locks on its first try, a choice "
                        "question lets the learner try every option")]
    if question.kind != "predict":
        return []
    if question.choices and len(question.choices) < 3:
        return [Problem(filename, *question.position("choices"), f"a prediction with {len(question.choices)} "
                        "choices is a coin toss; offer at least three, each a belief a learner could hold")]
    if not question.choices and len(question.misconceptions) < 2:
        return [Problem(filename, *question.position("misconceptions" if question.misconceptions else "answer"),
                        f"this prediction has feedback for {len(question.misconceptions)} wrong value(s); give "
                        "misconceptions for at least two common wrong values, each saying what belief it shows")]
    return []


def _own_feedback(question: Question, filename: str) -> list[Problem]:
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    for i, choice in enumerate(question.choices):
        if not choice.feedback:
            continue     # a missing one is reported when the file is read
        line, column = question.position(f"choices.{i}")
        key = choice.feedback.casefold()
        if key in seen:
            problems.append(Problem(filename, line, column, f"this choice's feedback is the same as another's (line "
                                    f"{seen[key]}): each wrong choice needs feedback naming its own misconception"))
        else:
            seen[key] = line
        if not choice.correct and len(choice.feedback.split()) < MIN_FEEDBACK_WORDS:
            problems.append(Problem(filename, line, column, "this wrong choice's feedback is too short to name the "
                                    "misconception behind it: say what belief it shows and why it matters"))
    return problems
