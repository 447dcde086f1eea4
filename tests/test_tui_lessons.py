"""Lessons and quizzes in the app, driven as a learner would: open a lesson, page through it,
predict, get a hint, reveal, quit and come back; quizzes outside the lessons."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from textual import events
from textual.widgets import Footer, Input, ListView, Markdown, OptionList, Static
from tui_fixtures import MakeApp, run_from_palette, shown_text

from regsim.bundled import content_dir, find_scenario
from regsim.lessons.grading import correct_choice, expected_text
from regsim.lessons.loader import LessonSet
from regsim.lessons.progress import ProgressStore
from regsim.lessons.tour import LessonTour
from regsim.scenario.engine import replay
from regsim.scenario.loader import load_scenario
from regsim.tui.app import RegsimApp
from regsim.tui.course import Course
from regsim.tui.screens.confirm import ConfirmScreen
from regsim.tui.screens.home import (
    ContinueItem,
    HomeScreen,
    LessonItem,
    LessonProblemsItem,
    MythsItem,
    ScenarioItem,
)
from regsim.tui.screens.lesson import LessonScreen
from regsim.tui.screens.player import PlayerScreen
from regsim.tui.screens.quiz import QuizScreen
from regsim.tui.widgets.question_card import QuestionCard
from regsim.tui.widgets.request_log import RequestDetail, RequestLog
from regsim.tui.widgets.step_panels import DonePanel, NextStep
from regsim.units import elided_digests

WIDE = (120, 40)
SMALL = (80, 24)


@pytest.fixture
def lessons(bundled_course: Course) -> LessonSet:
    assert bundled_course.lessons is not None
    return bundled_course.lessons


@pytest.fixture
def progress(tmp_path: Path) -> Path:
    return tmp_path / "progress.json"


def text(widget: Static) -> str:
    content = widget.content
    return getattr(content, "plain", str(content))


def status(app: RegsimApp) -> str:
    """The status bar: the heading, then the score (lessons and quizzes keep it whole)."""
    parts = [text(app.screen.query_one("#status-line", Static))]
    parts += [text(score) for score in app.screen.query("#status-score").results(Static)]
    return "  ·  ".join(parts)


def lesson_screen(app: RegsimApp) -> LessonScreen:
    assert isinstance(app.screen, LessonScreen)
    return app.screen


def cards(app: RegsimApp) -> list[QuestionCard]:
    return list(app.screen.query(QuestionCard))


def verdict_text(card: QuestionCard) -> str:
    return text(card.query_one(".question-verdict", Static))


def saved(progress: Path, lesson_id: str) -> dict:  # type: ignore[type-arg]
    data = json.loads(progress.read_text(encoding="utf-8"))
    return data["learners"]["default"]["lessons"][lesson_id]


async def home_ready(pilot) -> None:  # type: ignore[no-untyped-def]
    await pilot.app.lessons_shown.wait()
    await pilot.pause()


async def open_lesson(pilot, lesson_id: str, page: int = 0) -> LessonScreen:  # type: ignore[no-untyped-def]
    await home_ready(pilot)
    assert pilot.app.open_lesson(lesson_id, page)
    await pilot.pause()
    return lesson_screen(pilot.app)


def footer_keys(app: RegsimApp) -> list[str]:
    """The keys the footer shows, as `key description`."""
    footer = app.screen.query_one(Footer)
    return [f"{key.key_display} {key.description}" for key in footer.query("FooterKey")]


async def type_quickly(pilot, *keys: str) -> None:  # type: ignore[no-untyped-def]
    """Keys as a quick typist (or tmux send-keys) delivers them: every one is waiting before the
    app handles the first. (`pilot.press` waits for the app after each key: a slow typist.)"""
    for key in keys:
        character = {"enter": "\r", "backspace": "\x7f", "ctrl+u": "\x15"}.get(
            key, key if len(key) == 1 else None
        )
        pilot.app.post_message(events.Key(key, character))
    await pilot.pause()
    await pilot.pause()


# ----- home -------------------------------------------------------------------------------------


async def test_home_lists_the_lessons_in_order_above_the_scenarios(
    lessons: LessonSet, progress: Path, make_app: MakeApp
) -> None:
    app = make_app(progress_path=progress)
    async with app.run_test(size=WIDE) as pilot:
        await home_ready(pilot)
        listing = app.screen.query_one(ListView)
        items = list(listing.children)
        lesson_items = [item for item in items if isinstance(item, LessonItem)]
        assert [item.row.id for item in lesson_items] == lessons.ids
        assert all(item.row.status == "not started" for item in lesson_items)
        first_scenario = next(i for i, item in enumerate(items) if isinstance(item, ScenarioItem))
        assert items.index(lesson_items[-1]) < first_scenario
        assert len(list(app.screen.query(MythsItem))) == 1
        assert listing.highlighted_child is lesson_items[0]
        assert not app.screen.query_one(ContinueItem).display


async def test_back_home_the_line_under_the_list_shows_the_new_progress_at_once(
    lessons: LessonSet, progress: Path, make_app: MakeApp
) -> None:
    lesson = lessons.lessons[0]
    question = lesson.pages[0].questions[0]
    app = make_app(progress_path=progress)
    async with app.run_test(size=WIDE) as pilot:
        await home_ready(pilot)
        summary = app.screen.query_one("#summary", Static)
        assert text(summary).endswith("· not started")
        await pilot.press("enter")  # the first lesson
        await pilot.pause()
        card = cards(app)[0]
        assert not question.choices and expected_text(question, card.item.state.run) == "0B"
        await pilot.press("0", "enter")  # right: building moves no bytes
        await pilot.pause()
        assert card.locked
        await pilot.press("q")
        assert isinstance(app.screen, HomeScreen)
        row = next(item.row for item in app.screen.query(LessonItem) if item.row.id == lesson.id)
        assert row.progress == f"in progress · 1/{len(lesson.questions)}"
        assert text(summary).endswith(f"· in progress · 1/{len(lesson.questions)}")  # not stale


async def test_finishing_a_lesson_opened_from_continue_highlights_its_row_back_home(
    lessons: LessonSet, progress: Path, make_app: MakeApp
) -> None:
    lesson = lessons.get("layers-travel-once")
    assert lesson is not None
    store = ProgressStore(progress)
    store.start_lesson(lesson.id)
    store.set_position(lesson.id, len(lesson.pages) - 1)
    app = make_app(progress_path=progress)
    async with app.run_test(size=SMALL) as pilot:
        await home_ready(pilot)
        listing = app.screen.query_one(ListView)
        assert isinstance(listing.highlighted_child, ContinueItem)
        await pilot.press("enter")
        await pilot.pause()
        lesson_screen(app).query_one("#lesson-page").focus()
        await pilot.press("right", "q")  # the last page done, back home
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        assert not app.screen.query_one(ContinueItem).display
        row = listing.highlighted_child
        assert isinstance(row, LessonItem) and row.row.id == lesson.id
        summary = text(app.screen.query_one("#summary", Static))
        assert summary.endswith(f"· done · 0/{len(lesson.questions)}")


async def test_enter_on_a_lesson_opens_its_first_page_beside_the_simulator(
    lessons: LessonSet, progress: Path, make_app: MakeApp
) -> None:
    app = make_app(progress_path=progress)
    async with app.run_test(size=WIDE) as pilot:
        await home_ready(pilot)
        await pilot.press("enter")
        await pilot.pause()
        screen = lesson_screen(app)
        first = lessons.lessons[0]
        assert screen.tour.lesson.id == first.id
        assert f"Lesson {first.order} · page 1 of {len(first.pages)} · {first.title}" in status(app)
        assert first.pages[0].title in screen.query_one(Markdown).source
        assert screen.sim.region.width > 0 and screen.query_one("#lesson-page").region.width > 0
        await pilot.press("q")
        assert isinstance(app.screen, HomeScreen)
        row = next(item.row for item in app.screen.query(LessonItem) if item.row.id == first.id)
        assert row.status == "in progress"


async def step_through(pilot, screen: LessonScreen) -> None:  # type: ignore[no-untyped-def]
    """→ until the page's range of steps has been shown one step at a time."""
    while screen.tour.can_step():
        await pilot.press("right")


async def test_paging_forward_moves_the_simulator_to_the_end_of_each_pages_steps(
    lessons: LessonSet, progress: Path, make_app: MakeApp
) -> None:
    lesson = lessons.get("layers-travel-once")
    assert lesson is not None
    app = make_app(progress_path=progress)
    async with app.run_test(size=WIDE) as pilot:
        screen = await open_lesson(pilot, lesson.id)
        steps = lesson.pages[0].steps
        # A range of several steps is shown one step at a time first: → runs the next.
        assert steps is not None and screen.player.position == steps[0]
        assert f"step 1 of {steps[1] - steps[0] + 1} here" in status(app)
        screen.query_one("#lesson-page").focus()
        await step_through(pilot, screen)
        assert screen.player.position == steps[1] and "here" not in status(app)
        assert f"step {steps[1]} of {screen.player.total}" in text(
            screen.query_one("#sim-status", Static)
        )
        await pilot.press("right")
        second = lesson.pages[1].steps
        assert second is not None and screen.player.position == second[0]
        await pilot.press("shift+right")    # the rest of the page's steps at once
        assert screen.player.position == second[1] and not screen.tour.can_step()
        assert "page 2 of" in status(app)
        await pilot.press("left")
        assert screen.player.position == steps[1] and "page 1 of" in status(app)
        assert saved(progress, lesson.id)["status"] == "started"
        assert json.loads(progress.read_text())["learners"]["default"]["last"] == {
            "lesson": lesson.id,
            "page": 0,
        }


async def test_a_predict_question_locks_on_commit_then_runs_its_step_and_explains_the_choice(
    lessons: LessonSet, progress: Path, make_app: MakeApp
) -> None:
    lesson = lessons.get("auth-and-access")
    assert lesson is not None
    question = lesson.pages[0].questions[0]
    assert question.kind == "predict" and question.step is not None
    wrong = next(i for i, choice in enumerate(question.choices) if not choice.correct)
    app = make_app(progress_path=progress)
    async with app.run_test(size=WIDE) as pilot:
        screen = await open_lesson(pilot, lesson.id)
        card = cards(app)[0]
        assert "Predict, before step" in text(card.query_one(".question-label", Static))
        assert screen.player.position < question.step  # the step has not run yet
        options = card.query_one(OptionList)
        assert app.focused is screen.query_one("#lesson-page")
        await pilot.press("enter")  # to the question's choices
        assert app.focused is options
        options.highlighted = wrong
        await pilot.press("enter")
        await pilot.pause()
        assert card.locked and options.disabled
        assert screen.player.position == question.step  # now it has
        shown = verdict_text(card)
        assert "Not right" in shown
        assert question.choices[wrong].feedback in shown.replace("\n", " ")
        right = next(choice.text for choice in question.choices if choice.correct)
        assert f"The answer: {right}." in shown
        record = saved(progress, lesson.id)["answers"][question.id]
        assert record["attempts"] == 1 and record["correct"] is False
        options.highlighted = 0
        await pilot.press("enter")  # a locked prediction takes no second answer
        assert saved(progress, lesson.id)["answers"][question.id]["attempts"] == 1


async def test_a_numeric_prediction_shows_the_misconception_of_the_number_given(
    lessons: LessonSet, progress: Path, make_app: MakeApp
) -> None:
    lesson = lessons.get("layers-travel-once")
    assert lesson is not None
    question = lesson.pages[1].questions[0]
    assert question.kind == "predict" and question.step is not None
    why_six = dict(question.misconceptions)[6]
    app = make_app(progress_path=progress)
    async with app.run_test(size=WIDE) as pilot:
        screen = await open_lesson(pilot, lesson.id, page=1)
        card = cards(app)[0]
        assert not isinstance(app.focused, Input)  # the footer shows every key of the page
        assert screen.player.position == question.step - 1
        await pilot.press("6")  # typing starts the answer in the box
        assert app.focused is card.query_one(Input) and card.query_one(Input).value == "6"
        await pilot.press("enter")
        await pilot.pause()
        assert card.locked and screen.player.position == question.step
        shown = verdict_text(card).replace("\n", " ")
        assert why_six in shown and "The answer: 1 layer." in shown


@pytest.mark.parametrize("speed", ["quick", "slow"])
async def test_a_size_typed_on_the_page_arrives_whole_in_the_box_and_is_graded(
    lessons: LessonSet, progress: Path, speed: str, make_app: MakeApp
) -> None:
    lesson = lessons.get("what-is-an-image")
    assert lesson is not None
    question = lesson.pages[2].questions[0]
    assert question.kind == "numeric" and question.answer == 2_000_000  # 2MB
    app = make_app(progress_path=progress)
    async with app.run_test(size=WIDE) as pilot:
        await open_lesson(pilot, lesson.id, page=2)
        card = cards(app)[0]
        assert app.focused is app.screen.query_one("#lesson-page")  # the page, not the box
        if speed == "quick":
            await type_quickly(pilot, "2", "M", "B", "enter")
        else:
            await pilot.press("2", "M", "B", "enter")
        await pilot.pause()
        assert card.query_one(Input).value == "2MB"
        assert card.locked and "Right: 2MB" in verdict_text(card)
        assert saved(progress, lesson.id)["answers"][question.id]["correct"] is True


async def test_keys_typed_after_the_first_digit_keep_their_order(progress: Path, make_app: MakeApp) -> None:
    app = make_app(progress_path=progress)
    async with app.run_test(size=WIDE) as pilot:
        await open_lesson(pilot, "what-is-an-image", page=2)
        box = cards(app)[0].query_one(Input)
        await type_quickly(pilot, "1", "2", ".", "5", "M", "B", "backspace", "B")
        assert app.focused is box and box.value == "12.5MB"
        await pilot.press("x")  # typed in the box itself: added at the end, nothing selected
        assert box.value == "12.5MBx"


async def test_after_a_wrong_size_the_next_one_typed_replaces_it(progress: Path, make_app: MakeApp) -> None:
    app = make_app(progress_path=progress)
    async with app.run_test(size=WIDE) as pilot:
        await open_lesson(pilot, "what-is-an-image", page=2)
        card = cards(app)[0]
        await pilot.press(*"18.5MB", "enter")
        assert card.query_one(Input).value == "18.5MB"
        assert "try again" in verdict_text(card) and not card.locked
        await pilot.press("2", "M", "B", "enter")
        assert card.query_one(Input).value == "2MB" and "Right" in verdict_text(card)


async def test_a_page_opens_with_the_focus_on_the_page_and_enter_goes_to_its_choices(
    progress: Path, make_app: MakeApp
) -> None:
    app = make_app(progress_path=progress)
    async with app.run_test(size=WIDE) as pilot:
        screen = await open_lesson(pilot, "what-is-an-image", page=1)  # a step with no requests
        page = screen.query_one("#lesson-page")
        options = cards(app)[0].query_one(OptionList)
        assert app.focused is page and page.styles.border_left[0] == "outer"  # the mark
        await pilot.press("enter")
        assert app.focused is options and page.styles.border_left[0] == "blank"
        assert options.highlighted == 0
        await pilot.press("down", "enter")
        await pilot.pause()
        assert cards(app)[0].item.state.attempts == 1  # (b) was committed


async def test_every_stop_of_tab_on_a_page_is_marked(progress: Path, make_app: MakeApp) -> None:
    app = make_app(progress_path=progress)
    async with app.run_test(size=WIDE) as pilot:
        screen = await open_lesson(pilot, "what-is-a-registry", page=1)  # a push: requests
        page = screen.query_one("#lesson-page")
        box = screen.query_one("#requests-box")
        options = cards(app)[0].query_one(OptionList)
        unmarked = box.styles.border_top
        assert app.focused is page and page.styles.border_left[0] == "outer"
        await pilot.press("tab")
        assert app.focused is options and page.styles.border_left[0] == "blank"
        await pilot.press("tab")
        assert isinstance(app.focused, RequestLog) and box.styles.border_top != unmarked
        await pilot.press("tab")
        assert app.focused is page and page.styles.border_left[0] == "outer"
        assert box.styles.border_top == unmarked


async def test_at_80x24_s_shows_the_simulator_with_the_focus_and_each_request_whole(
    progress: Path, make_app: MakeApp
) -> None:
    """Issue 15, bug 9: in lesson 2's simulator at 80×24 the table cuts From → to and Why, and the
    detail below it showed only a blob HEAD's digest path, so status, sender and reason never
    showed. The detail keeps each digest's first 12 hex digits (as docker prints an ID)."""
    app = make_app(progress_path=progress)
    async with app.run_test(size=SMALL) as pilot:
        screen = await open_lesson(pilot, "what-is-a-registry", page=1)
        page = screen.query_one("#lesson-page")
        assert app.focused is page and page.region.width == 80
        assert not screen.sim.display or screen.sim.region.width == 0
        await pilot.press("s")
        await pilot.pause()
        assert isinstance(app.focused, RequestLog) and app.focused.region.width > 0
        assert screen.sim.region.width == 80 and page.region.width == 0
        await pilot.press("down")   # the first blob HEAD
        await pilot.pause()
        record = screen.player.current
        assert record is not None
        head = record.requests[1]
        shown = shown_text(screen.sim.query_one(RequestDetail))
        assert head.method == "HEAD" and f"HEAD {elided_digests(head.path)} {head.status} missing" in shown
        assert f"{head.src} → {head.dst} {' '.join(head.why.split())}" in shown
        await pilot.press("v")
        assert screen.sim.detail == "ledger"
        await pilot.press("s")
        await pilot.pause()
        assert app.focused is page and page.region.width == 80


async def test_the_simulators_output_lines_do_not_wrap_at_120x40(progress: Path, make_app: MakeApp) -> None:
    app = make_app(progress_path=progress)
    async with app.run_test(size=WIDE) as pilot:
        screen = await open_lesson(pilot, "what-is-an-image", page=3)  # ends with docker images
        record = screen.player.current
        assert record is not None and record.output[0].startswith("REPOSITORY")
        output = screen.query_one(DonePanel).query_one(".done-output", Static)
        assert output.region.height == len(record.output)  # one row per line
        shown = text(output).splitlines()
        assert shown[0].split() == ["REPOSITORY", "TAG", "IMAGE", "ID", "SIZE"]
        assert shown[1].split() == ["registry.example/team/app", "v1", "5f8ee423db7d", "16.5MB"]
        assert max(map(len, shown)) <= output.region.width


async def test_an_unreadable_answer_is_not_counted_as_a_try(
    lessons: LessonSet, progress: Path, make_app: MakeApp
) -> None:
    app = make_app(progress_path=progress)
    async with app.run_test(size=WIDE) as pilot:
        screen = await open_lesson(pilot, "layers-travel-once", page=1)
        card = cards(app)[0]
        await pilot.press("1", "x", "y", "enter")
        await pilot.pause()
        assert "not counted" in verdict_text(card) and not card.locked
        assert card.item.state.attempts == 0
        assert screen.player.position == card.item.question.step - 1


async def test_h_shows_the_hint_and_r_reveals_with_no_credit_each_recorded_and_the_step_runs(
    progress: Path, make_app: MakeApp
) -> None:
    app = make_app(progress_path=progress)
    async with app.run_test(size=WIDE) as pilot:
        screen = await open_lesson(pilot, "layers-travel-once", page=1)
        card = cards(app)[0]
        await pilot.press("h")  # the empty answer box passes h to the screen
        assert card.item.question.hint in text(card.query_one(".question-hint", Static))
        record = saved(progress, "layers-travel-once")["answers"][card.item.question.id]
        assert record["hinted"] is True and record["attempts"] == 0
        assert screen.player.position == card.item.question.step - 1  # a hint runs nothing
        await pilot.press("r")
        assert card.locked and "no credit" in verdict_text(card)
        assert "The answer: 1 layer." in verdict_text(card)
        assert screen.player.position == card.item.question.step
        record = saved(progress, "layers-travel-once")["answers"][card.item.question.id]
        assert record["revealed"] is True and record["credit"] == 0 and record["hinted"] is True


async def test_arrow_keys_turn_pages_while_the_answer_box_is_empty(progress: Path, make_app: MakeApp) -> None:
    app = make_app(progress_path=progress)
    async with app.run_test(size=WIDE) as pilot:
        screen = await open_lesson(pilot, "layers-travel-once", page=1)
        cards(app)[0].query_one(Input).focus()
        await pilot.press("right")
        assert isinstance(app.screen, ConfirmScreen)  # the page's prediction is still open
        await pilot.press("y")
        assert screen.tour.page == 2
        await pilot.press("left", "left")
        assert screen.tour.page == 0


async def test_finishing_the_last_page_marks_the_lesson_done_and_shows_the_score(
    lessons: LessonSet, progress: Path, make_app: MakeApp
) -> None:
    lesson = lessons.get("layers-travel-once")
    assert lesson is not None
    app = make_app(progress_path=progress)
    async with app.run_test(size=WIDE) as pilot:
        screen = await open_lesson(pilot, lesson.id, page=len(lesson.pages) - 1)
        screen.query_one("#lesson-page").focus()
        await pilot.press("right")
        await pilot.pause()
        assert screen.tour.finished and "done" in status(app)
        assert "Lesson complete" in screen.query_one(Markdown).source
        assert f"Score 0 of {len(lesson.questions)}" in screen.query_one(Markdown).source
        assert saved(progress, lesson.id)["status"] == "finished"
        await pilot.press("q")
        row = next(item.row for item in app.screen.query(LessonItem) if item.row.id == lesson.id)
        assert row.status == "done" and row.progress.startswith("done · 0/")


async def test_progress_is_restored_after_quitting_and_continue_opens_the_saved_page(
    lessons: LessonSet, progress: Path, make_app: MakeApp
) -> None:
    lesson = lessons.get("layers-travel-once")
    assert lesson is not None
    first = make_app(progress_path=progress)
    async with first.run_test(size=WIDE) as pilot:
        screen = await open_lesson(pilot, lesson.id, page=1)
        await pilot.press("6", "enter")
        await pilot.pause()
        screen.query_one("#lesson-page").focus()
        await pilot.press("right", "q", "q")
    assert not first.is_running

    again = make_app(progress_path=progress)
    async with again.run_test(size=WIDE) as pilot:
        await home_ready(pilot)
        row = next(item.row for item in again.screen.query(LessonItem) if item.row.id == lesson.id)
        assert row.status == "in progress"
        continuing = again.screen.query_one(ContinueItem)
        assert continuing.display and continuing.lesson_id == lesson.id and continuing.page == 2
        assert f"{lesson.title}, page 3" in continuing.text
        assert again.screen.query_one(ListView).highlighted_child is continuing
        await pilot.press("enter")
        await pilot.pause()
        screen = lesson_screen(again)
        assert screen.tour.page == 2
        await pilot.press("left")
        card = cards(again)[0]
        assert card.locked and "earlier" in verdict_text(card)
        assert screen.player.position == card.item.question.step  # the committed step has run


async def test_a_damaged_progress_file_is_set_aside_with_a_notice_and_the_app_runs(
    progress: Path, make_app: MakeApp
) -> None:
    progress.write_text("{ not json", encoding="utf-8")
    app = make_app(progress_path=progress)
    async with app.run_test(size=WIDE) as pilot:
        await home_ready(pilot)
        notices = [notification.message for notification in app._notifications]
        assert any("was damaged" in message for message in notices)
        assert (progress.parent / "progress.json.damaged-1").read_text() == "{ not json"
        assert all(item.row.status == "not started" for item in app.screen.query(LessonItem))
        await pilot.press("enter")
        assert isinstance(app.screen, LessonScreen)


# ----- quizzes ----------------------------------------------------------------------------------


async def test_z_on_a_lesson_opens_its_quiz_and_the_score_runs_and_counts_in_the_lesson(
    lessons: LessonSet, progress: Path, make_app: MakeApp
) -> None:
    lesson = lessons.lessons[0]
    app = make_app(progress_path=progress)
    async with app.run_test(size=WIDE) as pilot:
        await home_ready(pilot)
        await pilot.press("z")
        await pilot.pause()
        assert isinstance(app.screen, QuizScreen)
        assert len(cards(app)) == len(lesson.questions)
        assert f"Score 0 of {len(lesson.questions)}" in status(app)
        card = cards(app)[0]
        question, run = card.item.question, card.item.state.run
        await pilot.press("enter")  # from the list to the first question
        if question.choices:
            card.query_one(OptionList).highlighted = correct_choice(question, run)
        else:
            card.query_one(Input).value = expected_text(question, run)
        await pilot.press("enter")
        await pilot.pause()
        assert card.locked and "Right" in verdict_text(card)
        assert f"Score 1 of {len(lesson.questions)}" in status(app)
        record = saved(progress, lesson.id)["answers"][question.id]  # counted in the lesson
        assert record["correct"] is True and record["credit"] == 1


async def test_a_size_typed_quickly_in_a_quiz_is_graded_whole(progress: Path, make_app: MakeApp) -> None:
    app = make_app(progress_path=progress)
    async with app.run_test(size=WIDE) as pilot:
        await home_ready(pilot)
        assert app.open_quiz("what-is-an-image")
        await pilot.pause()
        card = next(card for card in cards(app) if card.item.question.id == "second-image-disk")
        box = card.query_one(Input)
        while app.focused is not box:
            await pilot.press("tab")
        await type_quickly(pilot, "2", "M", "B", "enter")
        assert box.value == "2MB" and card.locked and "Right: 2MB" in verdict_text(card)


async def test_the_quiz_words_a_prediction_as_the_lesson_does_before_and_after(
    progress: Path, make_app: MakeApp
) -> None:
    def label_of(card: QuestionCard) -> str:
        label = text(card.query_one(".question-label", Static)).split(" · ", 1)[1]
        return label.removesuffix(" · practice (answered in the lesson)")

    app = make_app(progress_path=progress)
    async with app.run_test(size=WIDE) as pilot:
        await open_lesson(pilot, "what-is-an-image")
        in_lesson = cards(app)[0]
        before_in_lesson = label_of(in_lesson)
        await pilot.press("0", "enter")
        await pilot.pause()
        assert in_lesson.locked
        after_in_lesson = label_of(in_lesson)
        assert before_in_lesson == "Predict, before step 1 (alice-builds) runs"
        assert after_in_lesson == "Predict: step 1 (alice-builds) has run"
        await pilot.press("q")
        assert app.open_quiz("what-is-an-image")
        await pilot.pause()
        in_quiz = cards(app)[0]
        assert in_quiz.item.practice  # answered in the lesson: the quiz leaves that answer alone
        assert label_of(in_quiz) == before_in_lesson
        await pilot.press("0", "enter")
        await pilot.pause()
        assert in_quiz.locked and label_of(in_quiz) == after_in_lesson


async def test_escape_in_a_quiz_box_goes_back_to_the_list_and_enter_to_the_question(
    progress: Path, make_app: MakeApp
) -> None:
    app = make_app(progress_path=progress)
    async with app.run_test(size=WIDE) as pilot:
        await home_ready(pilot)
        assert app.open_quiz("what-is-an-image")
        await pilot.pause()
        box = cards(app)[0].query_one(Input)
        listing = app.screen.query_one("#quiz-questions")
        assert app.focused is listing  # a quiz opens on its list, which the scrolling keys scroll
        await pilot.press("enter")
        assert app.focused is box
        await pilot.press("escape")
        assert isinstance(app.screen, QuizScreen) and app.focused is listing
        assert listing.styles.border_left[0] == "outer"
        await pilot.press("enter")
        assert app.focused is box
        await pilot.press("escape", "escape")
        assert isinstance(app.screen, HomeScreen)


async def test_the_all_myths_quiz_from_the_palette_records_answers_and_allows_a_retry(
    lessons: LessonSet, progress: Path, make_app: MakeApp
) -> None:
    """One app and one opening of the (large) all-myths quiz for its checks: the palette opens it
    and any lesson; each answer counts in its own lesson; a wrong myth answer can be tried again."""
    myths = [q for lesson in lessons for q in lesson.questions if q.kind == "myth"]
    app = make_app(progress_path=progress)
    async with app.run_test(size=WIDE) as pilot:
        await home_ready(pilot)
        await run_from_palette(pilot, "quiz: myth or fact", "Quiz: myth or fact")
        assert isinstance(app.screen, QuizScreen) and app.screen.heading == "Quiz: myth or fact"
        assert [card.item.question.id for card in cards(app)] == [q.id for q in myths]

        # The first two answers, right, each recorded in its own lesson.
        answered = cards(app)[:2]
        assert answered[0].item.lesson.id != answered[1].item.lesson.id
        for card in answered:
            right = 0 if card.item.question.answer == "myth" else 1
            card.query_one(OptionList).focus()
            card.query_one(OptionList).highlighted = right
            await pilot.press("enter")
            await pilot.pause()
            assert card.locked
        for card in answered:
            record = saved(progress, card.item.lesson.id)["answers"][card.item.question.id]
            assert record["correct"] is True and record["credit"] == 1

        # A wrong myth answer can be tried again, for half a point; the try gives nothing away.
        card = cards(app)[2]
        card.query_one(OptionList).focus()
        wrong = "b" if card.item.question.answer == "myth" else "a"
        await pilot.press(wrong, "enter")
        await pilot.pause()
        shown = verdict_text(card)
        assert not card.locked and "try again" in shown
        assert "myth" not in shown.lower() and "fact" not in shown.lower()  # the try not given away
        await pilot.press("a" if wrong == "b" else "b", "enter")
        await pilot.pause()
        assert card.locked and "Score 2.5 of" in status(app)

        await pilot.press("escape")
        rows = {item.row.id: item.row for item in app.screen.query(LessonItem)}
        for card in answered:
            assert rows[card.item.lesson.id].status == "in progress"
        tags = lessons.get("tags-and-versions")
        assert tags is not None
        await run_from_palette(pilot, "lesson: tags", f"Lesson: {tags.title}")
        assert lesson_screen(app).tour.lesson.id == "tags-and-versions"


async def test_a_quiz_answer_is_kept_and_the_next_launch_shows_the_lesson_in_progress(
    lessons: LessonSet, progress: Path, make_app: MakeApp
) -> None:
    lesson = lessons.get("what-is-an-image")
    assert lesson is not None
    first = make_app(progress_path=progress)
    async with first.run_test(size=WIDE) as pilot:
        await home_ready(pilot)
        assert first.open_quiz(lesson.id)
        await pilot.pause()
        card = next(card for card in cards(first) if card.item.question.id == "second-image-disk")
        box = card.query_one(Input)
        while first.focused is not box:
            await pilot.press("tab")
        await pilot.press(*"18.5MB", "enter")  # wrong: another try
        await pilot.press(*"2MB", "enter")  # right on the second try: half a point
        await pilot.pause()
        assert f"Score 0.5 of {len(lesson.questions)}" in status(first) and "1 answered" in status(first)
        await pilot.press("escape", "escape")
        assert isinstance(first.screen, HomeScreen)
        row = next(item.row for item in first.screen.query(LessonItem) if item.row.id == lesson.id)
        assert row.progress == f"in progress · 0.5/{len(lesson.questions)}"  # home says so at once
    assert saved(progress, lesson.id)["answers"]["second-image-disk"]["attempts"] == 2

    again = make_app(progress_path=progress)
    async with again.run_test(size=WIDE) as pilot:
        await home_ready(pilot)
        row = next(item.row for item in again.screen.query(LessonItem) if item.row.id == lesson.id)
        assert row.status == "in progress" and row.progress == f"in progress · 0.5/{len(lesson.questions)}"
        assert again.open_lesson(lesson.id, 2)  # the lesson shows the answer given in the quiz
        await pilot.pause()
        card = cards(again)[0]
        assert card.locked and "Answered right earlier (0.5 point)" in verdict_text(card)
        assert f"Score 0.5 of {len(lesson.questions)}" in text(again.screen.query_one("#status-score", Static))


async def test_a_question_answered_in_the_lesson_keeps_its_first_result_in_a_quiz(
    lessons: LessonSet, progress: Path, make_app: MakeApp
) -> None:
    app = make_app(progress_path=progress)
    async with app.run_test(size=WIDE) as pilot:
        await open_lesson(pilot, "what-is-an-image", page=2)
        await pilot.press(*"18MB", "enter", "escape", "r")  # a wrong try, then the reveal
        await pilot.pause()
        before = saved(progress, "what-is-an-image")["answers"]["second-image-disk"]
        assert before["revealed"] is True and before["credit"] == 0
        await pilot.press("q")
        assert app.open_quiz("what-is-an-image")
        await pilot.pause()
        card = next(card for card in cards(app) if card.item.question.id == "second-image-disk")
        assert card.item.practice and "practice" in text(card.query_one(".question-label", Static))
        box = card.query_one(Input)
        while app.focused is not box:
            await pilot.press("tab")
        await pilot.press(*"2MB", "enter")
        await pilot.pause()
        assert "Right (first try: 1 point)" in verdict_text(card)  # the round scores it
        assert saved(progress, "what-is-an-image")["answers"]["second-image-disk"] == before


async def test_answers_typed_in_one_burst_in_a_quiz_are_each_committed_in_order(
    progress: Path, make_app: MakeApp
) -> None:
    app = make_app(progress_path=progress)
    async with app.run_test(size=WIDE) as pilot:
        await home_ready(pilot)
        assert app.open_quiz("what-is-an-image")
        await pilot.pause()
        card = next(card for card in cards(app) if card.item.question.id == "second-image-disk")
        box = card.query_one(Input)
        while app.focused is not box:
            await pilot.press("tab")
        await type_quickly(pilot, *"12GB", "enter", *"240GB", "enter", *"2MB", "enter")
        await pilot.pause()
        assert card.item.state.attempts == 3  # 12GB, then 240GB, then 2MB: none lost or merged
        assert box.value == "2MB" and card.locked
        assert "Right (0.5 point on a later try)" in verdict_text(card)


async def test_a_retry_typed_right_after_a_wrong_answer_is_committed(progress: Path, make_app: MakeApp) -> None:
    app = make_app(progress_path=progress)
    async with app.run_test(size=WIDE) as pilot:
        await open_lesson(pilot, "cleaning-up", page=3)
        card = next(card for card in cards(app) if card.item.question.id == "freed-bytes")
        box = card.query_one(Input)
        while app.focused is not box:
            await pilot.press("tab")
        await type_quickly(pilot, *"816.2MB", "enter", "ctrl+u", *"42.2MB", "enter")
        await pilot.pause()
        assert card.item.state.attempts == 2 and card.locked
        assert box.value == "42.2MB" and "Right (0.5 point on a later try)" in verdict_text(card)
        record = saved(progress, "cleaning-up")["answers"]["freed-bytes"]
        assert record["attempts"] == 2 and record["credit"] == 0.5


async def test_a_second_enter_on_a_graded_prediction_keeps_its_verdict(progress: Path, make_app: MakeApp) -> None:
    app = make_app(progress_path=progress)
    async with app.run_test(size=WIDE) as pilot:
        await open_lesson(pilot, "layers-travel-once", page=1)
        card = cards(app)[0]
        await type_quickly(pilot, "6", "enter", "1", "enter")
        await pilot.pause()
        assert card.item.state.attempts == 1 and card.locked
        assert "Not right" in verdict_text(card)  # the first answer stands, and is still shown


async def test_the_simulator_keeps_a_predicted_steps_narration_until_the_prediction_is_made(
    lessons: LessonSet, progress: Path, make_app: MakeApp
) -> None:
    lesson = lessons.get("deployment-speed")
    assert lesson is not None
    question = next(q for q in lesson.pages[1].questions if q.kind == "predict")
    step = lessons.run_for(lesson).scenario.steps[(question.step or 0) - 1]
    assert step.say and step.command is not None
    said = " ".join(step.say.split())[:50]

    def next_panel() -> str:
        return " ".join(text(app.screen.query_one(NextStep)).split())

    app = make_app(progress_path=progress)
    async with app.run_test(size=WIDE) as pilot:
        screen = await open_lesson(pilot, lesson.id)  # page 1: step 4 runs next, page 2 asks
        screen.query_one("#lesson-page").focus()
        await step_through(pilot, screen)
        assert screen.player.position == (question.step or 0) - 1
        shown = next_panel()
        assert said not in shown and step.command.text in shown
        assert "Predict first (on page 2): the narration appears once you have answered." in shown
        screen.query_one("#lesson-page").focus()
        await pilot.press("right")
        assert said not in next_panel() and "Predict first: the narration" in next_panel()
        await pilot.press("r")  # revealed: the step runs
        assert screen.player.position == question.step
        await pilot.press("left")  # the step is next again, and now it is told
        assert screen.player.position == (question.step or 0) - 1
        assert said in next_panel() and "Predict first" not in next_panel()


async def test_lesson_1_page_3_its_help_and_esc_from_its_answer_box(progress: Path, make_app: MakeApp) -> None:
    """One app on lesson 1's third page (a prediction typed into a box), for three checks."""
    app = make_app(progress_path=progress)
    async with app.run_test(size=WIDE) as pilot:
        screen = await open_lesson(pilot, "what-is-an-image", page=2)

        # The lesson's simulator leaves out the scenario's own predict prompt.
        step = screen.player.next_step
        assert step is not None and step.ask is not None  # the scenario asks here
        assert "Predict:" not in text(screen.query_one(NextStep))

        # Help opened from an empty answer box lists the keys of the page.
        box = cards(app)[0].query_one(Input)
        box.focus()
        await pilot.press("question_mark")
        shown = text(app.screen.query_one("#help-text", Static))
        for words in ("Hint", "Reveal", "esc, q", "esc in an answer box goes back to the page"):
            assert words in shown, words
        await pilot.press("escape")
        assert app.screen is screen

        # Esc in the answer box goes back to the page (nothing typed lost), then to the lessons.
        await pilot.press("2")
        assert app.focused is box
        assert footer_keys(app) == ["esc Leave box"]  # q would type a q here; esc is the way out
        await pilot.press("escape")
        assert app.screen is screen and app.focused is screen.query_one("#lesson-page")
        assert box.value == "2"  # nothing typed is lost
        assert "q Lessons" in footer_keys(app)
        await pilot.press("escape")
        assert isinstance(app.screen, HomeScreen)


async def test_paging_past_an_open_prediction_reveals_it_with_no_credit(
    lessons: LessonSet, progress: Path, make_app: MakeApp
) -> None:
    lesson = lessons.get("push-and-pull-under-the-hood")
    assert lesson is not None
    question = lesson.pages[0].questions[0]
    assert question.kind == "predict" and question.step is not None
    app = make_app(progress_path=progress)
    async with app.run_test(size=WIDE) as pilot:
        screen = await open_lesson(pilot, lesson.id)
        await step_through(pilot, screen)
        await pilot.press("right")  # the next page would run the predicted step: it asks first
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        assert screen.player.position >= question.step
        notices = [notification.message for notification in app._notifications]
        assert any("ran before you predicted it" in message for message in notices), notices
        record = saved(progress, lesson.id)["answers"][question.id]
        assert record["revealed"] is True and record["credit"] == 0
        await pilot.press("left")
        card = cards(app)[0]
        assert card.locked and "Revealed earlier — no credit" in verdict_text(card)
        screen.post_message(QuestionCard.Committed(card, correct_choice(question)))
        await pilot.pause()
        assert saved(progress, lesson.id)["answers"][question.id]["credit"] == 0
        assert "Score 0 of" in text(screen.query_one("#status-score", Static))


async def test_the_answer_box_never_suggests_the_answer(progress: Path, make_app: MakeApp) -> None:
    app = make_app(progress_path=progress)
    async with app.run_test(size=WIDE) as pilot:
        await open_lesson(pilot, "pitfall-push-without-registry", page=2)
        card = cards(app)[0]
        assert card.item.question.id == "full-name-layers"
        answer = expected_text(card.item.question, card.item.state.run)
        assert answer == "3 layers"
        placeholder = card.query_one(Input).placeholder
        assert placeholder.startswith("layers, e.g. ") and "e.g. 3 " not in placeholder


async def test_the_lesson_header_shows_the_whole_score_at_120_columns(
    lessons: LessonSet, progress: Path, make_app: MakeApp
) -> None:
    lesson = max(lessons, key=lambda item: len(item.title))
    app = make_app(progress_path=progress)
    async with app.run_test(size=WIDE) as pilot:
        screen = await open_lesson(pilot, lesson.id)
        screen.query_one("#lesson-page").focus()
        await pilot.press("h", "r")  # a hint and a reveal: the longest score line
        score = screen.query_one("#status-score", Static)
        shown = text(score)
        assert shown.endswith("1 revealed · 1 hint")
        assert score.region.right <= WIDE[0] and score.region.width >= len(shown)
        heading = screen.query_one("#status-line", Static)
        assert text(heading).startswith(f"Lesson {lesson.order} · page 1 of {len(lesson.pages)}")
        assert heading.region.right <= score.region.x
        await pilot.press("q")
        assert app.open_quiz(lesson.id)  # the quiz of that lesson: its score whole too
        await pilot.pause()
        score = app.screen.query_one("#status-score", Static)
        assert text(score).startswith("Score ") and score.region.right <= WIDE[0]
        assert score.region.width >= len(text(score))


# ----- how the app is started -----------------------------------------------------------------


async def test_run_opens_the_player_on_a_prebuilt_run(progress: Path, make_app: MakeApp) -> None:
    run = replay(load_scenario(find_scenario("first-push-pull")))
    app = make_app(run=run, progress_path=progress)
    async with app.run_test(size=WIDE) as pilot:
        assert isinstance(app.screen, PlayerScreen)
        assert app.screen.player.run is run
        await pilot.press("n")
        assert app.screen.player.position == 1


async def test_an_instructor_folder_adds_its_lessons_and_lists_broken_ones(
    tmp_path: Path, progress: Path, make_app: MakeApp
) -> None:
    folder = tmp_path / "course"
    folder.mkdir()
    source = (content_dir("lessons") / "06-layers-travel-once.md").read_text(encoding="utf-8")
    (folder / "extra.md").write_text(
        source.replace("id: layers-travel-once", "id: our-own-lesson")
        .replace("order: 6", "order: 99")
        .replace("title: Layers, and what a new version sends", "title: Our own lesson"),
        encoding="utf-8",
    )
    (folder / "broken.md").write_text("no front matter here\n", encoding="utf-8")
    app = make_app(lesson_dirs=[folder], progress_path=progress)
    async with app.run_test(size=WIDE) as pilot:
        await home_ready(pilot)
        rows = [item.row for item in app.screen.query(LessonItem)]
        assert rows[-1].id == "our-own-lesson" and rows[-1].title == "Our own lesson"
        broken = app.screen.query_one(LessonProblemsItem)
        assert any(
            problem.startswith(f"{folder / 'broken.md'}:1:1:") for problem in broken.problems
        )


# ----- the view model, without a terminal ---------------------------------------------------------


def test_a_page_with_an_open_prediction_stops_the_simulator_before_its_step(
    lessons: LessonSet, tmp_path: Path
) -> None:
    lesson = lessons.get("layers-travel-once")
    assert lesson is not None
    tour = LessonTour(lesson, lessons.run_for(lesson), ProgressStore(tmp_path / "p.json"), page=1)
    question = lesson.pages[1].questions[0]
    assert tour.sim_position() == question.step - 1
    tour.book.answer(f"{lesson.id}/{question.id}", "1")
    assert tour.sim_position() == question.step
    tour.go(0)
    assert tour.sim_position() == lesson.pages[0].steps[1]  # type: ignore[index]


def test_no_answer_box_offers_the_answer_as_its_example(lessons: LessonSet) -> None:
    from regsim.lessons.grading import answer_for
    from regsim.lessons.quantities import missing_unit, parse_quantity, within
    from regsim.lessons.verdicts import choices_of, input_hint

    checked = 0
    for lesson in lessons:
        run = lessons.run_for(lesson)
        for question in lesson.questions:
            if choices_of(question):
                continue
            hint = input_hint(question, run)
            example = hint.split("e.g. ", 1)[1].split(" · ", 1)[0]
            value = parse_quantity(example, question.unit)
            assert missing_unit(example, question.unit) is None, (question.id, hint)   # typed as shown, it counts
            answer = answer_for(question, run)
            assert not within(value, answer, question.unit, question.tolerance), (question.id, hint)
            checked += 1
    assert checked > 10


def test_a_long_lesson_title_takes_the_progress_columns_padding_before_it_is_cut() -> None:
    # A home row 72 cells wide (an 80-column terminal): the progress column is 14 wide at least,
    # so titles line up, but a title that fits beside the progress word itself is shown whole.
    from textual.geometry import Size

    from regsim.tui.views.lessons import LessonRow
    from regsim.tui.widgets.home_rows import LessonItem

    class At72(LessonItem):
        @property
        def size(self) -> Size:
            return Size(72, 1)

    def shown(title: str, progress: str) -> str:
        return At72(LessonRow("x", 8, title, progress.split(" ·")[0], progress, 3, 4)).text

    whole = "Under the hood: a push and a pull, request by request"        # 4 + 53 + 2 + 11 = 70 cells
    assert shown(whole, "not started") == f" 8  {whole}    not started"
    short = shown("Tags", "not started")       # short: the progress column keeps its width of 14 and more
    assert short == " 8  Tags" + " " * 48 + " " * 5 + "not started"
    cut = shown(whole, "in progress · 0/5")                                # 4 + 53 + 2 + 17 > 72: cut
    assert cut.endswith("…  in progress · 0/5") and len(cut) == 72
