"""oras-py (PyPI `oras`) pushes and pulls an artifact through the live registry, monolithic and chunked.

With `--auth basic` oras-py logs in and pushes. With `--auth token` it cannot push (README, live mode):
it keeps the pull-only token of its first challenge and asks again only after a 403, while a
registry that follows distribution answers a token lacking a scope with 401 insufficient_scope."""

from __future__ import annotations

import os

import bcrypt
import pytest
from live_helpers import ServerThread

pytestmark = pytest.mark.slow   # a real client over HTTP, megabytes each way
oras_client = pytest.importorskip("oras.client", reason="oras-py is not installed (pip install oras)")


@pytest.mark.parametrize(("chunked", "auth"), [(False, "none"), (True, "basic")])
def test_oras_push_and_pull_an_artifact(tmp_path, monkeypatch, chunked, auth):
    monkeypatch.chdir(tmp_path)
    data = os.urandom(2_500_000)
    (tmp_path / "notes.txt").write_bytes(data)
    htpasswd = tmp_path / "htpasswd"
    htpasswd.write_text(f"alice:{bcrypt.hashpw(b'oras-pass-1', bcrypt.gensalt(4)).decode()}\n")
    options = {"auth": auth, "htpasswd": htpasswd} if auth != "none" else {}
    with ServerThread(tmp_path / "root", **options) as live:
        # oras-py answers a Basic challenge only with its basic backend (its default speaks tokens only)
        client = oras_client.OrasClient(hostname=live.address, insecure=True,
                                        auth_backend="basic" if auth == "basic" else "token")
        if auth != "none":
            client.login(username="alice", password="oras-pass-1", hostname=live.address)
        target = f"{live.address}/demo/notes:v1"
        options = {"do_chunked": True, "chunk_size": 1_000_000} if chunked else {}
        assert client.push(files=["notes.txt"], target=target, **options).status_code == 201
        patches = [e.event for e in live.server.entries if e.event.method == "PATCH" and e.event.status == 202]
        assert len(patches) == (3 if chunked else 0)
        pulled = client.pull(target=target, outdir=str(tmp_path / "out"))
        assert [os.path.basename(p) for p in pulled] == ["notes.txt"]
        assert (tmp_path / "out" / "notes.txt").read_bytes() == data
