"""Garbage collection as the reference registry does it: mark what kept manifests reference, sweep the rest.

Follows distribution's registry/storage/garbagecollect.go `MarkAndSweep`: the mark walks each
repository's manifest store (and, with `--delete-untagged`, asks the tag store which manifests
a tag still reaches); the sweep frees every blob of the blob store left unmarked and removes
the repositories' links to what it freed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from regsim.model.oci.manifest import Manifest
from regsim.model.registry.registry import Registry
from regsim.model.registry.repository import Repository


@dataclass(slots=True)
class GCReport:
    """What a garbage collection removed."""

    blobs_freed: int = 0
    bytes_freed: int = 0
    layer_bytes_freed: int = 0
    manifests_deleted: int = 0
    freed: list[str] = field(default_factory=list)


def collect_garbage(registry: Registry, delete_untagged: bool = False) -> GCReport:
    """Mark every blob a kept manifest references, then free every blob left unmarked.

    With `delete_untagged`, manifests that no tag reaches (directly, or as a tagged index's
    child, or as a referrer of a kept manifest) are deleted first. A blob any kept manifest
    references is never freed. The storage backend is told what changed (the repositories
    first, then the freed blobs: a crash between the two leaves content nobody names, which
    the next collection frees, never a name without its content).
    """
    store = registry.store
    report = GCReport()
    marked: set[str] = set()
    for repo in store.repositories.values():
        if delete_untagged:
            keep = _reachable_from_tags(repo, follow_subjects=registry.referrers_api)
            for digest in [d for d in repo.manifests.enumerate() if d not in keep]:
                repo.manifests.delete(digest)
                report.manifests_deleted += 1
        for manifest in repo.manifests.revisions():
            marked.add(manifest.digest)
            if isinstance(manifest, Manifest):
                marked.update(manifest.blob_digests())
    for digest in sorted(d for d in store.blobs if d not in marked):
        counted = digest in store.layer_digests
        blob = store.free(digest)
        report.blobs_freed += 1
        report.bytes_freed += blob.size
        report.freed.append(digest)
        if counted:
            report.layer_bytes_freed += blob.size
    freed = set(report.freed)
    for repo in store.repositories.values():
        for digest in repo.blobs.enumerate():
            if digest in freed:
                repo.blobs.unlink(digest)
    registry.storage.changed(store)
    registry.storage.blobs_freed(report.freed)
    return report


def _reachable_from_tags(repo: Repository, follow_subjects: bool = True) -> set[str]:
    keep: set[str] = set()
    todo = list(repo.tags.links().values())
    while todo:
        digest = todo.pop()
        manifest = repo.manifests.get(digest)
        if digest in keep or manifest is None:
            continue
        keep.add(digest)
        if not isinstance(manifest, Manifest):
            todo.extend(entry.digest for entry in manifest.manifests)
    # Referrers (signatures, SBOMs) live as long as the manifest they describe, on a registry that
    # knows `subject`: the spec leaves GC to registries, and its editors advise treating referrers
    # like an index's children, kept with their subject and safe to remove once it is deleted
    # (opencontainers/distribution-spec#337).
    # distribution knows no subject: its MarkAndSweep (registry/storage/garbagecollect.go) keeps an
    # untagged manifest only when a kept manifest lists it, as the tag schema's `sha256-<hex>` index does.
    changed = follow_subjects
    while changed:
        changed = False
        for manifest in repo.manifests.revisions():
            if manifest.digest not in keep and manifest.subject is not None and manifest.subject.digest in keep:
                keep.add(manifest.digest)
                changed = True
    return keep
