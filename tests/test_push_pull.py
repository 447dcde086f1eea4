"""docker push / pull as a learner watches them: what travels, what docker prints, what is stored."""

from __future__ import annotations

import re

import pytest
from conftest import HOST, V1, V2, Restarted

from regsim.model.core.events import How, RequestEvent
from regsim.model.oci.errors import ErrorCode, RegistryError
from regsim.model.oci.manifest import Index, Manifest
from regsim.model.oci.reference import parse_reference
from regsim.model.registry.registry import Registry
from regsim.units import docker_size

TEAM_V1 = f"{HOST}/team/app:v1"
TEAM_V2 = f"{HOST}/team/app:v2"
OTHER_V2 = f"{HOST}/other/app:v2"
SIZES = dict([*V1, *V2])


def short(digest: str) -> str:
    return digest.split(":", 1)[1][:12]


def layer_hows(outcome) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {b.name: b.how for b in outcome.blobs if b.kind == "layer"}


def layer_bytes(outcome) -> int:  # type: ignore[no-untyped-def]
    return sum(b.moved for b in outcome.blobs if b.kind == "layer")


def digest_of(client, name: str) -> str:  # type: ignore[no-untyped-def]
    return next(d for d, n in client.layer_names.items() if n == name)


@pytest.fixture
def pushed(world, alice):  # type: ignore[no-untyped-def]
    """alice has pushed v1 and v2 to team/app."""
    alice.tag("app:v1", TEAM_V1)
    alice.tag("app:v2", TEAM_V2)
    assert alice.push(TEAM_V1).ok
    assert alice.push(TEAM_V2).ok
    return alice


# ----- only missing layers travel ---------------------------------------------------------------------


def test_first_push_sends_every_layer_and_the_config(world, alice):
    alice.tag("app:v1", TEAM_V1)
    outcome = alice.push(TEAM_V1)
    assert outcome.ok
    assert layer_hows(outcome) == {"base1": How.SENT, "base2": How.SENT, "v1": How.SENT}
    assert [b.kind for b in outcome.blobs] == ["layer", "layer", "layer", "config", "manifest"]
    assert layer_bytes(outcome) == 3_000_877 + 1_000_647 + 500_587


def test_second_push_sends_only_the_new_layer(world, alice):
    alice.tag("app:v1", TEAM_V1)
    alice.tag("app:v2", TEAM_V2)
    alice.push(TEAM_V1)
    outcome = alice.push(TEAM_V2)
    assert layer_hows(outcome) == {"base1": How.EXISTS, "base2": How.EXISTS, "v2": How.SENT}
    assert layer_bytes(outcome) == 200_557


def test_pushing_the_same_image_again_sends_no_blob(world, pushed):
    outcome = pushed.push(TEAM_V1)
    assert outcome.ok
    assert {b.how for b in outcome.blobs if b.kind != "manifest"} == {How.EXISTS}
    assert sum(b.moved for b in outcome.blobs if b.kind != "manifest") == 0


def test_cross_repository_push_mounts_layers_and_moves_no_layer_bytes(world, registry, pushed):
    pushed.tag("app:v2", OTHER_V2)
    stored = registry.stored_bytes()
    with world.recording() as events:
        outcome = pushed.push(OTHER_V2)
        assert layer_hows(outcome) == {"base1": How.MOUNTED, "base2": How.MOUNTED, "v2": How.MOUNTED}
        assert {b.source for b in outcome.blobs if b.how == How.MOUNTED} == {"team/app"}
        assert layer_bytes(outcome) == 0
        assert not any(e.method == "PATCH" and e.bytes in SIZES.values() for e in events)
        # the config is not mounted (the reference client uploads it again), yet the store keeps one copy
        config = next(b for b in outcome.blobs if b.kind == "config")
        assert config.how == How.SENT
        assert registry.stored_bytes() == stored
        assert registry.stored_layer_bytes == sum(SIZES.values())


def test_client_that_never_saw_the_other_repository_uploads_instead_of_mounting(world, pushed, bob):
    # bob built the same layers himself: his blob-info cache knows nothing about team/app
    bob.build("app:v2", V2)
    bob.tag("app:v2", OTHER_V2)
    outcome = bob.push(OTHER_V2)
    assert layer_hows(outcome) == {"base1": How.SENT, "base2": How.SENT, "v2": How.SENT}


def test_first_pull_downloads_everything_and_second_only_the_missing_layer(world, pushed, bob):
    first = bob.pull(TEAM_V1)
    assert sorted(b.how for b in first.blobs if b.kind == "layer") == [How.PULLED] * 3
    assert layer_bytes(first) == 4_502_111
    second = bob.pull(TEAM_V2)
    hows = {b.digest: b.how for b in second.blobs if b.kind == "layer"}
    assert hows == {digest_of(pushed, "base1"): How.LOCAL, digest_of(pushed, "base2"): How.LOCAL,
                    digest_of(pushed, "v2"): How.PULLED}
    assert layer_bytes(second) == 200_557


def test_pull_of_an_image_already_present_downloads_nothing(world, pushed, bob):
    bob.pull(TEAM_V1)
    with world.recording() as events:
        again = bob.pull(TEAM_V1)
        assert again.ok
        assert sum(b.moved for b in again.blobs if b.kind != "manifest") == 0
        assert [e.method for e in events if "/blobs/" in e.path] == []


def test_client_that_built_the_image_pulls_nothing_but_the_manifest(world, pushed):
    with world.recording() as events:
        outcome = pushed.pull(TEAM_V1)
        assert outcome.ok
        assert [e.path for e in events if "/blobs/" in e.path] == []


# ----- what docker prints --------------------------------------------------------------------------------


def test_push_prints_docker_lines_per_layer_and_the_digest_line(world, registry, alice):
    alice.tag("app:v1", TEAM_V1)
    alice.tag("app:v2", TEAM_V2)
    first = alice.push(TEAM_V1)
    assert first.output[0] == f"The push refers to repository [{HOST}/team/app]"
    digests = [digest_of(alice, n) for n in ("base1", "base2", "v1")]
    assert first.output[1:4] == [f"{short(d)}: Pushed" for d in digests]
    manifest = registry.resolve("team/app", "v1")
    assert first.output[-1] == f"v1: digest: {manifest.digest} size: {len(manifest.raw)}"
    second = alice.push(TEAM_V2)
    assert f"{short(digests[0])}: Layer already exists" in second.output
    assert f"{short(digests[1])}: Layer already exists" in second.output
    assert f"{short(digest_of(alice, 'v2'))}: Pushed" in second.output
    assert re.fullmatch(r"v2: digest: sha256:[0-9a-f]{64} size: \d+", second.output[-1])


def test_mounted_layers_print_mounted_from_the_source_repository(world, pushed):
    pushed.tag("app:v2", OTHER_V2)
    outcome = pushed.push(OTHER_V2)
    assert outcome.output[0] == f"The push refers to repository [{HOST}/other/app]"
    assert outcome.output[1:4] == [
        f"{short(digest_of(pushed, n))}: Mounted from team/app" for n in ("base1", "base2", "v2")
    ]


def test_pull_prints_already_exists_pull_complete_digest_and_status(world, registry, pushed, bob):
    first = bob.pull(TEAM_V1)
    v1 = registry.resolve("team/app", "v1")
    assert first.output[0] == "v1: Pulling from team/app"    # docker names the path, not the host
    assert first.output[1:4] == [f"{short(layer.digest)}: Pull complete" for layer in v1.layers]
    assert first.output[-2:] == [f"Digest: {v1.digest}", f"Status: Downloaded newer image for {TEAM_V1}"]
    second = bob.pull(TEAM_V2)
    v2 = registry.resolve("team/app", "v2")
    assert second.output[1:4] == [
        f"{short(v2.layers[0].digest)}: Already exists",
        f"{short(v2.layers[1].digest)}: Already exists",
        f"{short(v2.layers[2].digest)}: Pull complete",
    ]
    again = bob.pull(TEAM_V2)
    # Up to date: docker lists no layers at all, only the digest and the status.
    assert again.output == ["v2: Pulling from team/app", f"Digest: {v2.digest}",
                            f"Status: Image is up to date for {TEAM_V2}"]
    assert [b.how for b in again.blobs if b.kind == "layer"] == ["local"] * 3


def test_pull_after_the_tag_moved_downloads_the_new_image(world, registry, pushed, bob):
    bob.pull(TEAM_V1)
    pushed.tag("app:v2", TEAM_V1)           # v1 now names the v2 image
    assert pushed.push(TEAM_V1).ok
    outcome = bob.pull(TEAM_V1)
    assert outcome.output[-1] == f"Status: Downloaded newer image for {TEAM_V1}"
    assert layer_bytes(outcome) == 200_557


def test_push_of_a_name_with_no_local_tag_fails_with_dockers_wording(world, alice):
    outcome = alice.push(f"{HOST}/team/app")
    assert not outcome.ok
    assert outcome.output == [f"An image does not exist locally with the tag: {HOST}/team/app"]


def test_push_of_a_tag_the_client_lacks_fails_and_sends_nothing(world, alice):
    with world.recording() as events:
        outcome = alice.push(f"{HOST}/team/app:nope")
        assert not outcome.ok
        assert events == []


def test_push_by_digest_is_refused_and_tags_nothing(world, registry, alice):
    image = alice.image_for(alice.parse("app:v1"))
    with world.recording() as events:
        outcome = alice.push(f"{HOST}/team/app@{image.key}")
        assert not outcome.ok
        assert "cannot push a digest reference" in outcome.output[-1]
        assert events == []
        assert "team/app" not in registry.repositories


def test_pull_of_a_missing_tag_fails_with_manifest_unknown_in_dockers_words(world, pushed, bob):
    outcome = bob.pull(f"{HOST}/team/app:v9")
    assert not outcome.ok
    assert outcome.error == "MANIFEST_UNKNOWN"
    assert outcome.output[-1] == (
        f"Error response from daemon: manifest for {HOST}/team/app:v9 not found: "
        "manifest unknown: manifest unknown"
    )


def test_pull_by_digest_fetches_that_exact_manifest(world, registry, pushed, bob):
    v1 = registry.resolve("team/app", "v1")
    outcome = bob.pull(f"{HOST}/team/app@{v1.digest}")
    assert outcome.ok
    assert f"Digest: {v1.digest}" in outcome.output
    assert layer_bytes(outcome) == 4_502_111


# ----- reference parsing -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "host", "repository", "tag"),
    [
        ("myapp", "docker.io", "library/myapp", "latest"),
        ("myapp:1.0", "docker.io", "library/myapp", "1.0"),
        ("team/app", "docker.io", "team/app", "latest"),
        ("registry.example/team/app:v1", "registry.example", "team/app", "v1"),
        ("registry.example/app", "registry.example", "app", "latest"),
        ("localhost/app", "localhost", "app", "latest"),
        ("localhost:5000/team/app:v2", "localhost:5000", "team/app", "v2"),
        ("myhost:5000/app", "myhost:5000", "app", "latest"),
        ("a.b/c/d/e:t", "a.b", "c/d/e", "t"),
        ("localhostx/app", "docker.io", "localhostx/app", "latest"),   # not a host: no dot, colon
        ("localhost:5000", "docker.io", "library/localhost", "5000"),   # a name with a tag
        ("docker.io/python:3.12", "docker.io", "library/python", "3.12"),   # library/ on Docker Hub only
        ("index.docker.io/team/app", "docker.io", "team/app", "latest"),    # Docker Hub's old name
    ],
)
def test_reference_parsing_follows_docker(text, host, repository, tag):
    # distribution/reference normalize.go, ParseNormalizedNamed and splitDockerDomain.
    ref = parse_reference(text)
    assert (ref.host, ref.repository, ref.tag) == (host, repository, tag)


def test_digest_reference_names_the_digest_and_may_keep_a_tag():
    digest = "sha256:" + "1" * 64
    ref = parse_reference(f"registry.example/team/app@{digest}")
    assert (ref.tag, str(ref.digest), ref.reference) == (None, digest, digest)
    both = parse_reference(f"team/app:v1@{digest}")
    assert (both.tag, both.reference) == ("v1", digest)


def test_familiar_name_hides_only_docker_hub_and_its_library_prefix():
    # distribution/reference normalize.go, familiarizeName: docker.io/ goes, and library/ goes
    # when one component follows it; every other host stays, whatever registries a world has.
    assert parse_reference("myapp").familiar() == "myapp:latest"
    assert parse_reference("team/app:v1").familiar() == "team/app:v1"
    assert parse_reference("docker.io/library/app:v1").familiar() == "app:v1"
    assert parse_reference("registry.example/team/app:v1").familiar() == "registry.example/team/app:v1"
    assert parse_reference("registry.example/library/app:v1").familiar() == "registry.example/library/app:v1"
    assert parse_reference("app:v1").full == "docker.io/library/app:v1"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("MyApp", ErrorCode.NAME_INVALID),
        ("", ErrorCode.NAME_INVALID),
        ("app:-bad", ErrorCode.TAG_INVALID),
        ("app@sha256:xyz", ErrorCode.DIGEST_INVALID),
        ("bad_host.example:port/app", ErrorCode.NAME_INVALID),
    ],
)
def test_malformed_references_are_refused_with_the_spec_code(text, code):
    with pytest.raises(RegistryError) as info:
        parse_reference(text)
    assert info.value.code is code


def test_pull_of_a_malformed_reference_fails_before_any_request(world, bob):
    with world.recording() as events:
        outcome = bob.pull("Team/App")
        assert not outcome.ok and outcome.error == "NAME_INVALID"
        assert outcome.output[-1].startswith("invalid reference format")
        assert events == []


# ----- multi-platform images --------------------------------------------------------------------


MULTI = {
    "linux/amd64": [("debian-amd64", 30_000_000), ("app-amd64", 2_000_000)],
    "linux/arm64": [("debian-arm64", 29_000_000), ("app-arm64", 1_900_000)],
}
MULTI_REF = f"{HOST}/team/multi:1"


@pytest.fixture
def multi(world, alice):  # type: ignore[no-untyped-def]
    alice.build("multi:1", MULTI)
    alice.tag("multi:1", MULTI_REF)
    outcome = alice.push(MULTI_REF)
    assert outcome.ok, outcome.output
    return outcome


def test_multi_platform_build_is_pushed_as_an_index_of_one_manifest_per_platform(world, registry, multi):
    top = registry.resolve("team/multi", "1")
    assert isinstance(top, Index)
    assert sorted(str(e.platform) for e in top.manifests) == ["linux/amd64", "linux/arm64"]
    for entry in top.manifests:
        assert isinstance(registry.resolve("team/multi", entry.digest), Manifest)
    assert multi.output[-1] == f"1: digest: {top.digest} size: {len(top.raw)}"
    assert layer_bytes(multi) == sum(size for layers in MULTI.values() for _, size in layers)


@pytest.mark.parametrize("platform", ["linux/amd64", "linux/arm64"])
def test_each_platform_client_downloads_only_its_own_layers(world, multi, platform):
    client = world.add_client(f"on-{platform.split('/')[1]}", platform=platform)
    outcome = client.pull(MULTI_REF)
    assert outcome.ok, outcome.output
    assert layer_bytes(outcome) == sum(size for _, size in MULTI[platform])
    assert sorted(layer.size for layer in client.layers.values()) == sorted(s for _, s in MULTI[platform])


def test_pull_with_an_explicit_platform_overrides_the_clients_own(world, multi, bob):
    outcome = bob.pull(MULTI_REF, platform="linux/arm64")
    assert outcome.ok
    assert sorted(layer.size for layer in bob.layers.values()) == [1_900_000, 29_000_000]


def test_pull_of_a_platform_the_index_lacks_fails_clearly(world, multi, bob):
    outcome = bob.pull(MULTI_REF, platform="linux/s390x")
    assert not outcome.ok
    assert outcome.output[-1] == "no matching manifest for linux/s390x in the manifest list entries"
    assert bob.layers == {}


def test_index_stored_bytes_count_every_platform_once(world, registry, multi):
    assert registry.stored_layer_bytes == 62_900_000
    assert registry.logical_layer_bytes() == 62_900_000


# ----- immutable tags --------------------------------------------------------------------------------


@pytest.mark.parametrize("world", [("team/app",)], indirect=True)
def test_immutable_repository_refuses_to_move_a_tag(world, registry, alice):
    alice.tag("app:v1", TEAM_V1)
    assert alice.push(TEAM_V1).ok
    v1 = registry.resolve("team/app", "v1").digest
    alice.tag("app:v2", TEAM_V1)
    outcome = alice.push(TEAM_V1)
    assert not outcome.ok
    assert outcome.error == "DENIED"
    assert "immutable" in outcome.message
    # A push prints its error into its progress, bare (moby image_routes.go: output already flushed).
    assert outcome.output[-1] == "denied: requested access to the resource is denied"
    assert registry.resolve("team/app", "v1").digest == v1


@pytest.mark.parametrize("world", [("team/app",)], indirect=True)
def test_immutable_repository_accepts_the_same_manifest_again_and_new_tags(world, registry, alice):
    alice.tag("app:v1", TEAM_V1)
    alice.tag("app:v2", TEAM_V2)
    assert alice.push(TEAM_V1).ok
    assert alice.push(TEAM_V1).ok
    assert alice.push(TEAM_V2).ok


@pytest.mark.parametrize("world", [("team/app",)], indirect=True)
def test_tags_in_other_repositories_stay_movable(world, registry, alice):
    alice.tag("app:v1", OTHER_V2)
    alice.push(OTHER_V2)
    alice.tag("app:v2", OTHER_V2)
    assert alice.push(OTHER_V2).ok


def test_a_registry_restarted_with_immutable_tags_protects_the_tags_it_already_had(world, registry, alice):
    alice.tag("app:v1", TEAM_V1)
    alice.push(TEAM_V1)
    registry = world.add_registry(Registry(HOST, immutable=("team/app",), storage=Restarted(registry.store)))
    alice.tag("app:v2", TEAM_V1)
    outcome = alice.push(TEAM_V1)
    assert outcome.error == "DENIED"


# ----- rmi, images, system df -------------------------------------------------------------------------


def test_images_lists_each_tag_with_its_size(world, pushed, bob):
    bob.pull(TEAM_V1)
    bob.pull(TEAM_V2)
    rows = bob.image_rows()
    assert [(r.repository, r.tag, r.size) for r in rows] == [
        (f"{HOST}/team/app", "v1", sum(size for _, size in V1)),
        (f"{HOST}/team/app", "v2", sum(size for _, size in V2)),
    ]
    assert [docker_size(r.size) for r in rows] == ["4.5MB", "4.2MB"]


def test_system_df_counts_shared_layers_once(world, pushed, bob):
    bob.pull(TEAM_V1)
    bob.pull(TEAM_V2)
    usage = bob.disk_usage()
    assert (usage.images, docker_size(usage.disk), docker_size(usage.shared), docker_size(usage.logical)) == (
        2, "4.7MB", "4MB", "8.7MB")
    per_image = sorted([docker_size(i.size), docker_size(i.shared), docker_size(i.unique)] for i in usage.per_image)
    assert per_image == [["4.2MB", "4MB", "201kB"], ["4.5MB", "4MB", "501kB"]]


def test_rmi_keeps_layers_another_image_still_uses(world, pushed, bob):
    bob.pull(TEAM_V1)
    bob.pull(TEAM_V2)
    outcome = bob.rmi(TEAM_V1)
    assert outcome.ok
    assert outcome.output[0] == f"Untagged: {TEAM_V1}"
    deleted = [line.split(": ", 1)[1] for line in outcome.output if line.startswith("Deleted: ")]
    assert digest_of(pushed, "v1") in deleted
    assert digest_of(pushed, "base1") not in deleted and digest_of(pushed, "base2") not in deleted
    assert sorted(layer.size for layer in bob.layers.values()) == sorted(s for _, s in V2)
    assert [row.tag for row in bob.image_rows()] == ["v2"]
    again = bob.pull(TEAM_V1)
    assert layer_bytes(again) == 500_587


def test_rmi_of_one_of_two_tags_only_untags(world, pushed, bob):
    bob.pull(TEAM_V1)
    bob.tag(TEAM_V1, f"{HOST}/team/app:stable")
    outcome = bob.rmi(TEAM_V1)
    assert outcome.output == [f"Untagged: {TEAM_V1}"]
    assert len(bob.layers) == 3


def test_rmi_of_an_unknown_image_fails_with_dockers_wording(world, bob):
    outcome = bob.rmi(TEAM_V1)
    assert not outcome.ok
    assert outcome.output == [f"Error response from daemon: No such image: {TEAM_V1}"]


def test_build_reports_layer_count_and_size(world):
    client = world.add_client("dora")
    outcome = client.build("app:v1", V1)
    assert outcome.output[0].endswith("(3 layers, 4.5MB)")
    assert outcome.output[1] == "Successfully tagged app:v1"   # as typed, as docker prints it
    assert [(row.repository, row.tag) for row in client.image_rows()] == [("app", "v1")]


def test_a_deferred_reason_reads_as_the_same_text_everywhere():
    def writer(repository: str, size: int) -> str:
        return f"does {repository} have {docker_size(size)}?"

    deferred = RequestEvent("HEAD", "/v2/app/blobs/x", 404, 0, "laptop", HOST, (writer, "app", 5_000_000))
    said = RequestEvent("HEAD", "/v2/app/blobs/x", 404, 0, "laptop", HOST, "does app have 5MB?")
    assert deferred.to_dict() == said.to_dict()
    assert deferred.why == said.why == "does app have 5MB?"
    deferred.why = "replaced"
    assert deferred.to_dict()["why"] == "replaced"


def test_a_recording_holds_only_the_requests_sent_inside_it_and_nothing_is_kept_outside(world, alice):
    alice.tag("app:v1", TEAM_V1)
    alice.push(TEAM_V1)   # outside any recording: a long-lived world (a live server) keeps nothing
    assert world.recording_now() is None
    with world.recording() as outer:
        pulled = world.add_client("bob")
        pulled.pull(TEAM_V1)
        with world.recording() as inner:
            pulled.pull(TEAM_V1)
    assert outer and inner
    assert not {e.method for e in outer} & {"POST", "PATCH", "PUT"}   # the push left no trace here
    assert not any(e is f for e in outer for f in inner)   # the inner block's requests are its own
    assert world.recording_now() is None


SHARED = {
    "linux/amd64": [("alpine-amd64", 3_400_000), ("assets", 5_000_000), ("tool-amd64", 12_000_000)],
    "linux/arm64": [("alpine-arm64", 3_300_000), ("assets", 5_000_000), ("tool-arm64", 11_000_000)],
}


@pytest.mark.parametrize("second_repository", [False, True])
def test_a_layer_two_platforms_share_is_pushed_and_printed_once(world, alice, second_repository):
    # containerd's pusher skips a ref it has committed (core/remotes/docker/pusher.go) and dockerd
    # prints one progress line per digest (moby daemon/containerd/progress.go, pushProgress).
    alice.build("shared:1", SHARED)
    alice.tag("shared:1", f"{HOST}/team/shared:1")
    assert alice.push(f"{HOST}/team/shared:1").ok
    target = f"{HOST}/other/shared:1" if second_repository else f"{HOST}/team/shared:2"
    alice.tag("shared:1", target)
    with world.recording() as events:
        outcome = alice.push(target)
        assert outcome.ok, outcome.output
        shorts = [line.split(":")[0] for line in outcome.output[1:-1]]
        assert len(shorts) == len(set(shorts)) == 5          # five distinct layers, one line each
        heads = [e.path for e in events if e.method == "HEAD"]
        assert len(heads) == len(set(heads))                 # no blob is asked about twice
    if second_repository:
        assert all(line.endswith("Mounted from team/shared") for line in outcome.output[1:-1])


def test_docker_images_shows_the_config_digest_of_the_platform_pulled(world, multi, bob):
    # moby image/store.go, Create: an image's ID is the digest of its config.
    outcome = bob.pull(MULTI_REF)
    assert outcome.ok
    (row,) = bob.image_rows()
    (manifest,) = bob.image_for(bob.parse(MULTI_REF)).manifests.values()
    assert row.image_id == manifest.config.digest
    assert str(manifest.config.digest) != str(bob.image_for(bob.parse(MULTI_REF)).key)


# ----- the request path: the same requests whichever way they are dispatched -------------------


def _wire(events: list[RequestEvent]) -> list[tuple[object, ...]]:
    return [(e.method, e.path, e.status, e.bytes, e.outcome, e.lane, e.upload, e.why) for e in events]


def test_a_push_sends_the_same_requests_to_a_registry_with_or_without_an_open_guard():
    """A registry with no guard lends its handler to a push (`Registry.unguarded`); one whose guard
    lets everyone in (auth mode none) is asked through the guard. The requests on the wire, their
    answers and their order are the same: what docker sends does not depend on how the registry
    is built (the HEAD, HEAD, POST, PATCH, PUT per new blob of shared/reference)."""
    from regsim.model.registry.access import RegistryAccess
    from regsim.model.registry.policy import AccessPolicy
    from regsim.model.sim.world import World

    records = []
    for guarded in (False, True):
        world = World(HOST)
        guard = RegistryAccess(HOST, AccessPolicy("none"), world.current_time) if guarded else None
        registry = world.add_registry(Registry(HOST, guard=guard))
        assert (registry.unguarded("team/app") is None) is guarded
        alice = world.add_client("alice")
        assert alice.build("team/app:v1", V1).ok and alice.build("team/app:v2", V2).ok
        with world.recording() as events:
            for tag in ("v1", "v2"):
                assert alice.tag(f"team/app:{tag}", f"{HOST}/team/app:{tag}").ok
                assert alice.push(f"{HOST}/team/app:{tag}").ok
            assert alice.tag("team/app:v1", f"{HOST}/team/other:v1").ok
            assert alice.push(f"{HOST}/team/other:v1").ok   # mounts from team/app
        records.append(_wire(events))
    assert records[0] == records[1]
    assert [r[4] for r in records[0]].count("mounted") > 0


def test_every_field_of_a_request_record_is_filled_by_the_transport(world, alice):
    """World.send fills a RequestEvent field by field: each of its fields reads back."""
    assert alice.tag("app:v1", f"{HOST}/app:v1").ok
    with world.recording() as events:
        assert alice.push(f"{HOST}/app:v1").ok
    assert events
    for event in events:
        for name in RequestEvent.__slots__:
            getattr(event, name)   # AttributeError if the transport left one unset
        assert event.to_dict()["why"]
