"""oras-py (PyPI `oras`) pushes and pulls an artifact through the live registry, monolithic and chunked."""

from __future__ import annotations

import os

import pytest
from live_helpers import ServerThread

pytestmark = pytest.mark.slow   # a real client over HTTP, megabytes each way
oras_client = pytest.importorskip("oras.client", reason="oras-py is not installed (pip install oras)")


@pytest.mark.parametrize("chunked", [False, True])
def test_oras_push_and_pull_an_artifact(tmp_path, monkeypatch, chunked):
    monkeypatch.chdir(tmp_path)
    data = os.urandom(2_500_000)
    (tmp_path / "notes.txt").write_bytes(data)
    with ServerThread(tmp_path / "root") as live:
        client = oras_client.OrasClient(hostname=live.address, insecure=True)
        target = f"{live.address}/demo/notes:v1"
        options = {"do_chunked": True, "chunk_size": 1_000_000} if chunked else {}
        assert client.push(files=["notes.txt"], target=target, **options).status_code == 201
        patches = [e.event for e in live.server.entries if e.event.method == "PATCH"]
        assert len(patches) == (3 if chunked else 0)
        pulled = client.pull(target=target, outdir=str(tmp_path / "out"))
        assert [os.path.basename(p) for p in pulled] == ["notes.txt"]
        assert (tmp_path / "out" / "notes.txt").read_bytes() == data
