"""`save FILE` in the sandbox: what was typed becomes a scenario file that replays to the same records."""

from __future__ import annotations

from pathlib import Path

import pytest

from regsim.bundled import find_scenario
from regsim.lessons.lint import lint_paths
from regsim.scenario.engine import Player, replay
from regsim.scenario.loader import load_scenario
from regsim.scenario.sandbox import SandboxSession
from regsim.scenario.writer import exact_size


def replays_the_same(session: SandboxSession, path: Path) -> None:
    run = replay(load_scenario(path))
    assert [r.to_dict() for r in run.records] == [r.to_dict() for r in session.records_so_far()]
    problems, _ = lint_paths([path])
    assert problems == []


def test_a_session_from_a_scenarios_setup_round_trips(tmp_path):
    session = SandboxSession.from_scenario(load_scenario(find_scenario("first-push-pull")))
    typed = ["docker build -t registry.example/team/app:v1 .", "docker push registry.example/team/app:v1",
             "as bob", "docker pull registry.example/team/app:v1", "docker pull registry.example/team/nope:v1",
             "docker rmi registry.example/team/app:v1", "undo", "registry gc"]
    assert [session.enter(line).kind for line in typed] == ["ran", "ran", "actor", "ran", "ran", "ran", "undo",
                                                           "ran"]
    target = tmp_path / "mine.yaml"
    reply = session.enter(f"save {target}")
    assert reply.kind == "saved" and str(target) in reply.message
    text = target.read_text(encoding="utf-8")
    assert "docker rmi" not in text                 # what was undone is not kept
    assert "error: MANIFEST_UNKNOWN" in text and "as: bob" in text and "layers_up: 16.5MB" in text
    replays_the_same(session, target)


def test_a_session_opened_from_the_player_keeps_the_steps_before_it(tmp_path):
    player = Player(load_scenario(find_scenario("mirror-near-site")))
    player.seek(4)
    session = SandboxSession.from_player(player)
    for line in ("as south2", "crictl pull registry.example/team/app:1.0", "wait 2h", "as ci", "docker images"):
        assert session.enter(line).kind in ("ran", "actor")
    target = tmp_path / "from-step-4.yaml"
    assert session.enter(f"save {target}").kind == "saved"
    replays_the_same(session, target)
    assert len(load_scenario(target).steps) == 7


def test_save_never_writes_over_a_file_without_being_told(tmp_path):
    session = SandboxSession.from_scenario(load_scenario(find_scenario("first-push-pull")))
    session.enter("docker build -t registry.example/team/app:v1 .")
    target = tmp_path / "mine.yaml"
    target.write_text("keep me\n", encoding="utf-8")
    reply = session.enter(f"save {target}")
    assert reply.kind == "problem" and "already exists" in reply.message and "--overwrite" in reply.message
    assert target.read_text(encoding="utf-8") == "keep me\n"
    assert session.enter(f"save {target} --overwrite").kind == "saved"
    replays_the_same(session, target)


@pytest.mark.parametrize(("words", "message"), [
    ("save", "usage: save FILE.yaml"),
    ("save notes.txt", "a scenario file name ends in .yaml"),
    ("save {tmp}/missing/x.yaml", "there is no folder"),
])
def test_a_save_that_cannot_be_done_is_one_line(tmp_path, words, message):
    session = SandboxSession.from_scenario(load_scenario(find_scenario("first-push-pull")))
    reply = session.enter(words.format(tmp=tmp_path))
    assert reply.kind == "problem" and message in reply.message and "\n" not in reply.message


@pytest.mark.parametrize(("size", "units", "text"), [
    (16_500_000, "decimal", "16.5MB"), (31_000_001, "decimal", "31000001B"), (512, "decimal", "512B"),
    (3 * 1024**2, "binary", "3MiB"), (0, "decimal", "0B"),
])
def test_a_saved_size_reads_back_to_the_byte(size, units, text):
    assert exact_size(size, units) == text


def test_a_challenge_saved_from_its_sandbox_is_a_scenario_without_the_challenges_keys(tmp_path):
    """A challenge file is a scenario plus task, goal, limits, hints…; `save` keeps the scenario part only."""
    from regsim.bundled import content_dir
    from regsim.challenge.loader import load_challenge
    from regsim.challenge.session import ChallengeSession

    session = ChallengeSession(load_challenge(content_dir("challenges") / "move-latest.yaml"))
    session.enter("docker images")
    target = tmp_path / "from-a-challenge.yaml"
    assert session.sandbox.enter(f"save {target}").kind == "saved"
    text = target.read_text(encoding="utf-8")
    assert "goal:" not in text and "hints:" not in text and "solution:" not in text
    replays_the_same(session.sandbox, target)
