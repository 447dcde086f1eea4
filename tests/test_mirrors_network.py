"""Caches and mirrors, geo-replication, and the network: what a learner sees on the wire and the clock."""

from __future__ import annotations

import math

import pytest

from regsim.model.core.context import Lane
from regsim.model.core.events import How
from regsim.model.oci.errors import ErrorCode, RegistryError
from regsim.model.oci.mediatype import DOCKER_ACCEPT, DOCKER_MANIFEST, OCI_MANIFEST
from regsim.model.registry.proxy import PullThroughCache
from regsim.model.registry.registry import Registry
from regsim.model.sim.flows import link_usage, step_seconds, step_timing
from regsim.model.sim.network import NetworkError
from regsim.model.sim.world import World

ORIGIN = "docker.io"       # dockerd's registry-mirrors stand in for Docker Hub only
MIRROR = "mirror.example"
REPLICA = "eu.example"
MB = 1_000_000
IMAGE = f"{ORIGIN}/team/app:v1"
SLOW = 100e6 / 8      # bytes per second on a 100 Mbit/s link
FAST = 1e9 / 8        # bytes per second on a 1 Gbit/s link


def mirror_world(ttl: float = 3600.0, layers=(("big", 100 * MB),)) -> World:  # type: ignore[no-untyped-def]
    """ORIGIN holds team/app:v1; MIRROR caches it; clients c1..c3 use the mirror, `direct` does not."""
    world = World(ORIGIN)
    world.add_registry(Registry(ORIGIN, clock=world.current_time))
    world.add_registry(PullThroughCache(MIRROR, ORIGIN, ttl, world=world), "mirror")
    publisher = world.add_client("publisher")
    assert publisher.build(IMAGE, list(layers)).ok
    assert publisher.push(IMAGE).ok
    for name in ("c1", "c2", "c3"):
        world.add_client(name, mirrors=[MIRROR])
        world.network.set_link(name, MIRROR, 1e9, 0.002)
    world.add_client("direct")
    world.network.set_link("direct", ORIGIN, 100e6, 0.080)
    world.network.set_link(MIRROR, ORIGIN, 100e6, 0.080)
    return world


def upstream_blob_gets(events) -> list:  # type: ignore[no-untyped-def]
    return [e for e in events if e.src == MIRROR and e.dst == ORIGIN and e.method == "GET" and "/blobs/" in e.path]


# --- Pull-through cache ----------------------------------------------------------------------


def test_the_first_pull_through_a_mirror_misses_and_the_mirror_fetches_from_the_origin():
    world = mirror_world()
    with world.recording() as events:
        out = world.clients["c1"].pull(IMAGE)
        assert out.ok, out.output
        layer = next(b for b in out.blobs if b.kind == "layer")
        assert layer.how == How.MIRROR_MISS and layer.source == MIRROR
        fetched = [e for e in events if e.src == MIRROR and e.dst == ORIGIN]
        assert fetched and all(e.upstream for e in fetched)
        assert len(upstream_blob_gets(events)) == 4          # the layer and the config, each read twice
        assert not any(e.src == "c1" and e.dst == ORIGIN for e in events)
        # each upstream fetch is listed after the client request that caused it
        first_blob = next(i for i, e in enumerate(events) if e.src == "c1" and "/blobs/" in e.path)
        assert events[first_blob + 1].src == MIRROR or events[first_blob + 1].dst == ORIGIN


def test_a_mirrors_upstream_fetch_counts_in_the_lane_and_job_of_the_download_it_serves():
    # distribution registry/proxy/proxyblobstore.go ServeBlob: the Stat (HEAD) and the copyContent
    # stream serve the client's request; `go storeLocal`, the copy into storage, runs on its own.
    world = mirror_world()
    with world.recording() as events:
        assert world.clients["c1"].pull(IMAGE).ok
        for i, event in enumerate(events):
            if event.src == "c1" and event.method == "GET" and "/blobs/" in event.path:
                assert event.lane == Lane.DOWNLOAD and event.job > 0
                head, kept, streamed = events[i + 1:i + 4]
                assert {(e.src, e.dst, e.path) for e in (head, kept, streamed)} == {(MIRROR, ORIGIN, event.path)}
                assert [(e.method, e.lane, e.job) for e in (head, streamed)] == [
                    ("HEAD", event.lane, event.job), ("GET", event.lane, event.job)]
                assert kept.method == "GET" and kept.lane == Lane.BACKGROUND and kept.job != event.job
        assert len({e.job for e in events if e.src == MIRROR and "/blobs/" in e.path}) == 4   # layer, config: 2 each


def test_a_second_client_hits_the_cache_and_the_origin_sends_no_blob():
    world = mirror_world()
    assert world.clients["c1"].pull(IMAGE).ok
    with world.recording() as events:
        out = world.clients["c2"].pull(IMAGE)
        assert out.ok, out.output
        assert [b.how for b in out.blobs if b.kind == "layer"] == [How.MIRROR_HIT]
        assert upstream_blob_gets(events) == []
        assert world.registries[MIRROR].stats.hits >= 2


def test_the_origin_sends_each_layer_twice_to_the_mirror_however_many_clients_pull_after_it():
    # distribution 2.8.2 as a proxy, measured: a cold pull reads each blob from the upstream twice
    # (proxyblobstore.go: storeLocal's copy and copyContent's stream); later pulls read none.
    world = mirror_world(layers=(("a", 5 * MB), ("b", 6 * MB), ("c", 7 * MB)))
    with world.recording() as events:
        for name in ("c1", "c2", "c3"):
            assert world.clients[name].pull(IMAGE).ok
        gets = upstream_blob_gets(events)
        digests = [e.path.rsplit("/", 1)[1] for e in gets]
        assert len(digests) == 8 and all(digests.count(d) == 2 for d in digests)   # 3 layers, a config
        origin_bytes = sum(e.bytes for e in gets)
        assert origin_bytes == world.registries[MIRROR].stats.bytes_from_upstream - sum(
            len(m.raw) for r in world.registries[MIRROR].repositories.values() for m in r.manifests.revisions())


def test_after_the_ttl_the_mirror_fetches_again():
    world = mirror_world(ttl=3600.0)
    assert world.clients["c1"].pull(IMAGE).ok
    world.now += 1800
    with world.recording() as events:
        assert world.clients["c2"].pull(IMAGE).ok
        assert upstream_blob_gets(events) == []
        world.now += 1801
        with world.recording() as events:
            out = world.clients["c3"].pull(IMAGE)
            assert out.ok
            assert [b.how for b in out.blobs if b.kind == "layer"] == [How.MIRROR_MISS]
            assert len(upstream_blob_gets(events)) == 4


def test_with_the_upstream_down_the_cached_image_still_pulls():
    world = mirror_world()
    assert world.clients["c1"].pull(IMAGE).ok
    world.network.set_up(MIRROR, ORIGIN, False)
    world.network.set_up("c2", ORIGIN, False)
    with world.recording() as events:
        out = world.clients["c2"].pull(IMAGE)
        assert out.ok, out.output
        assert [b.how for b in out.blobs if b.kind == "layer"] == [How.MIRROR_HIT]
        attempts = [e for e in events if e.src == MIRROR and e.dst == ORIGIN]
        assert attempts and all(e.status == 0 for e in attempts)    # it tried the origin, in vain
        assert all(e.status == 200 for e in events if e.src == "c2")


def test_an_image_the_mirror_never_saw_is_unavailable_while_the_upstream_is_down():
    world = mirror_world()
    world.network.set_up(MIRROR, ORIGIN, False)
    world.network.set_up("c1", ORIGIN, False)
    out = world.clients["c1"].pull(IMAGE)
    assert not out.ok
    assert out.error == "NETWORK_UNREACHABLE"   # the mirror failed, then the origin could not be reached


def test_a_mirror_fetches_any_manifest_type_then_answers_as_the_clients_accept_allows():
    world = mirror_world()
    mirror = world.registries[MIRROR]
    with world.recording() as events:
        with pytest.raises(RegistryError) as refused:
            mirror.get_manifest(None, "team/app", "v1", (DOCKER_MANIFEST,))
        assert refused.value.code is ErrorCode.MANIFEST_UNKNOWN
        assert "accept header does not support OCI manifests" in refused.value.reason
        # the upstream was asked with every manifest type (the tag's HEAD, then the manifest by
        # digest), so the mirror fetched and kept the manifest
        assert [(e.method, e.status) for e in events if e.src == MIRROR and "/manifests/" in e.path] == [
            ("HEAD", 200), ("GET", 200)]
        assert mirror.stats.misses == 1
        response = mirror.get_manifest(None, "team/app", "v1", DOCKER_ACCEPT)
        assert response.headers["Content-Type"] == OCI_MANIFEST
        assert response.headers["X-Cache"] == "HIT"


def test_pushing_to_a_mirror_is_unsupported():
    world = mirror_world()
    client = world.clients["c1"]
    assert client.build(f"{MIRROR}/team/app:v2", [("new", 1_000)]).ok
    with world.recording() as events:
        out = client.push(f"{MIRROR}/team/app:v2")
    # Only writes are refused: the blob's HEAD is asked of the upstream, as distribution's proxy
    # blob store stats a blob it lacks there (registry/proxy/proxyblobstore.go, Stat).
    assert [(e.method, e.src, e.dst) for e in events if e.method == "HEAD"][:2] == [
        ("HEAD", "c1", MIRROR), ("HEAD", MIRROR, ORIGIN)]
    assert not out.ok
    assert out.error == "UNSUPPORTED"
    assert out.output[-1] == "unsupported: the operation is unsupported"   # a push's error is printed bare
    assert "v2" not in world.registries[ORIGIN].repositories["team/app"].tags


def test_a_client_falls_back_to_the_origin_when_its_mirror_is_down():
    world = mirror_world()
    world.network.set_up("c1", MIRROR, False)
    with world.recording() as events:
        out = world.clients["c1"].pull(IMAGE)
        assert out.ok, out.output
        assert (events[0].dst, events[0].path, events[0].status) == (MIRROR, "/v2/", 0)
        assert (events[1].dst, events[1].path, events[1].status) == (ORIGIN, "/v2/", 200)
        assert all(e.dst == ORIGIN for e in events[1:])
        assert all(b.source is None for b in out.blobs)


def test_a_client_falls_back_to_the_origin_when_the_mirror_lacks_the_image():
    world = mirror_world()
    world.network.set_up(MIRROR, ORIGIN, False)     # the mirror cannot fill, but the client can go direct
    with world.recording() as events:
        out = world.clients["c1"].pull(IMAGE)
        assert out.ok, out.output
        assert any(e.dst == ORIGIN and e.src == "c1" and "/manifests/" in e.path and e.status == 200 for e in events)


# --- Geo-replication -------------------------------------------------------------------------


def replicated_world(lag: int) -> World:
    world = World(ORIGIN)
    world.add_registry(Registry(ORIGIN, on_manifest_stored=world.manifest_stored))
    world.add_registry(Registry(REPLICA, on_manifest_stored=world.manifest_stored), "replica")
    world.replication.add(ORIGIN, REPLICA, lag)
    world.add_client("publisher")
    world.add_client("reader")
    return world


def next_step(world: World) -> None:
    """One step ends and the next begins, as the step engine does between steps."""
    world.end_step()
    world.begin_step()


@pytest.mark.parametrize("lag", [1, 2, 3])
def test_a_replica_serves_the_image_only_lag_steps_after_the_push(lag):
    world = replicated_world(lag)
    publisher, reader = world.clients["publisher"], world.clients["reader"]
    world.begin_step()                                   # step 1: the push
    assert publisher.build(IMAGE, [("base", 2_000)]).ok
    assert publisher.push(IMAGE).ok
    for step in range(1, lag + 1):                       # steps 1 .. lag: not there yet
        out = reader.pull(f"{REPLICA}/team/app:v1")
        assert not out.ok and out.error in ("NAME_UNKNOWN", "MANIFEST_UNKNOWN"), step
        assert "manifest unknown" in out.output[-1]
        next_step(world)
    out = reader.pull(f"{REPLICA}/team/app:v1")          # step 1 + lag: there
    assert out.ok, out.output


def test_a_new_tag_in_a_replicated_repository_is_manifest_unknown_until_it_arrives():
    world = replicated_world(2)
    publisher, reader = world.clients["publisher"], world.clients["reader"]
    world.begin_step()
    assert publisher.build(IMAGE, [("base", 2_000)]).ok
    assert publisher.push(IMAGE).ok
    next_step(world)
    next_step(world)
    assert reader.pull(f"{REPLICA}/team/app:v1").ok
    assert publisher.build(f"{ORIGIN}/team/app:v2", [("base", 2_000), ("more", 3_000)]).ok
    assert publisher.push(f"{ORIGIN}/team/app:v2").ok
    next_step(world)
    out = reader.pull(f"{REPLICA}/team/app:v2")
    assert not out.ok and out.error == "MANIFEST_UNKNOWN"
    next_step(world)
    assert reader.pull(f"{REPLICA}/team/app:v2").ok


def test_with_lag_zero_the_replica_has_it_at_once_and_the_copy_is_background_traffic():
    world = replicated_world(0)
    publisher = world.clients["publisher"]
    assert publisher.build(IMAGE, [("base", 2_000)]).ok
    with world.recording() as events:
        assert publisher.push(IMAGE).ok
        copies = [e for e in events if e.src == ORIGIN and e.dst == REPLICA]
        assert copies and all(e.lane == "background" for e in copies)
        assert copies[-1].outcome == "replicated" and copies[-1].path == "/v2/team/app/manifests/v1"
        assert world.clients["reader"].pull(f"{REPLICA}/team/app:v1").ok


REPLICA_SCENARIO = f"""
version: 1
title: Replica lag
summary: The replica gets the push two steps later.
registries:
  - name: {ORIGIN}
    replicas: [{{name: {REPLICA}, lag: 2}}]
clients: [alice, bob]
network:
  - {{between: [{ORIGIN}, {REPLICA}], bandwidth: 100Mbit/s, latency: 50ms}}
  - {{between: [bob, {REPLICA}], bandwidth: 1Gbit/s, latency: 2ms}}
layers: {{base: 10MB}}
images:
  app:v1: [base]
steps:
  - {{as: alice, run: docker build -t app:v1 .}}
  - {{as: alice, run: docker tag app:v1 {ORIGIN}/team/app:v1}}
  - {{as: alice, run: docker push {ORIGIN}/team/app:v1}}
  - {{as: bob, run: docker pull {REPLICA}/team/app:v1}}
  - {{as: bob, run: docker pull {REPLICA}/team/app:v1}}
  - {{say: Nothing happens.}}
"""


def replica_run():  # type: ignore[no-untyped-def]
    from regsim.scenario.engine import replay
    from regsim.scenario.loader import parse_scenario

    return replay(parse_scenario(REPLICA_SCENARIO))


def copies_in(record) -> list:  # type: ignore[no-untyped-def]
    return [e for e in record.requests if e.src == ORIGIN and e.dst == REPLICA]


def test_replica_lag_from_a_scenario():
    run = replica_run()
    assert run.records[3].ok is False
    assert run.records[3].error in ("NAME_UNKNOWN", "MANIFEST_UNKNOWN")
    assert run.records[4].ok, run.records[4].output


def test_with_lag_two_a_push_in_step_3_is_copied_at_the_start_of_step_5_before_its_command():
    run = replica_run()
    # step 4 sees no copy, in its requests or in the world after it: the failed pull and the
    # world view agree
    assert copies_in(run.records[3]) == []
    repository = run.worlds[4].registries[REPLICA].repositories.get("team/app")
    assert repository is None or "v1" not in repository.tags
    assert run.records[3].storage[REPLICA]["stored_layer_bytes"] == 0
    # step 5 begins with the copy, then bob's pull finds the image
    record = run.records[4]
    copies = copies_in(record)
    assert copies and [e.outcome for e in copies].count("replicated") == 3   # two blobs, one manifest
    assert record.requests[: len(copies)] == copies
    assert "v1" in run.worlds[5].registries[REPLICA].repositories["team/app"].tags
    assert record.ok and record.layers_pulled == 1
    # and nothing is copied twice
    assert all(copies_in(r) == [] for i, r in enumerate(run.records) if i != 4)


def test_replication_is_counted_on_the_link_between_the_registries():
    run = replica_run()
    record = run.records[4]
    copied = sum(e.bytes for e in copies_in(record))
    assert 10 * MB < copied < 10 * MB + 10_000          # the layer, its config and the manifest
    links = {tuple(link["between"]): link for link in record.to_dict()["links"]}
    between = links[tuple(sorted((ORIGIN, REPLICA)))]
    assert between["bytes"] == copied
    # blobs side by side (HEAD, POST and the PUT with the bytes at 100 Mbit/s), then the manifest
    blobs = [e for e in copies_in(record) if "/blobs/" in e.path]
    manifest = next(e for e in copies_in(record) if "/manifests/" in e.path)
    sent = sum(e.bytes for e in blobs if e.method != "HEAD")   # a HEAD's answer carries no body
    expected = 3 * 0.050 + sent / SLOW + 0.050 + manifest.bytes / SLOW
    assert between["seconds"] == pytest.approx(expected, rel=1e-6)
    assert record.background_seconds == pytest.approx(expected, rel=1e-6)
    # bob's pull over his fast link is done first; the step lasts until the copy is done too
    assert record.seconds == pytest.approx(expected, rel=1e-6)
    assert links[tuple(sorted(("bob", REPLICA)))]["seconds"] < record.seconds


def test_a_step_whose_only_traffic_is_replication_shows_it_on_the_link_and_the_clock():
    from regsim.scenario.engine import replay
    from regsim.scenario.loader import parse_scenario
    from regsim.scenario.text import render_step

    run = replay(parse_scenario(REPLICA_SCENARIO.replace("lag: 2", "lag: 3")))
    record = run.records[5]                              # step 6, only narration: the copy of step 3's push
    assert record.command is None and copies_in(record)
    (link,) = record.to_dict()["links"]
    assert link["between"] == sorted((ORIGIN, REPLICA))
    assert record.seconds == record.background_seconds == pytest.approx(link["seconds"])
    assert record.seconds > 10 * MB / SLOW               # 10 MB at 100 Mbit/s: 0.8 s, plus round trips
    assert record.clock == pytest.approx(run.records[4].clock + record.seconds)
    assert "(background replication ran for " in render_step(record, len(run.records))


def test_with_lag_zero_the_copy_starts_when_the_push_is_done_and_the_step_lasts_until_it_lands():
    from regsim.scenario.engine import replay
    from regsim.scenario.loader import parse_scenario

    replicated = replay(parse_scenario(REPLICA_SCENARIO.replace("lag: 2", "lag: 0")))
    # the same push with the replica an ordinary registry nobody copies to
    alone = replay(parse_scenario(REPLICA_SCENARIO.replace(
        f"    replicas: [{{name: {REPLICA}, lag: 2}}]\n", f"  - name: {REPLICA}\n")))
    push, push_alone = replicated.records[2], alone.records[2]
    assert copies_in(push) and not copies_in(push_alone)
    assert push.background_seconds > 10 * MB / SLOW
    assert push.seconds == pytest.approx(push_alone.seconds + push.background_seconds, rel=1e-9)
    assert replicated.records[3].ok                      # bob's pull in the next step finds it


# --- Seconds from first principles -----------------------------------------------------------


def serial_seconds(events, bandwidth: float, latency: float) -> float:  # type: ignore[no-untyped-def]
    return sum(latency + e.bytes / bandwidth for e in events if e.lane == "serial")


def test_100_mb_over_100_mbit_with_80_ms_latency_takes_about_8_seconds():
    world = mirror_world()
    with world.recording() as events:
        assert world.clients["direct"].pull(IMAGE).ok
        seconds = step_seconds(events, world.network)
        # two serial round trips (/v2/ and the manifest), then layer and config downloaded side by side:
        # one round trip of latency, then all their bytes through the one link.
        downloads = [e for e in events if e.lane == "download"]
        assert len(downloads) == 2
        expected = serial_seconds(events, SLOW, 0.080) + 0.080 + sum(e.bytes for e in downloads) / SLOW
        assert seconds == pytest.approx(expected, rel=1e-9)
        assert 8.0 < seconds < 8.3


def test_the_same_image_from_a_warm_1_gbit_mirror_is_about_ten_times_faster():
    world = mirror_world()
    assert world.clients["c1"].pull(IMAGE).ok
    with world.recording() as events:
        assert world.clients["direct"].pull(IMAGE).ok
        slow = step_seconds(events, world.network)
        with world.recording() as events:
            assert world.clients["c2"].pull(IMAGE).ok
            # the warm mirror still revalidates the tag with a HEAD to the origin (a serial round trip)
            fast = step_seconds(events, world.network)
            assert fast < 1.0
            assert 8 < slow / fast < 11
            client_side = [e for e in events if e.src == "c2"]
            downloads = [e for e in client_side if e.lane == "download"]
            upstream = [e for e in events if e.src == MIRROR]
            expected = (serial_seconds(client_side, FAST, 0.002) + serial_seconds(upstream, SLOW, 0.080)
                        + 0.002 + sum(e.bytes for e in downloads) / FAST)
            assert fast == pytest.approx(expected, rel=1e-9)


def test_a_cold_mirror_is_no_faster_than_going_direct():
    world = mirror_world()
    with world.recording() as events:
        assert world.clients["c1"].pull(IMAGE).ok
        cold = step_seconds(events, world.network)
        assert cold > 100 * MB / SLOW       # every byte still crosses the slow link first


def layered_pull_seconds(layers) -> tuple[float, list]:  # type: ignore[no-untyped-def]
    world = mirror_world(layers=layers)
    with world.recording() as events:
        assert world.clients["direct"].pull(IMAGE).ok
        return step_seconds(events, world.network), events


def test_downloads_run_three_at_a_time_so_latency_overlaps_within_each_wave():
    six, events6 = layered_pull_seconds([(f"l{i}", 10 * MB) for i in range(6)])
    one, events1 = layered_pull_seconds([("whole", 60 * MB)])
    config6 = [e for e in events6 if e.lane == "download"][-1].bytes
    config1 = [e for e in events1 if e.lane == "download"][-1].bytes
    # six layers: two waves of three (each: 80 ms, then 30 MB at 12.5 MB/s), then the config alone
    expected6 = serial_seconds(events6, SLOW, 0.080) + 2 * (0.080 + 30 * MB / SLOW) + 0.080 + config6 / SLOW
    # one layer: layer and config start together, 80 ms, then 60 MB plus the config
    expected1 = serial_seconds(events1, SLOW, 0.080) + 0.080 + (60 * MB + config1) / SLOW
    assert six == pytest.approx(expected6, rel=1e-9)
    assert one == pytest.approx(expected1, rel=1e-9)
    # the same 4.8 s of bandwidth; six layers pay two more round trips (three waves, not one)
    assert six - one == pytest.approx(2 * 0.080 + (config6 - config1) / SLOW + (
        serial_seconds(events6, SLOW, 0.080) - serial_seconds(events1, SLOW, 0.080)), rel=1e-9)


def test_uploads_run_five_at_a_time():
    world = World(ORIGIN)
    world.add_registry(Registry(ORIGIN))
    client = world.add_client("ci")
    world.network.set_link("ci", ORIGIN, 100e6, 0.080)
    assert client.build(IMAGE, [(f"l{i}", 10 * MB) for i in range(6)]).ok
    with world.recording() as events:
        assert client.push(IMAGE).ok
        uploads = [e for e in events if e.lane == Lane.UPLOAD]
        jobs: dict[int, list] = {}
        for e in uploads:
            jobs.setdefault(e.job, []).append(e)
        assert len(jobs) == 7                                    # six layers and the config
        per_job = [len(group) for group in jobs.values()]
        # a layer: HEAD, HEAD again just before uploading, POST, PATCH, PUT; the config: no second HEAD
        assert per_job == [5] * 6 + [4]
        config = max(e.bytes for e in list(jobs.values())[-1])
        latency = 5 * 0.080
        assert 4 * 0.080 + config / SLOW < latency               # the config is done before layer six starts sending
        # wave one: five layers, 0.4 s of round trips, then 50 MB shared; wave two: the sixth layer
        # (and the small config beside it), 0.4 s, then 10 MB alone
        expected = (serial_seconds(events, SLOW, 0.080)
                    + latency + 50 * MB / SLOW
                    + latency + 10 * MB / SLOW)
        assert step_seconds(events, world.network) == pytest.approx(expected, rel=1e-9)


# --- Bad network input -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "a, b, bandwidth, latency, words",
    [
        ("ghost", ORIGIN, 1e9, 0.001, ["unknown network node", "ghost"]),
        ("c1", "phantom.example", 1e9, 0.001, ["unknown network node", "phantom.example"]),
        ("c1", MIRROR, -5e6, 0.001, ["bandwidth", "positive"]),
        ("c1", MIRROR, 0, 0.001, ["bandwidth", "positive"]),
        ("c1", MIRROR, 1e9, -0.5, ["latency", "negative"]),
        ("c1", "c1", 1e9, 0.001, ["two different nodes", "c1"]),
        (MIRROR, MIRROR, 1e9, 0.001, ["two different nodes"]),
    ],
)
def test_a_bad_link_is_refused_with_a_clear_message_and_nothing_changes(a, b, bandwidth, latency, words):
    world = mirror_world()
    before = world.network.copy_state()
    nodes = dict(world.network.nodes)
    with pytest.raises(NetworkError) as caught:
        world.network.set_link(a, b, bandwidth, latency)
    for word in words:
        assert word in str(caught.value)
    assert world.network.copy_state() == before
    assert world.network.nodes == nodes


@pytest.mark.parametrize("bandwidth, latency", [(math.nan, 0.001), (-math.inf, 0.001)])
def test_a_bandwidth_that_is_not_a_real_number_is_refused(bandwidth, latency):
    world = mirror_world()
    before = world.network.copy_state()
    with pytest.raises(NetworkError):
        world.network.set_link("c1", MIRROR, bandwidth, latency)
    assert world.network.copy_state() == before


@pytest.mark.parametrize("latency", [math.nan, math.inf])
def test_a_latency_that_is_not_a_real_number_is_refused(latency):
    world = mirror_world()
    with pytest.raises(NetworkError):
        world.network.set_link("c1", MIRROR, 1e9, latency)


@pytest.mark.parametrize("a, b", [("ghost", ORIGIN), ("c1", "c1")])
def test_taking_down_a_link_that_cannot_exist_is_refused_and_nothing_changes(a, b):
    world = mirror_world()
    before = world.network.copy_state()
    with pytest.raises(NetworkError):
        world.network.set_up(a, b, False)
    assert world.network.copy_state() == before


def test_a_bad_network_command_in_a_scenario_fails_the_step_not_the_replay():
    from regsim.scenario.engine import replay
    from regsim.scenario.loader import parse_scenario

    text = f"""
version: 1
title: Bad link
summary: A typo in a network command.
registries:
  - {{name: {ORIGIN}}}
clients: [alice]
steps:
  - {{run: network down alice {ORIGIN}}}
  - {{run: network up alice {ORIGIN}}}
"""
    run = replay(parse_scenario(text))
    assert all(r.ok for r in run.records)


# --- Bytes per link --------------------------------------------------------------------------


def test_link_usage_counts_each_links_bytes_and_busy_seconds():
    world = mirror_world()
    with world.recording() as events:
        assert world.clients["c1"].pull(IMAGE).ok
        usage = link_usage(events, world.network)
        client_link = tuple(sorted(("c1", MIRROR)))
        upstream_link = tuple(sorted((MIRROR, ORIGIN)))
        assert set(usage) == {client_link, upstream_link}
        client_bytes = sum(e.bytes for e in events if {e.src, e.dst} == {"c1", MIRROR})
        upstream_bytes = sum(e.bytes for e in events if {e.src, e.dst} == {MIRROR, ORIGIN})
        assert usage[client_link][0] == client_bytes
        assert usage[upstream_link][0] == upstream_bytes
        # the 100 MB layer crossed the client's link once and the upstream link twice: the cold
        # mirror's copy into storage and the stream to the client (proxyblobstore.go ServeBlob)
        assert 100 * MB < client_bytes < 100 * MB + 10_000
        assert 200 * MB < upstream_bytes < 200 * MB + 10_000
        # the copy starts with the stream, after the HEAD, and the two share the slow link: the
        # client waits for its own stream, which ends with the copy; the step lasts until both are done
        timing = step_timing(events, world.network)
        lan, wan = 0.002, 0.080
        copy_starts = (lan + lan + 3 * wan) + lan + wan   # /v2/, the manifest (the mirror's 3 asks), GET, HEAD
        # (the client's time to within a millisecond: the manifest's few bytes also cross the slow link)
        assert timing.client_seconds == pytest.approx(copy_starts + wan + 200 * MB / SLOW, abs=1e-3)
        assert timing.seconds == timing.client_seconds
        assert timing.background_seconds == pytest.approx(timing.seconds - copy_starts, abs=1e-3)
        # a link is busy while it carries a round trip or bytes: the cold mirror hands the layer on
        # as it arrives over the slow upstream, so the fast client link carries it just as long
        for link in (client_link, upstream_link):
            assert 200 * MB / SLOW < usage[link][1] <= timing.seconds
        # a warm second pull puts nothing but small requests on the upstream link
        with world.recording() as events:
            assert world.clients["c2"].pull(IMAGE).ok
            usage = link_usage(events, world.network)
            assert usage.get(upstream_link, (0, 0.0))[0] < 10_000


@pytest.mark.parametrize("layers", [1, 3, 6])
def test_one_link_is_busy_exactly_as_long_as_a_pull_over_it_takes(layers):
    world = mirror_world(layers=[(f"l{i}", 10 * MB) for i in range(layers)])
    with world.recording() as events:
        assert world.clients["direct"].pull(IMAGE).ok
        seconds = step_seconds(events, world.network)
        (busy,) = [s for _, s in link_usage(events, world.network).values()]
        # downloads side by side overlap their round trips, so adding up every request's round
        # trip and bytes would make the link busy longer than the pull took
        assert busy == pytest.approx(seconds, rel=1e-12)
        assert busy < sum(0.080 + e.bytes / SLOW for e in events)


def test_requests_that_never_left_are_not_counted():
    world = mirror_world()
    world.network.set_up("c1", MIRROR, False)
    with world.recording() as events:
        assert world.clients["c1"].pull(IMAGE).ok
        usage = link_usage(events, world.network)
        assert tuple(sorted(("c1", MIRROR))) not in usage
        assert step_seconds([e for e in events if e.status == 0], world.network) == 0.0


def test_replication_speaks_the_api_a_client_speaks():
    # Harbor's replication (src/controller/replication/transfer/image/transfer.go, copyBlob, over
    # src/pkg/registry/client.go): HEAD, then POST and a whole-blob PUT ?digest=, then the manifest.
    from regsim.model.oci.routes import match_path

    run = replica_run()
    copies = copies_in(run.records[4])
    assert all(match_path(e.path) is not None for e in copies)
    shape = [(e.method, match_path(e.path).route.name) for e in copies]  # type: ignore[union-attr]
    per_blob = [("HEAD", "blob"), ("POST", "uploads"), ("PUT", "upload")]
    assert shape == per_blob * 2 + [("PUT", "manifest")]
    puts = [e for e in copies if e.method == "PUT" and "/uploads/" in e.path]
    assert all("?digest=sha256:" in e.path for e in puts)
    assert max(e.bytes for e in puts) == 10 * MB       # the layer travels once, in its PUT
    assert all(e.src == ORIGIN and e.upload for e in puts)


def test_replication_sends_only_heads_for_blobs_the_replica_already_has():
    world = replicated_world(0)
    publisher = world.clients["publisher"]
    assert publisher.build(IMAGE, [("base", 2_000)]).ok
    assert publisher.push(IMAGE).ok
    assert publisher.build(f"{ORIGIN}/team/app:v2", [("base", 2_000)]).ok   # same layer, same config
    with world.recording() as events:
        assert publisher.push(f"{ORIGIN}/team/app:v2").ok
        copies = [e for e in events if e.src == ORIGIN and e.dst == REPLICA]
        assert [(e.method, e.status) for e in copies] == [("HEAD", 200), ("HEAD", 200), ("PUT", 201)]


def test_replication_mounts_a_blob_the_replica_holds_in_another_repository():
    world = replicated_world(0)
    publisher = world.clients["publisher"]
    assert publisher.build(IMAGE, [("base", 2_000)]).ok
    assert publisher.push(IMAGE).ok
    assert publisher.tag(IMAGE, f"{ORIGIN}/other/app:v1").ok
    with world.recording() as events:
        assert publisher.push(f"{ORIGIN}/other/app:v1").ok
        copies = [e for e in events if e.src == ORIGIN and e.dst == REPLICA]
        mounts = [e for e in copies if e.method == "POST"]
        assert mounts and all("from=team%2Fapp&mount=sha256%3A" in e.path and e.status == 201 for e in mounts)
        assert not any(e.method == "PUT" and "/uploads/" in e.path for e in copies)
    assert world.clients["reader"].pull(f"{REPLICA}/other/app:v1").ok
