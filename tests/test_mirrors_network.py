"""Caches and mirrors, geo-replication, and the network: what a learner sees on the wire and the clock."""

from __future__ import annotations

import math

import pytest

from regsim.model.content import DOCKER_ACCEPT, DOCKER_MANIFEST, OCI_MANIFEST
from regsim.model.errors import ErrorCode, RegistryError
from regsim.model.events import MIRROR_HIT, MIRROR_MISS, UPLOAD
from regsim.model.network import NetworkError, link_usage, step_seconds
from regsim.model.proxy import PullThroughCache
from regsim.model.registry import Registry
from regsim.model.world import World

ORIGIN = "registry.example"
MIRROR = "mirror.example"
REPLICA = "eu.example"
MB = 1_000_000
IMAGE = f"{ORIGIN}/team/app:v1"
SLOW = 100e6 / 8      # bytes per second on a 100 Mbit/s link
FAST = 1e9 / 8        # bytes per second on a 1 Gbit/s link


def mirror_world(ttl: float = 3600.0, layers=(("big", 100 * MB),)) -> World:  # type: ignore[no-untyped-def]
    """ORIGIN holds team/app:v1; MIRROR caches it; clients c1..c3 use the mirror, `direct` does not."""
    world = World(ORIGIN)
    world.add_registry(Registry(ORIGIN))
    world.add_registry(PullThroughCache(MIRROR, ORIGIN, ttl), "mirror")
    publisher = world.add_client("publisher")
    assert publisher.build(IMAGE, list(layers)).ok
    assert publisher.push(IMAGE).ok
    for name in ("c1", "c2", "c3"):
        world.add_client(name, mirrors=[MIRROR])
        world.network.set_link(name, MIRROR, 1e9, 0.002)
    world.add_client("direct")
    world.network.set_link("direct", ORIGIN, 100e6, 0.080)
    world.network.set_link(MIRROR, ORIGIN, 100e6, 0.080)
    world.capture()
    return world


def upstream_blob_gets(events) -> list:  # type: ignore[no-untyped-def]
    return [e for e in events if e.src == MIRROR and e.dst == ORIGIN and e.method == "GET" and "/blobs/" in e.path]


# --- Pull-through cache ----------------------------------------------------------------------


def test_the_first_pull_through_a_mirror_misses_and_the_mirror_fetches_from_the_origin():
    world = mirror_world()
    events = world.capture()
    out = world.clients["c1"].pull(IMAGE)
    assert out.ok, out.output
    layer = next(b for b in out.blobs if b.kind == "layer")
    assert layer.how == MIRROR_MISS and layer.source == MIRROR
    fetched = [e for e in events if e.src == MIRROR and e.dst == ORIGIN]
    assert fetched and all(e.upstream for e in fetched)
    assert len(upstream_blob_gets(events)) == 2          # the layer and the config
    assert not any(e.src == "c1" and e.dst == ORIGIN for e in events)
    # each upstream fetch is listed after the client request that caused it
    first_blob = next(i for i, e in enumerate(events) if e.src == "c1" and "/blobs/" in e.path)
    assert events[first_blob + 1].src == MIRROR or events[first_blob + 1].dst == ORIGIN


def test_a_second_client_hits_the_cache_and_the_origin_sends_no_blob():
    world = mirror_world()
    assert world.clients["c1"].pull(IMAGE).ok
    events = world.capture()
    out = world.clients["c2"].pull(IMAGE)
    assert out.ok, out.output
    assert [b.how for b in out.blobs if b.kind == "layer"] == [MIRROR_HIT]
    assert upstream_blob_gets(events) == []
    assert world.registries[MIRROR].stats.hits >= 2


def test_the_origin_sends_each_layer_once_however_many_clients_pull():
    world = mirror_world(layers=(("a", 5 * MB), ("b", 6 * MB), ("c", 7 * MB)))
    events = world.capture()
    for name in ("c1", "c2", "c3"):
        assert world.clients[name].pull(IMAGE).ok
    gets = upstream_blob_gets(events)
    digests = [e.path.rsplit("/", 1)[1] for e in gets]
    assert len(digests) == 4 and len(set(digests)) == 4   # three layers and a config, each once
    origin_bytes = sum(e.bytes for e in gets)
    assert origin_bytes == world.registries[MIRROR].stats.bytes_from_upstream - sum(
        len(m.raw) for r in world.registries[MIRROR].repositories.values() for m in r.manifests.values())


def test_after_the_ttl_the_mirror_fetches_again():
    world = mirror_world(ttl=3600.0)
    assert world.clients["c1"].pull(IMAGE).ok
    world.now += 1800
    events = world.capture()
    assert world.clients["c2"].pull(IMAGE).ok
    assert upstream_blob_gets(events) == []
    world.now += 1801
    events = world.capture()
    out = world.clients["c3"].pull(IMAGE)
    assert out.ok
    assert [b.how for b in out.blobs if b.kind == "layer"] == [MIRROR_MISS]
    assert len(upstream_blob_gets(events)) == 2


def test_with_the_upstream_down_the_cached_image_still_pulls():
    world = mirror_world()
    assert world.clients["c1"].pull(IMAGE).ok
    world.network.set_up(MIRROR, ORIGIN, False)
    world.network.set_up("c2", ORIGIN, False)
    events = world.capture()
    out = world.clients["c2"].pull(IMAGE)
    assert out.ok, out.output
    assert [b.how for b in out.blobs if b.kind == "layer"] == [MIRROR_HIT]
    attempts = [e for e in events if e.src == MIRROR and e.dst == ORIGIN]
    assert attempts and all(e.status == 0 for e in attempts)    # it tried the origin, in vain
    assert all(e.status == 200 for e in events if e.src == "c2")


def test_with_the_upstream_down_and_the_ttl_over_the_stale_copy_still_pulls():
    world = mirror_world(ttl=60.0)
    assert world.clients["c1"].pull(IMAGE).ok
    world.now += 3600
    world.network.set_up(MIRROR, ORIGIN, False)
    out = world.clients["c2"].pull(IMAGE)
    assert out.ok, out.output


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
    events = world.capture()
    with pytest.raises(RegistryError) as refused:
        mirror.get_manifest(None, "team/app", "v1", (DOCKER_MANIFEST,))
    assert refused.value.code is ErrorCode.MANIFEST_UNKNOWN
    assert "accept header does not support OCI manifests" in refused.value.reason
    # the upstream was asked with every manifest type, so the mirror fetched and kept the manifest
    assert [(e.method, e.status) for e in events if e.src == MIRROR and "/manifests/" in e.path] == [("GET", 200)]
    assert mirror.stats.misses == 1
    response = mirror.get_manifest(None, "team/app", "v1", DOCKER_ACCEPT)
    assert response.headers["Content-Type"] == OCI_MANIFEST
    assert response.headers["X-Cache"] == "HIT"


def test_pushing_to_a_mirror_is_unsupported():
    world = mirror_world()
    client = world.clients["c1"]
    assert client.build(f"{MIRROR}/team/app:v2", [("new", 1_000)]).ok
    out = client.push(f"{MIRROR}/team/app:v2")
    assert not out.ok
    assert out.error == "UNSUPPORTED"
    assert out.output[-1].startswith("Error response from daemon: unsupported:")
    assert "v2" not in world.registries[ORIGIN].repositories["team/app"].tags


def test_a_client_falls_back_to_the_origin_when_its_mirror_is_down():
    world = mirror_world()
    world.network.set_up("c1", MIRROR, False)
    events = world.capture()
    out = world.clients["c1"].pull(IMAGE)
    assert out.ok, out.output
    assert (events[0].dst, events[0].path, events[0].status) == (MIRROR, "/v2/", 0)
    assert (events[1].dst, events[1].path, events[1].status) == (ORIGIN, "/v2/", 200)
    assert all(e.dst == ORIGIN for e in events[1:])
    assert all(b.source is None for b in out.blobs)


def test_a_client_falls_back_to_the_origin_when_the_mirror_lacks_the_image():
    world = mirror_world()
    world.network.set_up(MIRROR, ORIGIN, False)     # the mirror cannot fill, but the client can go direct
    events = world.capture()
    out = world.clients["c1"].pull(IMAGE)
    assert out.ok, out.output
    assert any(e.dst == ORIGIN and e.src == "c1" and "/manifests/" in e.path and e.status == 200 for e in events)


# --- Geo-replication -------------------------------------------------------------------------


def replicated_world(lag: int) -> World:
    world = World(ORIGIN)
    origin = world.add_registry(Registry(ORIGIN))
    world.add_registry(Registry(REPLICA), "replica")
    world.replication.add(origin, REPLICA, lag)
    world.add_client("publisher")
    world.add_client("reader")
    return world


@pytest.mark.parametrize("lag", [1, 2, 3])
def test_a_replica_serves_the_image_only_lag_steps_after_the_push(lag):
    world = replicated_world(lag)
    publisher, reader = world.clients["publisher"], world.clients["reader"]
    assert publisher.build(IMAGE, [("base", 2_000)]).ok
    assert publisher.push(IMAGE).ok
    world.end_step()
    for step in range(1, lag):
        out = reader.pull(f"{REPLICA}/team/app:v1")
        assert not out.ok and out.error in ("NAME_UNKNOWN", "MANIFEST_UNKNOWN"), step
        assert "manifest unknown" in out.output[-1]
        world.end_step()
    out = reader.pull(f"{REPLICA}/team/app:v1")
    assert out.ok, out.output


def test_a_new_tag_in_a_replicated_repository_is_manifest_unknown_until_it_arrives():
    world = replicated_world(2)
    publisher, reader = world.clients["publisher"], world.clients["reader"]
    assert publisher.build(IMAGE, [("base", 2_000)]).ok
    assert publisher.push(IMAGE).ok
    world.end_step()
    world.end_step()
    assert reader.pull(f"{REPLICA}/team/app:v1").ok
    assert publisher.build(f"{ORIGIN}/team/app:v2", [("base", 2_000), ("more", 3_000)]).ok
    assert publisher.push(f"{ORIGIN}/team/app:v2").ok
    world.end_step()
    out = reader.pull(f"{REPLICA}/team/app:v2")
    assert not out.ok and out.error == "MANIFEST_UNKNOWN"
    world.end_step()
    assert reader.pull(f"{REPLICA}/team/app:v2").ok


def test_with_lag_zero_the_replica_has_it_at_once_and_the_copy_is_background_traffic():
    world = replicated_world(0)
    publisher = world.clients["publisher"]
    assert publisher.build(IMAGE, [("base", 2_000)]).ok
    events = world.capture()
    assert publisher.push(IMAGE).ok
    copies = [e for e in events if e.src == ORIGIN and e.dst == REPLICA]
    assert copies and all(e.lane == "background" and e.outcome == "replicated" for e in copies)
    assert world.clients["reader"].pull(f"{REPLICA}/team/app:v1").ok


def test_replica_lag_from_a_scenario():
    from regsim.scenario.engine import replay
    from regsim.scenario.loader import parse_scenario

    text = f"""
version: 1
title: Replica lag
summary: The replica gets the push two steps later.
registries:
  - name: {ORIGIN}
    default: true
    replicas: [{{name: {REPLICA}, lag: 2}}]
clients: [alice, bob]
layers: {{base: 1MB}}
images:
  app:v1: [base]
steps:
  - {{as: alice, run: docker build -t app:v1 .}}
  - {{as: alice, run: docker tag app:v1 {ORIGIN}/team/app:v1}}
  - {{as: alice, run: docker push {ORIGIN}/team/app:v1}}
  - {{as: bob, run: docker pull {REPLICA}/team/app:v1}}
  - {{as: bob, run: docker pull {REPLICA}/team/app:v1}}
"""
    run = replay(parse_scenario(text))
    assert run.records[3].ok is False
    assert run.records[3].error in ("NAME_UNKNOWN", "MANIFEST_UNKNOWN")
    assert run.records[4].ok, run.records[4].output


# --- Seconds from first principles -----------------------------------------------------------


def serial_seconds(events, bandwidth: float, latency: float) -> float:  # type: ignore[no-untyped-def]
    return sum(latency + e.bytes / bandwidth for e in events if e.lane == "serial")


def test_100_mb_over_100_mbit_with_80_ms_latency_takes_about_8_seconds():
    world = mirror_world()
    events = world.capture()
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
    events = world.capture()
    assert world.clients["direct"].pull(IMAGE).ok
    slow = step_seconds(events, world.network)
    events = world.capture()
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
    events = world.capture()
    assert world.clients["c1"].pull(IMAGE).ok
    cold = step_seconds(events, world.network)
    assert cold > 100 * MB / SLOW       # every byte still crosses the slow link first


def layered_pull_seconds(layers) -> tuple[float, list]:  # type: ignore[no-untyped-def]
    world = mirror_world(layers=layers)
    events = world.capture()
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
    events = world.capture()
    assert client.push(IMAGE).ok
    uploads = [e for e in events if e.lane == UPLOAD]
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
  - {{name: {ORIGIN}, default: true}}
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
    events = world.capture()
    assert world.clients["c1"].pull(IMAGE).ok
    usage = link_usage(events, world.network)
    client_link = tuple(sorted(("c1", MIRROR)))
    upstream_link = tuple(sorted((MIRROR, ORIGIN)))
    assert set(usage) == {client_link, upstream_link}
    client_bytes = sum(e.bytes for e in events if {e.src, e.dst} == {"c1", MIRROR})
    upstream_bytes = sum(e.bytes for e in events if {e.src, e.dst} == {MIRROR, ORIGIN})
    assert usage[client_link][0] == client_bytes
    assert usage[upstream_link][0] == upstream_bytes
    # the 100 MB layer crossed each link exactly once
    assert 100 * MB < client_bytes < 100 * MB + 10_000
    assert 100 * MB < upstream_bytes < 100 * MB + 10_000
    n_client = sum(1 for e in events if {e.src, e.dst} == {"c1", MIRROR})
    assert usage[client_link][1] == pytest.approx(n_client * 0.002 + client_bytes / FAST)
    # a warm second pull puts nothing but small requests on the upstream link
    events = world.capture()
    assert world.clients["c2"].pull(IMAGE).ok
    usage = link_usage(events, world.network)
    assert usage.get(upstream_link, (0, 0.0))[0] < 10_000


def test_requests_that_never_left_are_not_counted():
    world = mirror_world()
    world.network.set_up("c1", MIRROR, False)
    events = world.capture()
    assert world.clients["c1"].pull(IMAGE).ok
    usage = link_usage(events, world.network)
    assert tuple(sorted(("c1", MIRROR))) not in usage
    assert step_seconds([e for e in events if e.status == 0], world.network) == 0.0
