"""Grading: the quiz rules a learner meets (locking, retries, hints, reveal), feedback for every wrong
answer, numbers with units and tolerances, and computed answers read from the replayed step."""

from __future__ import annotations

from pathlib import Path

import pytest

from regsim.lessons.grading import (
    AnswerError,
    LessonQuiz,
    QuizLocked,
    QuizState,
    answer_for,
    correct_choice,
    expected_text,
    grade,
)
from regsim.lessons.loader import load_lesson
from regsim.lessons.model import Question
from regsim.scenario.engine import computed_answer, replay
from regsim.scenario.loader import load_scenario

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "lessons"


@pytest.fixture(scope="module")
def lesson():
    return load_lesson(FIXTURES / "second-push.md")


@pytest.fixture(scope="module")
def run(replayed):
    return replayed("second-version")


RIGHT_TAG = "It names one manifest, and can be moved to another one later"
COPY_TAG = "It is a full copy of the image made when you tag it"
LOCKED_TAG = "It locks the image so nobody can change it"


def pick(question: Question, text: str) -> int:
    """Where a choice is shown (choices are shown in an order of their own, not the file's)."""
    return next(i for i, choice in enumerate(question.choices) if choice.text == text)


def numeric(answer, unit, tolerance=None, misconceptions=()) -> Question:
    return Question(id="q", kind="numeric", prompt="How much?", answer=answer, unit=unit, tolerance=tolerance,
                    misconceptions=misconceptions, feedback="Think about which layers the registry holds.")


# -- computed answers come from the replayed step ------------------------------------------------

def test_a_computed_predict_answer_is_what_the_replayed_step_did(lesson, run):
    question = lesson.question("v2-push-layers")
    record = run.records[question.step - 1]
    assert record.step_id == "alice-pushes-v2"
    assert answer_for(question, run) == record.layers_pushed == computed_answer(record, "layers_pushed") == 1


def test_a_computed_byte_answer_is_the_bytes_bob_really_downloaded(lesson, run):
    question = lesson.question("bob-v2-bytes")
    assert answer_for(question, run) == run.records[7].layer_bytes_down == 2_300_000
    assert expected_text(question, run) == "2.3MB (2,300,000 bytes)"


def test_the_first_push_sent_every_layer(lesson, run):
    assert answer_for(lesson.question("first-push-bytes"), run) == run.records[2].layer_bytes_up == 369_000_000


def test_every_computed_answer_in_a_lesson_matches_its_scenario_step(lesson, run):
    for question in (q for q in lesson.questions if q.computed):
        assert answer_for(question, run) == getattr(run.records[question.step - 1], question.metric)


def test_a_computed_answer_without_the_run_says_what_it_needs(lesson):
    with pytest.raises(ValueError, match="needs the replayed scenario run"):
        answer_for(lesson.question("v2-push-layers"))


def test_a_computed_choice_is_the_choice_equal_to_the_simulators_number():
    lesson = load_lesson(FIXTURES / "class-folder" / "lessons" / "class-intro.md")
    run = replay(load_scenario(lesson.scenario_path))
    question = lesson.question("bob-layers")
    assert correct_choice(question, run) == pick(question, "2")
    assert grade(question, "2", run).correct
    assert grade(question, pick(question, "0"), run).feedback == "Bob's machine is empty, so nothing can be skipped."


# -- predict: the answer locks on commit ------------------------------------------------------------

def test_a_wrong_prediction_locks_and_reveals_the_right_answer(lesson, run):
    state = QuizState(lesson.question("v2-push-layers"), run)
    result = state.answer("6")
    assert (result.correct, result.credit, state.locked) == (False, 0.0, True)
    assert result.expected_text == "1 layer"
    assert "whole image travels again" in result.feedback    # the misconception behind 6
    with pytest.raises(QuizLocked, match="the prediction is locked"):
        state.answer("1")
    assert state.record().attempts == 1 and state.credit == 0.0


def test_a_right_prediction_earns_full_credit_and_also_locks(lesson, run):
    state = QuizState(lesson.question("v2-push-layers"), run)
    assert state.answer("1 layer").credit == 1.0
    with pytest.raises(QuizLocked):
        state.answer("1")


# -- choice and myth: retries, with less credit after the first try ---------------------------------

def test_every_wrong_choice_gives_its_own_feedback(lesson):
    question = lesson.question("tags-role")
    feedback = [grade(question, pick(question, text)).feedback for text in (COPY_TAG, LOCKED_TAG)]
    assert feedback[0].startswith("Tagging copies nothing")
    assert feedback[1].startswith("Most registries let a tag move")
    assert grade(question, pick(question, RIGHT_TAG)).feedback == \
        "Right, a tag is a movable pointer to a manifest digest."


def test_a_choice_can_be_answered_by_its_text(lesson):
    assert grade(lesson.question("tags-role"), "it names one manifest, and can be moved to another one later").correct


def test_a_right_choice_on_the_first_try_earns_full_credit(lesson):
    question = lesson.question("tags-role")
    state = QuizState(question)
    assert state.answer(pick(question, RIGHT_TAG)).credit == 1.0
    with pytest.raises(QuizLocked, match="this question is done"):
        state.answer(pick(question, COPY_TAG))


def test_a_wrong_choice_hides_the_answer_and_allows_another_try_for_half_credit(lesson):
    question = lesson.question("tags-role")
    state = QuizState(question)
    first = state.answer(pick(question, COPY_TAG))
    assert (first.correct, first.expected_text, state.locked) == (False, "", False)
    second = state.answer(pick(question, RIGHT_TAG))
    assert (second.correct, second.credit) == (True, 0.5)
    assert state.record().attempts == 2


def test_myth_or_fact_explains_why_either_way(lesson):
    question = lesson.question("myth-whole-images")
    wrong = grade(question, "fact")
    assert not wrong.correct and wrong.feedback.startswith("Not quite: it is a myth. Registries store layers")
    assert grade(question, "Myth").correct
    with pytest.raises(AnswerError, match="answer myth or fact"):
        grade(question, "maybe")


def test_a_myth_retried_after_a_wrong_answer_earns_half(lesson):
    state = QuizState(lesson.question("myth-whole-images"))
    state.answer("fact")
    assert state.answer("myth").credit == 0.5


# -- hints and reveal -------------------------------------------------------------------------------

def test_a_hint_costs_nothing_but_is_recorded(lesson):
    state = QuizState(lesson.question("tags-role"))
    assert state.hint() == "Think of a bookmark."
    assert state.answer(RIGHT_TAG).credit == 1.0
    record = state.record()
    assert (record.hinted, record.credit, record.correct) == (True, 1.0, True)


def test_revealing_without_trying_records_no_credit(lesson):
    state = QuizState(lesson.question("tags-role"))
    shown = state.reveal()
    assert shown.expected_text == "It names one manifest, and can be moved to another one later"
    assert shown.feedback == "A tag is a name for a manifest digest; the manifest lists the layers."
    record = state.record()
    assert (record.credit, record.attempts, record.revealed, record.correct) == (0.0, 0, True, False)
    with pytest.raises(QuizLocked):
        state.answer(RIGHT_TAG)


def test_revealing_after_a_wrong_try_still_earns_nothing(lesson):
    state = QuizState(lesson.question("tags-role"))
    state.answer(LOCKED_TAG)
    assert state.reveal().credit == 0.0
    assert state.record().revealed


def test_an_unreadable_answer_is_not_counted_as_a_try(lesson, run):
    state = QuizState(lesson.question("v2-push-layers"), run)
    with pytest.raises(AnswerError, match="a number of layers is a whole number"):
        state.answer("1.5")
    with pytest.raises(AnswerError, match="write a whole number of layers"):
        state.answer("one")
    assert state.attempts == 0 and not state.locked
    assert state.answer("1").credit == 1.0


# -- numbers, units and tolerance -------------------------------------------------------------------

@pytest.mark.parametrize("response", ["2.3MB", "2.3 MB", "2300000B", "2,300,000 bytes", "2.3 mb", "2300 kB", "2.31MB"])
def test_a_size_is_read_with_any_unit_spelling(response):
    assert grade(numeric(2_300_000, "bytes"), response).correct


@pytest.mark.parametrize(("response", "unit"), [("2.3", "bytes"), ("2300000", "bytes"), ("2.2", "seconds")])
def test_a_bare_number_in_a_size_or_time_question_asks_for_a_unit_and_keeps_the_try(response, unit):
    """Is 2.3 bytes, kB or MB? Guessing would grade a guess; the learner is asked instead."""
    question = numeric(2_300_000 if unit == "bytes" else 2.0, unit)
    state = QuizState(question)
    with pytest.raises(AnswerError, match="Add a unit"):
        state.answer(response)
    assert state.attempts == 0 and not state.locked
    assert grade(question, "0").correct is False  # 0 needs no unit: no bytes, no time


@pytest.mark.parametrize("response", ["2.4MB", "3MB", "2.1MiB"])
def test_bytes_are_right_within_one_percent_by_default(response):
    assert not grade(numeric(2_300_000, "bytes"), response).correct


def test_a_percentage_tolerance_widens_the_window():
    question = numeric(2_300_000, "bytes", tolerance="5%")
    assert grade(question, "2.4MB").correct and not grade(question, "2.5MB").correct


def test_an_absolute_tolerance_in_seconds():
    question = numeric(4.0, "seconds", tolerance=0.5)
    assert grade(question, "4.5s").correct and grade(question, "3500ms").correct
    assert not grade(question, "4.6 seconds").correct


def test_seconds_are_right_within_ten_percent_by_default():
    question = numeric(2.0, "seconds")
    assert grade(question, "2.2s").correct and not grade(question, "2.3 s").correct


def test_layers_are_exact_by_default():
    question = numeric(5, "layers")
    assert grade(question, "5 layers").correct and not grade(question, "6").correct


def test_a_close_answer_is_told_the_exact_value():
    result = grade(numeric(2_300_000, "bytes"), "2.31MB")
    assert result.feedback == "Right, close enough: the exact answer is 2.3MB (2,300,000 bytes)."
    assert grade(numeric(2_300_000, "bytes"), "2.3MB").feedback == "Right: 2.3MB (2,300,000 bytes)."


def test_a_typical_wrong_number_gets_its_misconception_and_others_the_general_feedback():
    question = numeric(2_300_000, "bytes", misconceptions=((369_000_000, "That is the whole image again."),))
    assert grade(question, "369 MB").feedback == "That is the whole image again."
    assert grade(question, "10MB").feedback == "Think about which layers the registry holds."


def test_a_size_answer_that_does_not_parse_says_what_to_write():
    with pytest.raises(AnswerError, match="is not a size: write a size such as 2.3MB"):
        grade(numeric(2_300_000, "bytes"), "2.3 megs")


# -- a lesson's score -------------------------------------------------------------------------------

def test_a_lesson_score_adds_up_first_tries_later_tries_and_reveals(lesson, run):
    quiz = LessonQuiz(lesson, run)
    quiz.state("v2-push-layers").answer("1")          # 1.0
    quiz.state("tags-role").answer(COPY_TAG)
    quiz.state("tags-role").answer(RIGHT_TAG)         # 0.5
    quiz.state("myth-whole-images").reveal()          # 0
    quiz.state("bob-v2-bytes").hint()
    summary = quiz.summary()
    assert (summary.earned, summary.possible, summary.answered, summary.correct) == (1.5, 5, 3, 2)
    assert (summary.revealed, summary.hinted, summary.percent) == (1, 1, 30)


def test_a_saved_answer_restores_its_lock(lesson, run):
    quiz = LessonQuiz(lesson, run)
    quiz.state("v2-push-layers").answer("6")
    again = LessonQuiz(lesson, run, saved=quiz.records())
    with pytest.raises(QuizLocked):
        again.state("v2-push-layers").answer("1")
    assert again.summary().earned == 0.0
    assert not again.state("tags-role").locked
