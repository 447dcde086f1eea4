"""Live auth: basic and token (the built-in token endpoint as realm), scopes, expiry, no secret leaked."""

from __future__ import annotations

import base64
import io
import json
import threading
import time
from types import SimpleNamespace
from urllib.parse import quote

import bcrypt
import pytest
from live_helpers import ServerThread, basic

from regsim.live.access import LoginThrottle
from regsim.live.cli import serve_main
from regsim.model.oci.auth import parse_challenge

PASSWORD = "wonder-land-42"


@pytest.fixture
def token_live(tmp_path):
    with ServerThread(tmp_path / "root", auth="token", users=[("alice", PASSWORD)],
                      public_repositories=["open/app"]) as server:
        yield server


@pytest.fixture
def basic_live(tmp_path):
    with ServerThread(tmp_path / "root", auth="basic", users=[("alice", PASSWORD)]) as server:
        yield server


@pytest.fixture
def quick_hashes(monkeypatch):
    """Fewer PBKDF2 rounds for tests about something else than the hash's cost."""
    monkeypatch.setattr("regsim.live.access.STRONG_PBKDF2_ITERATIONS", 1000)


def token(live: ServerThread, scope: str, creds: dict[str, str] | None = None) -> str:
    reply = live.request("GET", f"/token?service={quote(live.server.service)}&scope={quote(scope)}",
                         headers=creds or {})
    assert reply.status == 200, reply
    return str(reply.json()["token"])


def bearer(text: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {text}"}


def test_token_auth_challenges_with_the_built_in_realm(token_live):
    reply = token_live.request("GET", "/v2/")
    assert reply.status == 401
    challenge = parse_challenge(reply.headers["www-authenticate"])
    assert challenge.scheme == "Bearer"
    assert challenge.params["realm"] == f"http://127.0.0.1:{token_live.port}/token"
    assert challenge.params["service"] == token_live.server.service


def test_login_push_and_pull_with_a_scoped_token(token_live):
    push = token(token_live, "repository:team/app:pull,push", basic("alice", PASSWORD))
    token_live.push_image("team/app", "v1", [b"private layer"], bearer(push))
    assert token_live.request("GET", "/v2/team/app/manifests/v1", headers=bearer(push)).status == 200


def test_anonymous_pull_of_a_private_repository_is_refused(token_live):
    push = token(token_live, "repository:team/app:pull,push", basic("alice", PASSWORD))
    token_live.push_image("team/app", "v1", [b"private layer"], bearer(push))
    anonymous = token(token_live, "repository:team/app:pull")
    reply = token_live.request("GET", "/v2/team/app/manifests/v1", headers=bearer(anonymous))
    assert (reply.status, reply.code) == (401, "UNAUTHORIZED")
    assert 'error="insufficient_scope"' in reply.headers["www-authenticate"]


def test_anonymous_pull_of_a_public_repository_is_allowed(token_live):
    push = token(token_live, "repository:open/app:pull,push", basic("alice", PASSWORD))
    token_live.push_image("open/app", "v1", [b"public layer"], bearer(push))
    anonymous = token(token_live, "repository:open/app:pull")
    assert token_live.request("GET", "/v2/open/app/manifests/v1", headers=bearer(anonymous)).status == 200


def test_a_pull_token_cannot_push(token_live):
    pull = token(token_live, "repository:team/app:pull", basic("alice", PASSWORD))
    reply = token_live.request("POST", "/v2/team/app/blobs/uploads/", headers=bearer(pull))
    assert reply.status == 401
    assert "repository:team/app:push" in reply.headers["www-authenticate"]
    # The log says what is wrong: not "log in first" but "this token lacks the push scope".
    why = token_live.server.entries[-1].event.why
    assert why.startswith("401 insufficient_scope") and "repository:team/app:push" in why


def test_a_wrong_password_gets_no_token(token_live):
    reply = token_live.request("GET", "/token?scope=repository:team/app:pull", headers=basic("alice", "nope"))
    assert (reply.status, reply.code) == (401, "UNAUTHORIZED")


def test_the_oauth2_password_form_gets_a_token(token_live):
    form = f"grant_type=password&username=alice&password={PASSWORD}&service={token_live.server.service}" \
           "&scope=repository:team/app:pull,push"
    reply = token_live.request("POST", "/token", form.encode(),
                               {"Content-Type": "application/x-www-form-urlencoded"})
    assert reply.status == 200
    text = reply.json()["access_token"]
    assert token_live.request("POST", "/v2/team/app/blobs/uploads/", headers=bearer(text)).status == 202


def test_a_tampered_token_is_refused(token_live):
    text = token(token_live, "repository:team/app:pull", basic("alice", PASSWORD))
    header, claims, signature = text.split(".")
    value = json.loads(base64.urlsafe_b64decode(claims + "=" * (-len(claims) % 4)))
    value["access"][0]["actions"] = ["pull", "push", "delete"]
    forged_claims = base64.urlsafe_b64encode(
        json.dumps(value, sort_keys=True, separators=(",", ":")).encode()).rstrip(b"=").decode()
    reply = token_live.request("POST", "/v2/team/app/blobs/uploads/",
                               headers=bearer(f"{header}.{forged_claims}.{signature}"))
    assert reply.status == 401


def test_tokens_expire(tmp_path, monkeypatch):
    now = [time.time()]
    # the guard's clock, moved by the test instead of waiting for it
    monkeypatch.setattr("regsim.live.access.time", SimpleNamespace(time=lambda: now[0]))
    with ServerThread(tmp_path / "root", auth="token", users=[("alice", PASSWORD)], token_lifetime=1.0) as live:
        text = token(live, "repository:team/app:pull,push", basic("alice", PASSWORD))
        assert live.request("POST", "/v2/team/app/blobs/uploads/", headers=bearer(text)).status == 202
        now[0] += 0.9
        assert live.request("POST", "/v2/team/app/blobs/uploads/", headers=bearer(text)).status == 202
        now[0] += 0.2
        reply = live.request("POST", "/v2/team/app/blobs/uploads/", headers=bearer(text))
        assert reply.status == 401
        assert 'error="invalid_token"' in reply.headers["www-authenticate"]


def test_basic_auth_push_and_refusals(basic_live):
    assert basic_live.request("GET", "/v2/").headers["www-authenticate"].startswith("Basic ")
    basic_live.push_image("team/app", "v1", [b"x"], basic("alice", PASSWORD))
    assert basic_live.request("GET", "/v2/team/app/manifests/v1").status == 401
    assert basic_live.request("GET", "/v2/team/app/manifests/v1", headers=basic("alice", "bad")).status == 401
    assert basic_live.request("GET", "/v2/team/app/manifests/v1",
                              headers=basic("alice", PASSWORD)).status == 200


def test_the_catalog_needs_credentials_when_auth_is_on(basic_live):
    assert basic_live.request("GET", "/v2/_catalog").status == 401
    assert basic_live.request("GET", "/v2/_catalog", headers=basic("alice", PASSWORD)).status == 200


def test_no_password_or_token_appears_in_the_log_the_record_or_the_root(tmp_path):
    with ServerThread(tmp_path / "root", auth="token", users=[("alice", PASSWORD)]) as live:
        lines: list[str] = []
        live.server.listeners.append(lambda entry: lines.append(entry.line()))
        text = token(live, "repository:team/app:pull,push", basic("alice", PASSWORD))
        live.push_image("team/app", "v1", [b"x"], bearer(text))
        live.request("GET", "/token?scope=repository:team/app:pull", headers=basic("alice", "wrong-guess"))
        record = json.dumps(live.server.record())
    secrets = [PASSWORD, "wrong-guess", text, base64.b64encode(f"alice:{PASSWORD}".encode()).decode()]
    dumped = "\n".join(lines) + record
    dumped += "".join(p.read_text(errors="replace") for p in (tmp_path / "root").rglob("*") if p.is_file())
    assert lines
    for secret in secrets:
        assert secret not in dumped


def test_a_live_server_hashes_passwords_with_random_salts_and_many_rounds(monkeypatch):
    """Scenarios hash lightly and repeatably; a server on a real network must not."""
    import hashlib

    from regsim.live.access import make_guard
    from regsim.model.registry.policy import STRONG_PBKDF2_ITERATIONS

    rounds: list[int] = []
    real = hashlib.pbkdf2_hmac

    def counting(name, password, salt, iterations, *rest):
        rounds.append(iterations)   # what the server asks for is counted; the hash itself runs short
        return real(name, password, salt, 1000, *rest)

    monkeypatch.setattr(hashlib, "pbkdf2_hmac", counting)
    first = make_guard("basic", [("ana", "s3cret")], "svc", "http://127.0.0.1/token")
    second = make_guard("basic", [("ana", "s3cret")], "svc", "http://127.0.0.1/token")
    users_a, users_b = first.policy.users, second.policy.users
    assert users_a._users["ana"].salt != users_b._users["ana"].salt
    assert users_a.check("ana", "s3cret") and not users_a.check("ana", "wrong")
    assert rounds == [STRONG_PBKDF2_ITERATIONS] * 4   # stored and checked with the strong count


def test_the_catalog_under_token_auth_needs_the_registry_catalog_scope(quick_hashes, token_live):
    """distribution registry/handlers/app.go (appendCatalogAccessRecord): /v2/_catalog asks for
    registry:catalog:*; a repository token, or an anonymous one, lists nothing."""
    push = token(token_live, "repository:priv/app:pull,push", basic("alice", PASSWORD))
    token_live.push_image("priv/app", "v1", [b"private"], bearer(push))
    for text in (token(token_live, "repository:open/app:pull"), token(token_live, "registry:catalog:*"), push):
        reply = token_live.request("GET", "/v2/_catalog", headers=bearer(text))
        assert reply.status == 401 and b"priv/app" not in reply.body
        challenge = parse_challenge(reply.headers["www-authenticate"])
        assert challenge.params["scope"] == "registry:catalog:*"
    listing = token(token_live, "registry:catalog:*", basic("alice", PASSWORD))
    reply = token_live.request("GET", "/v2/_catalog", headers=bearer(listing))
    assert reply.status == 200 and reply.json() == {"repositories": ["priv/app"]}


def test_empty_basic_credentials_are_anonymous_so_a_public_repository_stays_pullable(quick_hashes, tmp_path):
    """skopeo and podman answer a Basic challenge with `Basic Og==` (":") when they have no login."""
    empty = {"Authorization": "Basic Og=="}
    with ServerThread(tmp_path / "root", auth="basic", users=[("alice", PASSWORD)],
                      public_repositories=["open/app"]) as live:
        live.push_image("open/app", "v1", [b"public"], basic("alice", PASSWORD))
        live.push_image("team/app", "v1", [b"private"], basic("alice", PASSWORD))
        assert live.request("GET", "/v2/open/app/manifests/v1", headers=empty).status == 200
        refused = live.request("GET", "/v2/team/app/manifests/v1", headers=empty)
        assert refused.status == 401 and refused.headers["www-authenticate"].startswith("Basic ")


def test_a_password_flood_leaves_the_server_answering_and_backs_off(tmp_path, monkeypatch):
    """20 concurrent wrong passwords: the hashes run off the event loop, one at a time per client,
    so a signed-in client's ping is answered at once meanwhile (on the loop, 20 hashes of 100,000
    rounds would hold it for about a second)."""
    monkeypatch.setattr("regsim.live.access.STRONG_PBKDF2_ITERATIONS", 100_000)
    with ServerThread(tmp_path / "root", auth="basic", users=[("alice", PASSWORD)]) as live:
        right = basic("alice", PASSWORD)
        assert live.request("GET", "/v2/", headers=right).status == 200   # proven once, then remembered
        statuses: list[int] = []

        def guess(n: int) -> None:
            statuses.append(live.request("GET", "/v2/", headers=basic("alice", f"guess-{n % 2}")).status)

        flood = [threading.Thread(target=guess, args=(n,)) for n in range(20)]
        for thread in flood:
            thread.start()
        pings: list[float] = []
        while len(statuses) < 20 and len(pings) < 400:
            began = time.perf_counter()
            assert live.request("GET", "/v2/", headers=right).status == 200
            pings.append(time.perf_counter() - began)
        for thread in flood:
            thread.join(30)
        assert statuses == [401] * 20
        assert len(pings) >= 3 and sorted(pings)[len(pings) // 2] < 0.05, pings


def test_wrong_passwords_from_one_client_wait_longer_each_time():
    throttle = LoginThrottle(first=0.05, cap=2.0, forget=600.0)
    assert throttle.delay("10.0.0.7", 0.0) == 0.0
    for n in range(8):
        throttle.failed("10.0.0.7", float(n))
    assert throttle.delay("10.0.0.7", 8.0) == 2.0 and throttle.delay("10.0.0.8", 8.0) == 0.0
    throttle.failed("10.0.0.8", 8.0)
    throttle.failed("10.0.0.8", 9.0)
    assert throttle.delay("10.0.0.8", 9.5) == 0.1
    assert throttle.delay("10.0.0.8", 700.0) == 0.0   # quiet long enough: forgotten
    throttle.succeeded("10.0.0.7")
    assert throttle.delay("10.0.0.7", 9.0) == 0.0


def test_htpasswd_bcrypt_accounts_beside_user_and_a_bad_file_in_one_line(quick_hashes, tmp_path):
    """distribution registry/auth/htpasswd/htpasswd.go: trimmed lines, `#` comments, NAME:HASH, bcrypt."""
    file = tmp_path / "htpasswd"
    hashed = bcrypt.hashpw(b"from-the-file", bcrypt.gensalt(4)).decode().replace("$2b$", "$2y$", 1)
    file.write_text(f"# made by htpasswd -B\n\n  bob:{hashed}  \n")
    with ServerThread(tmp_path / "root", auth="basic", users=[("alice", PASSWORD)], htpasswd=file) as live:
        assert live.request("GET", "/v2/", headers=basic("bob", "from-the-file")).status == 200
        assert live.request("GET", "/v2/", headers=basic("bob", "wrong")).status == 401
        assert live.request("GET", "/v2/", headers=basic("alice", PASSWORD)).status == 200
    file.write_text(f"bob:{hashed}\ncarol:plain-text\n")
    err = io.StringIO()
    assert serve_main(port=0, root=tmp_path / "r2", auth="basic", htpasswd=file, out=io.StringIO(), err=err) == 2
    assert err.getvalue() == f"regsim serve: {file}:2:7: the hash of 'carol' is not bcrypt " \
                             "(distribution reads bcrypt only: htpasswd -B)\n"
