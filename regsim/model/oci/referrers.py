"""Referrers: artifacts (signatures, SBOMs, attestations) that point at a manifest through `subject`.

OCI distribution-spec v1.1 spec.md, "Listing Referrers": the answer is an image index whose
`manifests` hold one descriptor per referrer, carrying the referrer's `artifactType` (else its
config's media type) and its annotations. A registry without that API answers 404, and clients
keep the same index themselves under the "Referrers Tag Schema" tag: the subject's digest with
its `:` turned into `-` (`sha256-<hex>`), cut to 128 characters.
"""

from __future__ import annotations

from regsim.model.oci.descriptor import Descriptor
from regsim.model.oci.manifest import AnyManifest, Index, Manifest, build_index

MAX_TAG_LENGTH = 128   # the tag grammar's limit: [a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}


def fallback_tag(digest: str) -> str:
    """The Referrers Tag Schema's tag for a subject: `sha256:ab…` -> `sha256-ab…` (at most 128 characters)."""
    algorithm, _, encoded = digest.partition(":")
    return f"{algorithm}-{encoded}"[:MAX_TAG_LENGTH]


def artifact_type_of(manifest: AnyManifest) -> str | None:
    """What a referrer holds: its `artifactType`, else (an image manifest) its config's media type."""
    if manifest.artifact_type:
        return manifest.artifact_type
    return manifest.config.media_type if isinstance(manifest, Manifest) else None


def referrer_descriptor(manifest: AnyManifest, artifact_type: str | None = None) -> Descriptor:
    """The descriptor a referrers list holds for a referrer (`artifact_type` overrides what it says)."""
    return Descriptor(manifest.media_type, manifest.digest, len(manifest.raw),
                      artifact_type=artifact_type or artifact_type_of(manifest), annotations=manifest.annotations)


def referrers_index(entries: tuple[Descriptor, ...], *, by_digest: bool = True) -> Index:
    """A referrers list as the tag schema stores it: an OCI image index, its entries in digest order
    (go-containerregistry sorts them) or in the order given (oras-go appends)."""
    return build_index(tuple(sorted(entries, key=lambda entry: entry.digest)) if by_digest else entries)
