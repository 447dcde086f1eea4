"""`save FILE` typed in the app's sandbox writes the scenario file and says where."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input
from tui_fixtures import MakeApp

from regsim.scenario.engine import replay
from regsim.scenario.loader import load_scenario
from regsim.tui.screens.sandbox import SandboxScreen
from regsim.tui.widgets.step_panels import OutputPanel

WIDE = (120, 34)


async def type_line(pilot, line: str) -> None:  # type: ignore[no-untyped-def]
    pilot.app.screen.query_one(Input).value = line
    await pilot.press("enter")


async def test_save_in_the_sandbox_writes_a_scenario_that_replays_the_same(tmp_path: Path, make_app: MakeApp) -> None:
    app = make_app("first-push-pull")
    target = tmp_path / "mine.yaml"
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("n", "n", "n", "s")   # build, tag, push; then a sandbox from there
        screen = app.screen
        assert isinstance(screen, SandboxScreen)
        await type_line(pilot, "as bob")
        await type_line(pilot, "docker pull registry.example/team/app:v1")
        await type_line(pilot, f"save {target}")
        await pilot.pause()
        assert target.exists()
        assert screen.query_one(OutputPanel).border_title == "Sandbox"
        await type_line(pilot, f"save {target}")
        await pilot.pause()
        assert screen.query_one(OutputPanel).border_title == "Cannot run that"
        records = screen.session.records_so_far()
    replayed = replay(load_scenario(target)).records
    assert [r.to_dict() for r in replayed] == [r.to_dict() for r in records]
