"""`regsim watch` in front of the reference registry (Debian's docker-registry, distribution 2.8.2):
skopeo pushes and pulls through it, the bytes are those of a direct copy, every request is explained."""

from __future__ import annotations

import os

import pytest
from live_helpers import (
    ReferenceRegistry,
    ServerThread,
    layer_tar,
    need_reference,
    need_skopeo,
    read_layout_blobs,
    skopeo,
    write_layout,
)

from regsim.live.record import load_record
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
            journal = proxy.server.journal(tmp / "watch.jsonl")
            address = proxy.address
            skopeo("copy", "--dest-tls-verify=false", f"oci:{tmp}/image:v1", f"docker://{address}/team/app:v1")
            skopeo("copy", "--src-tls-verify=false", f"docker://{address}/team/app:v1", f"oci:{tmp}/back:v1")
            journal.close()
            skopeo("copy", "--src-tls-verify=false", f"docker://127.0.0.1:{reference.port}/team/app:v1",
                   f"oci:{tmp}/direct:v1")
            yield {"pushed": pushed, "tmp": tmp, "entries": list(proxy.server.entries)}
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


def test_the_record_replays_as_a_push_and_a_pull(watched):
    run = load_record(watched["tmp"] / "watch.jsonl")
    assert [r.command for r in run.records] == ["push team/app:v1", "pull team/app:v1"]
    push, pull = run.records
    assert push.output == ["pushed team/app:v1: 2 layers uploaded, 0 existed"]
    assert push.layer_bytes_up == pull.layer_bytes_down == sum(len(layer) for layer in LAYERS)
