"""A repository: the three stores distribution gives each repository, over one blob store.

As distribution's registry/storage/registry.go `repository` hands out `Blobs()`,
`Manifests()` and `Tags()`, a repository here owns a linked blob store
(linked_blob_store.py, after linkedblobstore.go), a manifest store (manifest_store.py, after
manifeststore.go) and a tag store (tag_store.py, after tagstore.go). None of them holds
content: the registry's content-addressed blob store (`RegistryStore.blobs`, as blobstore.go)
holds every blob once, and the stores link digests into it.
"""

from __future__ import annotations

import copy
from typing import Any

from regsim.model.oci.blob import Blob
from regsim.model.registry.linked_blob_store import LinkedBlobStore
from regsim.model.registry.manifest_store import ManifestStore
from regsim.model.registry.tag_store import TagStore


class Repository:
    """One repository's linked blobs, manifest revisions and tags."""

    __slots__ = ("blobs", "immutable_tags", "manifests", "name", "tags")

    def __init__(self, name: str, blob_store: dict[str, Blob], immutable_tags: bool = False) -> None:
        self.name = name
        self.blobs = LinkedBlobStore(blob_store)
        self.manifests = ManifestStore(blob_store)
        self.tags = TagStore()
        self.immutable_tags = immutable_tags

    def __deepcopy__(self, memo: dict[int, Any]) -> Repository:
        copied = object.__new__(Repository)
        memo[id(self)] = copied
        copied.name = self.name
        copied.immutable_tags = self.immutable_tags
        copied.blobs = copy.deepcopy(self.blobs, memo)
        copied.manifests = copy.deepcopy(self.manifests, memo)
        copied.tags = copy.deepcopy(self.tags, memo)
        return copied

    def __repr__(self) -> str:
        return (f"Repository({self.name!r}, {len(self.blobs)} blobs, {len(self.manifests)} manifests, "
                f"{len(self.tags)} tags)")
