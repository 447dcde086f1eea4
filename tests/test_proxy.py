"""The pull-through cache behaves as distribution's proxy mode, rule for rule.

Each test names the file of distribution/distribution (under `registry/`) whose behaviour it
pins. Clients pull by the cache's own name (`cache.example/team/app:v1`), as one pulls from a
distribution proxy directly, so the client's mirror settings play no part here.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from regsim.charts.data import chart_data
from regsim.model.core.context import Lane
from regsim.model.core.events import How
from regsim.model.oci.errors import ErrorCode, RegistryError
from regsim.model.oci.mediatype import DOCKER_ACCEPT
from regsim.model.registry.proxy import DEFAULT_TTL, PullThroughCache
from regsim.model.registry.registry import Registry
from regsim.model.sim.world import World
from regsim.scenario.engine import replay
from regsim.scenario.loader import load_scenario
from regsim.scenario.records import run_to_dict
from regsim.scenario.world_builder import build_world

ORIGIN = "registry.example"
CACHE = "cache.example"
MB = 1_000_000
HOUR = 3600.0
PUBLISHED = f"{ORIGIN}/team/app:v1"
THROUGH_CACHE = f"{CACHE}/team/app:v1"
SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"


def cache_world(ttl: float = 24 * HOUR) -> World:
    """ORIGIN holds team/app:v1 (a 40MB and a 10MB layer); CACHE is a pull-through cache of it."""
    world = World(ORIGIN)
    world.add_registry(Registry(ORIGIN, clock=world.current_time))
    world.add_registry(PullThroughCache(CACHE, ORIGIN, ttl, world=world), "mirror")
    publisher = world.add_client("publisher")
    assert publisher.build(PUBLISHED, [("base", 40 * MB), ("app", 10 * MB)]).ok
    assert publisher.push(PUBLISHED).ok
    for name in ("n1", "n2", "n3"):
        world.add_client(name)
    return world


def cache(world: World) -> PullThroughCache:
    registry = world.registries[CACHE]
    assert isinstance(registry, PullThroughCache)
    return registry


def later(world: World, seconds: float) -> None:
    """Time passes as a scenario step's would: the clock moves, then the step closes."""
    world.now += seconds
    world.end_step()


def upstream(events, method: str | None = None) -> list:  # type: ignore[no-untyped-def]
    return [e for e in events if e.src == CACHE and e.dst == ORIGIN and (method is None or e.method == method)]


def uplink(world: World, up: bool) -> None:
    world.network.set_up(CACHE, ORIGIN, up)


# --- what a fetch keeps, and when it goes (proxy/scheduler/scheduler.go, proxy/proxyregistry.go) ---


def test_expiry_deletes_the_cached_copies_so_the_caches_storage_falls() -> None:
    # proxyregistry.go OnBlobExpire deletes the blob's link and its bytes (vacuum.RemoveBlob);
    # OnManifestExpire deletes the manifest revision; the tag is left as it was.
    world = cache_world(ttl=24 * HOUR)
    assert world.clients["n1"].pull(THROUGH_CACHE).ok
    mirror = cache(world)
    assert mirror.layer_bytes_stored() == 50 * MB
    later(world, 24 * HOUR - 1)
    assert mirror.layer_bytes_stored() == 50 * MB        # a second early: still held
    later(world, 1)
    assert mirror.layer_bytes_stored() == 0
    repo = mirror.repositories["team/app"]
    assert len(repo.manifests) == 0 and len(repo.blobs) == 0
    assert not any(blob.size == 40 * MB for blob in mirror.blobs.values())
    assert "v1" in repo.tags                              # manifests.Delete removes no tag
    assert mirror.scheduled == {}


def test_the_storage_chart_falls_at_the_step_where_the_ttl_runs_out() -> None:
    # The storage chart reads each step's registry storage; proxyregistry.go's expiry callbacks run
    # when the scheduler's timer fires (scheduler.go startTimer), i.e. in the step that passes the TTL.
    run = run_to_dict(replay(load_scenario(SCENARIOS / "cache-expiry.yaml")))
    rows = chart_data(run, "storage")
    stored = [row["registries"][CACHE]["stored_layer_bytes"] for row in rows]
    wait = next(i for i, step in enumerate(run["steps"]) if step["command"].startswith("wait"))
    assert stored[wait - 1] == 52 * MB and stored[wait] == 0
    assert all(value == 0 for value in stored[wait:-1]) and stored[-1] == 52 * MB


def test_after_expiry_the_next_pull_with_the_upstream_up_misses_and_fetches_again() -> None:
    # proxymanifeststore.go / proxyblobstore.go: what is not held locally is fetched from the remote.
    world = cache_world(ttl=HOUR)
    assert world.clients["n1"].pull(THROUGH_CACHE).ok
    later(world, HOUR)
    misses = cache(world).stats.misses
    with world.recording() as events:
        out = world.clients["n2"].pull(THROUGH_CACHE)
        assert out.ok, out.output
        assert [b.how for b in out.blobs if b.kind == "layer"] == [How.MIRROR_MISS, How.MIRROR_MISS]
        fetched = {e.path.rsplit("/", 1)[1] for e in upstream(events, "GET") if "/blobs/" in e.path}
        assert len(fetched) == 3                          # both layers and the config, again
    assert cache(world).stats.misses == misses + 4       # the manifest, two layers, the config
    assert cache(world).layer_bytes_stored() == 50 * MB


def test_after_expiry_with_the_upstream_down_the_pull_fails_as_a_distribution_client_sees_it() -> None:
    # The tag survives expiry (proxyregistry.go OnManifestExpire), so proxytagservice.go falls back to
    # it, but the revision it names is gone and the remote cannot be reached: proxymanifeststore.go
    # returns that error and handlers/manifests.go answers UNKNOWN, 500. docker's registry client
    # (registry/client/errors.go HandleErrorResponse) reports a 5xx by its status line.
    world = cache_world(ttl=HOUR)
    assert world.clients["n1"].pull(THROUGH_CACHE).ok
    later(world, 2 * HOUR)
    uplink(world, False)
    hits = cache(world).stats.hits
    with world.recording() as events:
        out = world.clients["n2"].pull(THROUGH_CACHE)
        assert not out.ok
        assert out.error == "UNKNOWN"
        assert out.output[-1] == ("Error response from daemon: received unexpected HTTP status: "
                                  "500 Internal Server Error")
        answered = [e for e in events if e.src == "n2" and "/manifests/" in e.path]
        assert [e.status for e in answered] == [500]
        assert not any(e.src == "n2" and "/blobs/" in e.path for e in events)
    assert cache(world).stats.hits == hits                # nothing expired was served


def test_before_expiry_with_the_upstream_down_the_cached_copy_is_served() -> None:
    # proxytagservice.go Get: "If the remote is unavailable the local association is returned";
    # the manifest and blobs held locally are served (proxymanifeststore.go, proxyblobstore.go).
    world = cache_world(ttl=24 * HOUR)
    assert world.clients["n1"].pull(THROUGH_CACHE).ok
    later(world, 23 * HOUR)
    uplink(world, False)
    with world.recording() as events:
        out = world.clients["n2"].pull(THROUGH_CACHE)
        assert out.ok, out.output
        assert [b.how for b in out.blobs if b.kind == "layer"] == [How.MIRROR_HIT, How.MIRROR_HIT]
        tried = upstream(events)
        assert [(e.method, e.status) for e in tried] == [("HEAD", 0)]   # only the tag's check, in vain


def test_a_tag_the_cache_never_saw_is_manifest_unknown_while_the_upstream_is_down() -> None:
    # handlers/manifests.go: the tag service's ErrTagUnknown (no remote answer, no local tag) is
    # MANIFEST_UNKNOWN, 404.
    world = cache_world()
    uplink(world, False)
    with pytest.raises(RegistryError) as refused:
        cache(world).get_manifest(None, "team/app", "v1", DOCKER_ACCEPT)
    assert refused.value.code is ErrorCode.MANIFEST_UNKNOWN


def test_serving_a_copy_does_not_extend_its_life() -> None:
    # proxyblobstore.go / proxymanifeststore.go call AddBlob / AddManifest only after a fetch from
    # the remote: a copy served from local storage keeps the expiry of its fetch.
    world = cache_world(ttl=10 * HOUR)
    assert world.clients["n1"].pull(THROUGH_CACHE).ok
    later(world, 9 * HOUR)
    assert world.clients["n2"].pull(THROUGH_CACHE).ok    # a hit, one hour before expiry
    later(world, HOUR)
    assert cache(world).layer_bytes_stored() == 0


def test_a_refetched_copy_gets_a_fresh_ttl_from_its_new_fetch() -> None:
    # scheduler.go add: an entry for a reference replaces the old one, with now + ttl.
    world = cache_world(ttl=10 * HOUR)
    assert world.clients["n1"].pull(THROUGH_CACHE).ok
    later(world, 10 * HOUR)
    assert world.clients["n2"].pull(THROUGH_CACHE).ok    # fetched again at t = 10h
    expiries = {entry.expires_at for entry in cache(world).scheduled.values()}
    assert expiries == {20 * HOUR}


# --- tags against the upstream (proxy/proxytagservice.go) --------------------------------------


def test_a_cached_tag_is_checked_with_one_head_and_served_from_the_cache_when_unchanged() -> None:
    # proxytagservice.go asks the remote first; registry/client/repository.go tags.Get is a HEAD.
    world = cache_world()
    assert world.clients["n1"].pull(THROUGH_CACHE).ok
    with world.recording() as events:
        out = world.clients["n2"].pull(THROUGH_CACHE)
        assert out.ok
        assert [(e.method, e.path) for e in upstream(events)] == [("HEAD", "/v2/team/app/manifests/v1")]
        assert [b.how for b in out.blobs if b.kind == "layer"] == [How.MIRROR_HIT, How.MIRROR_HIT]


def test_a_tag_moved_upstream_is_rechecked_and_the_new_digest_served() -> None:
    # proxytagservice.go keeps the remote's answer as the local tag; proxymanifeststore.go fetches
    # the new revision by digest, as it is not held yet.
    world = cache_world()
    assert world.clients["n1"].pull(THROUGH_CACHE).ok
    old = world.clients["n1"].images
    publisher = world.clients["publisher"]
    assert publisher.build(PUBLISHED, [("base", 40 * MB), ("app-2", 12 * MB)]).ok
    assert publisher.push(PUBLISHED).ok
    moved = world.registries[ORIGIN].resolve("team/app", "v1").digest
    assert moved not in old
    with world.recording() as events:
        out = world.clients["n2"].pull(THROUGH_CACHE)
        assert out.ok, out.output
        assert f"Digest: {moved}" in out.output
        asked = [(e.method, e.path) for e in upstream(events) if "/manifests/" in e.path]
        assert asked == [("HEAD", "/v2/team/app/manifests/v1"), ("GET", f"/v2/team/app/manifests/{moved}")]
        layers = {b.size: b.how for b in out.blobs if b.kind == "layer"}
        assert layers == {40 * MB: How.MIRROR_HIT, 12 * MB: How.MIRROR_MISS}
    assert cache(world).repositories["team/app"].tags.get("v1") == moved


def test_a_cold_blob_is_asked_for_once_and_read_twice_from_the_upstream_and_a_warm_one_not_at_all() -> None:
    # handlers/blob.go GetBlob calls Stat before ServeBlob: the one HEAD (registry/client's blob
    # statter caches it for the request). proxyblobstore.go ServeBlob on a miss: `go storeLocal`
    # copies the blob from the remote into storage while `copyContent(ctx, dgst, w)` streams it from
    # the remote to the client: two whole GETs. Measured on distribution 2.8.2 as a proxy
    # (2026-12-05): a cold pull's upstream log has HEAD, GET, GET for each blob; a warm pull none.
    world = cache_world()
    with world.recording() as events:
        assert world.clients["n1"].pull(THROUGH_CACHE).ok
        asked: dict[str, list[tuple[str, bool, int]]] = {}   # per blob: method, in the background, bytes
        for e in upstream(events):
            if "/blobs/" in e.path:
                asked.setdefault(e.path, []).append((e.method, e.lane == Lane.BACKGROUND, e.bytes))
    sizes = sorted(requests[-1][2] for requests in asked.values())   # the config, then the two layers
    assert sizes[1:] == [10 * MB, 40 * MB]
    for path, requests in asked.items():
        size = requests[-1][2]
        assert requests == [("HEAD", False, 0), ("GET", True, size), ("GET", False, size)], path
    manifest = len(next(iter(cache(world).repositories["team/app"].manifests.revisions())).raw)
    assert cache(world).stats.bytes_from_upstream == manifest + 2 * sum(sizes)
    with world.recording() as events:
        assert world.clients["n2"].pull(THROUGH_CACHE).ok
        assert [e for e in upstream(events) if "/blobs/" in e.path] == []


# --- the TTL setting (configuration/configuration.go Proxy.TTL, proxy/proxyregistry.go) ----------


def test_the_default_ttl_is_distributions_168_hours(tmp_path: Path) -> None:
    # proxyregistry.go: "Default TTL is 7 days" when the proxy config has no ttl.
    assert DEFAULT_TTL == 168 * HOUR
    world = World(ORIGIN)
    assert PullThroughCache(CACHE, ORIGIN, world=world).ttl == 168 * HOUR
    text = f"""
version: 1
title: t
summary: s
registries:
  - {{name: {ORIGIN}}}
  - {{name: {CACHE}, mirror_of: {ORIGIN}}}
clients: [n1]
layers: {{base: 1MB}}
images: {{app: [base]}}
steps:
  - {{say: hello, as: n1, run: docker build -t app .}}
"""
    (tmp_path / "t.yaml").write_text(text)
    built = build_world(load_scenario(tmp_path / "t.yaml"))
    mirror = built.registries[CACHE]
    assert isinstance(mirror, PullThroughCache) and mirror.ttl == 168 * HOUR


def test_a_default_ttl_copy_is_held_for_seven_days_and_not_a_second_more() -> None:
    # proxyregistry.go repositoryTTL (24 * 7 * time.Hour), counted from the fetch (scheduler.go add).
    world = World(ORIGIN)
    world.add_registry(Registry(ORIGIN, clock=world.current_time))
    world.add_registry(PullThroughCache(CACHE, ORIGIN, world=world), "mirror")
    publisher = world.add_client("publisher")
    assert publisher.build(PUBLISHED, [("base", 5 * MB)]).ok and publisher.push(PUBLISHED).ok
    assert world.add_client("n1").pull(THROUGH_CACHE).ok
    later(world, 168 * HOUR - 1)
    assert cache(world).layer_bytes_stored() == 5 * MB
    later(world, 1)
    assert cache(world).layer_bytes_stored() == 0


def test_a_ttl_of_zero_never_expires() -> None:
    # configuration.go: "If set to zero, will never expire cache" (proxyregistry.go makes no scheduler).
    world = cache_world(ttl=0)
    assert world.clients["n1"].pull(THROUGH_CACHE).ok
    later(world, 10_000 * HOUR)
    assert cache(world).layer_bytes_stored() == 50 * MB
    uplink(world, False)
    assert world.clients["n2"].pull(THROUGH_CACHE).ok


def test_the_step_where_copies_expire_says_what_the_cache_deleted() -> None:
    # What proxyregistry.go's OnManifestExpire and OnBlobExpire deleted, told to the learner.
    run = replay(load_scenario(SCENARIOS / "cache-expiry.yaml"))
    wait = next(r for r in run.records if r.command.startswith("wait"))
    assert wait.output[-1] == (f"{CACHE}: the 24.0 h TTL of what it fetched for team/app ran out: "
                               "1 manifest and 3 blobs deleted (52MB of layers)")


def test_a_blob_the_upstream_lacks_is_blob_unknown_and_an_unreachable_upstream_is_unknown() -> None:
    # handlers/blob.go GetBlob: Stat's ErrBlobUnknown is BLOB_UNKNOWN (404); any other error,
    # such as the remote Stat failing to connect, is ErrorCodeUnknown (500).
    world = cache_world()
    missing = "sha256:" + "0" * 64
    with pytest.raises(RegistryError) as refused:
        cache(world).get_blob(None, "team/app", missing)
    assert refused.value.code is ErrorCode.BLOB_UNKNOWN
    uplink(world, False)
    with pytest.raises(RegistryError) as refused:
        cache(world).get_blob(None, "team/app", missing)
    assert (refused.value.code, refused.value.code.status) == (ErrorCode.UNKNOWN, 500)


def test_listing_tags_asks_the_upstream_and_falls_back_to_the_tags_kept_here() -> None:
    # proxytagservice.go All: the remote's tags when it answers, else the local ones.
    world = cache_world()
    publisher = world.clients["publisher"]
    assert publisher.tag(PUBLISHED, f"{ORIGIN}/team/app:v2").ok and publisher.push(f"{ORIGIN}/team/app:v2").ok
    assert world.clients["n1"].pull(THROUGH_CACHE).ok
    tags = cache(world).list_tags(None, "team/app")
    assert json.loads(tags.body)["tags"] == ["v1", "v2"]       # v2 was never pulled through the cache
    uplink(world, False)
    tags = cache(world).list_tags(None, "team/app")
    assert json.loads(tags.body)["tags"] == ["v1"]


def test_a_ttl_on_a_registry_that_is_not_a_cache_is_reported_at_its_line(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    # configuration.go: ttl belongs to the proxy section; a registry without one never expires anything.
    from regsim.cli import main

    path = tmp_path / "ttl.yaml"
    path.write_text(f"""version: 1
title: t
summary: s
registries:
  - name: {ORIGIN}
    ttl: 2h
clients: [n1]
layers: {{base: 1MB}}
images: {{app: [base]}}
steps:
  - {{say: hello, as: n1, run: docker build -t app .}}
""")
    assert main(["play", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"{path}:6:10: ttl is how long a pull-through cache keeps what it fetched" in err
    assert "Traceback" not in err
