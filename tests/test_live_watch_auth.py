"""`regsim watch` in front of registries that ask for credentials: the reference registry behind an
htpasswd file (Basic auth, distribution registry/auth/htpasswd) and `regsim serve --auth token` (the
token dance of distribution's docs/spec/auth/token.md). Credentials pass through, never into a log."""

from __future__ import annotations

import json
import os

import bcrypt
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

from regsim.live.watch import WatchProxy

pytestmark = pytest.mark.slow   # real registries and real skopeo

PASSWORD = "watch-me-7"
LAYERS = [layer_tar({"etc/base": os.urandom(50_000)})]


@pytest.fixture(scope="module")
def sessions(tmp_path_factory):
    need_skopeo()
    need_reference()
    tmp = tmp_path_factory.mktemp("watch-auth")
    pushed = write_layout(tmp / "image", "v1", LAYERS)
    htpasswd = tmp / "htpasswd"
    htpasswd.write_text(f"alice:{bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(5)).decode()}\n")
    reference = ReferenceRegistry(tmp, htpasswd)
    result = {"pushed": pushed, "tmp": tmp}
    try:
        with pytest.MonkeyPatch.context() as patch, \
                ServerThread(server=WatchProxy(reference.url)) as basic, \
                ServerThread(tmp / "token-root", auth="token", users=[("alice", PASSWORD)]) as served, \
                ServerThread(server=WatchProxy(served.server.url)) as token:
            patch.setenv("REGISTRY_AUTH_FILE", str(tmp / "auth.json"))
            creds = f"alice:{PASSWORD}"
            skopeo("copy", "--dest-tls-verify=false", "--dest-creds", creds, f"oci:{tmp}/image:v1",
                   f"docker://{basic.address}/team/app:v1")
            result["anonymous"] = skopeo("copy", "--src-tls-verify=false", f"docker://{basic.address}/team/app:v1",
                                         f"oci:{tmp}/anon:v1", check=False)
            skopeo("copy", "--dest-tls-verify=false", "--dest-creds", creds, f"oci:{tmp}/image:v1",
                   f"docker://{token.address}/team/app:v1")
            skopeo("copy", "--src-tls-verify=false", "--src-creds", creds, f"docker://{token.address}/team/app:v1",
                   f"oci:{tmp}/back:v1")
            result.update(basic=list(basic.server.entries), token=list(token.server.entries),
                          token_service=served.server.service, records=json.dumps(basic.server.record())
                          + json.dumps(token.server.record()))
        yield result
    finally:
        reference.stop()


def test_basic_auth_through_the_proxy_is_explained_and_the_password_never_shown(sessions):
    entries = sessions["basic"]
    first = entries[0].event
    assert (first.method, first.path, first.status) == ("GET", "/v2/", 401)
    assert first.why.startswith("401: the registry wants a user name and password (Basic auth)")
    assert any("[Basic credentials of alice]" in e.event.why and e.event.status == 201 for e in entries)
    refused = sessions["anonymous"]
    assert refused.returncode != 0 and "unauthorized" in refused.stderr.lower()
    dumped = "\n".join(e.line() for e in entries) + sessions["records"]
    assert PASSWORD not in dumped and "YWxpY2U6" not in dumped   # base64 of "alice:"


def test_the_token_dance_through_the_proxy_is_explained_and_no_token_shown(sessions):
    entries = [e.event for e in sessions["token"]]
    service = sessions["token_service"]
    challenges = [e for e in entries if e.status == 401]
    assert challenges[0].path == "/v2/" and challenges[0].why == (
        f"401: a token is needed: the client asks the token service http://{service}/token for a token that "
        f"only proves who it is (service {service}), then sends this request again with the token")
    # skopeo asks the token service for the repository's scope before its first request there
    stored = [e for e in entries if e.method == "PUT" and "/manifests/" in e.path and e.status == 201]
    assert stored and stored[0].why.endswith("[a token for alice granting repository:team/app:pull,push]")
    pulled = [e for e in entries if e.method == "GET" and "/blobs/" in e.path and e.status == 200]
    assert pulled and all("[a token for alice granting repository:team/app:pull]" in e.why for e in pulled)
    dumped = "\n".join(f"{e.path} {e.why}" for e in entries) + sessions["records"]
    assert "eyJ" not in dumped and PASSWORD not in dumped    # no JWT (their header starts eyJ), no password
    assert read_layout_blobs(sessions["tmp"] / "back") == sessions["pushed"]
