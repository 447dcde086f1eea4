"""`regsim serve --gc`: the model's garbage collection, with the freed blobs' files deleted from disk."""

from __future__ import annotations

import io
import os

import pytest
from live_helpers import ServerThread, sha256

from regsim.live.cli import gc_main, main, serve_main
from regsim.live.rootlock import RootInUse


def blob_file(root, digest):
    hexpart = digest.split(":", 1)[1]
    return root / "blobs" / "sha256" / hexpart[:2] / hexpart


def test_gc_deletes_the_files_of_freed_blobs_and_a_restart_serves_the_rest(tmp_path):
    root = tmp_path / "root"
    base, old, new = os.urandom(20_000), os.urandom(7_000), os.urandom(3_000)
    with ServerThread(root) as live:
        v1_digest, _ = live.push_image("team/app", "v1", [base, old], config=b'{"v":1}')
        _, v2_raw = live.push_image("team/app", "v2", [base, new], config=b'{"v":2}')
        assert live.request("DELETE", f"/v2/team/app/manifests/{v1_digest}").status == 202
    for data in (base, old, new, b'{"v":1}', b'{"v":2}'):
        assert blob_file(root, sha256(data)).is_file()

    out = io.StringIO()
    assert gc_main(root, out=out, err=io.StringIO()) == 0
    report = out.getvalue()
    assert "freed 3 blobs" in report and f"freed {sha256(old)}" in report
    for gone in (old, b'{"v":1}'):
        assert not blob_file(root, sha256(gone)).exists()
    assert not blob_file(root, v1_digest).exists()    # the deleted manifest's own file
    for kept in (base, new, b'{"v":2}'):
        assert blob_file(root, sha256(kept)).is_file()

    with ServerThread(root) as again:
        got = again.request("GET", "/v2/team/app/manifests/v2")
        assert got.status == 200 and got.body == v2_raw
        assert again.request("GET", f"/v2/team/app/blobs/{sha256(base)}").body == base
        assert again.request("GET", f"/v2/team/app/blobs/{sha256(old)}").status == 404
        assert again.registry.layer_bytes_stored() == len(base) + len(new)


def test_gc_with_delete_untagged_frees_an_overwritten_tag(tmp_path):
    root = tmp_path / "root"
    first, second = os.urandom(5_000), os.urandom(6_000)
    with ServerThread(root) as live:
        live.push_image("team/app", "latest", [first], config=b'{"v":1}')
        live.push_image("team/app", "latest", [second], config=b'{"v":2}')
    out = io.StringIO()
    assert gc_main(root, out=out, err=io.StringIO()) == 0
    assert "freed 0 blobs" in out.getvalue()     # the untagged manifest still references them
    out = io.StringIO()
    assert gc_main(root, delete_untagged=True, out=out, err=io.StringIO()) == 0
    assert "deleted 1 untagged manifest," in out.getvalue()
    assert not blob_file(root, sha256(first)).exists() and blob_file(root, sha256(second)).is_file()


def test_a_second_server_and_gc_refuse_a_root_a_server_is_using_and_a_root_that_is_not_a_registry(tmp_path):
    root = tmp_path / "root"
    with ServerThread(root) as live:
        digest = live.push_blob("team/app", b"pushed to the first server")
        err = io.StringIO()
        assert gc_main(root, out=io.StringIO(), err=err) == 2
        assert f"in use by another regsim process (pid {os.getpid()}): stop it first" in err.getvalue()
        with pytest.raises(RootInUse, match=f"pid {os.getpid()}"):
            ServerThread(root).__enter__()
        err = io.StringIO()
        assert serve_main(port=0, root=root, out=io.StringIO(), err=err) == 2
        assert err.getvalue().count("\n") == 1 and f"(pid {os.getpid()})" in err.getvalue()
        # the refused server touched nothing: the first one's blob is still served
        assert live.request("HEAD", f"/v2/team/app/blobs/{digest}").status == 200
    with ServerThread(root):   # the lock goes with the server: a restart is not refused
        pass
    err = io.StringIO()
    assert gc_main(tmp_path / "nothing", out=io.StringIO(), err=err) == 2
    assert "no registry at" in err.getvalue() and err.getvalue().count("\n") == 1


def test_serve_gc_from_the_command_line(tmp_path, capsys):
    root = tmp_path / "root"
    with ServerThread(root) as live:
        live.push_blob("team/app", b"never named by a manifest")
    assert main(["--gc", "--root", str(root)]) == 0
    assert "freed 1 blob " in capsys.readouterr().out
    assert main(["--delete-untagged", "--root", str(root)]) == 2
