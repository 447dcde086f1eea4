"""A lesson tour, a quiz's progress and the question book, without the app: pages, the
simulator's position, answers saved as they happen, a quiz's answers counted in their lessons.

The lessons are the small frozen course of tests/fixtures/tui (copies of bundled lessons 1 and 6).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from regsim.lessons.grading import AnswerRecord
from regsim.lessons.loader import LessonSet, load_lessons
from regsim.lessons.model import Lesson
from regsim.lessons.progress import ProgressStore
from regsim.lessons.question_book import Asked, QuestionBook, is_myth, quiz_items
from regsim.lessons.quiz_progress import QuizProgress
from regsim.lessons.tour import LessonTour
from regsim.lessons.verdicts import score_line
from regsim.tui.views.lessons import continue_at

LESSONS = Path(__file__).parent / "fixtures" / "tui" / "lessons"


@pytest.fixture(scope="module")
def course() -> LessonSet:
    return load_lessons([LESSONS])


@pytest.fixture
def store(tmp_path: Path) -> ProgressStore:
    return ProgressStore(tmp_path / "progress.json")


def lesson(course: LessonSet, lesson_id: str) -> Lesson:
    found = course.get(lesson_id)
    assert found is not None
    return found


def test_a_page_with_an_open_prediction_stops_the_simulator_before_its_step(
    course: LessonSet, store: ProgressStore
) -> None:
    layers = lesson(course, "layers-travel-once")
    tour = LessonTour(layers, course.run_for(layers), store, page=1)
    question = layers.pages[1].questions[0]
    assert question.step is not None and tour.open_predictions()[question.step] == 1  # this page
    assert tour.sim_position() == question.step - 1
    verdict = tour.book.answer(f"{layers.id}/{question.id}", "1")
    assert verdict.tone == "right" and verdict.locked
    assert tour.sim_position() == question.step and question.step not in tour.open_predictions()
    tour.go(0)
    assert tour.sim_position() == layers.pages[0].steps[1]  # type: ignore[index]


def test_every_answer_hint_and_page_is_saved_as_it_happens(
    course: LessonSet, store: ProgressStore, tmp_path: Path
) -> None:
    layers = lesson(course, "layers-travel-once")
    tour = LessonTour(layers, course.run_for(layers), store, page=1)
    key = f"{layers.id}/v2-push-layers"
    assert tour.book.hint(key).tone == "hint"
    assert tour.book.answer(key, "6").tone == "wrong"  # a prediction locks on its first answer
    again = ProgressStore(tmp_path / "progress.json")  # what the next launch reads
    saved = again.answers(layers.id)["v2-push-layers"]
    assert (saved.attempts, saved.hinted, saved.correct, saved.credit) == (1, True, False, 0)
    assert again.last_position == (layers.id, 1) and again.status(layers.id) == "in progress"
    assert tour.heading() == f"Lesson 6 · page 2 of {tour.count} · {layers.title}"


def test_paging_past_an_open_prediction_reveals_it_with_no_credit(
    course: LessonSet, store: ProgressStore
) -> None:
    layers = lesson(course, "layers-travel-once")
    tour = LessonTour(layers, course.run_for(layers), store, page=1)
    tour.go(2)  # this page runs the predicted step
    passed = tour.take_passed()
    assert [item.question.id for item in passed] == ["v2-push-layers"]
    assert tour.take_passed() == []
    saved = store.answers(layers.id)["v2-push-layers"]
    assert saved.revealed and saved.credit == 0


def test_the_last_page_done_finishes_the_lesson_and_sums_it_up(
    course: LessonSet, store: ProgressStore
) -> None:
    image = lesson(course, "what-is-an-image")
    tour = LessonTour(image, course.run_for(image), store, page=len(image.pages) - 1)
    tour.go(tour.page + 1)
    assert tour.finished and tour.current() is None and tour.questions() == []
    assert store.status(image.id) == "done"
    summary = tour.markdown()
    assert summary.startswith(f"## Lesson complete: {image.title}")
    assert f"**{score_line(tour.summary())}**" in summary and "| Question | Result | Points |" in summary
    assert continue_at(course, store) is None  # a finished lesson is not where to continue


def test_continue_is_the_last_page_of_a_lesson_in_progress(
    course: LessonSet, store: ProgressStore
) -> None:
    layers = lesson(course, "layers-travel-once")
    LessonTour(layers, course.run_for(layers), store, page=2)
    found = continue_at(course, store)
    assert found is not None and found[0].id == layers.id and found[1] == 2


def test_a_tour_takes_up_answers_a_quiz_saved_meanwhile(
    course: LessonSet, store: ProgressStore
) -> None:
    image = lesson(course, "what-is-an-image")
    tour = LessonTour(image, course.run_for(image), store)
    assert not tour.reload()
    question = image.questions[0]
    store.record_answer(image.id, AnswerRecord(question.id, True, 1.0, 1, False, False))
    assert tour.reload()
    assert tour.book.asked[f"{image.id}/{question.id}"].state.correct
    assert not tour.reload()  # nothing new since


def test_a_quiz_answer_counts_in_its_lesson_unless_the_lesson_answered_first(
    course: LessonSet, store: ProgressStore
) -> None:
    image = lesson(course, "what-is-an-image")
    first, second = image.questions[0], image.questions[1]
    store.record_answer(image.id, AnswerRecord(first.id, False, 0.0, 1, False, True))  # revealed
    progress = QuizProgress(store)
    items = {item.question.id: item for item in progress.items([image], course.run_for)}
    assert items[first.id].practice and not items[second.id].practice
    book = QuestionBook(save=progress.save)
    book.add(items.values())
    book.reveal(f"{image.id}/{first.id}")  # practice: the lesson keeps its first result
    book.hint(f"{image.id}/{second.id}")  # counted in the lesson
    saved = store.answers(image.id)
    assert saved[first.id] == AnswerRecord(first.id, False, 0.0, 1, False, True)
    assert saved[second.id].hinted
    assert progress.take_problems() == []


def test_the_book_does_not_count_an_empty_or_unreadable_answer(course: LessonSet) -> None:
    layers = lesson(course, "layers-travel-once")
    question = next(q for q in layers.questions if q.id == "v2-push-layers")
    saved: list[Asked] = []
    book = QuestionBook(save=saved.append)
    book.add(quiz_items([layers], course.run_for, keep=lambda q: q is question))
    key = f"{layers.id}/{question.id}"
    empty = book.answer(key, "  ")
    assert empty.tone == "error" and empty.headline == "Type an answer first"
    unreadable = book.answer(key, "x1y")
    assert unreadable.tone == "error" and "not counted" in unreadable.headline
    assert book.asked[key].state.attempts == 0 and saved == []
    assert book.answer(key, "1").tone == "right" and len(saved) == 1
    assert book.score().earned == 1 and book.score().possible == 1


def test_the_myths_quiz_keeps_only_myth_or_fact_statements_in_curriculum_order(
    course: LessonSet,
) -> None:
    items = quiz_items(course, course.run_for, is_myth)
    assert items and all(item.question.kind == "myth" for item in items)
    orders = [item.lesson.order for item in items]
    assert orders == sorted(orders) and {item.lesson.id for item in items} == {
        "what-is-an-image",
        "layers-travel-once",
    }


def test_the_done_table_names_a_half_point_answer_and_cuts_long_questions_at_a_word(
    course: LessonSet, store: ProgressStore
) -> None:
    image = lesson(course, "what-is-an-image")
    tour = LessonTour(image, course.run_for(image), store)
    myth = next(q for q in image.questions if q.kind == "myth")
    wrong = "fact" if myth.answer == "myth" else "myth"
    tour.book.answer(f"{image.id}/{myth.id}", wrong)
    assert tour.book.answer(f"{image.id}/{myth.id}", myth.answer).tone == "right"  # half a point
    tour.go(len(image.pages))
    row = next(line for line in tour.markdown().splitlines() if line.startswith("| ") and "0.5" in line)
    assert "| right on a later try | 0.5 |" in row
    rows = [line for line in tour.markdown().splitlines() if line.startswith("| ")][1:]  # no header
    cells = [row.split(" | ")[0].removeprefix("| ") for row in rows]
    assert len(cells) == len(image.questions)
    for cell, question in zip(cells, image.questions, strict=True):
        if cell.endswith("…"):  # cut after a whole word of the question
            assert question.text.startswith(cell[:-1])
            assert question.text[len(cell) - 1] == " "
