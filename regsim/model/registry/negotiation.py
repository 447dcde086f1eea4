"""Content negotiation: which manifest a client gets, given the media types its Accept header lists."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache

from regsim.model.oci.errors import ErrorCode, RegistryError
from regsim.model.oci.manifest import AnyManifest, Index
from regsim.model.oci.mediatype import DOCKER_MANIFEST_LIST, OCI_INDEX, OCI_MANIFEST
from regsim.model.oci.reference import is_digest_reference

# The body messages distribution 2.8.2 sends when a client's Accept header rules out what is stored.
OCI_MANIFEST_NOT_ACCEPTED = "OCI manifest found, but accept header does not support OCI manifests"
OCI_INDEX_NOT_ACCEPTED = "OCI index found, but accept header does not support OCI indexes"


def negotiate(
    name: str,
    reference: str,
    manifest: AnyManifest,
    accept: Sequence[str] | None,
    fetch: Callable[[str], AnyManifest],
) -> AnyManifest:
    """The manifest to answer with, given the media types the client's Accept header lists.

    As distribution 2.8.2's manifest handler decides (parameters such as `;q=` are ignored,
    and so are wildcards: `*/*` accepts no manifest type):

    - an OCI image manifest or OCI index the client does not accept is 404 MANIFEST_UNKNOWN;
    - a Docker manifest list asked for *by tag* by a client that does not accept manifest
      lists is answered with the list's first linux/amd64 manifest (fetched with `fetch`),
      or MANIFEST_UNKNOWN when it has none. By digest the list itself is sent: the answer
      must hash to the digest asked for.

    `accept=None` means the caller did not negotiate: the stored manifest is sent as it is.
    Not modelled: distribution's rewrite of a Docker schema 2 manifest into schema 1 for a
    client that accepts neither (this model has no schema 1); such a client gets schema 2.
    """
    if accept is None:
        return manifest
    kinds = _kinds(accept) if isinstance(accept, tuple) else _media_types(accept)
    if manifest.media_type == OCI_MANIFEST and OCI_MANIFEST not in kinds:
        raise RegistryError(ErrorCode.MANIFEST_UNKNOWN, OCI_MANIFEST_NOT_ACCEPTED,
                            message=OCI_MANIFEST_NOT_ACCEPTED)
    if manifest.media_type == OCI_INDEX and OCI_INDEX not in kinds:
        raise RegistryError(ErrorCode.MANIFEST_UNKNOWN, OCI_INDEX_NOT_ACCEPTED, message=OCI_INDEX_NOT_ACCEPTED)
    if (
        isinstance(manifest, Index)
        and manifest.media_type == DOCKER_MANIFEST_LIST
        and DOCKER_MANIFEST_LIST not in kinds
        and not is_digest_reference(reference)
    ):
        for entry in manifest.manifests:
            platform = entry.platform
            if platform is not None and (platform.os, platform.architecture) == ("linux", "amd64"):
                return fetch(entry.digest)
        raise RegistryError(
            ErrorCode.MANIFEST_UNKNOWN,
            f"{name}:{reference} is a manifest list with no linux/amd64 manifest to send a client "
            "that does not accept manifest lists",
        )
    return manifest


def _media_types(accept: Iterable[str]) -> frozenset[str]:
    """The media types an Accept list names, parameters dropped."""
    return frozenset(text.partition(";")[0].strip().lower() for text in accept)


# A client sends the same Accept list with every manifest request: each is read once.
_kinds = lru_cache(maxsize=256)(_media_types)
