"""Challenges: a goal world reached by typing commands, checked headlessly by the same engine the app uses."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from regsim.bundled import challenge_files, content_dir
from regsim.challenge.goals import parse_goal
from regsim.challenge.lint import lint_challenge_file
from regsim.challenge.loader import load_challenge, parse_challenge
from regsim.challenge.session import ChallengeSession
from regsim.cli import main
from regsim.lessons.lint import lint_paths
from regsim.lessons.loader import load_lesson
from regsim.lessons.progress import ProgressStore, problems_in
from regsim.scenario.problems import ContentError

BUNDLED = challenge_files()


def session(name: str) -> ChallengeSession:
    return ChallengeSession(load_challenge(content_dir("challenges") / f"{name}.yaml"))


@pytest.mark.parametrize("path", BUNDLED, ids=[p.stem for p in BUNDLED])
def test_every_bundled_challenge_is_solved_by_its_own_solution_and_not_by_doing_nothing(path: Path) -> None:
    challenge = load_challenge(path)
    assert not ChallengeSession(challenge).verdict.met, "the goal holds before any command"
    played = ChallengeSession(challenge)
    turns = played.solve(list(challenge.solution))
    assert all(turn.reply.kind != "problem" for turn in turns), [t.reply.message for t in turns]
    assert played.verdict.met, played.verdict.why_not()
    assert played.credited and sum(turn.reached for turn in turns) == 1
    assert lint_challenge_file(path) == []


def test_at_least_eight_lessons_pose_a_challenge_that_exists() -> None:
    # (Reading the blocks' names is enough here: the lesson loader's lookup is tested below, and
    # `regsim lint lessons` loads every lesson.)
    posing = {}
    for path in sorted(content_dir("lessons").glob("[0-9]*.md")):
        named = re.findall(r"```challenge\nname: (\S+)\n```", path.read_text())
        if named:
            posing[path.stem] = named
            assert all((content_dir("challenges") / f"{name}.yaml").is_file() for name in named)
    assert len(posing) >= 8, posing


def test_the_second_push_sends_only_the_new_layer_and_a_full_push_breaks_the_limit() -> None:
    # docker push stats each layer and skips those the registry has ("Layer already exists"):
    # moby distribution/push_v2.go, pushDescriptor.Upload and layerAlreadyExists.
    played = session("second-version-travels-light")
    played.solve(["docker tag app:v2 registry.example/team/app:v2", "docker push registry.example/team/app:v2"])
    record = played.sandbox.records[-1]
    assert (record.layers_pushed, record.layers_skipped, record.layer_bytes_up) == (1, 5, 2_300_000)


def test_a_push_into_a_second_repository_mounts_every_layer_and_uploads_nothing() -> None:
    # The OCI distribution spec's cross-repository blob mount (POST /blobs/uploads/?mount=&from=, 201),
    # which docker tries for blobs its metadata says live in another repository of the same registry
    # ("Mounted from …": moby distribution/push_v2.go, getRepositoryMountCandidates).
    played = session("mount-instead-of-upload")
    played.solve(["docker tag app:v1 registry.example/team-b/app:v1", "docker push registry.example/team-b/app:v1"])
    record = played.sandbox.records[-1]
    assert (record.layers_mounted, record.layer_bytes_up) == (4, 0)
    assert played.verdict.met


def test_deleting_tags_frees_nothing_until_gc_sweeps_untagged_manifests() -> None:
    # distribution registry/storage/garbagecollect.go: MarkAndSweep keeps every manifest unless
    # RemoveUntagged (`registry garbage-collect --delete-untagged`) drops those no tag names.
    played = session("keep-only-v3")
    played.solve(["registry delete registry.example/team/app:v1", "registry delete registry.example/team/app:v2",
                  "registry gc"])
    assert not played.verdict.met
    assert "stores 453MB" in played.verdict.why_not()[0]
    played.undo()
    played.enter("registry gc --delete-untagged")
    assert played.verdict.met


def test_only_pulls_through_the_mirror_keep_docker_hub_to_two_copies_of_each_layer() -> None:
    # A pull-through cache reads a blob it lacks from upstream twice (a copy into its storage, a copy
    # streamed to the client) and serves later pulls from its own storage: distribution
    # registry/proxy/proxyblobstore.go (ServeBlob: local first, else `go storeLocal` and copyContent).
    # It "responds to all normal docker pull requests" under its own name too
    # (https://docs.docker.com/docker-hub/mirror/); dockerd's registry-mirrors is only one way to reach it.
    played = session("through-the-mirror")
    played.solve(["docker pull python:3.12", "as runner-2", "docker pull python:3.12"])
    assert [check.held for check in played.verdict.goals] == [True, True, False]
    assert played.verdict.why_not()[-1] == "over the limit: 1.1GB of blobs sent by docker.io, at most 735MB"
    played.undo()
    played.solve(["docker pull mirror.ci.example/library/python:3.12", "as runner-3",
                  "docker pull mirror.ci.example/library/python:3.12"])
    assert played.verdict.met


def test_a_denied_push_stays_denied_until_an_account_with_push_logs_in() -> None:
    # A token scoped without push is refused with DENIED (403), not UNAUTHORIZED: the OCI distribution
    # spec's error codes; Docker's token auth (docs.docker.com/reference/api/registry/auth/).
    played = session("right-account")
    played.enter("docker push registry.example/team/app:1.4")
    assert played.sandbox.records[-1].error == "DENIED" and not played.verdict.met
    played.undo()
    played.solve(["docker login registry.example -u carol -p hunter2-but-longer",
                  "docker push registry.example/team/app:1.4"])
    assert played.verdict.met


def test_a_grant_from_the_administrator_lets_the_next_push_through_without_a_new_login() -> None:
    # A token carries the actions signed into it when issued; the registry checks only those
    # (distribution registry/auth/token/accesscontroller.go, Authorized), so a grant reaches a client
    # through its next token. docker asks for one on every push: moby distribution/registry.go,
    # NewV2Repository makes a new token handler per push and pull.
    played = session("grant-push")
    refused = played.enter("registry grant bob push registry.example/team/app")     # checked before it runs
    assert refused.reply.kind == "problem" and "no account 'bob'" in (refused.reply.message or "")
    turns = played.solve(["registry grant alice pull,push,delete registry.example/team/app",
                          "docker push registry.example/team/app:1.4"])
    grant, push = played.sandbox.records
    assert grant.actor is None and push.ok and "Login Succeeded" not in push.output
    assert [r.path.split("?")[0] for r in push.requests[:2]] == ["/v2/", "/token"]
    assert grant.to_dict()["access"] == {"registry": "registry.example", "repository": "team/app", "user": "alice",
                                         "change": "grant", "actions": ["pull", "push", "delete"],
                                         "holds": ["pull", "push", "delete"]}
    # Delete was more than the push needed: on Docker Hub a team with Write permission on a repository
    # pushes, and only Admin may delete (docs.docker.com, Docker Hub repository team permissions).
    assert not turns[-1].verdict.met
    played.enter("registry revoke alice delete registry.example/team/app")
    assert all(goal.held for goal in played.verdict.goals)     # the goal now; the third command is over the limit
    # The goal, "team/app:1.4 is tagged and pull-able by ci but not pushable", once push is revoked too.
    played.enter("registry revoke alice push registry.example/team/app")
    held = [goal.check(played.sandbox.world).held for goal in (parse_goal(text) for text in (
        "registry.example/team/app:1.4 exists", "ci can pull registry.example/team/app:1.4",
        "ci cannot push registry.example/team/app:1.4"))]
    assert held == [True, True, True]
    assert played.enter("docker push registry.example/team/app:1.4").reply.message is not None
    assert played.sandbox.records[-1].error == "DENIED"


def test_undo_gives_back_the_command_budget_and_hints_come_one_at_a_time() -> None:
    played = session("log-in-first")
    played.enter("docker pull registry.example/team/app:v1")          # refused: anonymous
    played.enter("docker login registry.example -u bob -p correct-horse-battery")
    played.enter("docker pull registry.example/team/app:v1")
    assert played.verdict.why_not() == ["over the limit: 3 commands, at most 2"]
    assert [len(played.hint().lines) for _ in range(3)] == [1, 2, 2]
    played.undo()
    played.undo()
    played.undo()
    turns = played.solve(list(played.challenge.solution))
    assert turns[-1].reached and played.credited


def test_seeing_the_solution_asks_first_and_then_costs_the_credit(tmp_path: Path) -> None:
    played = session("full-name-push")
    assert played.enter("help").reply.lines[-2:] == ["hint (one more hint)",
                                                     "show solution (one way to do it; no credit then)"]
    warning = played.enter("show solution").reply
    assert warning.kind == "hint" and "gives up" in warning.message and not played.solution_shown
    shown = played.enter("show solution").reply
    assert shown.kind == "solution" and shown.lines == list(played.challenge.solution)
    turns = played.solve(shown.lines)
    assert turns[-1].reached and not played.credited
    store = ProgressStore(tmp_path / "progress.json")
    store.record_challenge("full-name-push", solution_shown=True)
    store.record_challenge("full-name-push", solved=True)
    reread = ProgressStore(tmp_path / "progress.json")
    assert reread.challenge("full-name-push") == {"solved": True, "solution_shown": True}
    assert not reread.challenge_credited("full-name-push") and not problems_in(reread.data)


BAD = """\
version: 1
title: Bad
task: Do it.
registries:
  - name: registry.example
clients:
  - name: alice
layers: {a: 1MB}
images: {app:v1: [a]}
goal:
  - carol has registry.example/team/app:v1
  - bob wants cake
limits:
  comands: 3
solution:
  - docker pish registry.example/team/app:v1
explain: Because.
"""


def test_a_bad_challenge_file_gets_one_problem_per_mistake_at_its_line_and_column() -> None:
    with pytest.raises(ContentError) as caught:
        parse_challenge(BAD, "bad.yaml")
    shown = [str(problem) for problem in caught.value.problems]
    assert shown == [
        "bad.yaml:11:5: there is no client 'carol' (known: alice)",
        "bad.yaml:12:5: goal 'bob wants cake' is not one of the forms: CLIENT has REF; CLIENT does not have REF; "
        "CLIENT has REF matching REF; CLIENT has the image of REF; REF exists; REF does not exist; REF is REF; "
        "REGISTRY stores at most SIZE; CLIENT can pull|push|delete REF; CLIENT cannot pull|push|delete REF",
        "bad.yaml:14:3: unknown key 'comands' in limits (did you mean 'commands'?)",
        "bad.yaml:16:5: docker has no verb 'pish' here (did you mean 'push'?)",
    ]


def test_lint_reports_a_solution_that_misses_the_goal_at_the_solution(tmp_path: Path) -> None:
    text = (content_dir("challenges") / "full-name-push.yaml").read_text()
    broken = tmp_path / "broken.yaml"
    broken.write_text(text.replace("  - docker push registry.example/myapp:1.0\n", ""))
    problems, checked = lint_paths([broken])     # `regsim lint` tells a challenge from a scenario by its goal
    line = broken.read_text().splitlines().index("solution:") + 1
    assert checked == 1
    assert [(p.line, p.message.split(":")[0]) for p in problems] == [(line, "the solution does not reach the goal")]


def test_the_headless_check_exits_0_when_met_1_when_not_and_2_on_bad_input(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    solution = "; ".join(load_challenge(content_dir("challenges") / "move-latest.yaml").solution)
    assert main(["challenge", "move-latest", "--solve", solution]) == 0
    assert "Goal met in 3 commands." in capsys.readouterr().out
    assert main(["challenge", "move-latest", "--solve", ""]) == 1
    out = capsys.readouterr().out
    assert "✗ bob has registry.example/team/app:latest matching registry.example/team/app:v2" in out
    assert main(["challenge", "move-latest", "--solve", "docker tagg x y"]) == 2
    assert "did you mean 'tag'" in capsys.readouterr().err
    (tmp_path / "bad.yaml").write_text(BAD)
    assert main(["challenge", str(tmp_path / "bad.yaml"), "--solve", ""]) == 2
    assert "bad.yaml:11:5:" in capsys.readouterr().err


def test_a_lesson_naming_a_missing_challenge_is_reported_at_the_block(tmp_path: Path) -> None:
    text = (content_dir("lessons") / "02-what-is-a-registry.md").read_text()
    lesson = tmp_path / "lessons" / "02-what-is-a-registry.md"
    lesson.parent.mkdir()
    lesson.write_text(text.replace("name: first-delivery", "name: first-delivry"))
    with pytest.raises(ContentError) as caught:
        load_lesson(lesson)
    (problem,) = caught.value.problems
    assert problem.line == text.splitlines().index("name: first-delivery") + 1
    assert "no challenge named 'first-delivry' (did you mean 'first-delivery'?)" in problem.message
