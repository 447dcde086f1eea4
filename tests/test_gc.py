"""Garbage collection: it frees exactly what no kept manifest references, and reports the bytes."""

from __future__ import annotations

import pytest
from conftest import HOST

from regsim.model.oci.descriptor import Descriptor
from regsim.model.oci.digest import sha256_digest
from regsim.model.oci.manifest import Manifest, build_manifest
from regsim.model.oci.mediatype import OCI_EMPTY, OCI_MANIFEST
from regsim.model.registry.gc import collect_garbage

TEAM_V1 = f"{HOST}/team/app:v1"
TEAM_V2 = f"{HOST}/team/app:v2"
OTHER_V2 = f"{HOST}/other/app:v2"


def referenced(registry) -> set[str]:  # type: ignore[no-untyped-def]
    """Every blob a manifest still stored in some repository needs: itself, its config, its layers."""
    needed = set()
    for repo in registry.repositories.values():
        for manifest in repo.manifests.revisions():
            needed.add(manifest.digest)
            if isinstance(manifest, Manifest):
                needed.update(manifest.blob_digests())
    return needed


def image_parts(client, tag: str) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """The blobs one locally built image consists of, with their sizes: layers, config, manifest."""
    image = client.image_for(client.parse(tag))
    (manifest,) = image.manifests.values()
    parts = {layer.digest: layer.size for layer in manifest.layers}
    parts[manifest.config.digest] = manifest.config.size
    parts[manifest.digest] = len(manifest.raw)
    return parts


def layer_digest(client, name: str) -> str:  # type: ignore[no-untyped-def]
    return next(d for d, n in client.layer_names.items() if n == name)


@pytest.fixture
def pushed(world, alice):  # type: ignore[no-untyped-def]
    alice.tag("app:v1", TEAM_V1)
    alice.tag("app:v2", TEAM_V2)
    assert alice.push(TEAM_V1).ok and alice.push(TEAM_V2).ok
    return alice


def test_gc_with_nothing_deleted_frees_nothing(registry, pushed):
    before = registry.snapshot_json()
    report = collect_garbage(registry)
    assert (report.blobs_freed, report.bytes_freed, report.freed) == (0, 0, [])
    assert registry.snapshot_json() == before


def test_deleting_a_manifest_frees_nothing_until_gc(registry, pushed):
    blobs = dict(registry.blobs)
    v1 = registry.resolve("team/app", "v1")
    registry.delete_manifest(None, "team/app", v1.digest)
    assert registry.blobs == blobs
    assert registry.stored_layer_bytes == 4_702_668


def test_gc_after_deleting_v1_frees_exactly_its_own_layer_config_and_manifest(registry, pushed):
    v1_parts = image_parts(pushed, "app:v1")
    v1 = registry.resolve("team/app", "v1")
    registry.delete_manifest(None, "team/app", v1.digest)
    report = collect_garbage(registry)
    # base1 and base2 stay: v2 still uses them
    own = {layer_digest(pushed, "v1"), v1.config.digest, v1.digest}
    assert set(report.freed) == own
    assert report.blobs_freed == 3
    assert report.bytes_freed == 500_587 + v1_parts[v1.config.digest] + len(v1.raw)
    assert report.layer_bytes_freed == 500_587
    assert registry.stored_layer_bytes == 3_000_877 + 1_000_647 + 200_557
    assert not own & set(registry.blobs)


def test_gc_never_frees_a_blob_a_kept_manifest_references(registry, pushed):
    registry.delete_manifest(None, "team/app", registry.resolve("team/app", "v1").digest)
    collect_garbage(registry)
    assert referenced(registry) <= set(registry.blobs)
    assert registry.get_manifest(None, "team/app", "v2").status == 200
    for digest in registry.resolve("team/app", "v2").blob_digests():
        assert registry.head_blob(None, "team/app", digest).status == 200


def test_gc_frees_an_uploaded_blob_no_manifest_uses(registry, pushed):
    data = b"an upload nobody referenced" * 100
    digest = sha256_digest(data)
    registry.start_upload(None, "team/app", digest=digest, body=data)
    report = collect_garbage(registry)
    assert report.freed == [digest]
    assert report.bytes_freed == len(data)
    assert report.layer_bytes_freed == 0


def test_freed_blob_is_unlinked_and_the_next_push_uploads_it_again(world, registry, pushed):
    registry.delete_manifest(None, "team/app", registry.resolve("team/app", "v1").digest)
    collect_garbage(registry)
    v1_layer = layer_digest(pushed, "v1")
    assert v1_layer not in registry.repositories["team/app"].blobs
    outcome = pushed.push(TEAM_V1)
    assert {b.name: b.how for b in outcome.blobs if b.kind == "layer"} == {
        "base1": "exists", "base2": "exists", "v1": "sent"}
    assert registry.stored_layer_bytes == 4_702_668


def test_blob_mounted_into_another_repository_survives_deleting_the_original(world, registry, pushed):
    pushed.tag("app:v2", OTHER_V2)
    pushed.push(OTHER_V2)
    v2 = registry.resolve("team/app", "v2")
    registry.delete_manifest(None, "team/app", v2.digest)
    assert collect_garbage(registry).freed == []      # other/app still holds v2
    registry.delete_manifest(None, "other/app", v2.digest)
    report = collect_garbage(registry)
    assert set(report.freed) == {layer_digest(pushed, "v2"), v2.config.digest, v2.digest}
    assert report.layer_bytes_freed == 200_557


def test_untagged_manifest_is_kept_unless_gc_deletes_untagged(registry, pushed):
    old_v1 = registry.resolve("team/app", "v1")
    pushed.tag("app:v2", TEAM_V1)                  # move v1 onto the v2 image
    pushed.push(TEAM_V1)
    assert collect_garbage(registry).bytes_freed == 0
    report = collect_garbage(registry, delete_untagged=True)
    assert report.manifests_deleted == 1
    assert set(report.freed) == {layer_digest(pushed, "v1"), old_v1.config.digest, old_v1.digest}
    assert report.bytes_freed == 500_587 + old_v1.config.size + len(old_v1.raw)
    assert registry.logical_layer_bytes() == 2 * (3_000_877 + 1_000_647 + 200_557)
    assert registry.stored_layer_bytes == 3_000_877 + 1_000_647 + 200_557


def test_delete_untagged_keeps_every_tagged_image(registry, pushed):
    report = collect_garbage(registry, delete_untagged=True)
    assert report.freed == [] and report.manifests_deleted == 0


# ----- indexes ----------------------------------------------------------------------------------


MULTI = {
    "linux/amd64": [("debian-amd64", 30_000), ("app-amd64", 2_000)],
    "linux/arm64": [("debian-arm64", 29_000), ("app-arm64", 1_900)],
}


@pytest.fixture
def multi(world, registry, alice):  # type: ignore[no-untyped-def]
    alice.build("multi:1", MULTI)
    alice.tag("multi:1", f"{HOST}/team/multi:1")
    assert alice.push(f"{HOST}/team/multi:1").ok
    return registry.resolve("team/multi", "1")


def test_gc_keeps_the_platform_manifests_and_layers_of_a_tagged_index(registry, multi):
    before = set(registry.blobs)
    report = collect_garbage(registry, delete_untagged=True)
    assert report.freed == [] and report.manifests_deleted == 0
    assert set(registry.blobs) == before
    for entry in multi.manifests:
        child = registry.resolve("team/multi", entry.digest)
        assert set(child.blob_digests()) <= set(registry.blobs)


def test_untagging_an_index_and_gc_deleting_untagged_frees_the_whole_image(registry, multi):
    children = [registry.resolve("team/multi", e.digest) for e in multi.manifests]
    registry.delete_manifest(None, "team/multi", "1")
    report = collect_garbage(registry, delete_untagged=True)
    assert report.manifests_deleted == 3
    expected = {multi.digest: len(multi.raw)}
    for child in children:
        expected[child.digest] = len(child.raw)
        expected[child.config.digest] = child.config.size
        expected.update({layer.digest: layer.size for layer in child.layers})
    assert set(report.freed) == set(expected)
    assert report.bytes_freed == sum(expected.values())
    assert report.layer_bytes_freed == 62_900
    assert registry.stored_layer_bytes == 0
    assert registry.blobs == {}


# ----- referrers ---------------------------------------------------------------------------------


def attach(registry, subject, payload: bytes, artifact_type="application/vnd.example.sbom"):  # type: ignore[no-untyped-def]
    """Push an artifact manifest (by digest, untagged) whose subject is `subject`."""
    for data in (b"{}", payload):
        registry.start_upload(None, "team/app", digest=sha256_digest(data), body=data)
    manifest = build_manifest(
        b"{}", (Descriptor("application/octet-stream", sha256_digest(payload), len(payload)),),
        subject=Descriptor(subject.media_type, subject.digest, len(subject.raw)),
        artifact_type=artifact_type, config_media_type=OCI_EMPTY,
    )
    registry.put_manifest(None, "team/app", manifest.digest, manifest.raw, OCI_MANIFEST)
    return manifest


def test_referrer_of_a_kept_manifest_survives_gc_deleting_untagged(registry, pushed):
    v1 = registry.resolve("team/app", "v1")
    sbom = attach(registry, v1, b"sbom of v1")
    signature = attach(registry, sbom, b"signature of the sbom", "application/vnd.example.sig")
    report = collect_garbage(registry, delete_untagged=True)
    assert report.freed == [] and report.manifests_deleted == 0
    for manifest in (sbom, signature):
        assert registry.get_manifest(None, "team/app", manifest.digest).status == 200
        assert set(manifest.blob_digests()) <= set(registry.blobs)


def test_referrers_go_with_their_subject_when_it_is_collected(registry, pushed):
    v1 = registry.resolve("team/app", "v1")
    sbom = attach(registry, v1, b"sbom of v1")
    payload = sha256_digest(b"sbom of v1")
    registry.delete_manifest(None, "team/app", "v1")
    report = collect_garbage(registry, delete_untagged=True)
    assert report.manifests_deleted == 2
    assert {sbom.digest, payload, v1.digest, layer_digest(pushed, "v1")} <= set(report.freed)
    assert sha256_digest(b"{}") in report.freed          # the empty config nobody uses any more
    assert referenced(registry) <= set(registry.blobs)


# ----- pushes refused at the manifest ---------------------------------------------------------------


@pytest.fixture
def refused_push(world, registry, alice):  # type: ignore[no-untyped-def]
    """team/app is immutable; v1 is pushed, then a push moving v1 onto the v2 image is DENIED."""
    alice.tag("app:v1", TEAM_V1)
    assert alice.push(TEAM_V1).ok
    alice.tag("app:v2", TEAM_V1)
    outcome = alice.push(TEAM_V1)
    assert outcome.error == "DENIED"
    return alice


@pytest.mark.parametrize("world", [("team/app",)], indirect=True)
def test_blobs_uploaded_by_a_push_refused_at_the_manifest_stay_until_gc_frees_them(registry, refused_push):
    v2_layer = layer_digest(refused_push, "v2")
    v2_config = refused_push.image_for(refused_push.parse("app:v2")).top.config
    assert v2_layer in registry.blobs and v2_config.digest in registry.blobs
    report = collect_garbage(registry)
    assert set(report.freed) == {v2_layer, v2_config.digest}
    assert report.bytes_freed == 200_557 + v2_config.size


