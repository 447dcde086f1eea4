"""A repository: the blobs it links, its manifest revisions and its tags.

As in distribution's `linkedblobstore.go`, `manifeststore.go` and `tagstore.go`, a repository
does not hold content: it *links* digests the registry's blob store holds. A blob is readable
through a repository only while that repository links it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from regsim.model.oci.manifest import AnyManifest


@dataclass(slots=True)
class Repository:
    """What one repository links: blobs it may serve, manifest revisions (by digest), and tags."""

    name: str
    layers: set[str] = field(default_factory=set)
    manifests: dict[str, AnyManifest] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    immutable_tags: bool = False
