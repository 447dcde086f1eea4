"""Geo-replication: a registry copies what is pushed to it to replicas in other regions.

Replication is asynchronous. `lag: N` means N steps: what is pushed in step k is copied at the
start of step k+N, before that step's command runs, so the replica serves it from step k+N on
and a client reading from the replica in steps k..k+N-1 does not find it yet. With lag 0 the
copy is made in step k itself, right after the manifest lands. The copy is background traffic
on the link between the two registries: no client waits for it.

The copy speaks the same API a client does, as Harbor's replication does (Harbor
`src/controller/replication/transfer/image/transfer.go`, `copyBlob`, over the registry client of
`src/pkg/registry/client.go`): for each blob a HEAD on the replica; nothing more if it is there;
a mount POST when the replica holds it in another repository; otherwise POST to open an upload
and one PUT `?digest=` carrying the whole blob. Then each manifest is PUT, an index's platform
manifests by digest before the index itself under the tag. The replication job holds an
account the replica lets do all this (its token requests are not shown).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING
from urllib.parse import quote

from regsim.model.core.context import Lane, RequestContext
from regsim.model.core.events import RequestEvent, RequestOutcome
from regsim.model.oci.blob import Blob, SizedContent
from regsim.model.oci.manifest import AnyManifest, Index, Manifest
from regsim.model.oci.response import Response
from regsim.model.oci.routes import blob_path, manifest_path, uploads_path

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
        manifest = origin.repositories[copy.repository].manifests.get(copy.digest)
        if manifest is None:
            return
        children = []
        if isinstance(manifest, Index):
            repo = origin.repositories[copy.repository]
            children = [child for e in manifest.manifests if (child := repo.manifests.get(e.digest)) is not None]
        job = _ReplicationJob(world, copy)
        for item in [*children, manifest]:
            if isinstance(item, Manifest):
                for digest in item.blob_digests():
                    job.blob(origin.blobs[digest])
            job.manifest(item, copy.tag if item is manifest else None)


class _ReplicationJob:
    """One copy's requests to the replica, sent from the origin in the background lane."""

    def __init__(self, world: World, copy: PendingCopy) -> None:
        self.world = world
        self.copy = copy
        self.replica = world.registries[copy.replica]
        self.handler = self.replica.handler   # the job's account may do everything (see above)
        self.name = copy.repository

    def _send(self, context: RequestContext, method: str, path: str, call: Callable[[], Response], why: str,
              sent: int = 0) -> tuple[Response, RequestEvent]:
        return self.world.send(context, self.copy.replica, method, path, call, why, sent=sent)

    def blob(self, blob: Blob) -> None:
        name, digest, handler = self.name, blob.digest, self.handler
        to = self.copy.replica
        job = self.world.job(self.copy.origin, Lane.BACKGROUND, upstream=True)
        response, event = self._send(job, "HEAD", blob_path(name, digest),
                                     partial(handler.head_blob, name, digest), f"does {to} have this blob already?")
        if response.status == 200:
            event.outcome = RequestOutcome.EXISTS
            return
        event.outcome = RequestOutcome.MISSING
        source = self._holder(digest)
        if source is not None:
            query = f"from={quote(source, safe='')}&mount={quote(digest, safe='')}"
            response, event = self._send(job, "POST", uploads_path(name) + f"?{query}",
                                         partial(handler.mount_blob, name, digest, source, True),
                                         f"{to} holds it in {source}: link it from there")
            if response.status == 201:
                event.outcome = RequestOutcome.MOUNTED
                return
            event.outcome = RequestOutcome.MOUNT_REFUSED
        else:
            response, event = self._send(job, "POST", uploads_path(name),
                                         partial(handler.open_upload, name), f"open an upload on {to}")
            if response.status != 202:
                event.outcome = RequestOutcome.ERROR
                return
            event.outcome = RequestOutcome.UPLOAD_OPENED
        location = response.headers["Location"]
        uuid = location.rsplit("/", 1)[1]
        body = blob.data if blob.data is not None else SizedContent(digest, blob.size)
        response, event = self._send(job, "PUT", f"{location}?digest={digest}",
                                     partial(handler.put_upload, name, uuid, digest, body),
                                     f"send the whole blob to {to} in one PUT", sent=blob.size)
        event.outcome = RequestOutcome.REPLICATED if response.status == 201 else RequestOutcome.ERROR

    def _holder(self, digest: str) -> str | None:
        """Another repository of the replica that links the blob (Harbor asks its own database)."""
        if digest not in self.replica.blobs:
            return None
        for name, repository in sorted(self.replica.repositories.items()):
            if name != self.name and digest in repository.blobs:
                return name
        return None

    def manifest(self, manifest: AnyManifest, tag: str | None) -> None:
        reference = tag or manifest.digest
        response, event = self._send(
            RequestContext(self.copy.origin, Lane.BACKGROUND, upstream=True), "PUT",
            manifest_path(self.name, reference),
            partial(self.handler.put_manifest, self.name, reference, manifest.raw, manifest.media_type, manifest),
            f"replicate the manifest to {self.copy.replica}", sent=len(manifest.raw),
        )
        event.outcome = RequestOutcome.REPLICATED if response.status == 201 else RequestOutcome.ERROR
