"""A repository's three stores over one content-addressed blob store, as distribution's.

distribution/distribution registry/storage/: `blobstore.go` holds each blob once by digest;
`linkedblobstore.go` links blobs into a repository (a mount is a link, a delete removes the
link only); `manifeststore.go` links manifest revisions by digest (their bytes are blobs);
`tagstore.go` keeps one current link per tag (`Tag` moves it, `Get` of a missing tag is
ErrTagUnknown, `Lookup` finds the tags naming a digest, `All` is sorted). The registry-level
tests check what a client sees of each rule.
"""

from __future__ import annotations

import json

import pytest

from regsim.model.oci.blob import Blob
from regsim.model.oci.descriptor import Descriptor
from regsim.model.oci.digest import sha256_digest
from regsim.model.oci.errors import RegistryError
from regsim.model.oci.manifest import Manifest, build_manifest
from regsim.model.oci.mediatype import OCI_LAYER
from regsim.model.registry.registry import Registry
from regsim.model.registry.repository import Repository


def blob(data: bytes) -> Blob:
    return Blob(sha256_digest(data), len(data), data)


def config(*layers: bytes) -> bytes:
    return b'{"layers": %d}' % len(layers)


def image(*layers: bytes) -> Manifest:
    descriptors = tuple(Descriptor(OCI_LAYER, sha256_digest(d), len(d)) for d in layers)
    return build_manifest(config(*layers), descriptors)


# ----- linked blob store (linkedblobstore.go) --------------------------------------------------


def test_a_blob_put_through_one_repository_is_held_once_and_linked_only_there():
    blobs: dict[str, Blob] = {}
    team, other = Repository("team/app", blobs), Repository("other/app", blobs)
    layer = blob(b"layer")
    team.blobs.put(layer)
    team.blobs.put(Blob(layer.digest, layer.size))          # the same content again: the first copy stays
    assert blobs == {layer.digest: layer}
    assert team.blobs.stat(layer.digest) is layer
    assert other.blobs.stat(layer.digest) is None            # not linked: ErrBlobUnknown
    assert team.blobs.enumerate() == [layer.digest]


def test_mounting_links_and_deleting_unlinks_without_touching_the_content():
    blobs: dict[str, Blob] = {}
    team, other = Repository("team/app", blobs), Repository("other/app", blobs)
    layer = blob(b"shared")
    team.blobs.put(layer)
    other.blobs.link(layer.digest)                            # mount: linkBlob, nothing copied
    assert other.blobs.stat(layer.digest) is layer
    team.blobs.unlink(layer.digest)                           # Delete: Clear removes the link only
    assert layer.digest not in team.blobs and team.blobs.stat(layer.digest) is None
    assert other.blobs.stat(layer.digest) is layer and blobs[layer.digest] is layer
    team.blobs.unlink(layer.digest)                           # no link left: nothing to do


def test_a_link_whose_blob_was_freed_serves_nothing():
    blobs: dict[str, Blob] = {}
    repo = Repository("team/app", blobs)
    layer = blob(b"gone")
    repo.blobs.put(layer)
    del blobs[layer.digest]                                   # swept by garbage collection
    assert layer.digest in repo.blobs and repo.blobs.stat(layer.digest) is None


def test_linked_digests_are_listed_in_digest_order():
    repo = Repository("team/app", {})
    digests = [blob(bytes([i])).digest for i in range(5)]
    for digest in digests:
        repo.blobs.link(digest)
    assert repo.blobs.enumerate() == sorted(digests)


# ----- manifest store (manifeststore.go) --------------------------------------------------------


def test_putting_a_manifest_holds_its_bytes_as_a_blob_and_links_the_revision():
    blobs: dict[str, Blob] = {}
    repo = Repository("team/app", blobs)
    manifest = image(b"a")
    repo.manifests.put(manifest)
    assert manifest.digest in repo.manifests and repo.manifests.get(manifest.digest) is manifest
    assert blobs[manifest.digest] == Blob(manifest.digest, len(manifest.raw), manifest.raw)
    assert len(repo.tags) == 0                                # tagging is the tag store's job


def test_every_revision_is_kept_by_digest_and_deleting_one_leaves_its_bytes():
    blobs: dict[str, Blob] = {}
    repo = Repository("team/app", blobs)
    first, second = image(b"a"), image(b"a", b"b")
    repo.manifests.put(first)
    repo.manifests.put(second)
    assert list(repo.manifests.enumerate()) == [first.digest, second.digest]
    repo.manifests.delete(first.digest)
    assert repo.manifests.get(first.digest) is None           # ErrManifestUnknownRevision
    assert first.digest in blobs                              # the bytes wait for garbage collection
    assert list(repo.manifests.revisions()) == [second]
    with pytest.raises(KeyError):
        repo.manifests.delete(first.digest)


# ----- tag store (tagstore.go) ------------------------------------------------------------------


def test_tagging_again_moves_the_tag_and_keeps_one_current_link():
    repo = Repository("team/app", {})
    first, second = image(b"a"), image(b"b")
    repo.tags.tag("latest", first.digest)
    repo.tags.tag("latest", second.digest)
    assert repo.tags.get("latest") == second.digest
    assert repo.tags.links() == {"latest": second.digest}
    assert repo.tags.lookup(first.digest) == []


def test_a_missing_tag_names_nothing_and_cannot_be_untagged():
    repo = Repository("team/app", {})
    assert repo.tags.get("v9") is None                        # ErrTagUnknown
    assert "v9" not in repo.tags
    with pytest.raises(KeyError):                             # the driver's PathNotFound
        repo.tags.untag("v9")


def test_tags_are_listed_sorted_and_looked_up_by_digest():
    repo = Repository("team/app", {})
    one, two = image(b"a"), image(b"b")
    for tag, digest in [("v2", two.digest), ("latest", two.digest), ("v1", one.digest)]:
        repo.tags.tag(tag, digest)
    assert repo.tags.all() == ["latest", "v1", "v2"]
    assert repo.tags.lookup(two.digest) == ["latest", "v2"]
    assert repo.tags.lookup(image(b"c").digest) == []
    repo.tags.untag("v2")
    assert repo.tags.lookup(two.digest) == ["latest"]


# ----- what a client sees -----------------------------------------------------------------------


def push(registry: Registry, name: str, tag: str, *layers: bytes) -> Manifest:
    for data in (config(*layers), *layers):
        registry.start_upload(None, name, digest=sha256_digest(data), body=data)
    manifest = image(*layers)
    assert registry.put_manifest(None, name, tag, manifest.raw, manifest.media_type).status == 201
    return manifest


def tags(registry: Registry, name: str) -> list[str]:
    body = registry.list_tags(None, name).body
    assert isinstance(body, bytes)
    return list(json.loads(body)["tags"])


def test_deleting_a_manifest_by_digest_untags_every_tag_that_named_it():
    registry = Registry("registry.example")
    old = push(registry, "team/app", "v1", b"a")
    registry.put_manifest(None, "team/app", "stable", old.raw, old.media_type)
    push(registry, "team/app", "v2", b"a", b"b")
    assert registry.delete_manifest(None, "team/app", old.digest).status == 202
    assert tags(registry, "team/app") == ["v2"]
    with pytest.raises(RegistryError) as error:
        registry.get_manifest(None, "team/app", "stable")
    assert error.value.code.name == "MANIFEST_UNKNOWN"


def test_a_mounted_blob_stays_readable_after_the_source_repository_deletes_it():
    registry = Registry("registry.example")
    data = b"base layer"
    digest = sha256_digest(data)
    push(registry, "team/app", "v1", data)
    assert registry.start_upload(None, "other/app", mount=digest, from_repository="team/app").status == 201
    assert registry.delete_blob(None, "team/app", digest).status == 202
    assert registry.get_blob(None, "other/app", digest).body == data
    missing = registry.head_blob(None, "team/app", digest)
    assert missing.status == 404 and missing.error is not None and missing.error.code.name == "BLOB_UNKNOWN"
