"""The sandbox, the chart screen and the command palette, driven as a learner or instructor would."""

from __future__ import annotations

import functools
import subprocess
import sys
from pathlib import Path

import pytest
from textual import events
from textual.widgets import Input, ListView, Static
from tui_fixtures import MakeApp, run_from_palette, shown_text

from regsim.tui.app import RegsimApp
from regsim.tui.course import Course
from regsim.tui.screens.chart import ChartScreen
from regsim.tui.screens.confirm import ConfirmScreen
from regsim.tui.screens.export_dialog import ExportDialog
from regsim.tui.screens.home import HomeScreen, SandboxItem
from regsim.tui.screens.player import PlayerScreen
from regsim.tui.screens.sandbox import SandboxScreen
from regsim.tui.screens.sandbox_chooser import SandboxChooser
from regsim.tui.views.chart import export_directory
from regsim.tui.views.ledger import step_totals
from regsim.tui.widgets.request_log import RequestDetail, RequestLog
from regsim.tui.widgets.step_panels import OutputPanel
from regsim.tui.widgets.world_tree import WorldTree
from regsim.units import format_size

WIDE = (120, 34)
SMALL = (80, 24)
REGISTRY = "registry.example"
APP = f"{REGISTRY}/team/app:v1"


@pytest.fixture
def make_app(make_app: MakeApp, small_course: Course) -> MakeApp:
    """Apps on the small course (two lessons, four scenarios) unless a test asks for another:
    these tests need a scenario or two, not the whole curriculum on the home screen."""
    return functools.partial(make_app, course=small_course)


def text(widget: Static) -> str:
    content = widget.content
    return getattr(content, "plain", str(content))


def sandbox_of(app: RegsimApp) -> SandboxScreen:
    assert isinstance(app.screen, SandboxScreen)
    return app.screen


async def type_command(pilot, line: str) -> None:  # type: ignore[no-untyped-def]
    command = pilot.app.screen.query_one(Input)
    command.value = line
    await pilot.press("enter")
    await pilot.pause()


def tree_labels(tree: WorldTree) -> list[str]:
    labels: list[str] = []

    def walk(node) -> None:  # type: ignore[no-untyped-def]
        for child in node.children:
            labels.append(child.label.plain)
            walk(child)

    walk(tree.root)
    return labels


# ----- the sandbox screen -------------------------------------------------------------------------


async def test_the_sandbox_placeholder_suggests_a_client_that_is_there(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        assert app.open_sandbox("mirror-near-site")
        await pilot.pause()
        command = app.screen.query_one(Input)
        assert "as north1" in command.placeholder and "bob" not in command.placeholder
        assert command.placeholder.startswith("docker pull")          # ci runs docker
        await type_command(pilot, "as south2")
        assert "as ci" in command.placeholder
        assert command.placeholder.startswith("crictl pull")          # south2 is a containerd node


async def test_a_typed_pull_shows_its_requests_and_the_ledger_numbers_of_its_record(make_app: MakeApp) -> None:
    app = make_app("first-push-pull")
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("n", "n", "n", "s")  # build, tag, push; then a sandbox from there
        screen = sandbox_of(app)
        assert screen.session.start_step == 3
        await type_command(pilot, "as bob")
        assert "acting as bob" in text(screen.query_one("#status-line", Static))
        await type_command(pilot, f"docker pull {APP}")
        record = screen.session.current
        assert record is not None and record.ok and record.index == 4
        table = screen.query_one(RequestLog)
        assert table.row_count == len(record.requests) > 0
        assert [cell.plain for cell in table.get_row_at(0)[:3]] == ["GET", "/v2/", "200"]
        ledger = text(screen.query_one("#ledger", Static))
        totals = step_totals(record)
        assert f"actual {format_size(record.layer_bytes_down)}" in ledger
        assert f"naive {format_size(record.naive_layer_bytes_down)}" in ledger
        assert f"saved {format_size(totals.saved)} ({totals.saved_per_cent})" in ledger
        assert "So far (4 steps)" in ledger
        done = screen.query_one(OutputPanel).text
        assert f"bob$ docker pull {APP}" in done
        for line in record.output:
            assert line in done
        assert any(
            label.startswith("bob") and "3 layers" in label
            for label in tree_labels(screen.query_one(WorldTree))
        )


async def test_an_unknown_command_lists_what_is_possible_and_runs_nothing(make_app: MakeApp) -> None:
    app = make_app("first-push-pull")
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("s")
        screen = sandbox_of(app)
        await type_command(pilot, "dockr pull app:v1")
        done = screen.query_one(OutputPanel)
        shown = done.text
        assert "unknown command 'dockr' (did you mean 'docker'?)" in shown
        for family in ("docker build, tag, push, pull", "registry delete, gc", "network down A B"):
            assert family in shown
        assert done.has_class("-failed")
        assert screen.session.records == []
        await type_command(pilot, "help")
        shown = done.text
        assert "docker pull [--platform OS/ARCH] NAME[:TAG|@DIGEST]" in shown
        assert "as NAME" in shown and not done.has_class("-failed")


async def test_ctrl_z_undoes_the_last_command_and_the_panes_follow(make_app: MakeApp) -> None:
    app = make_app("first-push-pull")
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("n", "s")  # alice has built app:v1
        screen = sandbox_of(app)
        await type_command(pilot, f"docker tag app:v1 {APP}")
        await type_command(pilot, f"docker push {APP}")
        assert screen.query_one(RequestLog).row_count > 0
        assert any(
            label.startswith("team/app") for label in tree_labels(screen.query_one(WorldTree))
        )
        await pilot.press("ctrl+z")
        assert len(screen.session.records) == 1
        assert screen.query_one(RequestLog).row_count == 0
        assert "Undid alice$ docker push" in screen.query_one(OutputPanel).text
        assert not screen.session.world.registries[REGISTRY].repositories
        assert not any(
            label.startswith("team/app") for label in tree_labels(screen.query_one(WorldTree))
        )
        await pilot.press("ctrl+z", "ctrl+z")
        assert screen.session.records == []
        assert "Nothing to undo" in screen.query_one(OutputPanel).text


async def test_up_recalls_the_command_typed_before(make_app: MakeApp) -> None:
    app = make_app("first-push-pull")
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("s")
        await type_command(pilot, "wait 1h")
        await type_command(pilot, "registry gc")
        command = app.screen.query_one(Input)
        await pilot.press("up")
        assert command.value == "registry gc"
        await pilot.press("up")
        assert command.value == "wait 1h"
        await pilot.press("down", "down")
        assert command.value == ""


async def test_home_has_a_sandbox_entry_that_asks_which_setup_to_start_from(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        items = list(app.screen.query(SandboxItem))
        assert len(items) == 1
        await app.lessons_shown.wait()
        await pilot.pause()
        listing = app.screen.query_one("#home-list", ListView)
        listing.index = listing.children.index(items[0])
        await pilot.press("enter")
        assert isinstance(app.screen, SandboxChooser)
        await pilot.press("down", "enter")
        screen = sandbox_of(app)
        assert screen.session.scenario.path == str(app.catalog()[1].path)
        assert screen.session.records == [] and screen.session.start_step == 0
        await pilot.press("escape")
        assert isinstance(app.screen, HomeScreen)


async def test_s_on_home_opens_the_sandbox_on_the_highlighted_scenario(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        await app.lessons_shown.wait()
        await pilot.pause()
        await pilot.press("g", "down", "s")
        assert sandbox_of(app).session.scenario.path == str(app.catalog()[1].path)


async def test_escape_from_a_sandbox_opened_in_the_player_goes_back_to_the_same_step(make_app: MakeApp) -> None:
    app = make_app("first-push-pull")
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("n", "n", "s")
        await type_command(pilot, "registry gc")
        await pilot.press("escape", "y")  # a session with a command: leaving asks first
        assert isinstance(app.screen, PlayerScreen)
        assert app.screen.player.position == 2


async def test_the_sandbox_works_at_80x24_with_one_detail_at_a_time(make_app: MakeApp) -> None:
    """Issue 15 at 80×24: the title whole, each request whole in the detail, the output scrolled
    through all of `help`, and a short name answered with what can be typed here."""
    app = make_app("first-push-pull")
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("n", "s")
        screen = sandbox_of(app)
        await type_command(pilot, f"docker tag app:v1 {APP}")
        await type_command(pilot, f"docker push {APP}")
        box, ledger = screen.query_one("#requests-box"), screen.query_one("#ledger")
        assert box.display and not ledger.display
        assert "First push, first pull (from step 1)" in shown_text(screen.query_one("#status-line"))
        record = screen.session.current
        assert record is not None
        version_check = record.requests[0]
        assert f"{version_check.src} → {version_check.dst} {version_check.why}" in shown_text(
            screen.query_one(RequestDetail)
        )
        # A name with no host is Docker Hub's (distribution/reference normalize.go); there is none here.
        await type_command(pilot, "docker pull app:v1")
        output = screen.query_one(OutputPanel)
        assert output.text.endswith(f"pull it by its full name: {APP}")
        await type_command(pilot, "help")
        lines = output.query_one(Static)
        seen = set(shown_text(lines).split())
        while output.scroll_y < output.max_scroll_y:   # PageDown from the command line pages through it
            await pilot.press("pagedown")
            seen |= set(shown_text(lines).split())
        assert {"crictl", "kubelet", "cosign", "oras", "helm", "save", "undo"} <= seen
        assert screen.query_one(Input).has_focus
        await pilot.press("tab")   # then the output itself, where ↑ scrolls
        assert app.focused is output
        await pilot.press("up")
        assert output.scroll_y < output.max_scroll_y
        await pilot.press("f2")
        assert ledger.display and not box.display
        assert "So far (3 steps)" in shown_text(ledger)   # (hidden while the push ran: drawn when shown)


# ----- the chart screen ---------------------------------------------------------------------------


async def test_c_in_the_player_charts_the_run_up_to_the_current_step(make_app: MakeApp) -> None:
    app = make_app("second-version")
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("n", "n", "n", "c")
        assert isinstance(app.screen, ChartScreen)
        title = text(app.screen.query_one("#chart-title", Static))
        assert "layer bytes over the network" in title and "(after step 3 of 8)" in title
        chart = text(app.screen.query_one("#chart", Static))
        assert "3↑push team/app:v1" in chart and "4" not in chart.split("\n")[-3][:3]
        await pilot.press("k")
        assert app.screen.kind == "storage"
        assert "stored per registry" in text(app.screen.query_one("#chart-title", Static))
        await pilot.press("escape")
        assert isinstance(app.screen, PlayerScreen)


async def test_e_exports_png_and_csv_and_the_notification_names_them(no_host_state: Path, make_app: MakeApp) -> None:
    app = make_app("second-version")
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("end", "c", "e")
        # Asked first: the folder is shown, and nothing is written before enter.
        assert isinstance(app.screen, ExportDialog)
        assert app.screen.query_one(Input).value == str(no_host_state)
        shown = " ".join(text(static) for static in app.screen.query(Static))
        assert "second-version-transfer.png and second-version-transfer.csv" in shown
        assert list(no_host_state.iterdir()) == []
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        png = no_host_state / "second-version-transfer.png"
        csv = no_host_state / "second-version-transfer.csv"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert csv.read_text(encoding="utf-8").startswith("step,")
        messages = [n.message for n in app._notifications]
        assert any(
            png.name in m and csv.name in m and str(no_host_state) in m for m in messages
        ), messages
        assert not app.screen.has_class("-exporting")


async def test_an_export_that_cannot_be_written_says_why_and_one_whose_parent_exists_is_made(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, make_app: MakeApp
) -> None:
    monkeypatch.setenv("REGSIM_EXPORT_DIR", str(tmp_path / "missing" / "deeper"))
    app = make_app("second-version")
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("n", "n", "n", "c", "e", "enter")
        await pilot.pause()
        assert isinstance(app.screen, ExportDialog)     # still asking, with the reason
        assert f"no such folder: {tmp_path / 'missing'}" in text(app.screen.query_one("#export-problem", Static))
        assert not (tmp_path / "missing").exists() and app.is_running

        # A folder whose parent exists is made, and the files are written into it.
        app.screen.query_one(Input).value = str(tmp_path / "report")
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert sorted(p.name for p in (tmp_path / "report").iterdir()) == [   # the run up to step 3
            "second-version-transfer-after-step-3.csv", "second-version-transfer-after-step-3.png"]

        # Esc leaves the dialog with nothing written.
        await pilot.press("e", "escape")
        await app.workers.wait_for_complete()
        assert isinstance(app.screen, ChartScreen) and not (tmp_path / "missing").exists()
        assert app.is_running


def test_the_export_folder_suggested_is_documents_regsim_when_there_is_a_documents_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("REGSIM_EXPORT_DIR", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    assert export_directory() == tmp_path            # no Documents: the current folder
    (tmp_path / "Documents").mkdir()
    assert export_directory() == tmp_path / "Documents" / "regsim"
    monkeypatch.setenv("REGSIM_EXPORT_DIR", str(tmp_path / "elsewhere"))
    assert export_directory() == tmp_path / "elsewhere"


def test_the_chart_screen_draws_without_loading_matplotlib() -> None:
    code = """
import asyncio, sys
from regsim.lessons.loader import LessonSet
from regsim.tui.app import RegsimApp
from regsim.tui.screens.chart import ChartScreen
from regsim.tui.screens.export_dialog import ExportDialog

async def main():
    app = RegsimApp("second-version", scenarios=[], lessons=LessonSet([], {}))  # no course to read
    async with app.run_test(size=(120, 34)) as pilot:
        await pilot.press("end", "c", "k", "k", "k")
        assert isinstance(app.screen, ChartScreen)
    print("matplotlib" in sys.modules)

asyncio.run(main())
"""
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


# ----- the command palette ------------------------------------------------------------------------


async def test_the_palette_opens_any_scenario_and_charts_the_current_one(make_app: MakeApp) -> None:
    app = make_app("second-version")
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("n", "n")
        await run_from_palette(pilot, "chart: storage", "Chart: storage")
        assert isinstance(app.screen, ChartScreen) and app.screen.kind == "storage"
        assert app.screen.source.position == 2
        await run_from_palette(pilot, "chart: sharing", "Chart: sharing")  # on the chart itself
        assert isinstance(app.screen, ChartScreen) and app.screen.kind == "sharing"
        await pilot.press("q")
        assert isinstance(app.screen, PlayerScreen)
        await run_from_palette(pilot, "open scenario: first push", "Open scenario: First push, first pull")
        assert isinstance(app.screen, PlayerScreen)
        assert app.screen.player.scenario.id == "first-push-pull"


async def test_the_palette_offers_a_sandbox_for_every_scenario(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        await run_from_palette(
            pilot, "sandbox: garbage", "Sandbox: Deleting tags, then collecting garbage"
        )
        assert sandbox_of(app).session.scenario.id == "garbage-collection"


async def test_export_chart_from_the_palette_writes_the_files(no_host_state: Path, make_app: MakeApp) -> None:
    app = make_app("first-push-pull")
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("n", "n", "n")
        await run_from_palette(pilot, "export chart", "Export chart")
        await pilot.pause()
        assert isinstance(app.screen, ExportDialog)
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, ChartScreen)
        written = sorted(path.name for path in no_host_state.iterdir())
        assert written == [
            "first-push-pull-transfer-after-step-3.csv",
            "first-push-pull-transfer-after-step-3.png",
        ]


async def test_help_in_the_sandbox_lists_its_keys_and_typed_help_has_one_heading(make_app: MakeApp) -> None:
    app = make_app("first-push-pull")
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("s")
        await type_command(pilot, "help")   # the typed command's list: one heading
        shown = app.screen.query_one(OutputPanel).text
        assert "Commands you can type:" in shown and "\nYou can type:" not in shown
        await pilot.press("f1")   # the keys' help
        shown = text(app.screen.query_one("#help-text", Static))
        for words in ("ctrl+z", "Undo", "esc", "Leave", "palette"):
            assert words in shown, words


# ----- issue 15: the command line takes what is typed and pasted, and leaving asks ------------


async def test_escape_with_commands_run_asks_before_throwing_the_session_away(
    make_app: MakeApp,
) -> None:
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        assert app.open_sandbox("first-push-pull")
        await pilot.pause()
        screen = sandbox_of(app)
        await type_command(pilot, "registry gc")
        await pilot.press("escape")
        assert isinstance(app.screen, ConfirmScreen) and "1 command you ran" in str(
            app.screen.question
        )
        await pilot.press("escape")  # esc again is "stay"
        assert app.screen is screen and len(screen.session.records) == 1
        await pilot.press("escape", "y")
        assert not isinstance(app.screen, SandboxScreen)


async def test_two_commands_typed_at_once_run_as_two_commands(make_app: MakeApp) -> None:
    """Issue: `'docker images' Enter 'docker system df' Enter` sent at once ran
    "docker imagesdocker system df"."""
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        assert app.open_sandbox("first-push-pull")
        await pilot.pause()
        for line in ("registry gc", "registry gc"):
            for character in line:
                app.post_message(events.Key(character, character))
            app.post_message(events.Key("enter", "\r"))
        await pilot.pause()
        await pilot.pause()
        assert sandbox_of(app).session.history[-2:] == ["registry gc", "registry gc"]


async def test_a_pasted_block_of_two_lines_runs_each_line(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        assert app.open_sandbox("first-push-pull")
        await pilot.pause()
        command = app.screen.query_one(Input)
        command.post_message(events.Paste("registry gc\nregistry gc\nregistry"))
        await pilot.pause()
        await pilot.pause()
        assert sandbox_of(app).session.history[-2:] == ["registry gc", "registry gc"]
        assert command.value == "registry"  # the unfinished last line waits for its Enter
