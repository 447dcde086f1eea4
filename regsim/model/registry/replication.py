"""Geo-replication: a registry copies what is pushed to it to replicas in other regions.

Replication is asynchronous. `lag: N` means N steps: what is pushed in step k is copied at the
start of step k+N, before that step's command runs, so the replica serves it from step k+N on
and a client reading from the replica in steps k..k+N-1 does not find it yet. With lag 0 the
copy is made in step k itself, right after the manifest lands. The copy is background traffic
on the link between the two registries: no client waits for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

from regsim.model.oci.blob import Blob
from regsim.model.oci.manifest import AnyManifest, Index, Manifest
from regsim.model.oci.response import Response
from regsim.model.registry.registry import Registry
from regsim.model.registry.repository import Repository
from regsim.model.sim.context import RequestContext
from regsim.model.sim.events import Lane, RequestOutcome

if TYPE_CHECKING:
    from regsim.model.sim.world import World


@dataclass(frozen=True, slots=True)
class PendingCopy:
    due_step: int
    origin: str
    replica: str
    repository: str
    digest: str
    tag: str | None


class Replication:
    """The replicas of each registry and the copies waiting to be made."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.replicas: dict[str, dict[str, int]] = {}   # origin -> {replica: lag in steps}
        self.pending: list[PendingCopy] = []
        self.step = 0   # the step under way (0 before the first one begins)

    def add(self, origin: str, replica: str, lag: int) -> None:
        """`replica` copies what lands on `origin`, `lag` steps later (the origin's registry tells
        the world of each manifest it stores, see `World.manifest_stored`)."""
        self.replicas.setdefault(origin, {})[replica] = lag

    def schedule(self, origin: str, repository: str, digest: str, tag: str | None) -> None:
        replicas = self.replicas.get(origin)
        if not replicas:
            return
        for replica, lag in replicas.items():
            self.pending.append(PendingCopy(self.step + lag, origin, replica, repository, digest, tag))
        if any(p.due_step <= self.step for p in self.pending):
            self.run_due()

    def run_due(self) -> None:
        due = [p for p in self.pending if p.due_step <= self.step]
        self.pending = [p for p in self.pending if p.due_step > self.step]
        for copy in due:
            self._copy(copy)

    def begin_step(self) -> None:
        """Called before each step's command: the next step begins and the copies due in it are made."""
        self.step += 1
        self.run_due()

    def _copy(self, copy: PendingCopy) -> None:
        world = self.world
        origin = world.registries[copy.origin]
        replica = world.registries[copy.replica]
        manifest = origin.repositories[copy.repository].manifests.get(copy.digest)
        if manifest is None:
            return
        children = []
        if isinstance(manifest, Index):
            repo = origin.repositories[copy.repository]
            children = [child for e in manifest.manifests if (child := repo.manifests.get(e.digest)) is not None]
        target = replica.store.repository(copy.repository)
        for item in [*children, manifest]:
            if isinstance(item, Manifest):
                for digest in item.blob_digests():
                    if digest in target.blobs:
                        continue
                    blob = origin.blobs[digest]
                    world.send(
                        RequestContext(copy.origin, Lane.BACKGROUND, world.new_job()), copy.replica,
                        "PUT", f"/v2/{copy.repository}/blobs/{digest}",
                        partial(_link, replica, target, blob),
                        f"replicate a blob to {copy.replica}",
                        sent=blob.size,
                    )[1].outcome = RequestOutcome.REPLICATED
            tag = copy.tag if item is manifest else None
            world.send(
                RequestContext(copy.origin, Lane.BACKGROUND), copy.replica,
                "PUT", f"/v2/{copy.repository}/manifests/{tag or item.digest}",
                partial(_store_manifest, replica, copy.repository, item, tag),
                f"replicate the manifest to {copy.replica}", sent=len(item.raw),
            )[1].outcome = RequestOutcome.REPLICATED


def _link(replica: Registry, target: Repository, blob: Blob) -> Response:
    replica.store.link(target, blob)
    return Response(201)


def _store_manifest(replica: Registry, repository: str, manifest: AnyManifest, tag: str | None) -> Response:
    return replica.put_manifest(None, repository, tag or manifest.digest, manifest.raw, manifest.media_type, manifest)
