"""Lint keeps questions honest: no answer on the screen before its question, predictions that lock,
feedback per wrong choice, and a course that cannot be won by always picking the longest choice
or always answering "myth"; `regsim lessons --json --questions` shows an instructor the same."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from regsim.cli import main
from regsim.lessons.lint import lint_lesson_file

LESSON = """\
---
id: honest
title: Honest questions
order: 1
scenario: second-version
goals:
{goals}
---

## Page
{prose}

```question
{question}
```
"""

PUSH_PREDICT = """\
id: v2-push
kind: predict
step: alice-pushes-v2
prompt: How many layers will Alice upload for v2?
answer: computed
metric: layers_pushed
misconceptions:
  "6": That expects the whole image to travel again; the registry already holds the base.
  "0": The code layer changed, so its digest is new and it must be uploaded."""

CHOICE = """\
id: why
kind: choice
prompt: Why does v2's push upload so little?
choices:
  - text: The registry already stores the five base layers
    correct: true
  - text: Docker compresses the whole image down to one small file before it sends it
    feedback: Layers are compressed one by one, and the base would still be far bigger than this.
  - text: The registry rebuilds the missing base layers itself from the Dockerfile it keeps
    feedback: Registries never build anything and never see a Dockerfile; they only store what is pushed."""


def write(tmp_path: Path, *, goals: str = "  - Explain why a second push is small", prose: str = "Some prose.",
          question: str = PUSH_PREDICT) -> Path:
    path = tmp_path / "honest.md"
    path.write_text(LESSON.format(goals=goals, prose=prose, question=question), encoding="utf-8")
    return path


def messages(path: Path) -> list[str]:
    return [str(p) for p in lint_lesson_file(path)]


def test_a_clean_prediction_and_a_clean_choice_pass(tmp_path: Path) -> None:
    assert messages(write(tmp_path)) == []
    assert messages(write(tmp_path, question=CHOICE)) == []


def test_a_goal_that_states_a_predictions_outcome_is_reported_at_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, goals="  - Predict that a second push uploads only its new layer")
    assert messages(path) == [f"{path}:7:5: this goal states what a prediction will find; say what the learner "
                              "will predict (\"Predict how many layers ...\"), not the outcome"]


def test_the_simulators_answer_in_the_text_above_a_prediction_is_reported(tmp_path: Path) -> None:
    path = write(tmp_path, prose="Alice pushes v2; only 1 layer is new.")
    found = messages(path)
    assert len(found) == 1 and "already says the simulator's answer, 1 layer" in found[0]
    assert found[0].startswith(f"{path}:17:")          # the prompt's line


def test_the_right_choice_restated_just_above_its_question_is_reported(tmp_path: Path) -> None:
    path = write(tmp_path, prose="The registry already stores all five base layers, so they are skipped.",
                 question=CHOICE)
    found = messages(path)
    assert len(found) == 1 and "the text just above it (line 11) already says the right choice" in found[0]


def test_shared_vocabulary_alone_is_not_a_giveaway(tmp_path: Path) -> None:
    """The page may teach layers and registries; only a passage that says the right choice, much more than
    any wrong one, counts."""
    path = write(tmp_path, prose="A registry stores images as layers, and Docker sends them one by one.",
                 question=CHOICE)
    assert messages(path) == []


def test_a_choice_question_that_asks_for_a_prediction_must_lock(tmp_path: Path) -> None:
    question = CHOICE.replace("prompt: Why does v2's push upload so little?",
                              "prompt: Before reading on, guess why v2's push uploads so little.")
    found = messages(write(tmp_path, question=question))
    assert len(found) == 1 and "make it kind: predict" in found[0]


def test_a_prediction_needs_three_choices_or_two_wrong_values(tmp_path: Path) -> None:
    two = PUSH_PREDICT.split('  "0"')[0].rstrip()
    assert any("feedback for 1 wrong value(s)" in m for m in messages(write(tmp_path, question=two)))
    coin = """\
id: gets
kind: predict
step: alice-pushes-v2
prompt: Will the push upload the base layers again?
choices:
  - text: No, only the new code layer goes up
    correct: true
  - text: Yes, every layer of the image goes up again
    feedback: That expects the whole image to travel; HEAD checks let the client skip what is there."""
    assert any("a prediction with 2 choices is a coin toss" in m for m in messages(write(tmp_path, question=coin)))


def test_each_wrong_choice_needs_feedback_of_its_own(tmp_path: Path) -> None:
    same = CHOICE.replace("Registries never build anything and never see a Dockerfile; they only store what is "
                          "pushed.", "Layers are compressed one by one, and the base would still be far bigger "
                          "than this.")
    found = messages(write(tmp_path, question=same))
    assert len(found) == 1 and "the same as another's" in found[0]
    short = CHOICE.replace("Registries never build anything and never see a Dockerfile; they only store what is "
                           "pushed.", "Wrong, try again.")
    found = messages(write(tmp_path, question=short))
    assert len(found) == 1 and "too short to name the misconception" in found[0]


def test_the_course_check_reports_the_longest_right_choices_with_the_numbers(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    """Ten choice questions whose right choice is always the longest: a learner who always picks the longest
    scores 100%, so lint reports the course, with the count and where each one is."""
    for n in range(10):
        question = CHOICE.replace("id: why", f"id: why-{n}").replace(
            "The registry already stores the five base layers",
            "The registry already stores the five base layers, so the client skips each one of them entirely")
        path = write(tmp_path, question=question)
        path.rename(tmp_path / f"{n:02d}-honest.md")
        text = (tmp_path / f"{n:02d}-honest.md").read_text().replace("id: honest", f"id: honest-{n}")
        (tmp_path / f"{n:02d}-honest.md").write_text(text)
    assert main(["lint", str(tmp_path)]) == 1
    out, err = capsys.readouterr()
    assert f"{tmp_path}:1:1: course: the right choice is the longest (or tied) in 10 of 10 choice-type questions " \
           "(100%); at most 40%" in out
    assert "00-honest.md:" in out
    assert "course: the right choice is the longest in 10 of 10 choice-type questions (100%, at most 40%)" in err


@pytest.fixture(scope="module")
def audit() -> dict:  # type: ignore[type-arg]
    import io
    from contextlib import redirect_stdout

    buffer = io.StringIO()
    with redirect_stdout(buffer):
        assert main(["lessons", "--json", "--questions"]) == 0
    return json.loads(buffer.getvalue())  # type: ignore[no-any-return]


def test_lessons_json_questions_lists_every_question_as_shown(audit) -> None:  # type: ignore[no-untyped-def]
    lesson = next(item for item in audit["lessons"] if item["id"] == "tags-and-versions")
    bob = next(q for q in lesson["question_list"] if q["id"] == "bob-latest-now")
    assert bob["kind"] == "predict" and bob["locked"] is True and len(bob["choices"]) == 3
    assert bob["choices"][bob["answer"]] == "Version 1"      # the index is in shown order
    assert bob["feedback"] == 3
    computed = next(q for q in lesson["question_list"] if q["id"] == "bob-repull-layers")
    assert computed["answer"] == "computed" and computed["choices"] == []
    myth = next(q for q in lesson["question_list"] if q["kind"] == "myth")
    assert myth["answer"] in ("myth", "fact") and myth["locked"] is False


def test_the_bundled_course_is_balanced(audit) -> None:  # type: ignore[no-untyped-def]
    course = audit["course"]
    assert course["right_choice_longest_share"] <= 0.4
    assert 0.4 <= course["fact_share"] <= 0.6
    assert course["choice_questions"] >= 40 and course["myth_statements"] >= 20


def test_questions_without_json_is_a_usage_error(capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["lessons", "--questions"]) == 2
    assert "--questions goes with --json" in capsys.readouterr().err
