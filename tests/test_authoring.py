"""Writing scenarios and lessons without surprises: tolerances, unknown error codes, expectations that
lint and play report, `--lessons DIR` reaching its scenarios, an optional summary."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from regsim.bundled import content_dir
from regsim.cli import main
from regsim.lessons.lint import lint_paths
from regsim.scenario.loader import parse_scenario
from regsim.scenario.problems import ContentError
from regsim.scenario.step_sections import ERROR_CODES

HEAD = """\
version: 1
title: Percent
registries:
  - {name: registry.example}
clients: [alice]
layers: {debian: 29MB, app-v1: 2000001B}
images:
  app:v1: [debian, app-v1]
steps:
  - say: Alice pushes her first version.
  - run: docker build -t registry.example/team/app:v1 .
  - run: docker push registry.example/team/app:v1
"""


def scenario_file(tmp_path: Path, expect: str, name: str = "mine.yaml") -> Path:
    path = tmp_path / name
    path.write_text(HEAD + f"    expect: {expect}\n", encoding="utf-8")
    return path


def lint(path: Path) -> list[str]:
    problems, _ = lint_paths([path])
    return [str(p) for p in problems]


@pytest.mark.parametrize(("within", "holds"), [('"20%"', False), ('"50000%"', True), ("0.5", False),
                                               ("7", True), ("7s", True), ("500ms", False)])
def test_within_is_a_share_with_percent_and_absolute_seconds_otherwise(tmp_path, within, holds):
    # The push takes a few hundredths of a second on the default fast link.
    path = scenario_file(tmp_path, f"{{seconds: {{about: 6.5, within: {within}}}}}")
    found = lint(path)
    assert (found == []) is holds, found
    if not holds:
        assert found[0].startswith(f"{path}:13:") and "seconds is" in found[0] and "not 6.5 s ±" in found[0]


@pytest.mark.parametrize("within", ['"twenty%"', '"-5%"', "soon", "[1]"])
def test_a_bad_within_is_one_problem_at_its_line_and_play_exits_2(tmp_path, capsys, within):
    path = scenario_file(tmp_path, f"{{seconds: {{about: 6.5, within: {within}}}}}")
    found = lint(path)
    assert len(found) == 1 and re.match(rf"{re.escape(str(path))}:13:\d+: within .* is not", found[0]), found
    assert main(["play", str(path)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and f"{path}:13:" in err


def test_an_unknown_error_code_is_refused_at_its_line(tmp_path):
    path = scenario_file(tmp_path, "{ok: false, error: NOPE}")
    assert lint(path) == [f"{path}:13:32: unknown error code 'NOPE' (did you mean 'NO_RECIPE'?)"]


def test_every_error_code_the_model_can_report_is_accepted():
    # The registry's codes are the spec's and distribution's (opencontainers/distribution-spec spec.md,
    # "Error Codes"; distribution registry/api/errcode); the client's own come from its `fail` calls.
    root = Path(__file__).resolve().parent.parent / "regsim"
    text = "\n".join(p.read_text(encoding="utf-8") for p in root.rglob("*.py"))
    used = set(re.findall(r'fail\(\s*"([A-Z_]+)"', text))
    assert used and used <= set(ERROR_CODES), used - set(ERROR_CODES)


def test_lint_replays_and_reports_an_expectation_that_does_not_hold(tmp_path):
    path = scenario_file(tmp_path, "{ok: true, layers_pushed: 3}")
    assert lint(path) == [f"{path}:13:24: this expectation does not hold: layers_pushed is 2, not 3"]


def test_a_failed_size_expectation_never_shows_the_same_value_twice(tmp_path, capsys):
    # 31,000,001 bytes and 31,000,000 bytes both round to 31MB: the exact bytes are shown instead.
    path = scenario_file(tmp_path, "{stored: {registry.example: 31MB}, layers_up: 31MB}")
    assert main(["play", "--check", str(path)]) == 1
    err = capsys.readouterr().err
    assert "registry.example 31,000,000 B, got registry.example 31,000,001 B" in err
    assert "expected layers_up = 31,000,000 B, got 31,000,001 B" in err


def test_play_without_check_marks_a_failed_expectation_and_exits_0(tmp_path, capsys):
    path = scenario_file(tmp_path, "{layers_pushed: 3}")
    assert main(["play", str(path)]) == 0
    out = capsys.readouterr().out
    step3 = out.split("── step 3 of 3")[1]
    assert "✗ expectation not met (line 12): layers_pushed is 2, not 3" in step3
    assert "1 expectation(s) did not hold" in out


def test_summary_is_optional_and_lists_show_the_first_say(tmp_path, capsys):
    folder = tmp_path / "course"
    (folder / "scenarios").mkdir(parents=True)
    scenario_file(folder / "scenarios", "{ok: true}", name="my-own.yaml")
    scenario = parse_scenario((folder / "scenarios" / "my-own.yaml").read_text(encoding="utf-8"))
    assert scenario.summary == "" and scenario.blurb == "Alice pushes her first version."
    assert main(["--lessons", str(folder), "scenarios", "--json"]) == 0
    items = {item["id"]: item for item in json.loads(capsys.readouterr().out)}
    assert items["my-own"]["summary"] == "Alice pushes her first version."
    assert "shared-base" in items


def test_lessons_dir_reaches_its_scenarios_for_play_and_chart(tmp_path, capsys):
    folder = tmp_path / "course"
    (folder / "scenarios").mkdir(parents=True)
    scenario_file(folder / "scenarios", "{ok: true}", name="my-own.yaml")
    assert main(["play", "my-own"]) == 2
    assert "no such scenario" in capsys.readouterr().err
    assert main(["--lessons", str(folder), "play", "--check", "my-own"]) == 0
    assert main(["--lessons", str(folder), "chart", "my-own", "-o", str(tmp_path / "x.csv")]) == 0
    assert (tmp_path / "x.csv").exists()


def test_the_app_lists_an_instructor_folders_scenarios(tmp_path):
    from regsim.tui.app import RegsimApp

    folder = tmp_path / "course"
    (folder / "scenarios").mkdir(parents=True)
    scenario_file(folder / "scenarios", "{ok: true}", name="my-own.yaml")
    app = RegsimApp(lesson_dirs=[folder])
    titles = {entry.path.stem: entry.summary for entry in app.catalog()}
    assert titles["my-own"] == "Alice pushes her first version." and "shared-base" in titles


def test_a_lesson_page_that_rewinds_the_scenario_is_refused(tmp_path):
    source = (content_dir("lessons") / "06-layers-travel-once.md").read_text(encoding="utf-8")
    lines = source.splitlines()
    at = lines.index("steps: alice-builds-v2..alice-tags-v2")
    lines[at] = "steps: 2..alice-tags-v2"     # the page before showed steps 1 to 4
    path = tmp_path / "06.md"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert lint(path) == [f"{path}:{at + 1}:8: this page's steps go backwards: it starts at step 2 (alice-tags-v1), "
                          "but an earlier page already showed up to step 4 (bob-pulls-v1); start at step 4 or later"]


def test_a_bundled_lesson_copy_lints_clean(tmp_path):
    shutil.copy(content_dir("lessons") / "06-layers-travel-once.md", tmp_path / "06.md")
    assert lint(tmp_path / "06.md") == []


def test_content_error_is_not_raised_for_a_scenario_without_summary():
    try:
        parse_scenario(HEAD)
    except ContentError as error:  # pragma: no cover - the failure shows the problems
        pytest.fail(str(error))
