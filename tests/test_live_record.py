"""`--record FILE` replayed by the player: one step per client operation, with its bytes and world."""

from __future__ import annotations

import json
import os
import socket
import threading

import pytest
from live_helpers import ServerThread, layer_tar, need_skopeo, sha256, skopeo, wait_until, write_layout

from regsim.live.cli import write_record
from regsim.live.record import RecordError, load_record, read_record
from regsim.scenario.engine import Player

BASE = [layer_tar({"etc/os-release": os.urandom(30_000)}), layer_tar({"usr/lib/big": os.urandom(100_000)})]
V1 = layer_tar({"app/v1": os.urandom(5_000)})
V2 = layer_tar({"app/v2": os.urandom(2_000)})


def size(layers: list[bytes]) -> int:
    return sum(len(layer) for layer in layers)


@pytest.fixture(scope="module")
def skopeo_session(tmp_path_factory):
    need_skopeo()
    tmp = tmp_path_factory.mktemp("record")
    write_layout(tmp / "v1", "v1", [*BASE, V1])
    write_layout(tmp / "v2", "v2", [*BASE, V2])
    with pytest.MonkeyPatch.context() as patch, ServerThread(tmp / "root") as live:
        patch.setenv("REGISTRY_AUTH_FILE", str(tmp / "auth.json"))   # this module's, not the session's
        address = live.address
        skopeo("copy", "--dest-tls-verify=false", f"oci:{tmp}/v1:v1", f"docker://{address}/team/app:v1")
        skopeo("copy", "--dest-tls-verify=false", f"oci:{tmp}/v2:v2", f"docker://{address}/team/app:v2")
        skopeo("copy", "--dest-tls-verify=false", f"oci:{tmp}/v2:v2", f"docker://{address}/other/app:v2")
        skopeo("copy", "--src-tls-verify=false", f"docker://{address}/team/app:v2", f"oci:{tmp}/back:v2")
        record = live.server.record()
    path = tmp / "session.json"
    write_record(path, record)
    return path


@pytest.mark.slow   # real skopeo
def test_a_recorded_skopeo_session_replays_as_one_step_per_operation(skopeo_session):
    run = load_record(skopeo_session)
    assert [r.command for r in run.records] == [
        "push team/app:v1", "push team/app:v2", "push other/app:v2", "pull team/app:v2"]
    first, second, mounted, pulled = run.records
    assert first.ok and first.output == ["pushed team/app:v1: 3 layers uploaded, 0 existed"]
    assert first.layer_bytes_up == first.naive_layer_bytes_up == size([*BASE, V1])
    assert first.layers_pushed == 3 and first.config_bytes > 0 and first.manifest_bytes > 0
    assert first.requests[0].method == "GET" and first.requests[0].path == "/v2/"
    assert first.requests[-1].method == "PUT" and "/manifests/v1" in first.requests[-1].path

    assert second.output == ["pushed team/app:v2: 1 layer uploaded, 2 existed"]
    assert second.layer_bytes_up == len(V2) and second.naive_layer_bytes_up == size([*BASE, V2])
    assert second.saved_bytes == size(BASE) and second.layers_skipped == 2

    assert mounted.output == ["pushed other/app:v2: 0 layers uploaded, 0 existed, 3 mounted"]
    assert mounted.layer_bytes_up == 0 and mounted.layers_mounted == 3

    assert pulled.verb == "pull" and pulled.output == ["pulled team/app:v2: 3 layers downloaded, 0 already held"]
    assert pulled.layer_bytes_down == pulled.naive_layer_bytes_down == size([*BASE, V2])
    assert pulled.requests[-1].method == "GET" and "/blobs/" in pulled.requests[-1].path

    host = json.loads(skopeo_session.read_text())["registry"]
    stored = [r.storage[host]["stored_layer_bytes"] for r in run.records]
    assert stored == [size([*BASE, V1]), size([*BASE, V1, V2]), size([*BASE, V1, V2]), size([*BASE, V1, V2])]
    assert len(run.worlds) == 5
    assert sorted(run.worlds[0].registries[host].repositories) == []
    assert sorted(run.worlds[3].registries[host].tagged_images()) == ["other/app:v2", "team/app:v1", "team/app:v2"]


@pytest.mark.slow   # real skopeo
def test_the_player_steps_through_a_record(skopeo_session):
    player = Player.from_run(load_record(skopeo_session))
    assert player.total == 4 and player.next_step is not None
    assert player.next_step.command is not None and player.next_step.command.text == "push team/app:v1"
    player.seek(2)
    assert player.current is not None and player.current.index == 2
    assert len(player.records_so_far()) == 2


@pytest.mark.slow   # real skopeo
async def test_the_player_screen_shows_a_record(skopeo_session):
    from textual.app import App

    from regsim.tui.live_app import LiveApp
    from regsim.tui.screens.player import PlayerScreen
    from regsim.tui.widgets.step_panels import DoneStep

    class Host(App[None]):
        CSS_PATH = LiveApp.CSS_PATH

        def on_mount(self) -> None:
            self.push_screen(PlayerScreen(Player.from_run(load_record(skopeo_session))))

    app = Host()
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        await pilot.press("right", "right")
        done = str(app.screen.query_one("#done", DoneStep).render())
        assert "pushed team/app:v2: 1 layer uploaded, 2 existed" in done


@pytest.mark.parametrize(("text", "message"), [
    ("not json at all", "not JSON"),
    ("[1, 2]", "not an object"),
    ('{"kind": "scenario", "version": 1, "requests": []}', "kind is 'scenario'"),
    ('{"kind": "regsim-live-record", "version": 99, "requests": []}', "version 99"),
    ('{"kind": "regsim-live-record", "version": 2}', "no list of requests"),
    ('{"kind": "regsim-live-record", "version": 2, "requests": [{"method": "GET"}]}', "request 1 has no path"),
])
def test_a_file_that_is_not_a_record_is_refused_in_one_line(tmp_path, text, message):
    path = tmp_path / "bad.json"
    path.write_text(text)
    with pytest.raises(RecordError) as caught:
        load_record(path)
    assert message in str(caught.value) and "\n" not in str(caught.value)
    assert isinstance(caught.value, ValueError)


def test_a_missing_file_is_a_record_error(tmp_path):
    with pytest.raises(RecordError, match="no such file"):
        load_record(tmp_path / "absent.json")


def test_a_version_1_record_loads_without_a_ledger(tmp_path):
    requests = [
        {"t": 0.0, "ms": 1, "method": "GET", "path": "/v2/", "status": 200, "bytes": 2, "from": "127.0.0.1",
         "to": "r", "why": "", "outcome": ""},
        {"t": 0.1, "ms": 1, "method": "GET", "path": "/v2/team/app/tags/list", "status": 200, "bytes": 30,
         "from": "127.0.0.1", "to": "r", "why": "", "outcome": ""},
    ]
    path = tmp_path / "old.json"
    path.write_text(json.dumps({"version": 1, "kind": "regsim-live-record", "registry": "r", "requests": requests}))
    run = load_record(path)
    assert [r.output for r in run.records] == [["listed the tags of team/app"]]
    assert len(run.worlds) == 2


def test_requests_without_pings_are_split_after_each_tag_push(tmp_path):
    with ServerThread(tmp_path / "root") as live:
        live.push_image("team/app", "v1", [b"one" * 100])
        live.push_image("team/app", "v2", [b"one" * 100, b"two" * 50])
        live.request("GET", "/v2/team/app/manifests/v2")
        record = live.server.record()
    path = tmp_path / "s.json"
    write_record(path, record)
    run = load_record(path)
    assert [r.output for r in run.records] == [
        ["pushed team/app:v1: 1 layer uploaded, 0 existed"],
        # push_image re-uploads blobs it could have skipped: the ledger counts what travelled
        ["pushed team/app:v2: 2 layers uploaded, 0 existed"],
        ["inspected team/app:v2: its manifest, no layer"],   # a bare manifest GET is a look, not a pull
    ]


def test_an_inspection_fetches_manifest_and_config_and_saves_no_bytes(tmp_path):
    """`skopeo inspect` GETs the manifest and the config but no layer: not a pull, nothing naive."""
    with ServerThread(tmp_path / "root") as live:
        _, raw = live.push_image("team/app", "v1", [b"one" * 100, b"two" * 100])
        config = json.loads(raw)["config"]["digest"]
        live.request("GET", "/v2/")
        live.request("GET", "/v2/team/app/manifests/v1")
        live.request("GET", f"/v2/team/app/blobs/{config}")
        record = live.server.record()
    path = tmp_path / "s.json"
    write_record(path, record)
    last = load_record(path).records[-1]
    assert last.output == ["inspected team/app:v1: its manifest and config, no layer"]
    assert (last.naive_layer_bytes, last.layer_bytes, last.saved_bytes) == (0, 0, 0)


def test_play_prints_a_recorded_session_step_by_step(tmp_path, capsys):
    from regsim.cli import main

    with ServerThread(tmp_path / "root") as live:
        live.push_image("team/app", "v1", [b"one" * 100])
        record = live.server.record()
    path = tmp_path / "s.json"
    write_record(path, record)
    assert main(["play", str(path)]) == 0
    out = capsys.readouterr().out
    assert "pushed team/app:v1: 1 layer uploaded" in out
    assert main(["play", str(path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["index"] == 1
    assert main(["play", str(path), "--check"]) == 2
    assert "no expectations" in capsys.readouterr().err


def test_the_access_log_line_reads_sizes_and_digests_as_the_rest_of_regsim_does() -> None:
    from regsim.live.entry import LiveEntry
    from regsim.model.core.events import RequestEvent

    digest = "sha256:5f8ee423db7d" + "0" * 52
    event = RequestEvent("GET", f"/v2/team/app/blobs/{digest}", 200, 79_000_000, "127.0.0.1", "registry",
                         "the client downloads it")
    line = LiveEntry(1.0, "127.0.0.1", event, 12.4).line()
    assert line == "127.0.0.1 GET /v2/team/app/blobs/sha256:5f8ee423db7d… 200 79MB 12ms  the client downloads it"


def test_a_push_beside_a_pull_from_one_address_are_two_operations_written_as_they_happen(tmp_path):
    """Every local client is 127.0.0.1 and skopeo opens a connection per request: operations are told
    apart by user agent, repository and the requests in flight when a client pings."""
    agent = {"User-Agent": "skopeo/1.9.3"}
    layer, big = os.urandom(3000), os.urandom(200_000)
    path = tmp_path / "session.jsonl"
    with ServerThread(tmp_path / "root") as live:
        journal = live.server.journal(path)
        live.request("GET", "/v2/", headers=agent)
        live.push_image("other/app", "v1", [layer], agent)
        go, halfway = threading.Event(), threading.Event()

        def push() -> None:   # a slow upload: its PATCH is in flight while the pull runs
            live.request("GET", "/v2/", headers=agent)
            location = live.request("POST", "/v2/team/app/blobs/uploads/", headers=agent).headers["location"]

            def body():
                yield big[:100_000]
                halfway.set()
                go.wait(30)
                yield big[100_000:]

            live.request("PATCH", location, body(), agent)
            assert live.request("PUT", f"{location}?digest={sha256(big)}", headers=agent).status == 201
            live.push_image("team/app", "v1", [big], agent)

        pusher = threading.Thread(target=push)
        pusher.start()
        assert halfway.wait(30)
        wait_until(lambda: live.server.registry.uploads and any(u.busy for u in live.server.registry.uploads.values()),
                   "the PATCH to be under way")
        live.request("GET", "/v2/", headers=agent)
        manifest = live.request("GET", "/v2/other/app/manifests/v1", headers=agent).json()
        live.request("GET", f"/v2/other/app/blobs/{manifest['layers'][0]['digest']}", headers=agent)
        go.set()
        pusher.join(30)
        journal.close()
    with path.open("a") as file:
        file.write('{"t": 9.1, "method": "GE')   # killed while writing the next line
    run = load_record(path)
    assert [r.command for r in run.records] == ["push other/app:v1", "push team/app:v1", "pull other/app:v1"]
    pulled = run.records[2]
    assert pulled.layer_bytes_down == len(layer) and [e.method for e in pulled.requests] == ["GET"] * 3
    pushed = run.records[1]
    assert pushed.requests[0].path == "/v2/" and pushed.requests[-1].path == "/v2/team/app/manifests/v1"
    assert pushed.seconds <= sum(e["ms"] for e in read_record(path)["requests"]) / 1000


def test_an_aborted_download_and_upload_are_recorded_with_the_bytes_that_went(tmp_path, capfd):
    data = os.urandom(8 << 20)
    with ServerThread(tmp_path / "root") as live:
        digest = live.push_blob("team/app", data)
        sock = socket.create_connection(("127.0.0.1", live.port))
        sock.sendall(f"GET /v2/team/app/blobs/{digest} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        got = 0
        while got < (1 << 20):
            got += len(sock.recv(65536))
        sock.close()   # the client gives up after a megabyte
        wait_until(lambda: live.server.entries[-1].settled, "the download to be settled")
        download = live.server.entries[-1].event
        location = live.request("POST", "/v2/team/app/blobs/uploads/").headers["location"]
        sock = socket.create_connection(("127.0.0.1", live.port))
        sock.sendall(f"PATCH {location} HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n".encode())
        sock.sendall(b"x" * 300_000)
        sock.close()
        wait_until(lambda: live.server.entries[-1].event.method == "PATCH", "the broken upload to be logged")
        upload = live.server.entries[-1].event
    assert download.outcome == "aborted" and (1 << 20) <= download.bytes < len(data)
    assert "went away after" in download.why
    assert (upload.outcome, upload.bytes, upload.upload) == ("aborted", 300_000, True)
    assert "Traceback" not in capfd.readouterr().err


def test_a_refusal_is_said_by_the_error_code_the_answer_names_and_reads_back_the_same() -> None:
    # distribution answers a refusal with {"errors": [{"code": ...}]} (docs/spec/api.md, "Errors");
    # serve names its own refusals by that code, and watch now names an upstream's the same way.
    from regsim.live.explain import refusal_said
    from regsim.model.core.events import RequestOutcome, read_said, said_word
    from regsim.model.oci.errors import ErrorCode
    from regsim.model.oci.response import Response

    denied = Response(403, {}, b'{"errors":[{"code":"DENIED","message":"requested access to the resource is denied"}]}')
    assert refusal_said(denied) is ErrorCode.DENIED
    assert refusal_said(Response(500, {}, b"upstream broke")) is RequestOutcome.ERROR
    assert refusal_said(Response(400, {}, b'{"errors":[{"code":"NOT_A_CODE"}]}')) is RequestOutcome.ERROR
    for said in (*RequestOutcome, *ErrorCode, ""):
        assert read_said(said_word(said)) == said     # a live record's outcome reads back as it was
