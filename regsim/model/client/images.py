"""The client's local image store: the layers it holds, shared by the images that use them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from regsim.model.oci.descriptor import Descriptor
from regsim.model.oci.manifest import AnyManifest, Manifest
from regsim.model.oci.reference import Reference


@dataclass(slots=True)
class LocalLayer:
    digest: str
    size: int
    name: str | None = None
    data: bytes | None = None

    def __deepcopy__(self, memo: dict[int, Any]) -> LocalLayer:   # never changed once made: snapshots share it
        return self


@dataclass(slots=True)
class LocalImage:
    """An image in the client's store: its top manifest (or index) and the platform manifests it has."""

    key: str                                   # the top manifest's digest
    top: AnyManifest
    manifests: dict[str, Manifest] = field(default_factory=dict)
    configs: dict[str, bytes] = field(default_factory=dict)

    def __deepcopy__(self, memo: dict[int, Any]) -> LocalImage:
        # Its manifests are immutable and its configs bytes: only the two tables are new.
        copied = memo[id(self)] = LocalImage(self.key, self.top, self.manifests.copy(), self.configs.copy())
        return copied

    @property
    def image_id(self) -> str:
        """docker's IMAGE ID: the digest of the image's config (moby `image/store.go`, `Create`:
        the ID is the digest of the config bytes). A multi-platform image counts by the first
        platform of its index that this store holds, the one a pull fetched."""
        top = self.top
        if isinstance(top, Manifest):
            return top.config.digest
        for entry in top.manifests:
            manifest = self.manifests.get(entry.digest)
            if manifest is not None:
                return manifest.config.digest
        return top.digest

    def layers(self) -> list[Descriptor]:
        return [layer for manifest in self.manifests.values() for layer in manifest.layers]


def copy_images(images: dict[str, LocalImage], memo: dict[int, Any]) -> dict[str, LocalImage]:
    """A client's image table, copied for a snapshot (`LocalImage.__deepcopy__` without deepcopy's dispatch)."""
    copied = {}
    for key, image in images.items():
        found = memo.get(id(image))
        copied[key] = found if found is not None else image.__deepcopy__(memo)
    return copied


def tag_key(ref: Reference) -> str:
    return f"{ref.host}/{ref.repository}:{ref.tag}"


@dataclass(frozen=True, slots=True)
class ImageRow:
    """One image of `docker images`: a tag and the image it names."""

    repository: str      # as docker shows it: `app`, `registry.example/team/app`
    tag: str
    image_id: str        # the config's digest (docker shows 12 hex digits of it)
    size: int


@dataclass(frozen=True, slots=True)
class ImageUsage:
    """One image of `docker system df -v`: its size and the part of it other images share."""

    image_id: str
    size: int
    shared: int

    @property
    def unique(self) -> int:
        return self.size - self.shared


@dataclass(frozen=True, slots=True)
class DiskUsage:
    """`docker system df -v`: the disk the images use, counted once, beside the sum of their sizes."""

    images: int
    disk: int            # every local layer once
    logical: int         # the sum of every image's size
    per_image: tuple[ImageUsage, ...]

    @property
    def shared(self) -> int:
        return self.logical - self.disk
