"""The blobs one repository links, over the registry's content-addressed blob store.

Follows distribution's registry/storage/linkedblobstore.go: the blob store holds each blob
once, by digest; a repository holds only *links* to digests, and a blob is readable through a
repository only while that repository links it and the blob store still holds it (`Stat` reads
the link, then stats the blob). Putting a blob stores its content, then links it; mounting a
blob from another repository is linking alone (`mount` ends in `linkBlob`); deleting a blob
through a repository removes the link, never the content (`linkedBlobStatter.Clear`), which
garbage collection frees once nothing references it.
"""

from __future__ import annotations

from typing import Any

from regsim.model.core.snapshot import shallow
from regsim.model.oci.blob import Blob
from regsim.model.oci.manifest import Manifest


class LinkedBlobStore:
    """The digests one repository links, each readable while the blob store holds it."""

    __slots__ = ("_blobs", "_links")

    def __init__(self, blobs: dict[str, Blob]) -> None:
        self._blobs = blobs              # the registry's blob store, shared by every repository
        self._links: set[str] = set()

    def __deepcopy__(self, memo: dict[int, Any]) -> LinkedBlobStore:
        copied = object.__new__(LinkedBlobStore)
        memo[id(self)] = copied
        copied._blobs = shallow(self._blobs, memo)   # the copy of the registry's one blob table
        copied._links = self._links.copy()
        return copied

    def __len__(self) -> int:
        return len(self._links)

    def __contains__(self, digest: object) -> bool:
        """Whether the repository links `digest` (the blob store may have freed it since)."""
        return digest in self._links

    def stat(self, digest: str) -> Blob | None:
        """The blob when this repository links it and the blob store holds it, else None
        (distribution answers ErrBlobUnknown to either miss)."""
        return self._blobs.get(digest) if digest in self._links else None

    def first_missing(self, manifest: Manifest) -> str | None:
        """The first blob of an image manifest (its config, then its layers in order) this
        repository cannot serve (`stat` finds nothing), or None: what a manifest PUT checks."""
        links, blobs = self._links, self._blobs
        digest = manifest.config.digest
        if digest not in links or digest not in blobs:
            return digest
        for layer in manifest.layers:   # not blob_digests(): no tuple of them made for each PUT
            digest = layer.digest
            if digest not in links or digest not in blobs:
                return digest
        return None

    def put(self, blob: Blob) -> None:
        """Hold the blob in the blob store (once: content already there is kept) and link it."""
        self._blobs.setdefault(blob.digest, blob)
        self._links.add(blob.digest)

    def link(self, digest: str) -> None:
        """Link a blob the blob store already holds (a mount, a restored link)."""
        self._links.add(digest)

    def unlink(self, digest: str) -> None:
        """Remove the link (nothing happens if there is none); the content stays in the blob store."""
        self._links.discard(digest)

    def enumerate(self) -> list[str]:
        """Every linked digest, in digest order (as distribution walks the link directories)."""
        return sorted(self._links)
