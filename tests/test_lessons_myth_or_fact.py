"""Myth-or-fact questions: the course mixes true statements in with the myths, so the round of every
myth-or-fact statement cannot be won by always answering "myth"; a fact grades like a myth does."""

from __future__ import annotations

from collections import Counter

import pytest

from regsim.lessons.grading import QuizState, expected_text, grade


@pytest.fixture(scope="module")
def statements(bundled_lessons):
    return [(lesson, q) for lesson in bundled_lessons for q in lesson.questions if q.kind == "myth"]


def test_the_myth_or_fact_round_holds_facts_too(statements):
    answers = Counter(q.answer for _, q in statements)
    assert set(answers) == {"myth", "fact"}
    assert answers["fact"] >= 8
    # Neither "always myth" nor "always fact" may win the round (`regsim lint`'s course check).
    assert 0.4 <= answers["fact"] / (answers["fact"] + answers["myth"]) <= 0.6
    assert len({lesson.id for lesson, q in statements if q.answer == "fact"}) >= 8    # spread over lessons


def test_every_statement_explains_itself(statements):
    for lesson, question in statements:
        assert question.statement and question.feedback and question.hint, (lesson.id, question.id)
        if question.answer == "fact":
            assert question.feedback.startswith("True."), (lesson.id, question.id)


def test_a_fact_is_graded_as_a_fact(statements):
    question = next(q for _, q in statements if q.answer == "fact")
    assert expected_text(question) == "Fact"
    right, wrong = grade(question, "fact"), grade(question, "myth")
    assert right.correct and right.feedback.startswith("Right: it is a fact.")
    assert not wrong.correct and wrong.feedback.startswith("Not quite: it is a fact.")
    state = QuizState(question)
    state.answer("m")
    assert state.answer("f").credit == 0.5
