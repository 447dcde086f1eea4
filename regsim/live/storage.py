"""Disk-backed storage for live mode: the same model classes, with blob bytes kept in files.

Layout under the root (the name of every path below comes from a validated digest or from
the model's own upload id, never from a client's text):

    blobs/sha256/ab/<hex>     content-addressed blobs (layers, configs and manifests)
    uploads/<uuid>            an upload in progress (removed on start: uploads do not survive)
    state.json                repositories: each one's linked blobs ("layers"), manifest
                              revisions ("manifests": digest -> media type) and tags

A blob is written to `uploads/`, hashed while it arrives, verified against the client's
digest, flushed to disk and only then renamed into `blobs/`: a reader never sees a partial
blob, a wrong digest stores nothing, and a crash loses only the upload in progress.
`state.json` is replaced atomically after every change a client made, before the client is
answered, so a restart serves everything committed before. When a write fails (a full disk, an
I/O error) the repositories in memory are read back from disk before the client gets its 500: the
running server, like a restarted one, serves exactly what clients were told succeeded.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets
import shutil
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from regsim.model.oci.blob import Blob
from regsim.model.oci.digest import Digest
from regsim.model.oci.errors import ErrorCode, RegistryError
from regsim.model.oci.manifest import Manifest, parse_manifest
from regsim.model.oci.reference import check_name
from regsim.model.registry.registry import Guard, Registry
from regsim.model.registry.store import RegistryStore
from regsim.model.registry.upload import Chunk, StagedBytes, UploadSession

STATE_VERSION = 1
_HEX = frozenset("0123456789abcdef")


class BlobFiles:
    """Content-addressed files under `root/blobs`, and the upload area beside them."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.blob_root = root / "blobs"
        self.upload_root = root / "uploads"
        self.blob_root.mkdir(parents=True, exist_ok=True)
        # Uploads do not survive a restart (the spec lets a registry forget them).
        shutil.rmtree(self.upload_root, ignore_errors=True)
        self.upload_root.mkdir(parents=True, exist_ok=True)

    def path(self, digest: str) -> Path:
        parsed = Digest.parse(digest)   # only a valid digest becomes a path
        return self.blob_root / parsed.algorithm / parsed.hex[:2] / parsed.hex

    def upload_path(self, uuid: str) -> Path:
        if not uuid or not all(c in _HEX or c == "-" for c in uuid):
            raise RegistryError(ErrorCode.BLOB_UPLOAD_UNKNOWN, f"no upload {uuid!r}", {"uuid": uuid})
        return self.upload_root / uuid

    def has(self, digest: str) -> bool:
        return self.path(digest).is_file()

    def read(self, digest: str) -> bytes:
        return self.path(digest).read_bytes()

    def commit(self, temp: Path, digest: str) -> None:
        """Move a verified, flushed file into its content-addressed place (atomic rename)."""
        target = self.path(digest)
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():     # the same content arrived before (or at the same time)
            temp.unlink(missing_ok=True)
            return
        os.replace(temp, target)
        _sync_dir(target.parent)

    def write(self, digest: str, data: bytes) -> None:
        """Store small content (a manifest) by digest, through a flushed temporary file."""
        if self.has(digest):
            return
        temp = self.upload_root / f"put-{secrets.token_hex(8)}"
        try:
            with open(temp, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            self.commit(temp, digest)
        except OSError:
            temp.unlink(missing_ok=True)
            raise

    def scan(self) -> dict[str, int]:
        """Every stored blob: digest -> size."""
        found: dict[str, int] = {}
        for algorithm_dir in self.blob_root.iterdir():
            if not algorithm_dir.is_dir():
                continue
            for prefix in algorithm_dir.iterdir():
                if not prefix.is_dir():
                    continue
                for entry in prefix.iterdir():
                    digest = f"{algorithm_dir.name}:{entry.name}"
                    try:
                        Digest.parse(digest)
                    except RegistryError:
                        continue
                    found[digest] = entry.stat().st_size
        return found


def _sync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):   # not every filesystem lets a directory be fsynced
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


class DiskUploadSession(UploadSession):
    """An upload whose bytes go to a file while sha256 is computed as they arrive.

    The live server *stages* a request body (`stage_write`), then calls the model, which
    calls `append(StagedBytes(n), start)`: the model's own checks (chunks in order, Content-Range
    matching the body) decide whether the staged bytes join the upload or are rolled back.
    """

    def __init__(self, uuid: str, repository: str, store: BlobFiles) -> None:
        super().__init__(uuid, repository)
        self.store = store
        self.path = store.upload_path(uuid)
        self.path.touch()
        self.hasher = hashlib.sha256()
        self.staged = 0
        self._mark: Any = None
        self._handle: Any = None
        self.busy = False
        self.touched = time.monotonic()   # the last request that used it (idle uploads expire)

    # ----- staging (called by the live server around a model call) --------------------------

    def stage_begin(self) -> None:
        self._mark = self.hasher.copy()
        self.staged = 0
        self._handle = open(self.path, "r+b")  # noqa: SIM115 - closed in stage_end
        self._handle.seek(self.received)
        self._handle.truncate()

    def stage_write(self, data: bytes) -> None:
        """Write and hash one piece of a body (runs in a worker thread: hashlib frees the GIL)."""
        self._handle.write(data)
        self.hasher.update(data)
        self.staged += len(data)

    def stage_sync(self) -> None:
        """Flush the file to disk (before the final PUT lets the blob be committed)."""
        self._handle.flush()
        os.fsync(self._handle.fileno())

    def stage_end(self) -> None:
        self.touched = time.monotonic()
        if self._handle is not None:
            self._handle.close()
            self._handle = None
        if self.staged:   # the model did not take these bytes: forget them
            self.hasher = self._mark
            with contextlib.suppress(OSError):
                os.truncate(self.path, self.received)
            self.staged = 0

    # ----- the UploadSession interface the model calls -------------------------------------

    def append(self, body: Chunk, start: int | None = None) -> None:
        self.check_start(start)
        if isinstance(body, StagedBytes):
            if body.length != self.staged:
                raise RegistryError(ErrorCode.BLOB_UPLOAD_INVALID, "the staged bytes are not this chunk")
            self.received += self.staged
            self.staged = 0
        elif isinstance(body, (bytes, bytearray, memoryview)):
            with open(self.path, "r+b") as handle:
                handle.seek(self.received)
                handle.write(body)
                handle.truncate()
            self.hasher.update(body)
            self.received += len(body)
        else:
            raise RegistryError(ErrorCode.BLOB_UPLOAD_INVALID, "a live registry takes real bytes only")
        self.chunks += 1

    def finish(self, digest_text: str) -> Blob:
        """Verify the whole upload against the digest; move it into the blob store; no bytes kept."""
        digest = Digest.parse(digest_text)
        # sha256 was computed as the bytes arrived; another algorithm reads the file once more.
        actual = self.hasher.hexdigest() if digest.algorithm == "sha256" else _hash_file(self.path, digest.algorithm)
        if actual != digest.hex:
            raise RegistryError(
                ErrorCode.DIGEST_INVALID,
                f"the uploaded bytes hash to {digest.algorithm}:{actual}, not {digest_text}",
                {"digest": digest_text},
            )
        if self._handle is None:   # bytes appended outside a staged request: flush them now
            with open(self.path, "rb") as handle:
                os.fsync(handle.fileno())
        self.store.commit(self.path, digest_text)
        return Blob(digest_text, self.received)

    def discard(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None
        self.path.unlink(missing_ok=True)


def _hash_file(path: Path, algorithm: str) -> str:
    hasher = hashlib.new(algorithm)
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            hasher.update(chunk)
    return hasher.hexdigest()


class DiskStorage:
    """The model's `Storage` backend for live mode: blob files, upload files and state.json under `root`.

    The registry's stores and handler are the model's own; this backend (a) opens disk-backed
    upload sessions, (b) removes an upload's file once the handler closes the session, (c) writes
    each manifest's bytes, (d) saves the repositories after each change a client made, and
    (e) deletes the files of blobs garbage collection freed.
    """

    persistent = True

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.files = BlobFiles(self.root)
        self.state_path = self.root / "state.json"
        self._store: RegistryStore | None = None

    def first_upload_number(self) -> int:
        # Upload ids must not repeat across restarts: a client may still hold an old one.
        return secrets.randbelow(1 << 30)

    # ----- uploads ---------------------------------------------------------------------------

    def new_upload(self, uuid: str | None, repository: str) -> DiskUploadSession:
        """The upload's bytes go to `uploads/<uuid>` (a single-request upload gets a private name)."""
        return DiskUploadSession(uuid or secrets.token_hex(16), repository, self.files)

    def upload_closed(self, session: UploadSession) -> None:
        if isinstance(session, DiskUploadSession):
            session.discard()   # a committed upload's file has moved into blobs/ already

    # ----- changes that are saved ------------------------------------------------------------

    def manifest_stored(self, digest: str, raw: bytes) -> None:
        try:
            self.files.write(digest, raw)
        except OSError:
            self._roll_back()
            raise

    def changed(self, store: RegistryStore) -> None:
        try:
            self.save(store)
        except OSError:
            self._roll_back()
            raise

    def _roll_back(self) -> None:
        """A write failed after the model changed its dictionaries: serve what the disk holds again
        (the last state.json), so nothing the client is about to be told failed stays visible."""
        store = self._store
        if store is None:
            return
        store.clear()
        self.load(store)

    def blobs_freed(self, digests: Sequence[str]) -> None:
        """Delete the files of the blobs a collection freed (called once the state is saved).

        Run a collection while no server uses the root: an upload finishing meanwhile could be
        swept before its manifest comes.
        """
        for digest in digests:
            path = self.files.path(digest)
            path.unlink(missing_ok=True)
            with contextlib.suppress(OSError):   # the two-character directory, once empty
                path.parent.rmdir()

    # ----- persistence -----------------------------------------------------------------------

    @staticmethod
    def state(store: RegistryStore) -> dict[str, Any]:
        return {
            "version": STATE_VERSION,
            "repositories": {
                name: {
                    "layers": repo.blobs.enumerate(),
                    "manifests": {m.digest: m.media_type for m in repo.manifests.revisions()},
                    "tags": repo.tags.links(),
                }
                for name, repo in sorted(store.repositories.items())
            },
        }

    def save(self, store: RegistryStore) -> None:
        """Replace state.json atomically (write, flush, rename): a crash leaves the old or the new."""
        data = json.dumps(self.state(store), indent=1, sort_keys=True).encode()
        temp = self.root / f".state-{secrets.token_hex(6)}.tmp"
        try:
            with open(temp, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temp, self.state_path)
        except OSError:
            temp.unlink(missing_ok=True)   # a full disk keeps no half-written copy
            raise
        _sync_dir(self.root)

    def load(self, store: RegistryStore) -> None:
        """Serve again what was committed before: blobs on disk, repositories from state.json."""
        self._store = store
        for stale in self.root.glob(".state-*.tmp"):
            stale.unlink(missing_ok=True)
        for digest, size in self.files.scan().items():
            store.blobs[digest] = Blob(digest, size)
        if not self.state_path.exists():
            return
        state = json.loads(self.state_path.read_text())
        if state.get("version") != STATE_VERSION:
            raise ValueError(f"{self.state_path} has version {state.get('version')!r}; expected {STATE_VERSION}")
        for name, saved in state.get("repositories", {}).items():
            check_name(name)
            repo = store.repository(name)
            for digest in saved.get("layers", []):
                if digest in store.blobs:
                    repo.blobs.link(digest)
            for digest, media_type in saved.get("manifests", {}).items():
                if digest not in store.blobs:
                    continue
                raw = self.files.read(digest)
                if not Digest.parse(digest).verify(raw):
                    continue   # a damaged file is not served under a digest it does not have
                try:
                    manifest = parse_manifest(raw, media_type)
                except RegistryError:
                    continue
                store.blobs[digest] = Blob(digest, len(raw), raw)   # the bytes, not only the size
                repo.manifests.put(manifest)
            for tag, digest in saved.get("tags", {}).items():
                if digest in repo.manifests:
                    repo.tags.tag(tag, digest)
        for repo in store.repositories.values():
            for manifest in repo.manifests.revisions():
                if isinstance(manifest, Manifest):
                    for layer in manifest.layers:
                        store.count_layer(layer.digest)


def disk_registry(
    host: str,
    root: Path,
    *,
    guard: Guard | None = None,
    clock: Callable[[], float] = time.time,
) -> Registry:
    """A registry whose content lives under `root` (and survives a restart)."""
    return Registry(host, guard=guard, clock=clock, storage=DiskStorage(root))


def disk_storage(registry: Registry) -> DiskStorage:
    """The disk backend of a registry `disk_registry` made."""
    storage = registry.storage
    assert isinstance(storage, DiskStorage), "not a disk-backed registry"
    return storage
