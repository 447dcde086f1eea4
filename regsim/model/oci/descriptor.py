"""Descriptors: what a manifest says about the content it points at (and on which platform)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from regsim.model.oci.digest import sized_digest_text
from regsim.model.oci.mediatype import OCI_LAYER

_new = object.__new__


@dataclass(frozen=True, slots=True)
class Platform:
    os: str = "linux"
    architecture: str = "amd64"
    variant: str | None = None

    @classmethod
    def parse(cls, text: str) -> Platform:
        parts = text.split("/")
        if len(parts) not in (2, 3) or not all(parts):
            raise ValueError(f"{text!r} is not a platform: expected OS/ARCH such as linux/arm64")
        return cls(parts[0], parts[1], parts[2] if len(parts) == 3 else None)

    def __str__(self) -> str:
        text = f"{self.os}/{self.architecture}"
        return f"{text}/{self.variant}" if self.variant else text

    def to_json(self) -> dict[str, str]:
        value = {"architecture": self.architecture, "os": self.os}
        if self.variant:
            value["variant"] = self.variant
        return value

    def __deepcopy__(self, memo: dict[int, Any]) -> Platform:   # immutable: a world's snapshot can share it
        return self


# Not frozen (nothing changes one once made; `unsafe_hash` keeps it hashable as a frozen one is):
# a frozen dataclass sets each field through object.__setattr__, which made building one cost
# several times as much, and a build makes one for every new layer and its config.
@dataclass(slots=True, unsafe_hash=True)
class Descriptor:
    """The OCI content descriptor: what a manifest says about a blob it points at."""

    media_type: str
    digest: str
    size: int
    platform: Platform | None = None
    artifact_type: str | None = None
    annotations: tuple[tuple[str, str], ...] = ()

    def to_json(self) -> dict[str, Any]:
        value: dict[str, Any] = {"mediaType": self.media_type, "digest": self.digest, "size": self.size}
        if self.artifact_type:
            value["artifactType"] = self.artifact_type
        if self.platform is not None:
            value["platform"] = self.platform.to_json()
        if self.annotations:
            value["annotations"] = dict(self.annotations)
        return value

    def __deepcopy__(self, memo: dict[int, Any]) -> Descriptor:   # immutable: a world's snapshot can share it
        return self


# A named, sized layer as a build uses it: its descriptor, its diff_id (what the config lists)
# and its entry in a manifest's `layers` (canonical JSON, as `canonical_json(desc.to_json())`).
SizedLayer = tuple[Descriptor, str, str]


# One cache for the three (base and dependency layers recur in image after image; a build asks
# for every layer of its image): a layer new to it costs one entry, not one per part.
@lru_cache(maxsize=8192)
def sized_layer(name: str, size: int) -> SizedLayer:
    """The descriptor, diff_id and manifest entry of a scenario's named, sized layer (its
    digest derives from name and size)."""
    digest = sized_digest_text(name, size)
    # Descriptor(OCI_LAYER, digest, size), made without a call to its __init__ (every field set
    # here): a build makes one for every layer new to it, and the call cost as much as the rest.
    desc = _new(Descriptor)
    desc.media_type = OCI_LAYER
    desc.digest = digest
    desc.size = size
    desc.platform = None
    desc.artifact_type = None
    desc.annotations = ()
    # A digest is `sha256:` and hex, and the media type a constant: JSON writes both as they are.
    return (desc, sized_digest_text(f"diff:{digest}", size),
            f'{{"mediaType":"{OCI_LAYER}","digest":"{digest}","size":{size}}}')


def layer_blob(name: str, size: int) -> Descriptor:
    """The descriptor of a scenario's named, sized layer (its digest derives from name and size)."""
    return sized_layer(name, size)[0]


def diff_id(layer: Descriptor) -> str:
    """A stable stand-in for the uncompressed layer digest that the config lists."""
    return layer_diff_id(layer.digest, layer.size)


def layer_diff_id(digest: str, size: int) -> str:
    """`diff_id` of the layer `digest` of `size` bytes."""
    return sized_digest_text(f"diff:{digest}", size)
