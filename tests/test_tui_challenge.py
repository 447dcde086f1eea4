"""A challenge played as a learner plays it, at 80×24: from the lesson page's card to the goal reached,
with the world strip under the page (one app run, several checks)."""

from __future__ import annotations

import json
from pathlib import Path

from textual.widgets import Input, Static
from tui_fixtures import MakeApp

from regsim.tui.screens.challenge import ChallengeScreen, GoalPanel
from regsim.tui.screens.confirm import ConfirmScreen
from regsim.tui.screens.lesson import LessonScreen

SMALL = (80, 24)


def plain(widget: Static) -> str:
    content = widget.content
    return getattr(content, "plain", str(content))


async def type_line(pilot, line: str) -> None:  # type: ignore[no-untyped-def]
    pilot.app.screen.query_one(Input).value = line
    await pilot.press("enter")
    await pilot.pause()


async def test_a_lesson_challenge_is_played_to_its_goal_and_kept_in_the_progress(
    tmp_path: Path, make_app: MakeApp
) -> None:
    progress = tmp_path / "progress.json"
    app = make_app(progress_path=progress)
    async with app.run_test(size=SMALL) as pilot:
        await app.lessons_shown.wait()
        assert app.open_lesson("what-is-a-registry", 3)
        await pilot.pause()
        lesson = app.screen
        assert isinstance(lesson, LessonScreen)
        strip = plain(lesson.query_one("#world-strip", Static))
        assert strip.startswith("Step 6/6 bob$ docker images")   # the world stays in view at 80×24
        card = lesson.query_one(".challenge-card", Static)
        assert card.border_title == "Challenge: From Alice's laptop to Bob's"
        await pilot.press("c")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ChallengeScreen)
        goal = screen.query_one(GoalPanel)
        assert "✗ registry.example/team/app:v1 exists" in plain(goal)

        for line in ("docker tag app:v1 registry.example/team/app:v1", "docker push registry.example/team/app:v1"):
            await type_line(pilot, line)
        assert "✓ registry.example/team/app:v1 exists" in plain(goal)
        await pilot.press("ctrl+z")          # undo: the push is taken back, and the goal sees it
        assert "✗ registry.example/team/app:v1 exists" in plain(goal)
        await type_line(pilot, "docker push registry.example/team/app:v1")
        assert "✓ 2 commands, at most 3" in plain(goal) and "Goal reached" not in plain(goal)
        await type_line(pilot, "as bob")
        await type_line(pilot, "docker pull registry.example/team/app:v1")
        assert plain(goal).startswith("✓ Goal reached.") and goal.border_subtitle == "credit earned"
        saved = json.loads(progress.read_text())["learners"]["default"]["challenges"]
        assert saved == {"first-delivery": {"solved": True, "solution_shown": False}}

        await pilot.press("escape")      # a reached goal is kept: leaving does not ask
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmScreen) and app.screen is lesson
        assert "✓ solved" in plain(lesson.query_one(".challenge-card", Static))
