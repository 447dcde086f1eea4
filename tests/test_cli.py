"""The `regsim` command line as a student or instructor types it."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from regsim import __version__
from regsim.bundled import scenario_files
from regsim.cli import main

ROOT = Path(__file__).resolve().parent.parent

WRONG_EXPECT = """\
version: 1
title: A wrong expectation
summary: The push sends two layers, but the file says three.
registries:
  - {name: registry.example}
clients: [alice]
layers: {a: 1MB, b: 2MB}
images:
  app:v1: [a, b]
steps:
  - run: docker build -t app:v1 .
  - run: docker tag app:v1 registry.example/team/app:v1
  - say: Alice pushes.
    run: docker push registry.example/team/app:v1
    expect: {ok: true, layers_pushed: 3}
"""


def _one_clean_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    # Problems in a file start with FILE:LINE:COL (so editors can jump there); other errors with "regsim: ".
    assert lines[0].startswith("regsim: ") or re.match(r"^\S+:\d+:\d+: ", lines[0]), lines[0]
    return lines[0]


def test_version_prints_the_package_version(capsys) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.strip() == f"regsim {__version__}"


def test_help_lists_the_commands(capsys) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SystemExit) as exit_:
        main(["--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    for command in ("play", "lint", "chart", "scenarios"):
        assert command in out


# ----- play --json ---------------------------------------------------------------------------------


def _play_json(capsys, name: str = "first-push-pull") -> list[dict]:  # type: ignore[no-untyped-def]
    assert main(["play", name, "--json"]) == 0
    out = capsys.readouterr().out
    return json.loads(out)        # one JSON array and nothing else


def test_play_json_prints_one_array_with_one_object_per_step(capsys) -> None:  # type: ignore[no-untyped-def]
    steps = _play_json(capsys)
    assert isinstance(steps, list)
    assert [s["index"] for s in steps] == [1, 2, 3, 4, 5, 6]


def test_play_json_objects_have_every_field_the_design_names_with_the_right_types(capsys) -> None:  # type: ignore[no-untyped-def]
    steps = _play_json(capsys, "mirror-near-site")
    assert steps
    for step in steps:
        assert isinstance(step["index"], int) and not isinstance(step["index"], bool)
        assert step["actor"] is None or isinstance(step["actor"], str)
        assert step["command"] is None or isinstance(step["command"], str)
        assert isinstance(step["ok"], bool)
        assert step["error"] is None or isinstance(step["error"], str)
        assert step["ok"] == (step["error"] is None)
        assert isinstance(step["requests"], list)
        for request in step["requests"]:
            assert isinstance(request["method"], str)
            assert request["method"] in ("GET", "HEAD", "POST", "PATCH", "PUT", "DELETE")
            assert isinstance(request["path"], str) and request["path"].startswith("/")
            assert isinstance(request["status"], int)
            assert isinstance(request["bytes"], int) and request["bytes"] >= 0
            assert isinstance(request["from"], str) and isinstance(request["to"], str)
        for key in ("layer_bytes_up", "layer_bytes_down", "naive_layer_bytes_up", "naive_layer_bytes_down"):
            assert isinstance(step[key], int) and not isinstance(step[key], bool) and step[key] >= 0, key
        assert isinstance(step["seconds"], (int, float)) and step["seconds"] >= 0
        assert isinstance(step["storage"], dict)
        assert set(step["storage"]) == {"registry.example", "mirror.site.example"}
        for host, usage in step["storage"].items():
            assert isinstance(usage["stored_layer_bytes"], int), host
            assert isinstance(usage["logical_layer_bytes"], int), host


def test_play_json_shows_the_actor_and_the_command_as_written(capsys) -> None:  # type: ignore[no-untyped-def]
    steps = _play_json(capsys)
    push = steps[2]
    assert push["actor"] == "alice"
    assert push["command"] == "docker push registry.example/team/app:v1"
    assert push["layer_bytes_up"] == 16_500_000
    assert push["storage"]["registry.example"]["stored_layer_bytes"] == 16_500_000
    assert steps[3]["actor"] is None       # a registry-side command has no acting client


def test_play_without_json_prints_the_story(capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["play", "first-push-pull"]) == 0
    out = capsys.readouterr().out
    assert "First push, first pull" in out
    assert "step 3 of 6" in out
    assert "Pushed" in out and "Pull complete" in out


# ----- play --check ---------------------------------------------------------------------------------


def test_check_on_a_wrong_expectation_exits_1_naming_the_step_expected_and_actual(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "wrong.yaml"
    path.write_text(WRONG_EXPECT)
    assert main(["play", str(path), "--check"]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    line = lines[0]
    assert line.startswith(f"{path}:13")          # the step starts on line 13
    assert "step 3" in line
    assert "layers_pushed" in line
    assert "3" in line.split("expected", 1)[1]
    assert re.search(r"got 2\b", line), line


def test_check_passes_when_the_expectation_is_right(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "right.yaml"
    path.write_text(WRONG_EXPECT.replace("layers_pushed: 3", "layers_pushed: 2"))
    assert main(["play", str(path), "--check"]) == 0


# ----- bad input: exit 2, one line, no traceback ----------------------------------------------------


def test_a_missing_scenario_file_exits_2_with_one_line(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    missing = tmp_path / "nope.yaml"
    assert main(["play", str(missing)]) == 2
    captured = capsys.readouterr()
    line = _one_clean_line(captured.err)
    assert str(missing) in line
    assert captured.out == ""


@pytest.mark.parametrize("command", ["play", "open"])
def test_a_folder_given_as_a_scenario_says_so_in_words(tmp_path, capsys, command) -> None:  # type: ignore[no-untyped-def]
    assert main([command, str(tmp_path)]) == 2
    line = _one_clean_line(capsys.readouterr().err)
    assert line.startswith(f"{tmp_path}:1:1: this is a folder")
    assert "Errno" not in line


def test_a_file_that_is_not_text_says_so_in_words(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    binary = tmp_path / "photo.yaml"
    binary.write_bytes(b"\xff\xfe\x00")
    assert main(["play", str(binary)]) == 2
    assert "is not UTF-8 text" in _one_clean_line(capsys.readouterr().err)


def test_a_chart_written_to_a_folder_suggests_a_file_in_it(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["chart", "shared-base", "-o", str(tmp_path)]) == 2
    line = _one_clean_line(capsys.readouterr().err)
    assert "it is a folder" in line and str(tmp_path / "chart.png") in line
    assert list(tmp_path.iterdir()) == []


def test_a_misspelt_chart_kind_suggests_the_right_one(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["chart", "shared-base", "--kind", "transfr", "-o", str(tmp_path / "x.png")]) == 2
    assert "did you mean 'transfer'?" in _one_clean_line(capsys.readouterr().err)


def test_a_misspelt_bundled_id_suggests_the_right_one(capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["play", "first-push-pul"]) == 2
    line = _one_clean_line(capsys.readouterr().err)
    assert "did you mean 'first-push-pull'" in line


def test_a_file_that_is_not_yaml_exits_2_with_file_line_and_column(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "broken.yaml"
    path.write_text("version: 1\ntitle: ok\n\tsummary: a tab starts this line\n")
    assert main(["play", str(path)]) == 2
    line = _one_clean_line(capsys.readouterr().err)
    match = re.search(rf"{re.escape(str(path))}:(\d+):(\d+): ", line)
    assert match, line
    assert int(match.group(1)) == 3
    assert line.endswith("indent with spaces, not tabs")


def test_an_unquoted_colon_in_a_value_says_to_quote_it(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "colon.yaml"
    path.write_text("version: 1\ntitle: Before reading on: guess\n")
    assert main(["play", str(path)]) == 2
    line = _one_clean_line(capsys.readouterr().err)
    assert line.startswith(f"{path}:2:")
    assert "needs quotes around it" in line


def test_a_scenario_with_problems_exits_2_listing_them_when_played(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "typo.yaml"
    path.write_text(WRONG_EXPECT.replace("summary:", "sumary:"))
    assert main(["play", str(path)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert "did you mean 'summary'" in err
    assert f"{path}:3:1" in err


# ----- chart ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix,magic", [(".png", b"\x89PNG"), (".svg", b"<"), (".csv", b"step,")])
def test_chart_writes_the_format_its_suffix_names(tmp_path, capsys, suffix, magic) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / f"chart{suffix}"
    assert main(["chart", "first-push-pull", "-o", str(out)]) == 0
    data = out.read_bytes()
    assert data.startswith(magic) or (suffix == ".svg" and b"<svg" in data[:2000])
    if suffix == ".svg":
        assert b"<svg" in data
    assert str(out) in capsys.readouterr().out


def test_chart_csv_has_one_row_per_step_with_the_same_bytes_as_play_json(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "t.csv"
    assert main(["chart", "first-push-pull", "-o", str(out)]) == 0
    rows = out.read_text().strip().splitlines()
    assert len(rows) == 1 + 6
    header = rows[0].split(",")
    push = dict(zip(header, rows[3].split(","), strict=False))
    assert push["actual_bytes"] == "16500000"


def test_chart_until_keeps_only_the_first_steps(tmp_path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "t.csv"
    assert main(["chart", "first-push-pull", "-o", str(out), "--until", "3"]) == 0
    assert len(out.read_text().strip().splitlines()) == 1 + 3


@pytest.mark.parametrize("args,says", [
    (["-o", "{d}/x.png", "--kind", "pie"], "pie"),
    (["-o", "{d}/x.txt"], ".txt"),
    (["-o", "{d}/x"], "suffix"),
    (["-o", "{d}/x.png", "--until", "0"], "--until 0"),
    (["-o", "{d}/x.png", "--until", "7"], "--until 7"),
    (["-o", "{d}/no/such/dir/x.png"], "does not exist"),
], ids=["kind", "suffix", "no-suffix", "until-0", "until-past-end", "no-dir"])
def test_chart_with_bad_input_exits_2_with_one_line_and_leaves_no_file(tmp_path, capsys, args, says) -> None:  # type: ignore[no-untyped-def]
    args = [a.replace("{d}", str(tmp_path)) for a in args]
    assert main(["chart", "first-push-pull", *args]) == 2
    captured = capsys.readouterr()
    line = _one_clean_line(captured.err)
    assert says in line
    assert list(tmp_path.rglob("*")) == []


# ----- scenarios, subprocess -------------------------------------------------------------------------


def test_scenarios_json_lists_every_bundled_id(capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["scenarios", "--json"]) == 0
    items = json.loads(capsys.readouterr().out)
    assert [item["id"] for item in items] == [p.stem for p in scenario_files()]
    assert "first-push-pull" in [item["id"] for item in items]
    for item in items:
        assert item["title"] and item["summary"] and item["steps"] > 0


def test_python_dash_m_regsim_plays_a_scenario_in_a_fresh_process() -> None:
    result = subprocess.run([sys.executable, "-m", "regsim", "play", "first-push-pull", "--check"],
                            capture_output=True, text=True, cwd=ROOT, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert "Pull complete" in result.stdout
    assert "every expectation held" in result.stderr


def test_python_dash_m_regsim_with_bad_input_exits_2_without_a_traceback(tmp_path) -> None:  # type: ignore[no-untyped-def]
    result = subprocess.run([sys.executable, "-m", "regsim", "play", str(tmp_path / "none.yaml")],
                            capture_output=True, text=True, cwd=ROOT, timeout=120, check=False)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
