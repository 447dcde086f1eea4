"""Helpers for the live-mode tests: a server on an ephemeral loopback port, HTTP calls, OCI layouts."""

from __future__ import annotations

import asyncio
import base64
import gzip
import hashlib
import http.client
import io
import json
import os
import shutil
import subprocess
import tarfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Self

import pytest

from regsim.live.server import LiveServer
from regsim.model.oci.mediatype import DOCKER_ACCEPT

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"


def sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def wait_until(condition: Callable[[], object], what: str, timeout: float = 30.0) -> None:
    """Return as soon as `condition()` holds (polled every few milliseconds); fail naming `what`."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout:g} s for {what}")
        time.sleep(0.005)


class ServerThread:
    """A LiveServer running its own event loop in a background thread (or, given `server`, any
    object with async `start` and `stop`, such as a `WatchProxy`)."""

    def __init__(self, root: Path | None = None, *, server: Any = None, **options: Any) -> None:
        self.server = server if server is not None else LiveServer(Path(root or "."), **options)
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._ready = threading.Event()
        self._error: BaseException | None = None

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        try:
            self.loop.run_until_complete(self.server.start())
        except BaseException as error:  # noqa: BLE001 - reported to the starting thread
            self._error = error
            self._ready.set()
            return
        self._ready.set()
        self.loop.run_forever()

    def __enter__(self) -> Self:
        self._thread.start()
        self._ready.wait(30)
        if self._error is not None:
            raise self._error
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        if not self.loop.is_running():
            return
        asyncio.run_coroutine_threadsafe(self.server.stop(), self.loop).result(30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(30)
        self.loop.close()

    @property
    def port(self) -> int:
        return self.server.port

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def registry(self):  # type: ignore[no-untyped-def]
        return self.server.registry

    def log(self) -> list[tuple[str, str, int]]:
        return [(e.event.method, e.event.path, e.event.status) for e in self.server.entries]

    def request(
        self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None,
        *, negotiate: bool = True,
    ) -> Reply:
        """One HTTP request. A manifest GET or HEAD sends docker's Accept header, as every real
        client does (the registry sends no OCI manifest to a client that does not accept it),
        unless the test gives its own or passes `negotiate=False`."""
        headers = dict(headers or {})
        if (negotiate and method in ("GET", "HEAD") and "/manifests/" in path
                and not any(key.lower() == "accept" for key in headers)):
            headers["Accept"] = ", ".join(DOCKER_ACCEPT)
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            chunked = body is not None and not isinstance(body, (bytes, bytearray))
            conn.request(method, path, body=body, headers=headers, encode_chunked=chunked)
            response = conn.getresponse()
            data = response.read()
            return Reply(response.status, {k.lower(): v for k, v in response.getheaders()}, data)
        finally:
            conn.close()

    # ----- small flows used by many tests -----------------------------------------------------

    def push_blob(self, name: str, data: bytes, headers: dict[str, str] | None = None) -> str:
        digest = sha256(data)
        reply = self.request("POST", f"/v2/{name}/blobs/uploads/?digest={digest}", data,
                             {"Content-Type": "application/octet-stream", **(headers or {})})
        assert reply.status == 201, reply
        return digest

    def push_image(self, name: str, tag: str, layers: list[bytes], headers: dict[str, str] | None = None,
                   config: bytes = b'{"architecture":"amd64","os":"linux"}') -> tuple[str, bytes]:
        descriptors = []
        for layer in layers:
            descriptors.append({"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                                "digest": self.push_blob(name, layer, headers), "size": len(layer)})
        config_digest = self.push_blob(name, config, headers)
        manifest = json.dumps({
            "schemaVersion": 2, "mediaType": OCI_MANIFEST,
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                       "digest": config_digest, "size": len(config)},
            "layers": descriptors,
        }).encode()
        reply = self.request("PUT", f"/v2/{name}/manifests/{tag}", manifest,
                             {"Content-Type": OCI_MANIFEST, **(headers or {})})
        assert reply.status == 201, reply
        return reply.headers["docker-content-digest"], manifest


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def code(self) -> str:
        return str(self.json()["errors"][0]["code"])


def basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


# ----- OCI image layouts the tests write themselves ---------------------------------------------


def layer_tar(files: dict[str, bytes]) -> bytes:
    """A gzip-compressed tar of the files (deterministic: fixed times and owners)."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as tar:
        for name, data in sorted(files.items()):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = 0
            tar.addfile(info, io.BytesIO(data))
    return gzip.compress(raw.getvalue(), mtime=0)


def write_layout(path: Path, tag: str, layers: list[bytes]) -> dict[str, bytes]:
    """An OCI image layout (oci-layout, index.json, blobs/sha256/...) holding one tagged image.

    Returns every blob written, by digest. Layers are taken as already-compressed blobs.
    """
    blobs: dict[str, bytes] = {}

    def put(data: bytes) -> str:
        digest = sha256(data)
        blobs[digest] = data
        target = path / "blobs" / "sha256" / digest[7:]
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        return digest

    diff_ids = [sha256(gzip.decompress(layer)) if layer[:2] == b"\x1f\x8b" else sha256(layer) for layer in layers]
    config = json.dumps({
        "architecture": "amd64", "os": "linux", "config": {},
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
    }, sort_keys=True).encode()
    manifest = json.dumps({
        "schemaVersion": 2, "mediaType": OCI_MANIFEST,
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": put(config),
                   "size": len(config)},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": put(layer),
                    "size": len(layer)} for layer in layers],
    }).encode()
    manifest_digest = put(manifest)
    (path / "oci-layout").write_text('{"imageLayoutVersion":"1.0.0"}')
    index = {"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": [{
        "mediaType": OCI_MANIFEST, "digest": manifest_digest, "size": len(manifest),
        "annotations": {"org.opencontainers.image.ref.name": tag},
    }]}
    (path / "index.json").write_text(json.dumps(index))
    return blobs


def read_layout_blobs(path: Path) -> dict[str, bytes]:
    return {f"sha256:{p.name}": p.read_bytes() for p in (path / "blobs" / "sha256").iterdir()}


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ReferenceRegistry:
    """Debian's docker-registry (distribution 2.8.2) on a loopback port, optionally behind htpasswd."""

    def __init__(self, root: Path, htpasswd: Path | None = None) -> None:
        self.port = free_port()
        config = root / "config.yml"
        auth = (f"auth:\n  htpasswd:\n    realm: regsim-test\n    path: {htpasswd}\n" if htpasswd else "")
        config.write_text(f"version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\n"
                          f"storage:\n  filesystem:\n    rootdirectory: {root / 'data'}\n  delete:\n    enabled: true\n"
                          f"http:\n  addr: 127.0.0.1:{self.port}\n{auth}")
        self.log = root / "registry.log"
        with self.log.open("wb") as log:
            self.proc = subprocess.Popen(["docker-registry", "serve", str(config)], stdout=log,
                                         stderr=subprocess.STDOUT)

        def up() -> bool:
            if self.proc.poll() is not None:
                raise AssertionError(f"docker-registry exited: {self.log.read_text()[-2000:]}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=1)
                conn.request("GET", "/v2/")
                conn.getresponse().read()
                conn.close()
                return True
            except OSError:
                return False

        wait_until(up, "docker-registry to listen", timeout=20)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)


def need_reference() -> str:
    found = shutil.which("docker-registry")
    if found is None:
        reason = "docker-registry (distribution) is not installed (.ci/live-tools installs it with apt-get)"
        print(f"SKIP: {reason}")
        pytest.skip(reason)
    return found


def need_skopeo() -> str:
    found = shutil.which("skopeo")
    if found is None:
        reason = "skopeo is not installed (.ci/live-tools installs it with apt-get)"
        print(f"SKIP: {reason}")
        pytest.skip(reason)
    return found


def skopeo(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HOME": os.environ.get("HOME", "/tmp")}
    result = subprocess.run(["skopeo", "--insecure-policy", *args], capture_output=True, text=True,
                            timeout=300, check=False, env=env)
    if check and result.returncode != 0:
        raise AssertionError(f"skopeo {' '.join(args)} failed: {result.stderr}")
    return result
