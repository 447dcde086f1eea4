"""The Live screen (`regsim serve --tui`): the server runs in the app's loop; requests appear, explained."""

from __future__ import annotations

import asyncio
import http.client
import json
import os

from live_helpers import OCI_MANIFEST, sha256
from textual.widgets import Static
from tui_fixtures import until

from regsim.live.server import LiveServer
from regsim.tui.live_app import LiveApp
from regsim.tui.screens.live import LiveRequestLog, LiveScreen
from regsim.tui.widgets.ledger_panel import LedgerPanel
from regsim.tui.widgets.request_log import RequestDetail
from regsim.tui.widgets.step_panels import DoneStep
from regsim.tui.widgets.world_tree import WorldTree


def call(port: int, method: str, path: str, body: bytes | None = None,
         headers: dict[str, str] | None = None) -> tuple[int, dict[str, str]]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}
    finally:
        conn.close()


def push(port: int, name: str, tag: str, layers: list[bytes]) -> None:
    """What a client does: ping, HEAD each blob, upload the missing ones, PUT the manifest."""
    call(port, "GET", "/v2/")
    config = b'{"architecture":"amd64","os":"linux"}'
    descriptors = []
    for blob in [*layers, config]:
        digest = sha256(blob)
        status, _ = call(port, "HEAD", f"/v2/{name}/blobs/{digest}")
        if status == 404:
            _, headers = call(port, "POST", f"/v2/{name}/blobs/uploads/")
            location = headers["location"]
            call(port, "PATCH", location, blob, {"Content-Type": "application/octet-stream"})
            status, _ = call(port, "PUT", f"{location}?digest={digest}")
            assert status == 201
        descriptors.append({"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                            "digest": digest, "size": len(blob)})
    manifest = json.dumps({
        "schemaVersion": 2, "mediaType": OCI_MANIFEST,
        "config": {**descriptors[-1], "mediaType": "application/vnd.oci.image.config.v1+json"},
        "layers": descriptors[:-1]}).encode()
    status, _ = call(port, "PUT", f"/v2/{name}/manifests/{tag}", manifest, {"Content-Type": OCI_MANIFEST})
    assert status == 201


def walk(node):
    for child in node.children:
        yield child
        yield from walk(child)


async def settle(pilot, screen: LiveScreen, count: int) -> None:
    """Until the screen has taken `count` requests and redrawn its panels."""
    await until(pilot, lambda: len(screen.events) >= count and not screen._dirty)


async def test_requests_appear_with_explanations_world_and_ledger(tmp_path):
    server = LiveServer(tmp_path / "root", port=0)
    app = LiveApp(server)
    base, v1, v2 = os.urandom(40_000), os.urandom(3_000), os.urandom(2_000)
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, LiveScreen)
        port = server.port
        assert port and str(port) in str(screen.query_one("#next", Static).render())

        await asyncio.to_thread(push, port, "team/app", "v1", [base, v1])
        count = len(server.entries)
        await settle(pilot, screen, count)
        log = screen.query_one(LiveRequestLog)
        assert log.row_count == count
        whys = [str(log.get_row_at(i)[-1]) for i in range(log.row_count)]
        assert any("lacks" in why and "upload it" in why for why in whys), whys
        assert "tag v1 now points at it" in whys[-1]
        detail = str(screen.query_one(RequestDetail).render())
        assert "PUT" in detail and "tag v1" in detail    # following: the newest request explained

        await asyncio.to_thread(push, port, "team/app", "v2", [base, v2])
        await settle(pilot, screen, len(server.entries))
        whys = [str(log.get_row_at(i)[-1]) for i in range(log.row_count)]
        assert any("already has" in why and "skips uploading" in why for why in whys)
        assert [r.output for r in screen.steps.records + screen.steps.pending()][-1] == [
            "pushed team/app:v2: 1 layer uploaded, 1 existed"]

        ledger = str(screen.query_one(LedgerPanel).render())
        assert "saved" in ledger and "exists" in ledger
        done = str(screen.query_one("#done", DoneStep).render())
        assert "pushed team/app:v2: 1 layer uploaded, 1 existed" in done
        labels = [node.label.plain.split()[0] for node in walk(screen.query_one(WorldTree).root)]
        assert {"team/app", "v1", "v2"} <= set(labels)

        await pilot.press("up", "up")
        assert not screen.follow
        await asyncio.to_thread(call, port, "GET", "/v2/team/app/tags/list")
        await settle(pilot, screen, len(server.entries))
        assert log.cursor_row < log.row_count - 1    # paused: the cursor stays where the user put it
        await pilot.press("f")
        assert screen.follow and log.cursor_row == log.row_count - 1
        await pilot.press("q")
    assert server._runner is None     # q stopped the server with the app


async def test_a_port_in_use_ends_the_app_with_a_reason(tmp_path):
    import socket

    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    holder.listen()
    try:
        server = LiveServer(tmp_path / "root", port=holder.getsockname()[1])
        app = LiveApp(server)
        async with app.run_test() as pilot:
            await pilot.pause()
            assert not isinstance(app.screen, LiveScreen)
        assert app.start_error is not None and "in use" in app.start_error.lower()
    finally:
        holder.close()


async def test_the_client_commands_are_whole_at_120x40(tmp_path):
    from regsim.live.cli import client_examples
    from regsim.tui.screens.live import ConnectScreen

    server = LiveServer(tmp_path / "root", port=0, auth="token", users=[("alice", "pw")])
    app = LiveApp(server)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, LiveScreen)
        panel = screen.query_one("#next", Static)
        shown = str(panel.render())
        assert server.url in shown and "Press c for skopeo and oras commands" in shown
        assert "PASSWORD" not in shown and "pw" not in shown.split()
        await pilot.press("c")
        await pilot.pause()
        assert isinstance(app.screen, ConnectScreen)
        box = app.screen.query_one("#connect-commands", Static)
        lines = str(box.render()).splitlines()
        assert lines and max(len(line.rstrip()) for line in lines) <= box.content_size.width
        # Joined at their ` \` breaks, the lines are the commands, word for word.
        joined = " ".join(line.strip() for line in lines).replace(" \\ ", " ")
        for _, commands in client_examples(server):
            for words in commands:
                assert " ".join(words) in joined, words
        assert f"docker://127.0.0.1:{server.port}/demo/app:v1" in joined
        assert "--dest-creds alice:PASSWORD" in joined
        await pilot.press("escape")
        assert app.screen is screen
        await pilot.press("q")


def test_the_live_layer_alone_sends_serve_tui_to_regsim_serve(tmp_path, capsys):
    """`python -m regsim.live` cannot open the app (the live layer never imports it): it says
    which command does, and exits 2."""
    from regsim.live.cli import main

    assert main(["--tui", "--port", "0", "--root", str(tmp_path / "root")]) == 2
    assert "--tui needs the app: run `regsim serve --tui`" in capsys.readouterr().err
