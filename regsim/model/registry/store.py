"""The registry's content: one content-addressed blob store, and the repositories that link into it.

The blob store *holds* each blob once, by digest, however many repositories link it; the
layer accounting (which blobs some manifest uses as a layer, and their bytes) is kept as
blobs arrive and leave, so `stored_layer_bytes` costs nothing to read.
"""

from __future__ import annotations

import json
from typing import Any

from regsim.model.core.snapshot import dict_of_copies, shallow
from regsim.model.oci.blob import Blob
from regsim.model.oci.descriptor import Descriptor
from regsim.model.oci.digest import Digest, check_digest
from regsim.model.oci.errors import ErrorCode, RegistryError
from regsim.model.oci.manifest import AnyManifest, Manifest
from regsim.model.oci.reference import check_tag, is_digest_reference
from regsim.model.registry.repository import Repository


class RegistryStore:
    """Blobs by digest, repositories by name, and the deduplicated layer bytes."""

    __slots__ = ("blobs", "host", "immutable", "layer_digests", "repositories", "stored_layer_bytes")

    def __deepcopy__(self, memo: dict[int, Any]) -> RegistryStore:
        # A snapshot copies every registry after every step: the tables by one call each (blobs
        # never change once stored; the repositories' stores hold this same blob table).
        copied = object.__new__(RegistryStore)
        memo[id(self)] = copied
        copied.host = self.host
        copied.immutable = self.immutable
        copied.blobs = shallow(self.blobs, memo)
        copied.layer_digests = self.layer_digests.copy()
        copied.stored_layer_bytes = self.stored_layer_bytes
        copied.repositories = dict_of_copies(self.repositories, memo)
        return copied

    def __init__(self, host: str, immutable: frozenset[str] = frozenset()) -> None:
        self.host = host
        self.blobs: dict[str, Blob] = {}
        self.repositories: dict[str, Repository] = {}
        self.immutable = immutable               # repositories whose tags may not move
        self.layer_digests: set[str] = set()     # blobs some manifest used as a layer
        self.stored_layer_bytes = 0

    # ----- repositories and their links ------------------------------------------------------

    def repository(self, name: str) -> Repository:
        """The repository `name`, created empty the first time something is linked into it."""
        repo = self.repositories.get(name)
        if repo is None:
            repo = self.repositories[name] = Repository(name, self.blobs, immutable_tags=name in self.immutable)
        return repo

    def linked(self, name: str, digest: str) -> Blob | None:
        """The blob `digest` when the repository `name` links it and the store holds it, else None."""
        repo = self.repositories.get(name)
        return repo.blobs.stat(digest) if repo is not None else None

    def blob_unknown(self, name: str, digest: str) -> RegistryError:
        """Why `name` cannot serve `digest` (BLOB_UNKNOWN); raises DIGEST_INVALID for a malformed digest."""
        repo = self.repositories.get(name)
        if repo is None or digest not in repo.blobs:
            if digest not in self.blobs:   # a digest the store holds was checked when it arrived
                check_digest(digest)
            return RegistryError(ErrorCode.BLOB_UNKNOWN, f"{name} has no blob {digest}", digest)
        return RegistryError(ErrorCode.BLOB_UNKNOWN, f"blob {digest} is no longer stored", digest)

    def linked_blob(self, name: str, digest: str) -> Blob:
        """The blob `digest` as the repository `name` may serve it; BLOB_UNKNOWN when not linked."""
        blob = self.linked(name, digest)
        if blob is None:
            raise self.blob_unknown(name, digest)
        return blob

    def link(self, repo: Repository, blob: Blob) -> None:
        """Hold the blob (once) and link it into the repository."""
        repo.blobs.put(blob)

    def count_layers(self, manifest: Manifest) -> None:
        """A manifest landed: its layers count in the deduplicated layer bytes (each blob once)."""
        for layer in manifest.layers:
            if layer.digest not in self.layer_digests:
                self.layer_digests.add(layer.digest)
                self.stored_layer_bytes += self.blobs[layer.digest].size

    def count_layer(self, digest: str) -> None:
        """A blob some manifest names as a layer counts in the layer bytes, if it is held (a cache's
        manifest names layers it has not fetched yet; a damaged file on disk is not held)."""
        blob = self.blobs.get(digest)
        if blob is not None and digest not in self.layer_digests:
            self.layer_digests.add(digest)
            self.stored_layer_bytes += blob.size

    def clear(self) -> None:
        """Hold nothing: no repository, no blob, no layer bytes (before loading a saved state again)."""
        self.repositories.clear()
        self.blobs.clear()            # cleared in place: every repository's linked-blob store shares this dict
        self.layer_digests.clear()
        self.stored_layer_bytes = 0

    def free(self, digest: str) -> Blob:
        """Drop a blob from the store (garbage collection)."""
        blob = self.blobs.pop(digest)
        if digest in self.layer_digests:
            self.layer_digests.discard(digest)
            self.stored_layer_bytes -= blob.size
        return blob

    def resolve(self, name: str, reference: str) -> AnyManifest:
        """The manifest a tag or digest names in a repository."""
        repo = self.repositories.get(name)
        if repo is None:
            # distribution looks up the tag (or revision) without asking whether the repository
            # exists, so an unknown repository is MANIFEST_UNKNOWN too (registry/handlers/manifests.go).
            raise RegistryError(ErrorCode.MANIFEST_UNKNOWN, f"{name} has no manifest {reference}: "
                                f"there is no repository {name} on {self.host}",
                                {"name": name, "reference": reference})
        if is_digest_reference(reference):
            Digest.parse(reference)
            manifest = repo.manifests.get(reference)
        else:
            check_tag(reference)
            digest = repo.tags.get(reference)
            manifest = repo.manifests.get(digest) if digest else None
        if manifest is None:
            raise RegistryError(ErrorCode.MANIFEST_UNKNOWN, f"{name} has no manifest {reference}",
                                {"name": name, "reference": reference})
        return manifest

    # ----- accounting ---------------------------------------------------------------------------

    def image_manifests(self, manifest: AnyManifest, repo: Repository) -> list[Manifest]:
        """The image manifests a manifest stands for (an index's children that are present)."""
        if isinstance(manifest, Manifest):
            return [manifest]
        found = []
        for child in manifest.manifests:
            sub = repo.manifests.get(child.digest)
            if sub is not None:
                found.extend(self.image_manifests(sub, repo))
        return found

    def logical_layer_bytes(self) -> int:
        """What storing every tagged image whole would cost: the sum of each tag's layers."""
        total = 0
        for repo in self.repositories.values():
            for digest in repo.tags.links().values():
                manifest = repo.manifests.get(digest)
                if manifest is not None:
                    for image in self.image_manifests(manifest, repo):
                        total += image.layer_bytes
        return total

    def stored_bytes(self) -> int:
        return sum(blob.size for blob in self.blobs.values())

    def tagged_images(self) -> dict[str, list[Descriptor]]:
        """Every tag as `repo:tag` with the layers of the image(s) it names."""
        images: dict[str, list[Descriptor]] = {}
        for repo in sorted(self.repositories.values(), key=lambda r: r.name):
            for tag, digest in repo.tags.links().items():
                manifest = repo.manifests.get(digest)
                if manifest is None:
                    continue
                layers = [layer for image in self.image_manifests(manifest, repo) for layer in image.layers]
                images[f"{repo.name}:{tag}"] = layers
        return images

    def snapshot_json(self) -> bytes:
        """A canonical dump of the store's state, for determinism checks."""
        value = {
            "blobs": sorted((d, b.size) for d, b in self.blobs.items()),
            "repositories": {
                name: {
                    "layers": repo.blobs.enumerate(),
                    "manifests": sorted(repo.manifests.enumerate()),
                    "tags": repo.tags.links(),
                }
                for name, repo in sorted(self.repositories.items())
            },
        }
        return json.dumps(value, sort_keys=True).encode()
