"""A lesson page whose step range covers several steps shows them one at a time before the page turns,
and the world strip says what the step shown did (the lesson tour and the strip's lines, without the app)."""

from __future__ import annotations

from pathlib import Path

from regsim.lessons.loader import load_lessons
from regsim.lessons.progress import ProgressStore
from regsim.lessons.tour import LessonTour
from regsim.tui.views.strip import strip_lines

LESSONS = Path(__file__).parent / "fixtures" / "tui" / "lessons"


def tour(tmp_path: Path, page: int = 0) -> LessonTour:
    course = load_lessons([LESSONS])
    lesson = course.get("layers-travel-once")
    assert lesson is not None
    return LessonTour(lesson, course.run_for(lesson), ProgressStore(tmp_path / "p.json"), page)


def test_a_range_of_steps_is_shown_one_step_at_a_time_then_the_page_turns(tmp_path: Path) -> None:
    walk = tour(tmp_path)
    first, last = walk.lesson.pages[0].steps or (0, 0)
    assert last > first and walk.sim_position() == first
    seen = [walk.sim_position()]
    notes = [walk.stepping_note()]
    while walk.can_step():
        walk.step()
        seen.append(walk.sim_position())
        notes.append(walk.stepping_note())
    assert seen == list(range(first, last + 1))
    assert notes[0] == f"step 1 of {last - first + 1} here, → next" and notes[-1] is None
    assert walk.page == 0          # stepping never turned the page
    walk.go(1)
    second = walk.lesson.pages[1].steps or (0, 0)
    assert walk.sim_position() == max(second[0], last + 1) and walk.can_step() == (second[1] > second[0])


def test_going_back_or_resuming_shows_the_whole_range_at_once(tmp_path: Path) -> None:
    walk = tour(tmp_path)
    walk.go(1)
    walk.go(0)                     # back: the page as it ends
    assert not walk.can_step() and walk.sim_position() == (walk.lesson.pages[0].steps or (0, 0))[1]
    resumed = tour(tmp_path, page=1)   # Continue lands on a page: its range is shown whole
    assert not resumed.can_step()


def test_the_strip_names_the_step_its_bytes_against_whole_images_and_its_last_requests(tmp_path: Path) -> None:
    walk = tour(tmp_path)
    while walk.can_step():
        walk.step()
    record = walk.run.records[walk.sim_position() - 1]      # bob pulls v1 onto an empty machine
    lines = strip_lines(record, walk.sim_position(), len(walk.run.records), 78)
    assert lines[0].startswith("Step 4/") and "bob$ docker pull" in lines[0]
    assert "layers ↑0B ↓369MB of 369MB whole" in lines[0]
    assert len(lines) == 3 and all(len(line) <= 78 for line in lines)
    assert lines[-1].startswith("GET   ") and "/blobs/sha256:" in lines[-1] and lines[-1].split()[-2] == "200"
    assert strip_lines(None, 0, 9, 78) == ["Simulator: no step has run yet (0 of 9) · s shows it"]
