"""Live storage: blobs on disk by digest, nothing partial visible, restarts serve what was committed."""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from live_helpers import ServerThread, sha256, wait_until

from regsim.live.storage import disk_registry, disk_storage
from regsim.model.oci.mediatype import OCI_CONFIG, OCI_LAYER, OCI_MANIFEST


def test_a_blob_lands_in_its_content_addressed_place_and_is_not_held_in_memory(tmp_path):
    data = os.urandom(100_000)
    with ServerThread(tmp_path / "root") as live:
        digest = live.push_blob("team/app", data)
        blob = live.registry.blobs[digest]
        assert blob.data is None and blob.size == len(data)
        hexpart = digest[7:]
        stored = tmp_path / "root" / "blobs" / "sha256" / hexpart[:2] / hexpart
        assert stored.read_bytes() == data


def test_a_restart_serves_everything_committed_before(tmp_path):
    root = tmp_path / "root"
    layer = os.urandom(20_000)
    with ServerThread(root) as live:
        digest, raw = live.push_image("team/app", "v1", [layer])
        live.push_image("team/app", "v2", [layer, b"second"])
        live.request("POST", f"/v2/other/app/blobs/uploads/?mount={sha256(layer)}&from=team/app")
        live.request("DELETE", "/v2/team/app/manifests/v2")
    with ServerThread(root) as again:
        got = again.request("GET", "/v2/team/app/manifests/v1")
        assert got.status == 200 and got.body == raw
        assert got.headers["docker-content-digest"] == digest
        assert again.request("GET", f"/v2/team/app/blobs/{sha256(layer)}").body == layer
        assert again.request("GET", f"/v2/other/app/blobs/{sha256(layer)}").body == layer
        assert again.request("GET", "/v2/team/app/tags/list").json()["tags"] == ["v1"]
        assert again.registry.layer_bytes_stored() == len(layer) + len(b"second")


def test_an_upload_in_progress_does_not_survive_a_restart_and_leaves_no_blob(tmp_path):
    root = tmp_path / "root"
    with ServerThread(root) as live:
        location = live.request("POST", "/v2/team/app/blobs/uploads/").headers["location"]
        live.request("PATCH", location, os.urandom(5000))
    with ServerThread(root) as again:
        assert again.request("GET", location).code == "BLOB_UPLOAD_UNKNOWN"
        assert not list((root / "uploads").iterdir())
        assert not list((root / "blobs").rglob("*/*/*"))


def test_an_aborted_upload_connection_leaves_nothing_visible(tmp_path):
    with ServerThread(tmp_path / "root") as live:
        location = live.request("POST", "/v2/team/app/blobs/uploads/").headers["location"]
        sock = socket.create_connection(("127.0.0.1", live.port))
        sock.sendall(f"PATCH {location} HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n".encode())
        sock.sendall(os.urandom(300_000))
        sock.close()   # the client dies mid-body
        upload = live.server.registry.uploads[location.rsplit("/", 1)[1]]
        wait_until(lambda: not upload.busy, "the server to notice the client is gone")
        status = live.request("GET", location)
        assert status.status == 204 and status.headers["range"] == "0-0"
        assert not list((tmp_path / "root" / "blobs").rglob("*/*/*"))


def test_two_concurrent_uploads_of_the_same_blob_store_one_blob(tmp_path):
    data = os.urandom(2_000_000)
    with ServerThread(tmp_path / "root") as live:
        results: list[int] = []

        def push() -> None:
            location = live.request("POST", "/v2/team/app/blobs/uploads/").headers["location"]
            live.request("PATCH", location, iter([data[i:i + 65536] for i in range(0, len(data), 65536)]))
            results.append(live.request("PUT", f"{location}?digest={sha256(data)}").status)

        threads = [threading.Thread(target=push) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert results == [201, 201]
        stored = list((tmp_path / "root" / "blobs").rglob("*/*/*"))
        assert len(stored) == 1 and hashlib.sha256(stored[0].read_bytes()).hexdigest() == sha256(data)[7:]
        assert list(live.registry.blobs) == [sha256(data)]
        assert not list((tmp_path / "root" / "uploads").iterdir())


def test_a_damaged_state_file_entry_is_not_served(tmp_path):
    root = tmp_path / "root"
    with ServerThread(root) as live:
        digest, _ = live.push_image("team/app", "v1", [b"layer"])
    hexpart = digest[7:]
    (root / "blobs" / "sha256" / hexpart[:2] / hexpart).write_bytes(b'{"schemaVersion":2,"manifests":[]}')
    registry = disk_registry("test", root)
    assert digest not in registry.repositories["team/app"].manifests


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_up(port: int) -> None:
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/v2/")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError("the server did not start")


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
@pytest.mark.slow   # a server process started twice and killed
def test_a_server_killed_mid_upload_loses_nothing_committed(tmp_path):
    root = tmp_path / "root"
    port = _free_port()
    command = [sys.executable, "-m", "regsim.live", "--port", str(port), "--root", str(root)]
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_up(port)
        helper = ServerThread.__new__(ServerThread)
        helper.server = type("S", (), {"port": port})()   # only .request is used
        _digest, raw = helper.push_image("team/app", "v1", [b"committed layer"])
        location = helper.request("POST", "/v2/team/app/blobs/uploads/").headers["location"]
        sock = socket.create_connection(("127.0.0.1", port))
        sock.sendall(f"PATCH {location} HTTP/1.1\r\nHost: x\r\nContent-Length: 5000000\r\n\r\n".encode())
        sock.sendall(os.urandom(2_500_000))   # over the server's 1 MiB write: some reaches the disk
        partial = root / "uploads" / location.rsplit("/", 1)[1]
        wait_until(lambda: partial.exists() and partial.stat().st_size > 0, "the upload to be under way")
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        sock.close()
    finally:
        if proc.poll() is None:
            proc.kill()
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_up(port)
        assert helper.request("GET", "/v2/team/app/manifests/v1").body == raw
        assert helper.request("GET", f"/v2/team/app/blobs/{sha256(b'committed layer')}").body == b"committed layer"
        assert helper.request("GET", location).code == "BLOB_UPLOAD_UNKNOWN"
        assert len(list((root / "blobs").rglob("*/*/*"))) == 3   # layer, config, manifest
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(10)


def test_state_file_is_replaced_atomically(tmp_path):
    root = tmp_path / "root"
    with ServerThread(root) as live:
        live.push_image("team/app", "v1", [b"x"])
    assert (root / "state.json").exists()
    assert not list(root.glob(".state-*"))
    assert not list(Path(root / "uploads").iterdir())


def test_a_version_1_state_file_loads_every_link_and_is_written_back_the_same(tmp_path):
    """state.json's format (version 1): per repository its linked blobs ("layers"), manifest
    revisions (digest -> media type) and tags. A root written before keeps serving every image."""
    root = tmp_path / "root"
    layer, config = b"layer bytes", b'{"architecture":"amd64","os":"linux"}'
    raw = json.dumps({
        "schemaVersion": 2, "mediaType": OCI_MANIFEST,
        "config": {"mediaType": OCI_CONFIG, "digest": sha256(config), "size": len(config)},
        "layers": [{"mediaType": OCI_LAYER, "digest": sha256(layer), "size": len(layer)}],
    }).encode()
    for data in (layer, config, raw):
        hexpart = sha256(data)[7:]
        (root / "blobs" / "sha256" / hexpart[:2]).mkdir(parents=True, exist_ok=True)
        (root / "blobs" / "sha256" / hexpart[:2] / hexpart).write_bytes(data)
    linked = sorted([sha256(layer), sha256(config)])
    kept = {
        "team/app": {"layers": linked, "manifests": {sha256(raw): OCI_MANIFEST},
                     "tags": {"latest": sha256(raw), "v1": sha256(raw)}},
        "other/app": {"layers": [sha256(layer)], "manifests": {}, "tags": {}},
    }
    saved = json.loads(json.dumps(kept))
    saved["team/app"]["layers"].append("sha256:" + "0" * 64)     # a link whose blob is gone
    saved["team/app"]["tags"]["v0"] = "sha256:" + "1" * 64        # a tag whose manifest is gone
    (root / "state.json").write_text(json.dumps({"version": 1, "repositories": saved}))

    registry = disk_registry("test", root)
    got = registry.get_manifest(None, "team/app", "v1")
    assert got.status == 200 and got.body == raw
    assert json.loads(registry.list_tags(None, "team/app").body)["tags"] == ["latest", "v1"]
    assert registry.get_blob(None, "other/app", sha256(layer)).status == 200
    assert registry.layer_bytes_stored() == len(layer)
    assert disk_storage(registry).state(registry.store) == {"version": 1, "repositories": kept}


def test_an_idle_upload_expires_and_its_file_goes(tmp_path):
    """distribution purges abandoned uploads (storage.maintenance.uploadpurging); here after --upload-timeout."""
    with ServerThread(tmp_path / "root", upload_timeout=30.0) as live:
        idle = live.request("POST", "/v2/team/app/blobs/uploads/").headers["location"]
        live.request("PATCH", idle, os.urandom(5000))
        active = live.request("POST", "/v2/team/app/blobs/uploads/").headers["location"]
        now = time.monotonic()
        live.registry.uploads[active.rsplit("/", 1)[1]].touched = now   # used just now
        live.registry.uploads[idle.rsplit("/", 1)[1]].touched = now - 31
        assert live.server.expire_uploads(now) == [idle.rsplit("/", 1)[1]]
        assert live.request("GET", idle).code == "BLOB_UPLOAD_UNKNOWN"
        assert live.request("GET", active).status == 204
        assert [p.name for p in (tmp_path / "root" / "uploads").iterdir()] == [active.rsplit("/", 1)[1]]
