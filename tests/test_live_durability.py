"""A full disk or a crash at any write leaves a root that serves exactly what clients were told succeeded.

Every write the disk backend makes (a blob's rename into place, a manifest's file, state.json) is
made to fail in turn with ENOSPC while a client pushes, mounts, retags and deletes. After each run,
the running registry and one restarted on the same root must both hold exactly what an in-memory
registry holds that was given only the requests that answered 2xx. The reference registry answers a
failed storage write with 500 and keeps no half of it (distribution registry/storage/blobwriter.go
commits a blob by a move after verifying it; a manifest's tag link is written last,
registry/storage/tagstore.go).
"""

from __future__ import annotations

import errno
import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from live_helpers import sha256

from regsim.live.storage import DiskStorage, disk_registry
from regsim.model.oci.errors import RegistryError
from regsim.model.oci.mediatype import OCI_CONFIG, OCI_LAYER, OCI_MANIFEST
from regsim.model.oci.response import Response
from regsim.model.registry.registry import Registry

LAYER, OTHER, CONFIG = b"layer-bytes" * 100, b"second-layer", b'{"architecture":"amd64","os":"linux"}'


def _manifest(*layers: bytes) -> bytes:
    return json.dumps({
        "schemaVersion": 2, "mediaType": OCI_MANIFEST,
        "config": {"mediaType": OCI_CONFIG, "digest": sha256(CONFIG), "size": len(CONFIG)},
        "layers": [{"mediaType": OCI_LAYER, "digest": sha256(x), "size": len(x)} for x in layers],
    }).encode()


def _upload(reg: Registry, name: str, data: bytes) -> Response:
    uuid = reg.start_upload(None, name).headers["Docker-Upload-UUID"]
    return reg.put_upload(None, name, uuid, sha256(data), data)


# A push of two tags, a cross-repository mount, a retag, a delete by tag and one by digest.
OPERATIONS: list[Callable[[Registry], Response]] = [
    lambda r: _upload(r, "team/app", LAYER),
    lambda r: _upload(r, "team/app", CONFIG),
    lambda r: r.put_manifest(None, "team/app", "v1", _manifest(LAYER), OCI_MANIFEST),
    lambda r: _upload(r, "team/app", OTHER),
    lambda r: r.put_manifest(None, "team/app", "v2", _manifest(LAYER, OTHER), OCI_MANIFEST),
    lambda r: r.start_upload(None, "other/app", mount=sha256(LAYER), from_repository="team/app"),
    lambda r: r.start_upload(None, "other/app", mount=sha256(CONFIG), from_repository="team/app"),
    lambda r: r.put_manifest(None, "other/app", "v1", _manifest(LAYER), OCI_MANIFEST),
    lambda r: r.put_manifest(None, "team/app", "latest", _manifest(LAYER, OTHER), OCI_MANIFEST),
    lambda r: r.delete_manifest(None, "team/app", "v1"),
    lambda r: r.delete_manifest(None, "other/app", sha256(_manifest(LAYER))),
]


def _answer(registry: Registry, operation: Callable[[Registry], Response]) -> int:
    try:
        return operation(registry).status
    except RegistryError as error:
        return error.code.status
    except OSError:
        return 500    # what the live server answers when a write fails


def _served(registry: Registry) -> dict[str, object]:
    return DiskStorage.state(registry.store)["repositories"]   # type: ignore[no-any-return]


def _run(root: Path, fail_at: int | None, monkeypatch: pytest.MonkeyPatch) -> tuple[Registry, Registry, int]:
    """Run every operation with the `fail_at`-th disk write failing; (disk, told, writes made)."""
    writes = 0
    real_replace = os.replace

    def counted(real: Callable[..., None]) -> Callable[..., None]:
        def write(*args: object) -> None:
            nonlocal writes
            writes += 1
            if writes == fail_at:
                raise OSError(errno.ENOSPC, "No space left on device")
            real(*args)
        return write

    disk = disk_registry("disk", root)
    told = Registry("told")
    with monkeypatch.context() as patch:
        patch.setattr(os, "fsync", counted(lambda fd: None))   # counted, not waited for: the test stays fast
        patch.setattr(os, "replace", counted(real_replace))
        for operation in OPERATIONS:
            if 200 <= _answer(disk, operation) < 300:   # the client was told it succeeded
                assert 200 <= _answer(told, operation) < 300, f"write {fail_at}: accepted on what failed before"
    return disk, told, writes


def test_a_write_failing_at_any_point_leaves_exactly_what_clients_were_told(tmp_path, monkeypatch):
    _, told, writes = _run(tmp_path / "whole", None, monkeypatch)
    assert writes > 20 and _served(told)["team/app"]["tags"] == {"latest": sha256(_manifest(LAYER, OTHER)),
                                                                 "v2": sha256(_manifest(LAYER, OTHER))}
    for fail_at in range(1, writes + 1):
        root = tmp_path / f"fail-{fail_at}"
        disk, told, _ = _run(root, fail_at, monkeypatch)
        assert _served(disk) == _served(told), f"write {fail_at} failed: the running registry differs"
        assert _served(disk_registry("again", root)) == _served(told), f"write {fail_at}: after a restart"
        assert not [p for p in root.iterdir() if p.name.startswith(".state-")], "no half-written state"
