"""Class mode: the player driven from a presentation clicker in front of a room.

Clickers (Logitech R400/R800, Kensington and the like) send PageDown/PageUp to step, B or . to
blank the projector, and F5/Esc to start or stop a slide show; the keys below are those.
"""

from __future__ import annotations

from textual.widgets import Static
from tui_fixtures import MakeApp

from regsim.bundled import find_scenario
from regsim.scenario.engine import Player
from regsim.scenario.loader import load_scenario
from regsim.tui.screens.player import PlayerScreen
from regsim.tui.screens.room_question import BlankScreen, RoomQuestion
from regsim.tui.views.ask import right_choice
from regsim.tui.widgets.request_log import RequestLog

PROJECTOR = (100, 30)


def plain(widget: Static) -> str:
    return getattr(widget.content, "plain", str(widget.content))


def test_the_right_choice_is_the_one_the_replay_gives() -> None:
    player = Player(load_scenario(find_scenario("garbage-collection")))
    step = next(s for s in player.scenario.steps if s.ask is not None and s.ask.choices)
    assert step.ask is not None
    record = player.run.records[step.index - 1]
    right = right_choice(step.ask, record)
    assert right is not None and step.ask.choices[right] == step.ask.answer


async def test_class_mode_steps_with_a_clicker_and_puts_each_prediction_to_the_room(make_app: MakeApp) -> None:
    scenario = load_scenario(find_scenario("garbage-collection"))
    asked = next(s for s in scenario.steps if s.ask is not None and s.ask.choices)
    app = make_app(str(find_scenario("garbage-collection")), classroom=True, start_at=asked.index - 1)
    async with app.run_test(size=PROJECTOR) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, PlayerScreen) and screen.classroom
        # --from: the steps before it are done
        assert screen.player.position == asked.index - 2
        # at 100 columns the request table shows who sent each request to whom in full
        screen.player.seek(3)   # a push: thirty-odd requests
        screen.show_position()
        await pilot.pause()
        table = screen.query_one(RequestLog)
        route = list(table.columns).index("route")
        widths = [column.get_render_width(table) for column in table.columns.values()]
        assert table.row_count and sum(widths[: route + 1]) <= table.scrollable_content_region.width
        screen.player.seek(asked.index - 2)
        # PageDown steps, PageUp goes back; Esc (a clicker's show key) does not leave class mode
        await pilot.press("pagedown", "pagedown", "pageup", "escape")
        assert app.screen is screen and screen.player.position == asked.index - 1
        # B blanks the projector; any key brings the player back without stepping
        await pilot.press("b")
        assert isinstance(app.screen, BlankScreen)
        await pilot.press("pagedown")
        assert app.screen is screen and screen.player.position == asked.index - 1
        # The prediction goes to the room: choices shown, the step not run until the reveal
        await pilot.press("pagedown")
        card = app.screen
        assert isinstance(card, RoomQuestion)
        assert screen.player.position == asked.index - 1
        shown = plain(card.query_one("#room-choices", Static))
        assert all(choice in shown for choice in asked.ask.choices) and "✓" not in shown  # type: ignore[union-attr]
        await pilot.press("pagedown")   # reveal: the step runs and the right choice is marked
        assert screen.player.position == asked.index
        marked = [line for line in plain(card.query_one("#room-choices", Static)).splitlines() if "✓" in line]
        assert len(marked) == 1 and str(asked.ask.answer) in marked[0]  # type: ignore[union-attr]
        await pilot.press("pagedown")   # back to the player, the step done
        assert app.screen is screen and screen.player.position == asked.index
        # Auto mode waits at a prediction: back before it, auto's next tick puts it to the room
        await pilot.press("pageup", "a")
        screen._auto_step()   # the timer's tick, without waiting for it
        await pilot.pause()
        assert isinstance(app.screen, RoomQuestion) and screen.player.position == asked.index - 1
        assert screen.auto_waiting and "auto waits" in plain(screen.query_one("#status-line", Static))
        await pilot.press("pagedown", "pagedown")   # reveal, back: auto plays on
        assert screen.player.position == asked.index and screen.auto_timer is not None
        # f leaves class mode: b is "back" again; auto still waits at a prediction, and the
        # next key runs its step and plays on
        await pilot.press("a", "f", "b", "a")
        assert not screen.classroom and screen.player.position == asked.index - 1
        screen._auto_step()
        assert screen.player.position == asked.index - 1 and screen.auto_waiting
        await pilot.press("pagedown")
        assert screen.player.position == asked.index and screen.auto_timer is not None
        await pilot.press("a", "escape")   # Esc leaves the player outside class mode
        assert app.screen is not screen


def test_open_from_a_step_that_is_not_there_names_the_steps(capsys) -> None:  # type: ignore[no-untyped-def]
    from regsim.cli import main

    assert main(["open", "garbage-collection", "--from", "99"]) == 2
    error = capsys.readouterr().err
    assert "--from 99" in error and "steps 1 to" in error and "gc-untagged" in error
