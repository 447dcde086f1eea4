"""Garbage collection as the reference registry does it: mark what kept manifests reference, sweep the rest."""

from __future__ import annotations

from regsim.model.oci.manifest import Manifest
from regsim.model.registry.registry import GCReport, Registry


def collect_garbage(registry: Registry, delete_untagged: bool = False) -> GCReport:
    """Mark every blob a kept manifest references, then free every blob left unmarked.

    With `delete_untagged`, manifests that no tag reaches (directly, or as a tagged index's
    child, or as a referrer of a kept manifest) are deleted first. A blob any kept manifest
    references is never freed.
    """
    report = GCReport()
    marked: set[str] = set()
    for repo in registry.repositories.values():
        if delete_untagged:
            keep = _reachable_from_tags(repo)
            for digest in [d for d in repo.manifests if d not in keep]:
                del repo.manifests[digest]
                report.manifests_deleted += 1
        for digest, manifest in repo.manifests.items():
            marked.add(digest)
            if isinstance(manifest, Manifest):
                marked.update(manifest.blob_digests())
    for digest in sorted(d for d in registry.blobs if d not in marked):
        blob = registry.blobs.pop(digest)
        report.blobs_freed += 1
        report.bytes_freed += blob.size
        report.freed.append(digest)
        if digest in registry.layer_digests:
            registry.layer_digests.discard(digest)
            registry.stored_layer_bytes -= blob.size
            report.layer_bytes_freed += blob.size
    freed = set(report.freed)
    for repo in registry.repositories.values():
        repo.layers -= freed
    return report


def _reachable_from_tags(repo) -> set[str]:  # type: ignore[no-untyped-def]
    keep: set[str] = set()
    todo = list(repo.tags.values())
    while todo:
        digest = todo.pop()
        if digest in keep or digest not in repo.manifests:
            continue
        keep.add(digest)
        manifest = repo.manifests[digest]
        if not isinstance(manifest, Manifest):
            todo.extend(entry.digest for entry in manifest.manifests)
    # Referrers (signatures, SBOMs) live as long as the manifest they describe.
    changed = True
    while changed:
        changed = False
        for digest, manifest in repo.manifests.items():
            if digest not in keep and manifest.subject is not None and manifest.subject.digest in keep:
                keep.add(digest)
                changed = True
    return keep
