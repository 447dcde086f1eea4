"""The sandbox session without the app: typed commands run as scenario steps, undo, `as NAME`."""

from __future__ import annotations

import pytest

from regsim.bundled import find_scenario
from regsim.scenario.engine import Player
from regsim.scenario.loader import load_scenario
from regsim.scenario.sandbox import SandboxSession, summary_lines, usage_lines

REGISTRY = "registry.example"
APP = f"{REGISTRY}/team/app:v1"


def test_a_typed_push_is_recorded_exactly_as_a_scenario_step_would_be() -> None:
    session = SandboxSession.from_scenario(load_scenario(find_scenario("first-push-pull")))
    for line in ("docker build -t app:v1 .", f"docker tag app:v1 {APP}"):
        assert session.enter(line).kind == "ran"
    reply = session.enter(f"docker push {APP}")
    record = reply.record
    assert reply.kind == "ran" and record is not None and record.ok
    assert record.index == 3 and record.actor == "alice" and record.verb == "push"
    assert record.layers_pushed == 3 and record.layer_bytes_up == record.naive_layer_bytes_up
    assert record.requests and record.requests[0].path == "/v2/"


def test_undo_takes_back_the_world_and_the_record() -> None:
    session = SandboxSession.from_scenario(load_scenario(find_scenario("first-push-pull")))
    session.enter("docker build -t app:v1 .")
    before = session.world
    session.enter(f"docker tag app:v1 {APP}")
    assert session.world is not before
    reply = session.undo()
    assert reply.kind == "undo" and "docker tag" in reply.message
    assert session.world is before and len(session.records) == 1
    assert session.undo().kind == "undo"
    assert session.undo().kind == "problem"


def test_as_switches_the_acting_client_and_unknown_names_are_refused() -> None:
    session = SandboxSession.from_scenario(load_scenario(find_scenario("first-push-pull")))
    assert session.actor == "alice"
    assert session.enter("as bob").kind == "actor" and session.actor == "bob"
    refused = session.enter("as bobby")
    assert refused.kind == "problem" and "did you mean 'bob'" in refused.message
    assert session.actor == "bob"


@pytest.mark.parametrize("name", ["mirror-near-site", "first-push-pull", "cross-repo-mount"])
def test_the_command_lines_hint_names_a_client_of_this_scenario(name: str) -> None:
    session = SandboxSession.from_scenario(load_scenario(find_scenario(name)))
    hint = session.hint()
    others = [client for client in session.clients if client != session.actor]
    if others:
        assert f"as {others[0]}" in hint
        assert session.enter(f"as {others[0]}").kind == "actor"  # what it suggests works
        assert f"as {session.clients[0]}" in session.hint()  # and now: back to the first
    else:
        assert " as " not in f" {hint}"  # one client: nobody else to act as
    assert "bob" not in hint or "bob" in session.clients


def test_commands_naming_hosts_the_world_lacks_are_refused_before_running() -> None:
    """A name with no host is Docker Hub's (distribution/reference normalize.go, ParseNormalizedNamed);
    the sandbox has none and cannot be given one, so it says what to type instead."""
    session = SandboxSession.from_scenario(load_scenario(find_scenario("first-push-pull")))
    for line, words in (
        ("docker pull app:v1", "sends it to Docker Hub (docker.io/library/app:v1), and there is no Docker Hub "
                               "in this sandbox (its registries: registry.example): write a registry's name first"),
        ("docker push app:v1", "then push that"),
        ("docker pull elsewhere.example/app:v1", "not a registry here"),
        ("registry gc elsewhere.example", "not a registry here"),
        ("network down alice nowhere", "not a client or registry here"),
        ("docker build -t nope:v9", "nothing here to build nope:v9: this sandbox has the files a build needs"
                                    " (a Dockerfile and its app) only for app:v1"),
        ("docker push", "usage: docker push"),
    ):
        reply = session.enter(line)
        assert reply.kind == "problem" and words in reply.message, line
        assert "add a registry" not in reply.message and not (reply.lines and "Docker Hub" in reply.message)
    assert session.records == []


def test_a_sandbox_opened_in_the_player_starts_from_the_world_shown_and_the_next_steps_actor() -> None:
    player = Player(load_scenario(find_scenario("first-push-pull")))
    player.seek(4)  # build, tag, push, list the tags: bob pulls next
    upcoming = player.next_step
    assert upcoming is not None and upcoming.actor == "bob"
    session = SandboxSession.from_player(player)
    assert session.start_step == 4 and session.actor == "bob"
    assert session.world is not player.world  # a copy: the player's replay is never changed
    # a short name: the repository that holds it here is named in full
    assert session.enter("docker pull app:v1").message.endswith("pull it by its full name: " + APP)
    record = session.enter(f"docker pull {APP}").record
    assert record is not None and record.ok and record.index == 5 and record.actor == "bob"
    assert [r.index for r in session.run.records] == [1, 2, 3, 4, 5]  # the charts read both
    assert len(session.run.worlds) == 6


def test_help_lists_every_usage_and_an_empty_line_does_nothing() -> None:
    session = SandboxSession.from_scenario(load_scenario(find_scenario("first-push-pull")))
    reply = session.enter("help")
    assert reply.kind == "help" and reply.lines == usage_lines()
    assert any(line.startswith("docker pull") for line in reply.lines)
    assert session.enter("   ").kind == "empty" and session.history == ["help"]
    # the line that names help comes before the artifact tools', so a short panel still shows it
    assert summary_lines()[-2].startswith("wait DURATION")
    assert summary_lines()[-1] == "cosign sign, verify · oras attach, discover · helm push"
