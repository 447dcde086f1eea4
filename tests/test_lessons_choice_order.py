"""The order choices are shown in: fixed per question, independent of the file's order, so the right
answer is not always "(a)"; grading goes by the choice picked, and progress saved before still counts."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from regsim.bundled import content_dir, find_scenario
from regsim.choice_order import choice_rank, presentation_order
from regsim.lessons.grading import LessonQuiz, correct_choice, grade
from regsim.lessons.lint import lint_lesson_file
from regsim.lessons.loader import lesson_dirs, load_lesson, load_lessons
from regsim.lessons.progress import ProgressStore
from regsim.scenario.loader import load_scenario

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "lessons"

LESSON = """\
---
id: order-check
title: Choice order
order: 1
scenario: second-version
goals:
  - Learn one thing
---

## Page
Some prose.

```question
id: tags-role
kind: choice
prompt: What does a tag do?
choices:
{choices}
hint: Think of a bookmark.
explain: A tag names a manifest.
```
"""
CHOICES = [
    ("It names one manifest, and can be moved later", True, "Right."),
    ("It is a full copy of the image", False, "Tagging copies nothing."),
    ("It locks the image so nobody can change it", False, "Most registries let a tag move."),
    ("It compresses the image", False, "Tags carry no bytes."),
]


def write_lesson(tmp_path: Path, choices=CHOICES, name: str = "order-check.md") -> Path:
    lines = []
    for text, correct, feedback in choices:
        lines.append(f"  - text: {text}")
        if correct:
            lines.append("    correct: true")
        lines.append(f"    feedback: {feedback}")
    path = tmp_path / name
    path.write_text(LESSON.format(choices="\n".join(lines)), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def bundled(bundled_lessons):
    return bundled_lessons


def right_positions(lessons) -> list[int]:
    return [next(i for i, c in enumerate(q.choices) if c.correct)
            for lesson in lessons for q in lesson.questions if q.choices and not q.computed]


# -- the bundled course -----------------------------------------------------------------------------

def test_the_right_answer_is_not_always_in_the_same_place(bundled):
    positions = right_positions(bundled)
    assert len(positions) >= 40
    counts = Counter(positions)
    assert counts[0] < len(positions) / 2, counts          # "(a)" no longer wins most of the time
    assert {0, 1, 2} <= set(counts), counts                 # first, second and third all happen


def test_the_order_is_the_same_on_every_load(bundled):
    again = load_lessons(lesson_dirs())
    shown = {(lesson.id, q.id): [c.text for c in q.choices] for lesson in bundled for q in lesson.questions}
    assert shown == {(lesson.id, q.id): [c.text for c in q.choices] for lesson in again for q in lesson.questions}


def test_every_question_keeps_all_its_choices_and_exactly_one_right_one(bundled):
    for lesson in bundled:
        for question in (q for q in lesson.questions if q.choices and not q.computed):
            assert sum(c.correct for c in question.choices) == 1, (lesson.id, question.id)
            assert question.answer == next(c.text for c in question.choices if c.correct)


# -- the order comes from the question, not the file -------------------------------------------------

def test_the_order_is_the_sha256_order_of_lesson_question_and_choice(tmp_path):
    question = load_lesson(write_lesson(tmp_path)).question("tags-role")
    texts = [text for text, _, _ in CHOICES]
    expected = [texts[i] for i in presentation_order("order-check/tags-role", texts)]
    assert [c.text for c in question.choices] == expected


def test_listing_the_choices_in_another_order_shows_the_same_order(tmp_path):
    first = load_lesson(write_lesson(tmp_path)).question("tags-role")
    (tmp_path / "other").mkdir()
    reversed_file = write_lesson(tmp_path / "other", list(reversed(CHOICES)))
    second = load_lesson(reversed_file).question("tags-role")
    assert [c.text for c in first.choices] == [c.text for c in second.choices]
    assert [c.feedback for c in first.choices] == [c.feedback for c in second.choices]


def test_grading_follows_the_choice_picked_not_its_place_in_the_file(tmp_path):
    question = load_lesson(write_lesson(tmp_path)).question("tags-role")
    right = correct_choice(question)
    assert question.choices[right].text == CHOICES[0][0]
    assert grade(question, right).correct
    assert grade(question, CHOICES[0][0]).correct
    for i, choice in enumerate(question.choices):
        if i != right:
            result = grade(question, i)
            assert not result.correct
            assert result.feedback == {t: f for t, _, f in CHOICES}[choice.text]


COMPUTED = """\
---
id: order-check
title: Choice order
order: 1
scenario: second-version
goals:
  - Learn one thing
---

## Page
Some prose.

```question
id: v2-layers
kind: predict
step: alice-pushes-v2
prompt: How many layers will Alice's second push upload?
answer: computed
metric: layers_pushed
choices:
  - text: 1 layer
    feedback: Only the new layer travels; the rest is there.
  - text: 3 layers
    feedback: Half the image, as if some base layers were missing.
  - text: 6 layers
    correct: true
hint: Which layers does the registry hold?
explain: One.
```
"""


def test_lint_still_points_at_the_choice_where_the_file_has_it(tmp_path):
    """A computed choice marked correct that the simulator contradicts: the message names the line of
    that choice in the file, wherever the choice is shown."""
    assert presentation_order("order-check/v2-layers", ["1 layer", "3 layers", "6 layers"]) == [2, 0, 1]
    path = tmp_path / "order-check.md"
    path.write_text(COMPUTED, encoding="utf-8")
    assert [c.text for c in load_lesson(path).question("v2-layers").choices] == ["6 layers", "1 layer", "3 layers"]
    line = COMPUTED.splitlines().index("  - text: 6 layers") + 1
    assert [str(p) for p in lint_lesson_file(path)] == [
        f"{path}:{line}:5: this choice is marked correct: true, but the simulator's answer is '1 layer'"]


# -- progress saved before the order changed ---------------------------------------------------------

def test_progress_saved_before_still_counts_and_a_later_try_grades_by_the_choice(tmp_path):
    """Progress keeps whether an answer was right and its credit, never the position picked, so answers
    saved while the right answer was listed first still count, and a question left after a wrong try
    is finished by picking the right choice wherever it now shows."""
    path = tmp_path / "progress.json"
    answers = {
        "tags-role": {"question": "tags-role", "correct": True, "credit": 1.0, "attempts": 1, "hinted": False,
                      "revealed": False},
    }
    path.write_text(json.dumps({"format": "regsim-progress", "version": 1, "learners": {"default": {
        "last": {"lesson": "second-push", "page": 2},
        "lessons": {"second-push": {"status": "finished", "answers": answers}}}}}), encoding="utf-8")
    lesson = load_lesson(FIXTURES / "second-push.md")
    store = ProgressStore(path)
    assert store.notice is None
    quiz = LessonQuiz(lesson, saved=store.answers("second-push"))
    state = quiz.state("tags-role")
    assert (state.correct, state.credit, state.locked) == (True, 1.0, True)
    assert quiz.summary().earned == 1.0

    answers["tags-role"] = {**answers["tags-role"], "correct": False, "credit": 0.0}     # one wrong try so far
    path.write_text(json.dumps({"format": "regsim-progress", "version": 1, "learners": {"default": {
        "last": None, "lessons": {"second-push": {"status": "started", "answers": answers}}}}}), encoding="utf-8")
    quiz = LessonQuiz(lesson, saved=ProgressStore(path).answers("second-push"))
    state = quiz.state("tags-role")
    assert not state.locked
    question = lesson.question("tags-role")
    result = state.answer(correct_choice(question))
    assert (result.correct, result.credit, state.record().attempts) == (True, 0.5, 2)


# -- a scenario's own predict steps -------------------------------------------------------------------

SCENARIOS = sorted(content_dir("scenarios").glob("*.yaml"))


def test_scenario_predict_choices_are_shown_in_the_same_fixed_order():
    seen = 0
    for path in SCENARIOS:
        first, second = load_scenario(path), load_scenario(path)
        for a, b in zip(first.steps, second.steps, strict=True):
            if a.ask is None or len(a.ask.choices) < 2:
                continue
            seen += 1
            assert a.ask.choices == b.ask.choices
            key = f"{path.stem}/{a.id or a.index}"
            assert a.ask.choices == sorted(a.ask.choices, key=lambda text, key=key: choice_rank(key, text))
            assert str(a.ask.answer) in a.ask.choices
    assert seen >= 10


def test_a_scenario_predicts_order_does_not_depend_on_the_files_order(tmp_path):
    source = find_scenario("private-pull").read_text(encoding="utf-8")
    original = "choices: [the image, MANIFEST_UNKNOWN, DENIED]"
    assert original in source
    moved = tmp_path / "private-pull.yaml"
    moved.write_text(source.replace(original, "choices: [DENIED, the image, MANIFEST_UNKNOWN]"),
                     encoding="utf-8")
    asks = [[s.ask.choices for s in load_scenario(p).steps if s.ask] for p in (find_scenario("private-pull"), moved)]
    assert asks[0] == asks[1]
