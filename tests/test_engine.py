"""The step engine, as a learner stepping through a scenario notices it: bytes, counts, seconds, auth, mirrors."""

from __future__ import annotations

import copy
import functools
import json
import types
from collections import deque
from enum import Enum

import pytest

from regsim.bundled import scenario_files
from regsim.scenario.engine import Player, replay, run_step
from regsim.scenario.loader import load_scenario, parse_scenario
from regsim.scenario.world_builder import build_world
from regsim.units import format_size

MB = 1_000_000

TWO_VERSIONS = """
version: 1
title: Two versions on one base
summary: Alice pushes two versions that share a base layer; Bob pulls them.
registries:
  - {name: registry.example}
clients: [alice, bob]
layers: {base: 10MB, v1: 1MB, v2: 2MB}
images:
  app:v1: [base, v1]
  app:v2: [base, v2]
steps:
  - {as: alice, run: docker build -t app:v1 .}                             # 1
  - {as: alice, run: docker build -t app:v2 .}                             # 2
  - {as: alice, run: docker tag app:v1 registry.example/team/app:v1}       # 3
  - {as: alice, run: docker tag app:v2 registry.example/team/app:v2}       # 4
  - {as: alice, run: docker push registry.example/team/app:v1}             # 5
  - {as: alice, run: docker push registry.example/team/app:v2}             # 6
  - {as: bob, run: docker pull registry.example/team/app:v1}               # 7
  - {as: bob, run: docker pull registry.example/team/app:v2}               # 8
  - {run: wait 2h}                                                         # 9
  - {run: registry delete registry.example/team/app:v1}                    # 10
  - {run: registry gc}                                                     # 11
  - {run: registry gc --delete-untagged registry.example}                  # 12
  - {run: network down bob registry.example}                               # 13
  - {as: bob, run: docker rmi registry.example/team/app:v2}                # 14
  - {as: bob, run: docker pull registry.example/team/app:v2}               # 15
"""

SLOW_LINK_AND_MIRROR = """
version: 1
title: A slow link and a mirror
summary: One 100 MB layer pulled over a slow WAN, and through a mirror on a fast LAN.
registries:
  - {name: registry.example}
  - {name: mirror.example, mirror_of: registry.example, ttl: 1h}
clients:
  - name: alice
  - name: bob
  - {name: carol, runtime: containerd, hosts: {registry.example: [mirror.example]}}
  - {name: dave, runtime: containerd, hosts: {registry.example: [mirror.example]}}
  - {name: erin, runtime: containerd, hosts: {registry.example: [mirror.example]}}
network:
  - {between: [bob, registry.example], bandwidth: 100Mbit/s, latency: 80ms}
  - {between: [carol, mirror.example], bandwidth: 1Gbit/s, latency: 2ms}
  - {between: [dave, mirror.example], bandwidth: 1Gbit/s, latency: 2ms}
  - {between: [erin, mirror.example], bandwidth: 1Gbit/s, latency: 2ms}
  - {between: [mirror.example, registry.example], bandwidth: 100Mbit/s, latency: 80ms}
layers: {big: 100MB}
images:
  app:v1: [big]
steps:
  - {as: alice, run: docker build -t app:v1 .}                             # 1
  - {as: alice, run: docker tag app:v1 registry.example/team/app:v1}       # 2
  - {as: alice, run: docker push registry.example/team/app:v1}             # 3
  - {as: bob, run: docker pull registry.example/team/app:v1}               # 4  straight over the WAN
  - {as: carol, run: crictl pull registry.example/team/app:v1}             # 5  mirror is cold
  - {as: dave, run: crictl pull registry.example/team/app:v1}              # 6  mirror is warm
  - {run: wait 2h}                                                         # 7  beyond the ttl
  - {as: erin, run: crictl pull registry.example/team/app:v1}              # 8  mirror fetches again
  - {as: erin, run: crictl rmi registry.example/team/app:v1}               # 9
  - {run: network down mirror.example registry.example}                    # 10
  - {run: network down erin registry.example}                              # 11
  - {as: erin, run: crictl pull registry.example/team/app:v1}              # 12 cached copy still serves
"""

TOKEN_AUTH = """
version: 1
title: Token auth
summary: Bob pulls from a registry with token auth, twice quickly and once after the token ran out.
registries:
  - {name: registry.example, auth: token}
clients: [alice, bob]
users: {alice: {password: wonderland}}
repositories:
  registry.example/team/app: {visibility: public, grants: {alice: [pull, push, delete]}}
layers: {base: 10MB, v1: 1MB, v2: 2MB}
images:
  app:v1: [base, v1]
  app:v2: [base, v2]
steps:
  - {as: alice, run: docker build -t app:v1 .}                             # 1
  - {as: alice, run: docker build -t app:v2 .}                             # 2
  - {as: alice, run: docker login registry.example -u alice -p wonderland} # 3
  - {as: alice, run: docker tag app:v1 registry.example/team/app:v1}       # 4
  - {as: alice, run: docker tag app:v2 registry.example/team/app:v2}       # 5
  - {as: alice, run: docker push registry.example/team/app:v1}             # 6
  - {as: alice, run: docker push registry.example/team/app:v2}             # 7
  - {as: bob, run: docker pull registry.example/team/app:v1}               # 8
  - {as: bob, run: docker pull registry.example/team/app:v2}               # 9  a token of its own
  - {run: wait 10m}                                                        # 10 tokens last 300 s
  - {as: bob, run: docker rmi registry.example/team/app:v2}                # 11
  - {as: bob, run: docker pull registry.example/team/app:v2}               # 12 a fresh token
  - {run: registry delete registry.example/team/app:v1}                    # 13 the operator needs no token
"""


@pytest.fixture(scope="module")
def two_versions():  # type: ignore[no-untyped-def]
    return replay(parse_scenario(TWO_VERSIONS))


@pytest.fixture(scope="module")
def slow_link():  # type: ignore[no-untyped-def]
    return replay(parse_scenario(SLOW_LINK_AND_MIRROR))


@pytest.fixture(scope="module")
def token_run():  # type: ignore[no-untyped-def]
    return replay(parse_scenario(TOKEN_AUTH))


def step(run, n):  # type: ignore[no-untyped-def]
    """The record of step n (1-based, as the learner sees it)."""
    record = run.records[n - 1]
    assert record.index == n
    return record


def _digest_of(run, layer_name: str) -> str:  # type: ignore[no-untyped-def]
    for record in run.records:
        for blob in record.blobs:
            if blob.name == layer_name:
                return blob.digest
    raise AssertionError(f"no blob named {layer_name}")


# ----- determinism ----------------------------------------------------------------------------------


def _as_json(run) -> str:  # type: ignore[no-untyped-def]
    return json.dumps([r.to_dict() for r in run.records], sort_keys=True)


def _state(root: object) -> object:
    """Everything `root` holds, as plain values, whatever is shared with what (a part met again
    inside itself, a cycle, is named by its type)."""
    inside: set[int] = set()

    def walk(value: object) -> object:
        if value is None or isinstance(value, (str, bytes, int, float, Enum)):
            return value
        if isinstance(value, (types.FunctionType, types.BuiltinFunctionType, type)):
            return value.__qualname__
        if isinstance(value, tuple):
            return tuple(walk(item) for item in value)
        if id(value) in inside:
            return ("cycle", type(value).__name__)
        inside.add(id(value))
        try:
            if isinstance(value, types.MethodType):
                return ("method", value.__func__.__qualname__, walk(value.__self__))
            if isinstance(value, functools.partial):
                return ("partial", walk(value.func), walk(value.args), walk(value.keywords))
            if isinstance(value, dict):
                return [(walk(key), walk(item)) for key, item in value.items()]
            if isinstance(value, (list, deque)):
                return [walk(item) for item in value]
            if isinstance(value, (set, frozenset)):
                return sorted(repr(walk(item)) for item in value)
            fields = dict(getattr(value, "__dict__", {}))
            for cls in type(value).__mro__:
                fields.update((name, getattr(value, name)) for name in getattr(cls, "__slots__", ())
                              if hasattr(value, name))
            # Memos, not state: a token issuer's texts checked and tokens signed (every copy shares
            # them), and the routes a network found so far (a snapshot may serve the next one's).
            for memo in ("_known", "_issued", "_routes", "_graphs"):
                fields.pop(memo, None)
            return type(value).__name__, {name: walk(item) for name, item in sorted(fields.items())}
        finally:
            inside.discard(id(value))

    return walk(root)


@pytest.mark.parametrize("text", [TWO_VERSIONS, SLOW_LINK_AND_MIRROR, TOKEN_AUTH], ids=["two", "mirror", "token"])
def test_replaying_gives_the_same_records_and_every_kept_world_stays_as_its_step_left_it(text: str) -> None:
    scenario = parse_scenario(text)
    first = replay(scenario)
    # Again by hand, noting the whole world after each step: the worlds the player keeps share
    # what a step did not change, and no later step may change one of them.
    world = build_world(scenario)
    states, records = [_state(world)], []
    for step in scenario.steps:
        records.append(run_step(world, scenario, step))
        states.append(_state(world))
    assert _as_json(first) == json.dumps([r.to_dict() for r in records], sort_keys=True)
    assert [_state(kept) for kept in first.worlds] == states
    # The sandbox's way: a copy of a kept world runs on as the scenario did, and the kept one stays.
    middle = len(scenario.steps) // 2
    copied = copy.deepcopy(first.worlds[middle])
    for step in scenario.steps[middle:]:
        run_step(copied, scenario, step)
    assert _state(copied) == states[-1]
    assert _state(first.worlds[middle]) == states[middle] != states[-1]


@pytest.mark.parametrize("path", scenario_files(), ids=lambda p: p.stem)
def test_every_bundled_scenario_replays_to_the_same_json_and_digests(path) -> None:  # type: ignore[no-untyped-def]
    first, second = replay(load_scenario(path)), replay(load_scenario(path))
    assert _as_json(first) == _as_json(second)
    digests = [[b.digest for b in r.blobs] for r in first.records]
    assert digests == [[b.digest for b in r.blobs] for r in second.records]


def test_the_same_layer_name_and_size_has_the_same_digest_in_different_scenarios(two_versions, token_run) -> None:  # type: ignore[no-untyped-def]
    assert _digest_of(two_versions, "base") == _digest_of(token_run, "base")
    assert _digest_of(two_versions, "base").startswith("sha256:")
    assert len(_digest_of(two_versions, "base")) == len("sha256:") + 64


# ----- the player -----------------------------------------------------------------------------------


def test_the_player_steps_forward_and_stops_at_the_end() -> None:
    player = Player(parse_scenario(TWO_VERSIONS))
    assert player.position == 0 and player.current is None
    assert player.next_step is not None and player.next_step.index == 1
    seen = []
    while (record := player.step()) is not None:
        seen.append(record.index)
    assert seen == list(range(1, 16))
    assert player.position == player.total == 15
    assert player.next_step is None
    assert player.step() is None
    assert player.position == 15
    assert player.current is not None and player.current.index == 15


def test_the_player_steps_back_to_the_start_and_no_further() -> None:
    player = Player(parse_scenario(TWO_VERSIONS))
    player.seek(3)
    assert player.back().index == 2
    assert player.back().index == 1
    assert player.back() is None
    assert player.position == 0
    assert player.back() is None
    assert player.position == 0


def test_seeking_clamps_to_the_scenario_and_shows_the_world_after_that_many_steps() -> None:
    player = Player(parse_scenario(TWO_VERSIONS))
    assert player.seek(5).index == 5
    registry = player.world.registries["registry.example"]
    assert registry.repositories["team/app"].tags.all() == ["v1"]
    assert player.seek(6).index == 6
    assert player.world.registries["registry.example"].repositories["team/app"].tags.all() == ["v1", "v2"]
    assert player.seek(4).index == 4
    assert "team/app" not in player.world.registries["registry.example"].repositories
    assert player.seek(999).index == 15 and player.position == 15
    assert player.seek(-3) is None and player.position == 0
    assert [r.index for r in player.records_so_far()] == []
    player.seek(2)
    assert [r.index for r in player.records_so_far()] == [1, 2]


def test_stepping_back_and_forward_again_gives_the_same_record() -> None:
    player = Player(parse_scenario(TWO_VERSIONS))
    player.seek(7)
    before = player.current.to_dict()
    player.back()
    player.back()
    player.step()
    again = player.step()
    assert again.to_dict() == before


def test_restart_goes_back_to_before_the_first_step() -> None:
    player = Player(parse_scenario(TWO_VERSIONS))
    player.seek(10)
    player.restart()
    assert player.position == 0 and player.current is None
    assert player.world.registries["registry.example"].repositories == {}
    assert player.step().index == 1


# ----- the byte ledger ------------------------------------------------------------------------------


def test_saved_bytes_are_naive_minus_actual_on_every_step(two_versions, slow_link, token_run) -> None:  # type: ignore[no-untyped-def]
    for run in (two_versions, slow_link, token_run):
        for record in run.records:
            data = record.to_dict()
            naive = data["naive_layer_bytes_up"] + data["naive_layer_bytes_down"]
            actual = data["layer_bytes_up"] + data["layer_bytes_down"]
            assert data["saved_layer_bytes"] == naive - actual == record.saved_bytes
            assert data["saved_layer_bytes"] >= 0


def test_a_refused_push_claims_no_saving_anywhere_a_learner_looks(replayed) -> None:  # type: ignore[no-untyped-def]
    from regsim.charts import chart_data
    from regsim.scenario.records import run_to_dict
    from regsim.scenario.text import render_run, render_step

    run = replayed("private-pull")
    record = next(r for r in run.records if r.step_id == "alice-tries-push")
    assert not record.ok and record.error == "DENIED"
    assert record.layers_skipped == 3                    # docker still printed "Layer already exists"
    data = record.to_dict()
    assert data["layer_bytes_up"] == data["naive_layer_bytes_up"] == data["saved_layer_bytes"] == 0
    text = render_step(record, len(run.records))
    assert "saved" not in text and "whole images" not in text
    row = chart_data(run_to_dict(run), "transfer")[record.index - 1]
    assert row["naive_bytes"] == row["actual_bytes"] == 0
    # over the whole run, only the push and pulls that delivered an image count as whole-image bytes
    delivered = [r for r in run.records if r.ok and r.verb in ("push", "pull")]
    naive = sum(r.naive_layer_bytes for r in delivered)
    assert sum(r.naive_layer_bytes for r in run.records) == naive
    assert f"whole images would have moved {format_size(naive)}" in render_run(run)


def test_a_pull_that_fails_part_way_saves_nothing_though_some_layers_were_local() -> None:
    from regsim.model.core.events import BlobRecord, How, Outcome
    from regsim.scenario.records import make_record

    run = replay(parse_scenario(TWO_VERSIONS))
    spec = run.scenario.steps[7]                         # bob pulls v2
    world = run.worlds[8]
    blobs = [BlobRecord("sha256:" + "a" * 64, "layer", 10 * MB, How.LOCAL, "base"),
             BlobRecord("sha256:" + "b" * 64, "layer", 2 * MB, How.PULLED, "v2")]
    failed = Outcome(direction="down", blobs=list(blobs)).fail("BLOB_UNKNOWN", "the config blob is gone")
    record = make_record(spec, failed, [], 0.0, {}, world)
    assert record.layer_bytes_down == record.naive_layer_bytes_down == 2 * MB
    assert record.saved_bytes == 0
    # the same ledger on a pull that succeeded: the local layer is a real saving
    done = make_record(spec, Outcome(direction="down", blobs=list(blobs)), [], 0.0, {}, world)
    assert (done.naive_layer_bytes_down, done.saved_bytes) == (12 * MB, 10 * MB)


def test_the_first_push_sends_every_layer(two_versions) -> None:  # type: ignore[no-untyped-def]
    push = step(two_versions, 5)
    assert push.ok and push.error is None
    assert (push.layers_pushed, push.layers_skipped, push.layers_mounted) == (2, 0, 0)
    assert push.layer_bytes_up == 11 * MB
    assert push.naive_layer_bytes_up == 11 * MB
    assert push.layer_bytes_down == 0
    assert push.saved_bytes == 0


def test_a_second_push_sends_only_the_new_layer(two_versions) -> None:  # type: ignore[no-untyped-def]
    push = step(two_versions, 6)
    assert push.ok
    assert (push.layers_pushed, push.layers_skipped, push.layers_mounted) == (1, 1, 0)
    assert push.layer_bytes_up == 2 * MB
    assert push.naive_layer_bytes_up == 12 * MB
    assert push.saved_bytes == 10 * MB
    assert any("Layer already exists" in line for line in push.output)
    # Only the new layer (and the config) were PATCHed up; the base layer was not.
    patched = [r.bytes for r in push.requests if r.method == "PATCH"]
    assert 10 * MB not in patched and 2 * MB in patched


def test_a_pull_downloads_only_the_layers_the_client_lacks(two_versions) -> None:  # type: ignore[no-untyped-def]
    first, second = step(two_versions, 7), step(two_versions, 8)
    assert (first.layers_pulled, first.layers_skipped, first.layer_bytes_down) == (2, 0, 11 * MB)
    assert (second.layers_pulled, second.layers_skipped, second.layer_bytes_down) == (1, 1, 2 * MB)
    assert second.naive_layer_bytes_down == 12 * MB
    assert any("Already exists" in line for line in second.output)
    base = _digest_of(two_versions, "base")
    assert not any(r.method == "GET" and r.path.endswith(base) for r in second.requests)


def test_storage_counts_shared_layers_once_but_tagged_images_in_full(two_versions) -> None:  # type: ignore[no-untyped-def]
    host = "registry.example"
    assert step(two_versions, 4).storage[host] == {"stored_layer_bytes": 0, "logical_layer_bytes": 0, "freed_bytes": 0}
    assert step(two_versions, 5).storage[host]["stored_layer_bytes"] == 11 * MB
    assert step(two_versions, 5).storage[host]["logical_layer_bytes"] == 11 * MB
    assert step(two_versions, 6).storage[host]["stored_layer_bytes"] == 13 * MB
    assert step(two_versions, 6).storage[host]["logical_layer_bytes"] == 23 * MB
    # pulls do not change what the registry stores
    assert step(two_versions, 8).storage[host]["stored_layer_bytes"] == 13 * MB


def test_deleting_a_tag_frees_nothing_until_garbage_collection(two_versions) -> None:  # type: ignore[no-untyped-def]
    host = "registry.example"
    delete, plain, gc = step(two_versions, 10), step(two_versions, 11), step(two_versions, 12)
    assert delete.ok
    assert delete.storage[host]["logical_layer_bytes"] == 12 * MB
    assert delete.storage[host]["stored_layer_bytes"] == 13 * MB
    assert delete.storage[host]["freed_bytes"] == 0
    # the untagged manifest still references v1's layer, so a plain gc keeps it
    assert plain.ok and plain.storage[host]["freed_bytes"] == 0
    assert plain.storage[host]["stored_layer_bytes"] == 13 * MB
    assert gc.ok
    assert any("freed" in line for line in gc.output)
    # only v1's own layer goes; the base layer is still used by v2
    assert gc.storage[host]["freed_bytes"] == 1 * MB
    assert gc.storage[host]["stored_layer_bytes"] == 12 * MB
    assert gc.storage[host]["logical_layer_bytes"] == 12 * MB


def test_wait_advances_the_clock_by_exactly_the_duration(two_versions) -> None:  # type: ignore[no-untyped-def]
    before, wait = step(two_versions, 8), step(two_versions, 9)
    assert wait.seconds == 0
    assert wait.to_dict()["clock_seconds"] == pytest.approx(before.to_dict()["clock_seconds"] + 7200, abs=1e-6)
    assert wait.requests == []


def test_the_clock_adds_up_every_step_s_seconds(slow_link) -> None:  # type: ignore[no-untyped-def]
    clock = 0.0
    for record in slow_link.records:
        clock += record.seconds + (7200 if record.command == "wait 2h" else 0)
        assert record.clock == pytest.approx(clock, abs=1e-6)


def test_with_the_network_down_a_pull_fails_and_the_registry_is_unchanged(two_versions) -> None:  # type: ignore[no-untyped-def]
    pull = step(two_versions, 15)
    assert not pull.ok
    assert pull.error == "NETWORK_UNREACHABLE"
    assert pull.layer_bytes_down == 0 and pull.layers_pulled == 0
    assert all(r.status == 0 for r in pull.requests)
    assert pull.storage == step(two_versions, 14).storage
    before = two_versions.worlds[14].registries["registry.example"]
    after = two_versions.worlds[15].registries["registry.example"]
    assert set(after.blobs) == set(before.blobs)
    assert {n: r.tags.links() for n, r in after.repositories.items()} == {
        n: r.tags.links() for n, r in before.repositories.items()}
    assert not any(key.endswith(":v2") for key in map(str, two_versions.worlds[15].clients["bob"].tags))
    assert len(two_versions.worlds[15].clients["bob"].images) == len(two_versions.worlds[14].clients["bob"].images)


# ----- seconds from first principles ----------------------------------------------------------------


def test_a_100MB_pull_over_100Mbit_with_80ms_latency_takes_about_8_seconds_plus_round_trips(slow_link) -> None:  # type: ignore[no-untyped-def]
    pull = step(slow_link, 4)
    assert pull.ok
    # What went over the wire: a version check, the manifest, then the layer and the config together.
    shape = [(r.method, r.path.split("/")[-2] if r.path.count("/") > 2 else r.path) for r in pull.requests]
    assert shape == [("GET", "/v2/"), ("GET", "manifests"), ("GET", "blobs"), ("GET", "blobs")]
    # Round trips by hand: GET /v2/ (1), GET manifest (2), the two blob GETs run in parallel lanes (3).
    round_trips = 3
    wire_bytes = sum(r.bytes for r in pull.requests)     # 100 MB layer + a few hundred bytes
    expected = round_trips * 0.080 + wire_bytes / (100e6 / 8)
    assert 8.0 < pull.seconds < 9.0
    assert pull.seconds == pytest.approx(expected, abs=1e-6)


def test_the_same_pull_from_a_warm_mirror_on_a_fast_lan_is_about_ten_times_faster(slow_link) -> None:  # type: ignore[no-untyped-def]
    wan, cold, warm = step(slow_link, 4), step(slow_link, 5), step(slow_link, 6)
    assert cold.ok and warm.ok
    assert cold.cache_hits == 0 and warm.cache_hits == 1
    # a cold mirror is slower than the WAN alone: the stream to carol and the mirror's copy into its
    # storage cross it together (distribution registry/proxy/proxyblobstore.go ServeBlob), 200 MB
    assert 16.0 < cold.seconds < 17.0
    # warm: 100 MB at 1 Gbit/s is 0.8 s, plus LAN round trips and a tag revalidation over the WAN
    assert 0.8 < warm.seconds < 1.0
    assert 7 < wan.seconds / warm.seconds < 12


# ----- token auth -----------------------------------------------------------------------------------


def _paths(record) -> list[tuple[str, str, int]]:  # type: ignore[no-untyped-def]
    return [(r.method, r.path.split("?")[0], r.status) for r in record.requests]


def test_the_token_dance_comes_first_and_in_order(token_run) -> None:  # type: ignore[no-untyped-def]
    pull = step(token_run, 8)
    assert pull.ok
    paths = _paths(pull)
    assert paths[0] == ("GET", "/v2/", 401)
    assert paths[1] == ("GET", "/token", 200)
    assert "scope=repository:team/app:pull" in pull.requests[1].path
    assert paths[2] == ("GET", "/v2/team/app/manifests/v1", 200)
    assert all(p[1].startswith("/v2/team/app/blobs/") and p[2] == 200 for p in paths[3:])


def test_every_pull_asks_for_its_own_token_and_sends_no_expired_one(token_run) -> None:  # type: ignore[no-untyped-def]
    """docker makes a new token handler for every pull and push (moby distribution/registry.go,
    NewV2Repository; the token is cached only in that handler: distribution
    registry/client/auth/session.go), so a pull seconds after another asks again, as does one
    after the first token expired, and no request is sent with an old token."""
    assert step(token_run, 10).clock - step(token_run, 9).clock == pytest.approx(600)
    for again in (step(token_run, 9), step(token_run, 12)):
        assert again.ok
        paths = _paths(again)
        assert paths[:2] == [("GET", "/v2/", 401), ("GET", "/token", 200)]
        assert all(p[2] != 401 for p in paths[2:])
    assert step(token_run, 12).layers_pulled == 1


def test_a_push_asks_for_a_pull_and_push_token_once(token_run) -> None:  # type: ignore[no-untyped-def]
    first, second = step(token_run, 6), step(token_run, 7)
    assert first.ok and second.ok
    for push in (first, second):
        tokens = [r for r in push.requests if r.path.startswith("/token")]
        assert len(tokens) == 1 and "repository:team/app:pull,push" in tokens[0].path
    assert second.layers_pushed == 1 and second.layers_skipped == 1


def test_the_operator_can_delete_a_tag_on_a_registry_with_token_auth(token_run) -> None:  # type: ignore[no-untyped-def]
    record = step(token_run, 13)
    assert record.ok, (record.error, record.message)


# ----- mirrors --------------------------------------------------------------------------------------


def _upstream_blob_gets(record, digest: str) -> int:  # type: ignore[no-untyped-def]
    return sum(1 for r in record.requests if r.src == "mirror.example" and r.dst == "registry.example"
               and r.method == "GET" and r.path.endswith(f"/blobs/{digest}") and r.status == 200)


def test_two_clients_through_one_mirror_make_the_upstream_send_each_layer_twice_then_never(slow_link) -> None:  # type: ignore[no-untyped-def]
    # distribution registry/proxy/proxyblobstore.go ServeBlob: a cold blob is copied into storage
    # and streamed to the client, two GETs upstream; a held one is served locally.
    big = _digest_of(slow_link, "big")
    carol, dave = step(slow_link, 5), step(slow_link, 6)
    assert _upstream_blob_gets(carol, big) == 2
    assert _upstream_blob_gets(dave, big) == 0
    assert carol.layer_bytes_down == dave.layer_bytes_down == 100 * MB
    wan = [link for link in dave.links if link["between"] == ["mirror.example", "registry.example"]]
    assert all(link["bytes"] < 1000 for link in wan)     # only a revalidation, no layer bytes


def test_after_the_ttl_the_mirror_fetches_the_layer_again(slow_link) -> None:  # type: ignore[no-untyped-def]
    big = _digest_of(slow_link, "big")
    erin = step(slow_link, 8)
    assert erin.ok
    assert erin.cache_hits == 0
    assert _upstream_blob_gets(erin, big) == 2


def test_with_the_upstream_down_a_cached_image_still_pulls_from_the_mirror(slow_link) -> None:  # type: ignore[no-untyped-def]
    offline = step(slow_link, 12)
    assert offline.ok, (offline.error, offline.message)
    assert offline.layers_pulled == 1 and offline.cache_hits == 1
    assert offline.layer_bytes_down == 100 * MB
    served = [r for r in offline.requests if r.src == "erin" and "/blobs/" in r.path and r.status == 200]
    assert served and all(r.dst == "mirror.example" for r in served)
    assert not any(r.dst == "registry.example" and r.status != 0 for r in offline.requests)


def test_the_json_a_step_and_a_run_print_has_exactly_the_keys_its_contract_names(two_versions, slow_link) -> None:  # type: ignore[no-untyped-def]
    from typing import NotRequired, get_origin, get_type_hints

    from regsim.scenario.contract import BlobJSON, LinkUseJSON, RequestJSON, RunJSON, StepJSON, StorageJSON
    from regsim.scenario.records import run_to_dict

    def keys(contract: type) -> list[str]:
        return list(get_type_hints(contract))

    def required_keys(contract: type) -> list[str]:
        hints = get_type_hints(contract, include_extras=True)
        return [key for key, hint in hints.items() if get_origin(hint) is not NotRequired]

    for run in (two_versions, slow_link):
        as_json = run_to_dict(run)
        assert list(as_json) == keys(RunJSON)
        for step in as_json["steps"]:
            # in the order `play --json` prints them; `clients` only in a step of clients acting at once
            assert list(step) == required_keys(StepJSON)
            # A request's optional keys (rate_limit_remaining) come only from a rate-limited registry.
            required = [key for key in keys(RequestJSON) if key in RequestJSON.__required_keys__]
            assert all(list(request) == required for request in step["requests"])
            assert all(list(blob) == keys(BlobJSON) for blob in step["blobs"])
            # a replayed step says how full each link got (a recorded live session's does not)
            assert all(list(link) == keys(LinkUseJSON) for link in step["links"])
            assert all(list(storage) == keys(StorageJSON) for storage in step["storage"].values())


def test_the_enums_behind_the_json_write_the_words_the_readme_and_the_scenario_files_use() -> None:
    # Charts, the app and saved runs compare these words, so each member is written as its word.
    from regsim.model.core.events import Change
    from regsim.model.registry.policy import AUTH_MODES, AuthMode
    from regsim.model.sim.network import NodeKind

    assert [mode.value for mode in AuthMode] == list(AUTH_MODES) == ["none", "basic", "token"]
    assert json.dumps([*Change]) == '["grant", "revoke"]'
    assert json.dumps([*NodeKind]) == '["client", "registry", "mirror", "replica", "router", "live registry"]'
