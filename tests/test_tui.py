"""The app, driven as an instructor would: open a scenario, step through it, read what it shows."""

from __future__ import annotations

import functools
import subprocess
import sys
from pathlib import Path

import pytest
from textual.widgets import DataTable, Footer, ListView, Static
from tui_fixtures import MakeApp

from regsim.bundled import find_scenario, scenario_files
from regsim.scenario.engine import Player
from regsim.scenario.loader import load_scenario
from regsim.scenario.records import StepRecord
from regsim.scenario.tables import images_table, table_lines
from regsim.tui.app import RegsimApp
from regsim.tui.course import Course
from regsim.tui.screens.chart import ChartScreen
from regsim.tui.screens.help import HelpScreen
from regsim.tui.screens.home import HomeScreen, LessonItem, ScenarioItem
from regsim.tui.screens.player import PlayerScreen
from regsim.tui.screens.problems import ProblemsScreen
from regsim.tui.views.ledger import run_totals, step_totals
from regsim.tui.views.output import narrow_lines, narrow_output
from regsim.tui.views.requests import request_row
from regsim.tui.views.world import world_nodes
from regsim.tui.widgets.request_log import RequestLog
from regsim.tui.widgets.world_tree import WorldTree
from regsim.units import format_size
from regsim.units import short_path as shorten_path

WIDE = (120, 40)
SMALL = (80, 24)

BAD_SCENARIO = """\
version: 1
title: Broken
summary: A scenario with a typo in a step.
registries:
  - name: registry.example
clients:
  - name: alice
steps:
  - as: alice
    runn: docker images
"""


@pytest.fixture
def make_app(make_app: MakeApp, small_course: Course) -> MakeApp:
    """Apps on the small course (two lessons, four scenarios) unless a test asks for another:
    these tests need a scenario or two, not the whole curriculum on the home screen."""
    return functools.partial(make_app, course=small_course)


def text(widget: Static) -> str:
    """The plain text a Static shows."""
    content = widget.content
    return getattr(content, "plain", str(content))


def player_of(app: RegsimApp) -> Player:
    assert isinstance(app.screen, PlayerScreen)
    return app.screen.player


def replay(name: str) -> Player:
    return Player(load_scenario(find_scenario(name)))


def status(app: RegsimApp) -> str:
    return text(app.screen.query_one("#status-line", Static))


async def to_scenarios(pilot) -> None:  # type: ignore[no-untyped-def]
    """Wait for the lessons to be listed, then highlight the first scenario (`g`)."""
    await pilot.app.lessons_shown.wait()
    await pilot.pause()
    await pilot.press("g")


async def step_to(pilot, index: int) -> None:  # type: ignore[no-untyped-def]
    """The player at step `index`: the steps before it taken at once, the last one with `n`
    (walking with the keys is tested on its own)."""
    screen = pilot.app.screen
    assert isinstance(screen, PlayerScreen)
    screen.player.seek(index - 1)
    screen.show_position()
    await pilot.press("n")
    assert screen.player.position == index


def first_step_with_requests(player: Player) -> int:
    return next(r.index for r in player.run.records if r.requests)


# ----- home -------------------------------------------------------------------------------------


async def test_home_lists_every_bundled_scenario_with_its_title_and_summary(
    make_app: MakeApp, bundled_course: Course
) -> None:
    app = make_app(course=bundled_course)
    async with app.run_test(size=WIDE):
        assert isinstance(app.screen, HomeScreen)
        items = list(app.screen.query(ScenarioItem))
        assert len(items) == len(scenario_files())
        first = load_scenario(scenario_files()[0])
        assert items[0].text.startswith(first.title)
        assert " ".join(first.summary.split()) in " ".join(items[0].text.split())  # wrapped below


async def test_enter_on_home_opens_the_highlighted_scenario_and_escape_comes_back(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        await to_scenarios(pilot)
        await pilot.press("enter")   # the first scenario, at step 0
        player = player_of(app)
        assert player.scenario.path == str(app.catalog()[0].path)
        assert status(app).startswith(f"step 0 of {player.total}")
        assert player.scenario.title in status(app)
        await pilot.press("escape")   # back to the list
        assert isinstance(app.screen, HomeScreen)
        await to_scenarios(pilot)
        await pilot.press("down", "down", "enter")   # the arrows choose which one Enter opens
        assert player_of(app).scenario.path == str(app.catalog()[2].path)
        await pilot.press("end")   # End runs every step; Next is disabled there
        player = player_of(app)
        screen = app.screen
        assert player.position == player.total
        assert status(app).startswith(f"step {player.total} of {player.total}")
        assert "That was the last step" in text(screen.query_one("#next", Static))
        assert screen.check_action("next", ()) is None
        assert screen.check_action("end", ()) is None
        await pilot.press("n")
        assert player.position == player.total


# ----- stepping ---------------------------------------------------------------------------------


async def test_next_runs_a_step_and_the_request_table_shows_its_requests(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        await to_scenarios(pilot)
        await pilot.press("enter")
        player = player_of(app)
        table = app.screen.query_one(RequestLog)
        target = first_step_with_requests(player)
        for n in range(1, target + 1):
            await pilot.press("right" if n % 2 else "n")
            assert status(app).startswith(f"step {n} of {player.total}")
            assert table.row_count == len(player.current.requests)
        assert table.row_count > 0
        first = player.current.requests[0]
        row = table.get_row_at(0)
        assert [cell.plain for cell in row[:4]] == [
            first.method,
            shorten_path(first.path),
            str(first.status),
            request_row(first).outcome,
        ]
        assert row[4].plain == format_size(first.bytes)
        assert row[5].plain == f"{first.src} → {first.dst}"


async def test_the_step_panels_tell_each_step_and_start_and_back_undo_steps(
    make_app: MakeApp,
) -> None:
    """The narration says what happens ("every layer is uploaded"): shown early, it would answer
    a step's predict question, so such a step's narration waits until it has run."""
    app = make_app("first-push-pull")
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("n")
        step = player_of(app).next_step
        assert step is not None and step.ask is None and step.say and step.command is not None
        shown = text(app.screen.query_one("#next", Static))
        assert " ".join(step.say.split())[:40] in " ".join(shown.split())
        assert step.command.text in shown
        await pilot.press("n")
        step = player_of(app).next_step
        assert step is not None and step.ask is not None and step.say and step.command is not None
        shown = " ".join(text(app.screen.query_one("#next", Static)).split())
        assert " ".join(step.say.split())[:40] not in shown
        assert "Predict first" in shown
        assert step.command.text in shown and step.ask.question in shown
        await pilot.press("n")
        record = player_of(app).current
        assert record is not None and record.output
        shown = text(app.screen.query_one("#done", Static))
        for line in record.output:
            assert line in shown

        # Start (g) goes back to before step one, where Back and Start are disabled.
        await pilot.press("G", "g")
        player = player_of(app)
        assert player.position == 0
        assert app.screen.check_action("back", ()) is None
        assert app.screen.check_action("start", ()) is None
        assert app.screen.query_one(RequestLog).row_count == 0
        await pilot.press("left")
        assert player.position == 0

        # Back (←, b, p) undoes the last step, and the request table follows.
        await pilot.press("n", "n", "n", "n", "n")
        await pilot.press("left")
        assert player.position == 4
        assert status(app).startswith(f"step 4 of {player.total}")
        table = app.screen.query_one(RequestLog)
        assert table.row_count == len(player.run.records[3].requests)
        await pilot.press("b")
        assert player.position == 3
        assert table.row_count == len(player.run.records[2].requests) > 0
        await pilot.press("p")
        assert status(app).startswith("step 2 of")
        assert table.row_count == 0


# ----- what a step shows ------------------------------------------------------------------------


async def test_ledger_shows_the_numbers_of_the_record(make_app: MakeApp) -> None:
    app = make_app("second-version")
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("end")
        player = player_of(app)
        ledger = text(app.screen.query_one("#ledger", Static))
        record = player.current
        step = step_totals(record)
        so_far = run_totals(player.records_so_far())
        assert f"actual {format_size(record.layer_bytes_up + record.layer_bytes_down)}" in ledger
        assert (
            f"naive {format_size(record.naive_layer_bytes_up + record.naive_layer_bytes_down)}"
            in ledger
        )
        assert f"saved {format_size(record.saved_bytes)} ({step.saved_per_cent})" in ledger
        assert f"up {format_size(record.layer_bytes_up)}" in ledger
        assert f"down {format_size(record.layer_bytes_down)}" in ledger
        assert f"saved {format_size(so_far.saved)} ({so_far.saved_per_cent})" in ledger
        for blob in record.blobs:
            assert blob.how in ledger


async def test_ledger_of_a_push_that_skips_layers_counts_them_as_saved(make_app: MakeApp) -> None:
    player = replay("second-version")
    push = next(r for r in player.run.records if r.verb == "push" and r.layers_skipped)
    app = make_app("second-version")
    async with app.run_test(size=WIDE) as pilot:
        await step_to(pilot, push.index)
        ledger = text(app.screen.query_one("#ledger", Static))
        assert f"actual {format_size(push.layer_bytes_up)}" in ledger
        assert f"naive {format_size(push.naive_layer_bytes_up)}" in ledger
        assert push.saved_bytes > 0
        assert f"saved {format_size(push.saved_bytes)}" in ledger
        assert "exists" in ledger


async def test_a_failed_step_shows_the_word_error_and_its_code_in_red(make_app: MakeApp) -> None:
    player = replay("private-pull")
    failed = next(r for r in player.run.records if not r.ok)
    app = make_app("private-pull")
    async with app.run_test(size=WIDE) as pilot:
        await step_to(pilot, failed.index)
        done = app.screen.query_one("#done", Static)
        shown = text(done)
        assert f"error {failed.error}" in shown
        assert failed.message in shown
        assert done.has_class("-failed")
        await pilot.press("n")
        assert not done.has_class("-failed") or not player_of(app).current.ok


async def test_challenges_cache_hits_mounts_and_exists_differ_in_word_and_colour(make_app: MakeApp) -> None:
    app = make_app("first-push-pull")
    async with app.run_test(size=WIDE):
        table = app.screen.query_one(RequestLog)
        tones = ("challenge", "cache-hit", "mounted", "exists", "error")
        for theme in ("textual-dark", "textual-light"):
            app.theme = theme
            styles = {
                tone: table.get_component_rich_style(f"request-log--{tone}", partial=True)
                for tone in tones
            }
            colours = {str(style.color) for style in styles.values()}
            looks = {(str(style.color), style.bold, style.reverse) for style in styles.values()}
            assert len(looks) == len(tones), theme
            assert len(colours) >= 4, theme


async def test_request_rows_carry_the_outcome_word_of_each_kind_of_request() -> None:
    seen: dict[str, str] = {}
    for name in ("private-pull", "mirror-near-site", "cross-repo-mount", "second-version"):
        for record in replay(name).run.records:
            for event in record.requests:
                row = request_row(event)
                seen.setdefault(row.tone, row.outcome)
    assert seen["challenge"] == "challenge"
    assert seen["cache-hit"] == "cache-hit"
    assert seen["mounted"] == "mounted"
    assert seen["exists"] == "exists"


async def test_world_tree_shows_registries_repositories_tags_layers_and_clients(make_app: MakeApp) -> None:
    app = make_app("first-push-pull")
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("end")
        tree = app.screen.query_one(WorldTree)
        labels = []

        def walk(node) -> None:  # type: ignore[no-untyped-def]
            for child in node.children:
                labels.append(child.label.plain)
                walk(child)

        walk(tree.root)
        assert "Registries" in labels and "Clients" in labels
        assert any(label.startswith("team/app") for label in labels)
        assert any(label.startswith("v1") for label in labels)
        assert any(label.startswith("python-alpine  12.6MB") for label in labels)
        assert any(label.startswith("bob") for label in labels)


def test_layers_shared_by_several_images_are_marked_with_the_count() -> None:
    player = replay("shared-base")
    player.seek(player.total)
    registries, clients = world_nodes(player.world)
    registry = registries.children[0]
    layers = [
        layer for repo in registry.children for tag in repo.children for layer in tag.children
    ]
    shared = [layer for layer in layers if layer.shared_by == 3]
    assert {layer.label for layer in shared} >= {"debian", "cpython"}
    assert all(layer.note == "shared by 3 images" for layer in shared)
    own = [layer for layer in layers if layer.label in ("api-1", "web-1")]
    assert own and all(layer.note == "" for layer in own)
    assert [client.label for client in clients.children] == list(player.world.clients)


def test_paths_are_shortened_the_way_docker_prints_digests() -> None:
    digest = "sha256:" + "667d1e6cba98" + "a" * 52
    upload = "00000001-0000-4000-8000-751e78d2922d"
    assert shorten_path(f"/v2/team/app/blobs/{digest}") == "/v2/team/app/blobs/sha256:667d1e6cba98…"
    assert shorten_path(f"/v2/team/app/blobs/uploads/{upload}?digest={digest}") == (
        "/v2/team/app/blobs/uploads/00000001…?digest=…"
    )
    assert shorten_path("/token?service=registry.example&scope=repository:team/app:pull") == (
        "/token?scope=repository:team/app:pull"
    )
    assert shorten_path(
        f"/v2/b/app/blobs/uploads/?from=a%2Fapp&mount={digest.replace(':', '%3A')}"
    ) == ("/v2/b/app/blobs/uploads/?from=a/app&mount=667d1e6cba98…")
    assert shorten_path("/v2/") == "/v2/"


# ----- auto-advance -----------------------------------------------------------------------------


async def test_auto_advance_plays_pauses_and_stops_at_the_end(make_app: MakeApp) -> None:
    app = make_app("push-without-registry")
    async with app.run_test(size=WIDE) as pilot:
        screen = app.screen
        await pilot.press("minus")
        assert screen.auto_interval > 1.5
        await pilot.press("plus", "plus", "plus", "plus", "plus")  # 2 → 0.5 s, then no faster
        assert screen.auto_interval == 0.5
        assert screen.check_action("faster", ()) is None
        await pilot.press("a")
        assert "auto" in status(app)
        # The timer calls _auto_step every 0.5 s; a tick is called here rather than waited for.
        assert screen.auto_timer is not None
        screen._auto_step()
        await pilot.pause()
        assert player_of(app).position >= 1
        await pilot.press("a")
        paused_at = player_of(app).position
        assert screen.auto_timer is None and "auto" not in status(app)
        await pilot.pause()
        assert player_of(app).position == paused_at
        # the last step asks for a prediction: auto waits for it, then → runs it and auto ends
        player_of(app).seek(player_of(app).total - 1)
        await pilot.press("a")
        screen._auto_step()
        await pilot.pause()
        assert screen.auto_waiting
        assert player_of(app).position == player_of(app).total - 1
        await pilot.press("n")
        assert player_of(app).position == player_of(app).total
        await pilot.pause()
        assert screen.auto_timer is None
        assert screen.check_action("auto", ()) is None


# ----- errors in user content -------------------------------------------------------------------


async def test_a_bad_scenario_file_shows_file_line_col_and_the_app_keeps_running(
    tmp_path: Path, make_app: MakeApp
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(BAD_SCENARIO, encoding="utf-8")
    app = make_app(str(bad))
    async with app.run_test(size=WIDE) as pilot:
        assert isinstance(app.screen, ProblemsScreen)
        shown = text(app.screen.query_one("#problems-text", Static))
        assert f"{bad}:10:5: unknown key 'runn' in a step (did you mean 'run'?)" in shown
        assert "Traceback" not in shown
        await pilot.press("escape")
        assert isinstance(app.screen, HomeScreen)
        assert app.is_running
        await to_scenarios(pilot)
        await pilot.press("enter")
        assert isinstance(app.screen, PlayerScreen)


async def test_a_missing_scenario_file_is_reported_not_raised(tmp_path: Path, make_app: MakeApp) -> None:
    missing = tmp_path / "nowhere.yaml"
    app = make_app(str(missing))
    async with app.run_test(size=WIDE):
        assert isinstance(app.screen, ProblemsScreen)
        assert f"{missing}:1:1: no such scenario file" in text(
            app.screen.query_one("#problems-text", Static)
        )


async def test_a_replay_that_fails_inside_regsim_is_shown_not_raised(
    monkeypatch: pytest.MonkeyPatch, make_app: MakeApp
) -> None:
    def broken(scenario: object) -> Player:
        raise RuntimeError("the model tripped")

    monkeypatch.setattr("regsim.scenario.engine.Player", broken)
    app = make_app("first-push-pull")
    async with app.run_test(size=WIDE) as pilot:
        assert isinstance(app.screen, ProblemsScreen)
        assert "RuntimeError: the model tripped" in text(
            app.screen.query_one("#problems-text", Static)
        )
        await pilot.press("escape")
        assert isinstance(app.screen, HomeScreen)


async def test_a_listed_scenario_with_problems_opens_its_problems(tmp_path: Path, make_app: MakeApp) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(BAD_SCENARIO, encoding="utf-8")
    app = make_app(files=[bad, scenario_files()[0]])
    async with app.run_test(size=WIDE) as pilot:
        items = list(app.screen.query(ScenarioItem))
        assert items[0].has_class("-broken")
        await to_scenarios(pilot)
        await pilot.press("enter")
        assert isinstance(app.screen, ProblemsScreen)
        assert f"{bad}:10:5:" in text(app.screen.query_one("#problems-text", Static))


# ----- help, sizes, themes ----------------------------------------------------------------------


async def test_help_lists_every_key_of_the_player(make_app: MakeApp) -> None:
    app = make_app("first-push-pull")
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        shown = text(app.screen.query_one("#help-text", Static))
        for keys, what in (
            ("→, n, space", "Next"),
            ("←, p, b", "Back"),
            ("home, g", "Start"),
            ("end, G", "End"),
            ("a", "Auto"),
            ("+", "Faster"),
            ("-", "Slower"),
            ("esc, q", "Leave"),
            ("?", "Help"),
            ("ctrl+q", "Quit"),
        ):
            assert any(
                set(keys.split(", ")) <= set(line.split("  ")[0].split(", ")) and what in line
                for line in shown.splitlines()
            ), (keys, what)
        lines = shown.splitlines()  # q goes back one screen, ctrl+q quits: both are said
        assert any(line.startswith("esc, q") and "Leave" in line for line in lines), lines
        assert any(line.startswith("ctrl+q") and "Quit" in line for line in lines), lines
        await pilot.press("escape")
        assert isinstance(app.screen, PlayerScreen)


async def test_help_on_home_lists_its_keys(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("question_mark")
        shown = text(app.screen.query_one("#help-text", Static))
        assert "Open" in shown and "Quit" in shown


def footer_keys(app: RegsimApp) -> list[str]:
    """The keys the footer shows, as `key description`."""
    footer = app.screen.query_one(Footer)
    return [f"{key.key_display} {key.description}" for key in footer.query("FooterKey")]


async def open_screen(pilot, where: str) -> None:  # type: ignore[no-untyped-def]
    app = pilot.app
    await app.lessons_shown.wait()
    await pilot.pause()
    if where == "lesson":
        assert app.open_lesson("what-is-an-image", 2)  # the page has the focus
    elif where == "quiz":
        assert app.open_quiz(None)
    elif where in ("player", "chart", "sandbox"):
        assert app.open_scenario("mirror-near-site")
        await pilot.pause()
        await pilot.press("n")
        if where != "player":
            await pilot.press("c" if where == "chart" else "s")
    await pilot.pause()


FOOTER_ESSENTIALS = {
    "home": ["? Help", "q Quit"],
    "lesson": ["? Help", "q Lessons"],
    "quiz": ["? Help", "q Home"],
    "player": ["? Help", "q Leave"],
    "chart": ["? Help", "q Back"],
    "sandbox": ["f1 Help", "esc Leave"],
}


async def test_at_80x24_the_footer_fits_and_shows_help_and_how_to_leave(
    tmp_path: Path, make_app: MakeApp
) -> None:
    """Every kind of screen in turn, in one app: back home after each."""
    app = make_app(progress_path=tmp_path / "progress.json")
    async with app.run_test(size=SMALL) as pilot:
        for where, essential in FOOTER_ESSENTIALS.items():
            await open_screen(pilot, where)
            footer = app.screen.query_one(Footer)
            for _ in range(20):   # the footer is recomposed once the screen's keys are known
                if footer_keys(app):
                    break
                await pilot.pause()
            assert footer.virtual_size.width <= footer.size.width == 80, (where, footer_keys(app))  # none cut off
            shown = footer_keys(app)
            for key in essential:
                assert key in shown, (where, key, shown)
            while not isinstance(app.screen, HomeScreen):
                app.pop_screen()
                await pilot.pause()


async def test_the_players_keys_left_out_of_the_footer_are_in_its_help(make_app: MakeApp) -> None:
    app = make_app("mirror-near-site")
    async with app.run_test(size=SMALL) as pilot:
        shown = footer_keys(app)
        assert "g Start" not in shown and "G End" not in shown and "v View" not in shown
        assert "v: requests ledger world" in text(app.screen.query_one("#view-switch", Static))
        await pilot.press("question_mark")
        help_text = text(app.screen.query_one("#help-text", Static))
        assert all(word in help_text for word in ("Start", "End", "View"))


async def test_q_goes_back_one_screen_everywhere_but_home(tmp_path: Path, make_app: MakeApp) -> None:
    app = make_app(progress_path=tmp_path / "progress.json")
    async with app.run_test(size=WIDE) as pilot:
        await to_scenarios(pilot)
        await pilot.press("enter", "n")  # the player
        assert isinstance(app.screen, PlayerScreen)
        await pilot.press("c")  # its chart
        assert isinstance(app.screen, ChartScreen)
        await pilot.press("q")
        assert isinstance(app.screen, PlayerScreen)
        await pilot.press("question_mark", "q")  # the help closes
        assert isinstance(app.screen, PlayerScreen)
        await pilot.press("q")
        assert isinstance(app.screen, HomeScreen) and app.is_running
        assert app.open_lesson("what-is-an-image", 1)
        await pilot.pause()
        await pilot.press("q")
        assert isinstance(app.screen, HomeScreen) and app.is_running
        assert app.open_quiz(None)
        await pilot.pause()
        await pilot.press("q")
        assert isinstance(app.screen, HomeScreen) and app.is_running
        await pilot.press("q")  # home's q quits
    assert not app.is_running


async def test_ctrl_q_quits_from_any_screen(make_app: MakeApp) -> None:
    app = make_app("first-push-pull")
    async with app.run_test(size=WIDE) as pilot:
        assert isinstance(app.screen, PlayerScreen)
        await pilot.press("ctrl+q")
    assert not app.is_running


async def test_at_80x24_one_detail_shows_at_a_time_and_v_switches(make_app: MakeApp) -> None:
    app = make_app("first-push-pull")
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("n", "n", "n")
        screen = app.screen
        box, ledger, world = (
            screen.query_one(f"#{name}") for name in ("requests-box", "ledger", "world")
        )
        assert screen.check_action("switch_view", ()) is True
        assert (box.display, ledger.display, world.display) == (True, False, False)
        assert screen.query_one(RequestLog).row_count == len(player_of(app).current.requests)
        await pilot.press("v")
        assert (box.display, ledger.display, world.display) == (False, True, False)
        await pilot.press("v")
        assert (box.display, ledger.display, world.display) == (False, False, True)
        await pilot.press("v")
        assert box.display
        assert status(app).startswith("step 3 of")


async def test_at_120x40_every_panel_shows_at_once(make_app: MakeApp) -> None:
    app = make_app("first-push-pull")
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("n", "n", "n")
        screen = app.screen
        for name in ("next", "done", "requests-box", "ledger", "world"):
            widget = screen.query_one(f"#{name}")
            assert widget.display and widget.region.width > 0 and widget.region.height > 2, name
        assert screen.check_action("switch_view", ()) is False
        assert screen.query_one("#requests-box").region.width == 120


async def test_light_theme_redraws_the_request_log(make_app: MakeApp) -> None:
    app = make_app("private-pull")
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("n")
        table = app.screen.query_one(DataTable)
        rows = table.row_count
        await pilot.press("t")
        await pilot.pause()
        assert app.theme == "textual-light"
        assert table.row_count == rows
        await pilot.press("t")
        assert app.theme == "textual-dark"


async def test_run_app_with_a_path_opens_the_player_with_home_underneath(make_app: MakeApp) -> None:
    app = make_app(str(find_scenario("first-push-pull")))
    async with app.run_test(size=WIDE) as pilot:
        assert isinstance(app.screen, PlayerScreen)
        await pilot.press("escape")
        assert isinstance(app.screen, HomeScreen)
        await app.lessons_shown.wait()
        await pilot.pause()
        assert isinstance(app.screen.query_one(ListView).highlighted_child, LessonItem)


def test_output_tables_lose_their_padding_and_other_lines_stay() -> None:
    from regsim.model.client.images import ImageRow

    table = images_table([
        ImageRow("registry.example/team/app", "v1", "sha256:5f8ee423db7d" + "0" * 52, 16_500_000),
        ImageRow("app", "v1-debug", "sha256:0a1b2c3d4e5f" + "0" * 52, 18_500_000),
    ])
    lines, placed = table_lines([table])
    assert lines == [   # what docker prints, and what `play --json` keeps
        f"{'REPOSITORY':<40} {'TAG':<12} {'IMAGE ID':<14} SIZE",
        f"{'registry.example/team/app':<40} {'v1':<12} {'5f8ee423db7d':<14} 16.5MB",
        f"{'app':<40} {'v1-debug':<12} {'0a1b2c3d4e5f':<14} 18.5MB",
    ]
    tail = "v1: digest: sha256:4916eca6fa615cf7b269a121c67e8616713831 size: 1234"
    record = StepRecord(1, "bob", "docker images", "images", None, None, True, None, None,
                        ["Before the table", *lines, "", tail], [], [], tables=[t.at(t.line + 1) for t in placed])
    assert narrow_output(record) == [
        "Before the table",
        "REPOSITORY                 TAG       IMAGE ID      SIZE",
        "registry.example/team/app  v1        5f8ee423db7d  16.5MB",
        "app                        v1-debug  0a1b2c3d4e5f  18.5MB",
        "",
        tail,
    ]
    # A repository name longer than docker's 40-character column still lines up.
    long = images_table([ImageRow("x" * 45, "v1", "sha256:" + "a" * 64, 1)])
    assert [line.index("v1") for line in narrow_lines(long)[1:]] == [47]


# The logic under the screens, which is tested without a terminal: none of it needs Textual.
HEADLESS = [
    "regsim.tui.views.requests",
    "regsim.tui.views.ledger",
    "regsim.tui.views.world",
    "regsim.tui.views.catalog",
    "regsim.tui.views.chart",
    "regsim.tui.views.output",
    "regsim.tui.views.lessons",
    "regsim.tui.course",
    "regsim.scenario.sandbox",
    "regsim.lessons.tour",
    "regsim.lessons.quiz_progress",
    "regsim.lessons.question_book",
    "regsim.lessons.verdicts",
]


def test_the_logic_under_the_screens_does_not_load_textual() -> None:
    code = (
        "import importlib, sys\n"
        f"for module in {HEADLESS!r}:\n"
        "    importlib.import_module(module)\n"
        "    if 'textual' in sys.modules: print(module); break\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "", f"{result.stdout.strip()} loads textual"


async def test_a_step_that_replicates_in_the_background_says_so_under_its_time(make_app: MakeApp) -> None:
    from regsim.tui.widgets.step_panels import DoneStep

    app = make_app(str(find_scenario("geo-replication")))
    async with app.run_test(size=WIDE) as pilot:
        await step_to(pilot, 5)  # step 5: the replica copies what alice pushed in step 3
        await pilot.pause()
        record = player_of(app).current
        assert record is not None and record.index == 5
        assert record.background_seconds > 0
        subtitle = str(app.screen.query_one(DoneStep).border_subtitle)
        assert "background replication" in subtitle


async def test_the_players_output_tables_lose_their_padding_in_the_narrow_column(make_app: MakeApp) -> None:
    from regsim.tui.widgets.step_panels import DoneStep

    app = make_app(str(find_scenario("first-push-pull")))
    async with app.run_test(size=WIDE) as pilot:
        await step_to(pilot, 6)  # step 6: bob's `docker images`
        await pilot.pause()
        record = player_of(app).current
        assert record is not None and record.command == "docker images"
        shown = text(app.screen.query_one(DoneStep))
        assert narrow_output(record)[0] in shown
        assert record.output[0] not in shown     # the 40-wide padded header would wrap
