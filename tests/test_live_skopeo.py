"""Real clients judge the live registry: skopeo pushes and pulls OCI layouts the tests write."""

from __future__ import annotations

import os

import pytest
from live_helpers import (
    ServerThread,
    layer_tar,
    need_skopeo,
    read_layout_blobs,
    skopeo,
    write_layout,
)

BASE = [layer_tar({"etc/os-release": os.urandom(30_000)}), layer_tar({"usr/lib/big": os.urandom(100_000)})]
V1 = layer_tar({"app/v1": os.urandom(5_000)})
V2 = layer_tar({"app/v2": os.urandom(2_000)})
PASSWORD = "skopeo-secret-7"
pytestmark = pytest.mark.slow   # real skopeo, a process per copy


@pytest.fixture(autouse=True)
def _isolated_auth(tmp_path, monkeypatch):
    need_skopeo()
    monkeypatch.setenv("REGISTRY_AUTH_FILE", str(tmp_path / "auth.json"))


def uploads_in(entries, start: int) -> set[str]:
    """Digests whose bytes travelled (a PUT closing an upload) in requests after `start`."""
    found = set()
    for entry in entries[start:]:
        e = entry.event
        if e.method == "PUT" and "/blobs/uploads/" in e.path and e.status == 201:
            found.add(e.path.split("digest=")[1].replace("%3A", ":"))
    return found


def test_push_two_versions_mount_into_another_repository_and_pull_back(tmp_path):
    v1 = write_layout(tmp_path / "v1", "v1", [*BASE, V1])
    v2 = write_layout(tmp_path / "v2", "v2", [*BASE, V2])
    with ServerThread(tmp_path / "root") as live:
        address = live.address
        skopeo("copy", "--dest-tls-verify=false", f"oci:{tmp_path}/v1:v1", f"docker://{address}/team/app:v1")
        entries = live.server.entries
        manifests = {d for d, b in v1.items() if b.startswith(b'{"schemaVersion"')}
        assert uploads_in(entries, 0) == set(v1) - manifests

        mark = len(entries)
        skopeo("copy", "--dest-tls-verify=false", f"oci:{tmp_path}/v2:v2", f"docker://{address}/team/app:v2")
        sent = uploads_in(entries, mark)
        new = {d for d in v2 if d not in v1}
        manifest_v2 = {d for d, b in v2.items() if b.startswith(b'{"schemaVersion"')}
        assert sent == new - manifest_v2, "only the new layer and the new config travel"
        base_heads = [e.event for e in entries[mark:] if e.event.method == "HEAD" and e.event.status == 200]
        assert len(base_heads) >= 2

        mark = len(entries)
        skopeo("copy", "--dest-tls-verify=false", f"oci:{tmp_path}/v2:v2", f"docker://{address}/other/app:v2")
        mounts = [e.event for e in entries[mark:] if e.event.method == "POST" and "mount=" in e.event.path]
        assert mounts and all(m.status == 201 for m in mounts)
        assert not [e for e in entries[mark:] if e.event.method == "PATCH" and e.event.bytes > 10_000]

        for repo, tag, original in (("team/app", "v1", v1), ("team/app", "v2", v2), ("other/app", "v2", v2)):
            out = tmp_path / f"back-{repo.replace('/', '-')}-{tag}"
            skopeo("copy", "--src-tls-verify=false", f"docker://{address}/{repo}:{tag}", f"oci:{out}:{tag}")
            assert read_layout_blobs(out) == original, f"{repo}:{tag} came back byte for byte"


def test_token_auth_push_with_creds_and_anonymous_pull_refused(tmp_path):
    v1 = write_layout(tmp_path / "v1", "v1", [*BASE, V1])
    with ServerThread(tmp_path / "root", auth="token", users=[("alice", PASSWORD)]) as live:
        address = live.address
        skopeo("copy", "--dest-tls-verify=false", "--dest-creds", f"alice:{PASSWORD}",
               f"oci:{tmp_path}/v1:v1", f"docker://{address}/team/app:v1")
        assert any(e.event.path.startswith("/token") and e.event.status == 200 for e in live.server.entries)
        refused = skopeo("copy", "--src-tls-verify=false", f"docker://{address}/team/app:v1",
                         f"oci:{tmp_path}/anon:v1", check=False)
        assert refused.returncode != 0
        assert "unauthorized" in refused.stderr.lower() or "authentication required" in refused.stderr.lower()
        skopeo("copy", "--src-tls-verify=false", "--src-creds", f"alice:{PASSWORD}",
               f"docker://{address}/team/app:v1", f"oci:{tmp_path}/back:v1")
        assert read_layout_blobs(tmp_path / "back") == v1
        lines = "\n".join(entry.line() for entry in live.server.entries)
        assert PASSWORD not in lines


def test_skopeo_inspect_and_list_tags(tmp_path):
    write_layout(tmp_path / "v1", "v1", [*BASE, V1])
    with ServerThread(tmp_path / "root") as live:
        for tag in ("v1", "latest", "a"):
            skopeo("copy", "--dest-tls-verify=false", f"oci:{tmp_path}/v1:v1",
                   f"docker://{live.address}/team/app:{tag}")
        listed = skopeo("list-tags", "--tls-verify=false", f"docker://{live.address}/team/app")
        assert '"a",' in listed.stdout and listed.stdout.index('"a"') < listed.stdout.index('"v1"')
        inspected = skopeo("inspect", "--tls-verify=false", f"docker://{live.address}/team/app:v1")
        assert '"Layers"' in inspected.stdout
        deleted = skopeo("delete", "--tls-verify=false", f"docker://{live.address}/team/app:a", check=False)
        # skopeo deletes by resolving the tag to its digest: the whole revision goes
        assert deleted.returncode == 0, deleted.stderr
