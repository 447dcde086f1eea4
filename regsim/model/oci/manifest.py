"""Image manifests and indexes: building them as canonical JSON, and parsing what clients send.

Manifests are real canonical JSON bytes (their sizes count in transfers); layers may be
real bytes or *sized* stand-ins that carry only a size and a derived digest.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from regsim.model.oci.descriptor import Descriptor, Platform, layer_diff_id
from regsim.model.oci.digest import Digest, sha256_digest
from regsim.model.oci.errors import ErrorCode, RegistryError
from regsim.model.oci.mediatype import (
    DOCKER_CONFIG,
    DOCKER_MANIFEST,
    INDEX_TYPES,
    MANIFEST_TYPES,
    MAX_MANIFEST_BYTES,
    OCI_CONFIG,
    OCI_INDEX,
    OCI_MANIFEST,
)


def canonical_json(value: Any) -> bytes:
    """Compact JSON in the key order given: the same value always gives the same bytes."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


# Not frozen, for the reason Descriptor is not (oci/descriptor.py): a build makes one per image.
@dataclass(slots=True, unsafe_hash=True)
class Manifest:
    """An image manifest (OCI or Docker schema 2): a config and layers, as raw bytes plus parsed."""

    media_type: str
    config: Descriptor
    layers: tuple[Descriptor, ...]
    raw: bytes
    digest: str
    subject: Descriptor | None = None
    artifact_type: str | None = None
    annotations: tuple[tuple[str, str], ...] = ()

    @property
    def is_index(self) -> bool:
        return False

    def blob_digests(self) -> tuple[str, ...]:
        return (self.config.digest, *[layer.digest for layer in self.layers])   # a list: no generator to resume

    @property
    def layer_bytes(self) -> int:
        return sum([layer.size for layer in self.layers])

    def __deepcopy__(self, memo: dict[int, Any]) -> Manifest:   # immutable: a world's snapshot can share it
        return self


@dataclass(slots=True, unsafe_hash=True)   # not frozen, as Manifest
class Index:
    """An image index / manifest list: one manifest per platform."""

    media_type: str
    manifests: tuple[Descriptor, ...]
    raw: bytes
    digest: str
    subject: Descriptor | None = None
    artifact_type: str | None = None
    annotations: tuple[tuple[str, str], ...] = ()

    @property
    def is_index(self) -> bool:
        return True

    def blob_digests(self) -> tuple[str, ...]:
        return ()

    def for_platform(self, platform: Platform) -> Descriptor | None:
        for entry in self.manifests:
            p = entry.platform
            if (
                p is not None and p.os == platform.os and p.architecture == platform.architecture
                and (platform.variant is None or p.variant in (None, platform.variant))
            ):
                return entry
        return None

    def __deepcopy__(self, memo: dict[int, Any]) -> Index:   # immutable: a world's snapshot can share it
        return self


AnyManifest = Manifest | Index



# Text that JSON writes as it is (no escapes): the fast writers below may format it directly.
# Deleting these characters leaves nothing of such text (a byte table: faster than a pattern
# over the 700 characters of a manifest's digests).
_JSON_PLAIN = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789:._/+-"


def _plain(text: str) -> bool:
    return text.isascii() and not text.encode().translate(None, _JSON_PLAIN)


def _descriptor_text(desc: Descriptor) -> str:
    """`canonical_json(desc.to_json())` as text; formatted directly in the common, plain case."""
    return _descriptors_text((desc,))


def _descriptors_text(descs: tuple[Descriptor, ...]) -> str:
    """The descriptors' canonical JSON, comma-separated: `",".join(canonical_json(d.to_json()) ...)`.

    Descriptors with nothing but a media type, a digest and a size are formatted directly, and
    their texts checked at once (one pattern match over every digest costs a fraction of one
    per descriptor, and a manifest lists ten layers or more); media types repeat, so each is
    checked once."""
    parts = []
    digests = []
    for desc in descs:
        media_type = desc.media_type
        plain = _PLAIN_MEDIA_TYPES.get(media_type)
        if plain is None:
            plain = _PLAIN_MEDIA_TYPES[media_type] = _plain(media_type)
        if plain and desc.platform is None and desc.artifact_type is None and not desc.annotations:
            parts.append(f'{{"mediaType":"{media_type}","digest":"{desc.digest}","size":{desc.size}}}')
            digests.append(desc.digest)
        else:
            parts.append(canonical_json(desc.to_json()).decode())
    if digests and not _plain("".join(digests)):
        return ",".join(canonical_json(desc.to_json()).decode() for desc in descs)
    return ",".join(parts)


_PLAIN_MEDIA_TYPES: dict[str, bool] = {}   # media type -> whether JSON writes it as it is (few exist)


def build_config(layers: tuple[Descriptor, ...], platform: Platform) -> bytes:
    """The image config blob as real JSON: platform and rootfs diff_ids (no timestamps)."""
    return image_config([layer_diff_id(layer.digest, layer.size) for layer in layers], platform)


def image_config(diff_ids: list[str], platform: Platform) -> bytes:
    """`build_config` for layers whose diff_ids are known (a build has them with each layer)."""
    if not platform.variant and _plain(platform.architecture + platform.os):
        # The bytes canonical_json gives for the value below, written without the encoder
        # (a diff_id is a digest: JSON writes it as it is, between quotes).
        listed = '"' + '","'.join(diff_ids) + '"' if diff_ids else ""
        return (
            f'{{"architecture":"{platform.architecture}","os":"{platform.os}","config":{{}},'
            f'"rootfs":{{"type":"layers","diff_ids":[{listed}]}}}}'
        ).encode()
    value = {
        "architecture": platform.architecture,
        "os": platform.os,
        **({"variant": platform.variant} if platform.variant else {}),
        "config": {},
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
    }
    return canonical_json(value)


_sha256 = hashlib.sha256
# What an OCI image manifest's bytes begin with, up to its config's digest (both media types are
# constants JSON writes as they are).
_IMAGE_MANIFEST_HEAD = (
    f'{{"schemaVersion":2,"mediaType":"{OCI_MANIFEST}","config":{{"mediaType":"{OCI_CONFIG}","digest":"'
)


def image_manifest(config: bytes, layers: tuple[Descriptor, ...], entries: list[str]) -> Manifest:
    """`build_manifest(config, layers)` for layers whose entries (`sized_layer`'s canonical JSON,
    one per layer, in order) are written already: the same bytes, without a check or a format per
    layer (a build writes one manifest per image, of ten layers or more)."""
    config_digest = "sha256:" + _sha256(config).hexdigest()
    size = len(config)
    raw = (f'{_IMAGE_MANIFEST_HEAD}{config_digest}","size":{size}}},"layers":[{",".join(entries)}]}}').encode()
    return Manifest(OCI_MANIFEST, Descriptor(OCI_CONFIG, config_digest, size), layers, raw,
                    "sha256:" + _sha256(raw).hexdigest())


def build_manifest(
    config: bytes,
    layers: tuple[Descriptor, ...],
    *,
    media_type: str = OCI_MANIFEST,
    subject: Descriptor | None = None,
    artifact_type: str | None = None,
    config_media_type: str | None = None,
) -> Manifest:
    """An image manifest over a config blob and layers, with its canonical bytes and digest."""
    config_type = config_media_type or (DOCKER_CONFIG if media_type == DOCKER_MANIFEST else OCI_CONFIG)
    config_desc = Descriptor(config_type, sha256_digest(config), len(config))
    if not artifact_type and subject is None and _plain(media_type):
        # The bytes canonical_json gives for the value below, written without the encoder.
        raw = (
            f'{{"schemaVersion":2,"mediaType":"{media_type}","config":{_descriptor_text(config_desc)},'
            f'"layers":[{_descriptors_text(layers)}]}}'
        ).encode()
        return Manifest(media_type, config_desc, layers, raw, sha256_digest(raw), subject, artifact_type)
    value: dict[str, Any] = {"schemaVersion": 2, "mediaType": media_type}
    if artifact_type:
        value["artifactType"] = artifact_type
    value["config"] = config_desc.to_json()
    value["layers"] = [layer.to_json() for layer in layers]
    if subject is not None:
        value["subject"] = subject.to_json()
    raw = canonical_json(value)
    return Manifest(media_type, config_desc, layers, raw, sha256_digest(raw), subject, artifact_type)


def build_index(manifests: tuple[Descriptor, ...], media_type: str = OCI_INDEX) -> Index:
    value = {
        "schemaVersion": 2,
        "mediaType": media_type,
        "manifests": [entry.to_json() for entry in manifests],
    }
    raw = canonical_json(value)
    return Index(media_type, manifests, raw, sha256_digest(raw))


def _invalid(reason: str) -> RegistryError:
    return RegistryError(ErrorCode.MANIFEST_INVALID, reason)


def _descriptor(value: Any, where: str) -> Descriptor:
    if not isinstance(value, dict):
        raise _invalid(f"{where} must be a JSON object with mediaType, digest and size")
    media_type = value.get("mediaType")
    digest = value.get("digest")
    size = value.get("size")
    if not isinstance(media_type, str) or not media_type:
        raise _invalid(f"{where} lacks a mediaType")
    if not isinstance(digest, str):
        raise _invalid(f"{where} lacks a digest")
    try:
        Digest.parse(digest)
    except RegistryError as error:
        raise _invalid(f"{where}: {error.reason}") from None
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        raise _invalid(f"{where} lacks a size (a whole number of bytes)")
    platform = None
    if isinstance(value.get("platform"), dict):
        p = value["platform"]
        if not isinstance(p.get("os"), str) or not isinstance(p.get("architecture"), str):
            raise _invalid(f"{where}.platform needs os and architecture")
        platform = Platform(p["os"], p["architecture"], p.get("variant"))
    annotations = value.get("annotations") or {}
    if not isinstance(annotations, dict):
        raise _invalid(f"{where}.annotations must be an object")
    return Descriptor(
        media_type,
        digest,
        size,
        platform,
        value.get("artifactType"),
        tuple(sorted((str(k), str(v)) for k, v in annotations.items())),
    )


def parse_manifest(raw: bytes, content_type: str | None = None) -> AnyManifest:
    """Parse manifest bytes as a registry does on PUT; MANIFEST_INVALID with a reason when wrong."""
    if len(raw) > MAX_MANIFEST_BYTES:
        raise RegistryError(
            ErrorCode.MANIFEST_TOO_LARGE,
            f"manifest is {len(raw)} bytes; the limit is {MAX_MANIFEST_BYTES} (4 MiB)",
        )
    try:
        value = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise _invalid(f"manifest is not JSON: {error}") from None
    if not isinstance(value, dict):
        raise _invalid("manifest must be a JSON object")
    if value.get("schemaVersion") != 2:
        raise _invalid("manifest schemaVersion must be 2")
    media_type = value.get("mediaType") or content_type
    if content_type and value.get("mediaType") and content_type != value["mediaType"]:
        raise _invalid(
            f"Content-Type {content_type} does not match the manifest's mediaType {value['mediaType']}"
        )
    if media_type is None:
        media_type = OCI_INDEX if "manifests" in value else OCI_MANIFEST
    if media_type not in MANIFEST_TYPES:
        raise _invalid(f"unsupported manifest media type {media_type!r}")
    digest = sha256_digest(raw)
    subject = _descriptor(value["subject"], "subject") if "subject" in value else None
    artifact_type = value.get("artifactType")
    annotations = value.get("annotations") or {}
    if not isinstance(annotations, dict):
        raise _invalid("annotations must be an object")
    notes = tuple(sorted((str(k), str(v)) for k, v in annotations.items()))
    if media_type in INDEX_TYPES:
        entries = value.get("manifests")
        if not isinstance(entries, list):
            raise _invalid("an index needs a manifests list")
        children = tuple(_descriptor(e, f"manifests[{i}]") for i, e in enumerate(entries))
        return Index(media_type, children, raw, digest, subject, artifact_type, notes)
    if "config" not in value:
        raise _invalid("an image manifest needs a config descriptor")
    layers = value.get("layers")
    if not isinstance(layers, list):
        raise _invalid("an image manifest needs a layers list")
    return Manifest(
        media_type,
        _descriptor(value["config"], "config"),
        tuple(_descriptor(e, f"layers[{i}]") for i, e in enumerate(layers)),
        raw,
        digest,
        subject,
        artifact_type,
        notes,
    )
