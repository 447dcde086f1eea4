"""`regsim lint`: every mistake in a scenario file, at once, as FILE:LINE:COL, never a traceback."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from regsim.cli import main
from regsim.scenario.engine import replay
from regsim.scenario.loader import parse_scenario
from regsim.scenario.problems import ContentError

FIXTURES = Path(__file__).resolve().parent / "fixtures"
BAD = FIXTURES / "bad_many_mistakes.yaml"

# (line, column, a piece of the message) for every mistake in bad_many_mistakes.yaml
EXPECTED = [
    (1, 1, "title is required"),
    (5, 5, "unknown key 'atuh' in a registry (did you mean 'auth'?)"),
    (9, 8, "'12 MBs' is not a size"),
    (11, 18, "unknown layer 'apps'"),
    (13, 10, "unknown client 'carol'"),
    (15, 10, "'registry.exmaple' (did you mean 'registry.example'?)"),
    (18, 5, "'run' is given twice"),
]

CLEAN = """\
version: 1
title: Clean
summary: A file with nothing wrong.
registries:
  - {name: registry.example}
clients: [alice]
layers: {base: 10MB}
images:
  app:v1: [base]
steps:
  - say: Alice builds.
    run: docker build -t app:v1 .
    expect: {ok: true}
"""


def _problem_lines(out: str) -> list[tuple[str, int, int, str]]:
    found = []
    for line in out.strip().splitlines():
        match = re.fullmatch(r"(.+?):(\d+):(\d+): (.+)", line)
        assert match, f"not FILE:LINE:COL: {line!r}"
        found.append((match.group(1), int(match.group(2)), int(match.group(3)), match.group(4)))
    return found


def test_lint_reports_every_mistake_at_once_with_the_right_lines(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "bad.yaml"
    shutil.copy(BAD, path)
    assert main(["lint", str(path)]) == 1
    captured = capsys.readouterr()
    assert "Traceback" not in captured.out + captured.err
    problems = _problem_lines(captured.out)
    assert all(p[0] == str(path) for p in problems)
    assert [(line, col) for _, line, col, _ in problems] == [(line, col) for line, col, _ in EXPECTED]
    for (_, _, _, message), (_, _, piece) in zip(problems, EXPECTED, strict=True):
        if piece.startswith("'registry.exmaple'"):
            assert "'registry.exmaple'" in message and "(did you mean 'registry.example'?)" in message
        else:
            assert piece in message
    assert f"{len(EXPECTED)} problem(s) in 1 file(s)" in captured.err


def test_lint_on_a_clean_file_exits_0_and_prints_no_problems(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "clean.yaml"
    path.write_text(CLEAN)
    assert main(["lint", str(path)]) == 0
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "1 file(s) checked: no problems" in captured.err


def test_lint_on_a_folder_checks_every_file_in_it(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "clean.yaml").write_text(CLEAN)
    shutil.copy(BAD, tmp_path / "bad.yaml")
    assert main(["lint", str(tmp_path)]) == 1
    captured = capsys.readouterr()
    files = {p[0] for p in _problem_lines(captured.out)}
    assert files == {str(tmp_path / "bad.yaml")}
    assert "in 2 file(s)" in captured.err


def test_lint_on_a_missing_file_is_a_problem_not_a_crash(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["lint", str(tmp_path / "gone.yaml")]) == 1
    assert _problem_lines(capsys.readouterr().out) == [(str(tmp_path / "gone.yaml"), 1, 1, "no such file")]


def test_lint_on_an_empty_folder_exits_2(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["lint", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("regsim: no scenario or lesson files found")


def test_a_bad_command_names_the_usage(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "cmd.yaml"
    path.write_text(CLEAN.replace("docker build -t app:v1 .", "docker biuld -t app:v1 ."))
    assert main(["lint", str(path)]) == 1
    problems = _problem_lines(capsys.readouterr().out)
    assert [(p[1], p[2]) for p in problems] == [(12, 10)]
    assert "did you mean 'build'" in problems[0][3]


def test_a_layer_with_a_bad_size_is_reported_once_not_also_as_unknown(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "size.yaml"
    path.write_text(CLEAN.replace("layers: {base: 10MB}", "layers: {base: 10 MBs}"))
    assert main(["lint", str(path)]) == 1
    problems = _problem_lines(capsys.readouterr().out)
    assert len(problems) == 1, problems
    assert problems[0][1:3] == (7, 16)


# ----- garbage in: only ContentError comes out -------------------------------------------------------


@pytest.mark.slow
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=300))
def test_random_text_is_a_content_error_never_a_crash(text: str) -> None:
    try:
        parse_scenario(text, "garbage.yaml")
    except ContentError as error:
        assert error.problems
        for problem in error.problems:
            assert problem.path == "garbage.yaml" and problem.line >= 1 and problem.column >= 1


_scalars = st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.floats(allow_nan=False, width=16),
                     st.sampled_from(["registry.example", "alice", "10MB", "12 MBs", "1h", "token", "computed",
                                      "docker pull app:v1", "docker push registry.example/a:b", "wait 2h",
                                      "registry gc", "network down alice registry.example", "app:v1", "base",
                                      "layers_pulled", "", "::", "-", "203.0.113.7"]))
_keys = st.sampled_from(["version", "title", "summary", "registries", "clients", "network", "users",
                         "repositories", "layers", "images", "steps", "name", "default", "auth", "mirror_of",
                         "ttl", "replicas", "rate_limit", "mirrors", "hosts", "runtime", "platform", "between",
                         "bandwidth", "latency", "as", "run", "say", "expect", "ask", "answer", "metric", "choices",
                         "base", "platforms", "visibility", "grants", "pulls", "per", "authenticated",
                         "address", "rate_limit_remaining", "lag", "stored",
                         "seconds", "about", "registry.example/team/app", "app:v1", "alice"])
_values = st.recursive(_scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                         st.dictionaries(_keys, inner, max_size=5)), max_leaves=25)


@pytest.mark.slow
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.fixed_dictionaries({"version": st.just(1), "title": st.just("t"), "summary": st.just("s")},
                             optional={k: _values for k in ("registries", "clients", "network", "users",
                                                            "repositories", "layers", "images", "steps")}))
def test_scenario_shaped_garbage_is_a_content_error_never_a_crash(document) -> None:  # type: ignore[no-untyped-def]
    text = yaml.safe_dump(document, sort_keys=False)
    try:
        scenario = parse_scenario(text, "shaped.yaml")
    except ContentError as error:
        assert error.problems
        return
    replay(scenario)     # a file that lints clean also replays without a crash


def test_a_client_whose_name_is_a_list_is_reported_not_a_crash() -> None:
    """Found by the property test above: the mirror check keyed clients by their raw `name:`."""
    text = ("version: 1\ntitle: t\nsummary: s\nregistries:\n  - name: registry.example\n"
            "clients:\n  - name: []\n    mirrors: [x]\nsteps:\n  - run: docker images\n")
    with pytest.raises(ContentError) as caught:
        parse_scenario(text, "list-name.yaml")
    assert any("list-name.yaml:7:11: the client's name must be text" in str(p) for p in caught.value.problems)
