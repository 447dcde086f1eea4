"""The manifest revisions one repository holds, by digest.

Follows distribution's registry/storage/manifeststore.go: a manifest's bytes are a blob in
the registry's content-addressed blob store, and the repository links each revision by its
digest. `put` stores the bytes (kept if the blob store already holds them) and links the
revision; tagging is the tag store's job, done after the put (handlers/manifests.go
`PutManifest`). `delete` removes the revision link only: the bytes stay in the blob store
until garbage collection, and the tags that named it are removed by the handler
(`DeleteManifest` looks them up in the tag store and untags each).
"""

from __future__ import annotations

from collections.abc import KeysView, ValuesView
from typing import Any

from regsim.model.core.snapshot import shallow
from regsim.model.oci.blob import Blob
from regsim.model.oci.manifest import AnyManifest


class ManifestStore:
    """Manifest revisions by digest, in the order they were first put."""

    __slots__ = ("_blobs", "_revisions")

    def __init__(self, blobs: dict[str, Blob]) -> None:
        self._blobs = blobs              # the registry's blob store, shared by every repository
        self._revisions: dict[str, AnyManifest] = {}

    def __deepcopy__(self, memo: dict[int, Any]) -> ManifestStore:
        copied = object.__new__(ManifestStore)
        memo[id(self)] = copied
        copied._blobs = shallow(self._blobs, memo)   # the copy of the registry's one blob table
        copied._revisions = self._revisions.copy()   # manifests never change once made
        return copied

    def __len__(self) -> int:
        return len(self._revisions)

    def __contains__(self, digest: object) -> bool:
        """Whether the repository has the revision `digest` (distribution's `Exists`)."""
        return digest in self._revisions

    def get(self, digest: str) -> AnyManifest | None:
        """The revision `digest`, or None (distribution: ErrManifestUnknownRevision)."""
        return self._revisions.get(digest)

    def put(self, manifest: AnyManifest) -> None:
        """Hold the manifest's bytes in the blob store and link the revision."""
        digest = manifest.digest
        self._blobs.setdefault(digest, Blob(digest, len(manifest.raw), manifest.raw))
        self._revisions[digest] = manifest

    def delete(self, digest: str) -> None:
        """Remove the revision link (KeyError when there is none); the bytes stay in the blob store."""
        del self._revisions[digest]

    def enumerate(self) -> KeysView[str]:
        """Every revision's digest, in the order they were first put."""
        return self._revisions.keys()

    def revisions(self) -> ValuesView[AnyManifest]:
        """Every revision, in the order they were first put."""
        return self._revisions.values()
