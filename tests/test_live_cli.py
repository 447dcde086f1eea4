"""`regsim serve` (regsim.live.cli): safe defaults, clear refusals, the banner, the access log, --record."""

from __future__ import annotations

import io
import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from live_helpers import wait_until

from regsim.live.access import is_loopback
from regsim.live.cli import serve_main
from regsim.live.record import read_record


@pytest.mark.parametrize(("options", "message"), [
    ({"host": "0.0.0.0"}, "add --public"),
    ({"host": "192.168.1.10"}, "add --public"),
    ({"auth": "basic"}, "needs --htpasswd FILE or at least one --user"),
    ({"users": ["alice:pw"]}, "--user needs --auth"),
    ({"auth": "token", "users": ["alice"]}, "NAME:PASSWORD"),
    ({"auth": "sometimes"}, "--auth must be"),
    ({"port": 70000}, "--port"),
])
def test_bad_options_exit_2_with_one_line(tmp_path, options, message):
    err = io.StringIO()
    status = serve_main(**{"root": tmp_path, "port": 0, **options}, out=io.StringIO(), err=err)
    assert status == 2
    assert message in err.getvalue()
    assert err.getvalue().count("\n") == 1


def test_a_password_given_wrongly_is_not_echoed(tmp_path):
    err = io.StringIO()
    serve_main(root=tmp_path, port=0, auth="basic", users=[":hunter22"], out=io.StringIO(), err=err)
    assert "hunter22" not in err.getvalue()


def test_loopback_detection():
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("10.0.0.1") and not is_loopback("example.org")


def run_server(tmp_path: Path, *args: str) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "regsim.live", "--port", "0", "--root", str(tmp_path / "root"), *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    assert proc.stdout is not None
    banner = ""
    deadline = time.time() + 30
    while "Ctrl-C" not in banner and time.time() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        banner += line
    return proc, banner


def test_serve_prints_its_url_examples_logs_requests_and_records_them_safe_against_kill_9(tmp_path):
    record = tmp_path / "session.json"
    proc, banner = run_server(tmp_path, "--auth", "basic", "--user", "alice:s3cret-pass", "--record", str(record))
    try:
        assert "regsim registry at http://127.0.0.1:" in banner
        assert "skopeo copy --dest-tls-verify=false --dest-creds alice:PASSWORD" in banner
        assert "oras push --plain-http" in banner
        assert "s3cret-pass" not in banner
        port = int(banner.split("http://127.0.0.1:")[1].split()[0])
        import http.client

        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request("GET", "/v2/", headers={"Authorization": "Basic YWxpY2U6czNjcmV0LXBhc3M=",
                                             "User-Agent": "skopeo/1.13.3"})
        assert conn.getresponse().status == 200
        conn.close()
        wait_until(lambda: record.is_file() and record.read_text().count("\n") == 2, "the request's line")
    finally:
        proc.kill()   # kill -9: nothing runs at exit, the record must already hold every request
        out, err = proc.communicate(timeout=20)
    assert "GET /v2/ 200" in out
    assert "s3cret-pass" not in out + err and "YWxpY2U6czNjcmV0LXBhc3M=" not in out + err
    saved = read_record(record)
    assert saved["kind"] == "regsim-live-record" and saved["version"] == 3
    assert [(r["method"], r["path"], r["status"], r["agent"]) for r in saved["requests"]] == [
        ("GET", "/v2/", 200, "skopeo/1.13.3")]
    assert saved["requests"][0]["conn"].startswith("127.0.0.1:")
    assert "s3cret-pass" not in record.read_text()


def test_public_without_auth_warns(tmp_path):
    proc, banner = run_server(tmp_path, "--public")
    try:
        assert "regsim registry at" in banner
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=20)
    assert "WARNING" in err and "no auth" in err


@pytest.mark.parametrize(("args", "message"), [
    (["--upstream", "ftp://registry.example"], "--upstream must be http://HOST[:PORT] or https://HOST[:PORT]"),
    (["--upstream", "https://registry.example/v2/"], "names a registry, not a path"),
    (["--upstream", "https://registry.example", "--upstream-ca", "/nonexistent/ca.pem"], "no such file"),
    (["--upstream", "http://127.0.0.1:5001", "--host", "0.0.0.0"], "add --public"),
])
def test_watch_refuses_bad_options_in_one_line(args, message, capsys):
    from regsim.cli import main

    assert main(["watch", *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith("regsim watch: ") and message in err and err.count("\n") == 1


def test_watch_shows_who_a_request_speaks_for_never_the_secret():
    import base64

    from regsim.live.watch import credentials_note

    claims = base64.urlsafe_b64encode(json.dumps({"sub": "alice", "access": [
        {"type": "repository", "name": "team/app", "actions": ["pull", "push"]}]}).encode()).decode().rstrip("=")
    token = f"eyJhbGciOiJIUzI1NiJ9.{claims}.c2lnbmF0dXJl"
    assert credentials_note({"Authorization": f"Bearer {token}"}) == \
        "a token for alice granting repository:team/app:pull,push"
    assert credentials_note({"Authorization": "Bearer opaque-cloud-token"}) == \
        "a token (opaque: not a JWT, its scope cannot be read)"
    assert credentials_note({"Authorization": "Basic " + base64.b64encode(b"bob:hunter2").decode()}) == \
        "Basic credentials of bob"
    assert credentials_note({"Authorization": "Basic Og=="}) == "empty Basic credentials (anonymous)"
