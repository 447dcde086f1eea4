"""A command line parses into a typed command: its verb, its arguments by name, what it names."""

from __future__ import annotations

import pytest

from regsim.scenario.commands import (
    Build,
    Command,
    CommandError,
    Images,
    Login,
    Logout,
    Pull,
    Push,
    Recorded,
    RegistryCatalog,
    RegistryDelete,
    RegistryGc,
    RegistryGrant,
    RegistryTags,
    Rmi,
    SetLink,
    SystemDf,
    Tag,
    Verb,
    Wait,
    parse_command,
)
from regsim.scenario.loader import parse_scenario
from regsim.scenario.problems import ContentError


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("docker build -t app:v1 .", Build("docker build -t app:v1 .", "app:v1")),
        ("docker tag app:v1 r.example/app:v1",
         Tag("docker tag app:v1 r.example/app:v1", "app:v1", "r.example/app:v1")),
        ("docker push r.example/app:v1", Push("docker push r.example/app:v1", "r.example/app:v1")),
        ("docker pull --platform linux/arm64 app",
         Pull("docker pull --platform linux/arm64 app", "app", "linux/arm64")),
        ("docker pull app", Pull("docker pull app", "app", None)),
        ("docker login r.example -u alice -p pw",
         Login("docker login r.example -u alice -p pw", "r.example", "alice", "pw")),
        ("docker logout r.example", Logout("docker logout r.example", "r.example")),
        ("docker rmi app:v1", Rmi("docker rmi app:v1", "app:v1")),
        ("docker images", Images("docker images")),
        ("docker image ls", Images("docker image ls")),
        ("docker system df", SystemDf("docker system df")),
        ("registry delete r.example/app:v1", RegistryDelete("registry delete r.example/app:v1", "r.example/app:v1")),
        ("registry gc", RegistryGc("registry gc", None, False)),
        ("registry gc --delete-untagged r.example",
         RegistryGc("registry gc --delete-untagged r.example", "r.example", True)),
        ("registry tags r.example/app", RegistryTags("registry tags r.example/app", "r.example/app")),
        ("registry catalog", RegistryCatalog("registry catalog", None)),
        ("registry grant ci push,pull r.example/team/app",
         RegistryGrant("registry grant ci push,pull r.example/team/app", "ci", ("push", "pull"), "r.example/team/app")),
        ("registry revoke ci delete r.example/team/app",
         RegistryGrant("registry revoke ci delete r.example/team/app", "ci", ("delete",), "r.example/team/app",
                       revoke=True)),
        ("network down alice r.example", SetLink("network down alice r.example", "alice", "r.example", up=False)),
        ("network up alice r.example", SetLink("network up alice r.example", "alice", "r.example", up=True)),
        ("wait 2h", Wait("wait 2h", "2h")),
    ],
)
def test_a_command_line_parses_into_its_typed_command(text: str, command: Command) -> None:
    assert parse_command(text) == command


def test_verbs_families_and_who_runs_them() -> None:
    assert parse_command("docker system df").verb == Verb.DF
    assert parse_command("network down a b").verb == Verb.NETWORK_DOWN
    assert parse_command("network up a b").family == "network"
    assert parse_command("registry gc").family == "registry"
    assert parse_command("docker push app").needs_client
    assert not parse_command("registry gc").needs_client
    assert not parse_command("wait 1s").needs_client
    wait = parse_command("wait 90s")
    assert isinstance(wait, Wait) and wait.seconds == 90.0


def test_a_command_names_the_references_and_hosts_that_are_checked_before_it_runs() -> None:
    assert parse_command("docker tag a:v1 r.example/a:v1").references == ("a:v1", "r.example/a:v1")
    assert parse_command("registry delete r.example/a:v1").references == ("r.example/a:v1",)
    assert parse_command("docker images").references == ()
    assert parse_command("docker login r.example -u a -p b").hosts == ("r.example",)
    assert parse_command("registry tags r.example/team/a").hosts == ("r.example",)
    assert parse_command("registry gc").hosts == ()


def test_a_recorded_live_operation_is_described_not_run() -> None:
    push = Recorded("push team/app:v1", "push")
    assert push.verb == "push" and push.family == "push" and push.needs_client
    assert not Recorded("delete team/app", "delete").needs_client


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("docker", "docker needs a verb: build, tag"),
        ("docker build app", "usage: docker build -t NAME"),
        ("docker pusj app", "did you mean 'push'"),
        ("registry gc a b", "usage: registry gc"),
        ("registry grant ci write r.example/team/app", "'write' is not an action a registry grants"),
        ("registry grant ci push team/app", "name the repository with its registry, HOST/REPO"),
        ("registry revoke ci push r.example/team/app:v1", "without a tag or digest"),
        ("network sideways a b", "usage: network down A B"),
        ("wait soon", "is not a duration"),
    ],
)
def test_a_command_that_cannot_run_says_how_to_write_it(text: str, message: str) -> None:
    with pytest.raises(CommandError, match=message):
        parse_command(text)


def test_a_grant_the_scenario_cannot_carry_out_is_reported_at_its_line_and_column() -> None:
    text = """version: 1
title: Grants
registries: [{name: r.example, auth: token}, {name: open.example}]
users: {alice: {password: wonderland}}
repositories: {r.example/team/app: {grants: {alice: [pull]}}}
steps:
  - run: registry grant alise push r.example/team/app
  - run: registry grant alice push r.example/team/ap
  - run: registry grant alice push open.example/team/app
"""
    with pytest.raises(ContentError) as caught:
        parse_scenario(text, "grants.yaml")
    assert [str(problem) for problem in caught.value.problems] == [
        "grants.yaml:7:10: r.example has no account 'alise' (did you mean 'alice'?)",
        "grants.yaml:8:10: r.example keeps no grants for 'team/ap' (did you mean 'team/app'?)",
        "grants.yaml:9:10: open.example has no accounts (auth: none), so there is nothing to grant there",
    ]
