"""`regsim watch` in front of the reference registry (Debian's docker-registry, distribution 2.8.2):
skopeo pushes and pulls through it, the bytes are those of a direct copy, every request is explained."""

from __future__ import annotations

import json
import os
import shutil
import ssl
import subprocess
import tempfile
from pathlib import Path

import pytest
from aiohttp import web
from live_helpers import (
    ReferenceRegistry,
    ServerThread,
    layer_tar,
    need_reference,
    need_skopeo,
    read_layout_blobs,
    sha256,
    skopeo,
    write_layout,
)

from regsim.live.record import load_record
from regsim.live.session import SessionSteps
from regsim.live.watch import WatchProxy

pytestmark = pytest.mark.slow   # a real registry and real skopeo

LAYERS = [layer_tar({"etc/base": os.urandom(300_000)}), layer_tar({"app/bin": os.urandom(40_000)})]


@pytest.fixture(scope="module")
def watched(tmp_path_factory):
    """One push and one pull through the proxy, and one direct pull, against one reference registry."""
    need_skopeo()
    need_reference()
    tmp = tmp_path_factory.mktemp("watch")
    pushed = write_layout(tmp / "image", "v1", LAYERS)
    reference = ReferenceRegistry(tmp)
    try:
        with pytest.MonkeyPatch.context() as patch, \
                ServerThread(server=WatchProxy(reference.url)) as proxy:
            patch.setenv("REGISTRY_AUTH_FILE", str(tmp / "auth.json"))
            (tmp / "auth.json").write_text('{"auths": {}}')   # podman wants the file to exist
            journal = proxy.server.journal(tmp / "watch.jsonl")
            address = proxy.address
            skopeo("copy", "--dest-tls-verify=false", f"oci:{tmp}/image:v1", f"docker://{address}/team/app:v1")
            skopeo("copy", "--src-tls-verify=false", f"docker://{address}/team/app:v1", f"oci:{tmp}/back:v1")
            journal.close()
            skopeo("copy", "--src-tls-verify=false", f"docker://127.0.0.1:{reference.port}/team/app:v1",
                   f"oci:{tmp}/direct:v1")
            mark = len(proxy.server.entries)
            podman = None
            if shutil.which("podman"):   # podman pulls into its own store, then pushes under a new name
                run_root = tempfile.mkdtemp(prefix="regsim-podman-")   # podman takes at most 50 characters
                store = ["podman", "--root", str(tmp / "podman"), "--runroot", run_root,
                         "--storage-driver", "vfs", "--events-backend", "none", "--cgroup-manager", "cgroupfs"]
                image = f"{address}/team/app:v1"
                try:
                    for args in (["pull", "--tls-verify=false", image],
                                 ["push", "--tls-verify=false", image, f"docker://{address}/team/podman:v1"]):
                        done = subprocess.run([*store, *args], capture_output=True, text=True, timeout=120)
                        assert done.returncode == 0, done.stderr
                finally:
                    shutil.rmtree(run_root, ignore_errors=True)
                podman = subprocess.run(["skopeo", "inspect", "--raw", "--tls-verify=false",
                                         f"docker://127.0.0.1:{reference.port}/team/podman:v1"],
                                        capture_output=True, text=True, check=True).stdout
            yield {"pushed": pushed, "tmp": tmp, "entries": list(proxy.server.entries[:mark]),
                   "podman": podman, "podman_entries": list(proxy.server.entries[mark:])}
    finally:
        reference.stop()


def test_bytes_through_the_proxy_are_those_of_a_direct_copy(watched):
    tmp = watched["tmp"]
    back, direct = read_layout_blobs(tmp / "back"), read_layout_blobs(tmp / "direct")
    assert back == direct
    assert set(watched["pushed"]) <= set(back) and all(back[d] == b for d, b in watched["pushed"].items())


def test_every_request_went_through_the_proxy_and_is_explained_as_live_mode_does(watched):
    entries = watched["entries"]
    lines = [(e.event.method, e.event.status, e.event.why) for e in entries]
    # distribution answers uploads with absolute Locations: pointed back at the proxy, the bytes came here
    closes = [why for method, status, why in lines if method == "PUT" and status == 201 and "upload closes" in why]
    assert len(closes) == 3, lines      # two layers and the config
    assert any(m == "HEAD" and s == 404 and "so the client will upload it" in w for m, s, w in lines)
    assert any(m == "PUT" and s == 201 and "tag v1 now points at it" in w for m, s, w in lines)
    downloads = [e.event for e in entries if e.event.method == "GET" and "/blobs/" in e.event.path]
    assert sorted(e.bytes for e in downloads) == sorted(len(b) for d, b in watched["pushed"].items()
                                                         if not b.startswith(b'{"schemaVersion"'))
    assert all("the client downloads" in e.why for e in downloads)


def test_podman_pulls_and_pushes_through_the_proxy_with_the_same_layers(watched):
    if watched["podman"] is None:
        pytest.skip("podman is not installed (.ci/live-tools installs it with apt-get)")
    layers = [layer["digest"] for layer in json.loads(watched["podman"])["layers"]]
    assert layers == [sha256(layer) for layer in LAYERS]   # the same compressed bytes, not re-made ones
    entries = [e.event for e in watched["podman_entries"]]
    assert any(e.method == "GET" and "/team/app/manifests/v1" in e.path and e.status == 200 for e in entries)
    assert any(e.method == "PUT" and e.path == "/v2/team/podman/manifests/v1" and e.status == 201
               and "tag v1 now points at it" in e.why for e in entries)


def test_the_record_replays_as_a_push_and_a_pull(watched):
    run = load_record(watched["tmp"] / "watch.jsonl")
    assert [r.command for r in run.records] == ["push team/app:v1", "pull team/app:v1"]
    push, pull = run.records
    assert push.output == ["pushed team/app:v1: 2 layers uploaded, 0 existed"]
    assert push.layer_bytes_up == pull.layer_bytes_down == sum(len(layer) for layer in LAYERS)
    # The Live screen's world under watch: a pull alone shows the image it fetched, tag and layers.
    pulled = SessionSteps("watched", keep_worlds=False)
    pulled.feed_all(entry.to_dict() for entry in watched["entries"] if entry.event.method == "GET")
    assert set(pulled.registry.resolve("team/app", "v1").blob_digests()) >= {sha256(layer) for layer in LAYERS}


class TlsRegistry:
    """A stand-in upstream over HTTPS (a self-signed certificate for 127.0.0.1) that answers /v2/."""

    def __init__(self, cert: Path, key: Path) -> None:
        self.context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.context.load_cert_chain(cert, key)
        self.port = 0
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        async def ping(request: web.Request) -> web.Response:
            return web.json_response({}, headers={"Docker-Distribution-API-Version": "registry/2.0"})

        app = web.Application()
        app.router.add_get("/v2/", ping)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0, ssl_context=self.context)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        assert self._runner is not None
        await self._runner.cleanup()


def test_an_https_upstream_is_trusted_through_upstream_ca_and_refused_without_it(tmp_path):
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    with ServerThread(server=TlsRegistry(cert, key)) as upstream:
        url = f"https://127.0.0.1:{upstream.server.port}"
        with ServerThread(server=WatchProxy(url, upstream_ca=cert)) as trusted, \
                ServerThread(server=WatchProxy(url)) as untrusted:
            ok = trusted.request("GET", "/v2/")
            refused = untrusted.request("GET", "/v2/")
    assert ok.status == 200 and ok.headers["docker-distribution-api-version"] == "registry/2.0"
    assert trusted.server.entries[0].event.why.startswith("the client checks that this is a v2 registry")
    assert refused.status == 502 and b"certificate verify failed" in refused.body
