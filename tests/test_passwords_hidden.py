"""No password is printed: a scenario may spell out a made-up `docker login -p …`, but play's text
and JSON, the worksheet and the app show `-p ***` (docker itself warns that a password on the
command line is insecure: docker/cli cli/command/registry/login.go, "Using --password via the CLI
is insecure")."""

from __future__ import annotations

import json

from regsim.cli import main
from regsim.scenario.prompt import masked_command, prompt_line

PASSWORDS = ("hunter2-but-longer", "correct-horse-battery", "wonderland")


def test_play_text_and_json_show_no_password(capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["play", "private-pull"]) == 0
    text = capsys.readouterr().out
    assert "bob$ docker login registry.example -u bob -p ***" in text
    assert main(["play", "private-pull", "--json"]) == 0
    printed = capsys.readouterr().out
    logins = [step["command"] for step in json.loads(printed) if "login" in (step["command"] or "")]
    assert logins and all(" -p *** " in f"{command} " for command in logins)
    for password in PASSWORDS:
        assert password not in text and password not in printed


def test_every_spelling_of_a_secret_is_masked() -> None:
    assert prompt_line("ci", "docker login r.example -u ci --password=s3cret") == (
        "ci$ docker login r.example -u ci --password=***")
    assert masked_command("kubelet pull --pull-secret ops:s3cret registry.example/a:1") == (
        "kubelet pull --pull-secret *** registry.example/a:1")
    assert prompt_line(None, "docker pull app:v1") == "$ docker pull app:v1"
