"""The kernel relay `regsim watch` uses for blob downloads (splice(2), Linux): the bytes arrive as
they were sent, and a client or upstream that hangs up ends the relay with the count of bytes
that reached the client (what an aborted download is recorded with)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import threading

import pytest

from regsim.live.relay import Relay, UpstreamBrokeOff

pytestmark = pytest.mark.skipif(not hasattr(os, "splice"), reason="splice(2) is Linux's")

SIZE = 3 << 20


def relay(payload: bytes, announced: int, read_at_most: int) -> tuple[bytes, int, BaseException | None]:
    """Upstream sends `payload` then hangs up; the relay is told `announced` bytes; the client reads
    at most `read_at_most` bytes, then hangs up. What the client read, the relay's count, its error."""
    upstream, source = socket.socketpair()
    sink, client = socket.socketpair()
    for sock in (source, sink):
        sock.setblocking(False)   # as the event loop's sockets are
    received = bytearray()

    def send() -> None:
        with contextlib.suppress(OSError):   # the relay may end first
            upstream.sendall(payload)
        upstream.close()

    def read() -> None:
        while len(received) < read_at_most and (chunk := client.recv(min(1 << 16, read_at_most - len(received)))):
            received.extend(chunk)
        client.close()

    threads = [threading.Thread(target=send), threading.Thread(target=read)]
    for thread in threads:
        thread.start()
    moved = [0]
    error: BaseException | None = None
    relays = Relay()
    try:
        asyncio.run(relays.move(source, sink, announced, moved))
    except ConnectionError as raised:
        error = raised
    finally:
        sink.close()   # what the proxy does once the answer is over
        source.close()
        for thread in threads:
            thread.join(10)
        relays.stop()
    return bytes(received), moved[0], error


def test_the_client_gets_the_upstreams_bytes_unchanged_and_a_hang_up_on_either_side_ends_the_relay():
    payload = os.urandom(SIZE)
    assert relay(payload, SIZE, SIZE) == (payload, SIZE, None)

    read, moved, error = relay(payload, SIZE, 1 << 20)   # the client goes away after 1 MiB
    assert isinstance(error, ConnectionError) and read == payload[: 1 << 20]
    assert (1 << 20) <= moved < SIZE                     # what the kernel took for the client, not the whole

    read, moved, error = relay(payload[: 1 << 20], SIZE, SIZE)   # the upstream stops short
    assert isinstance(error, UpstreamBrokeOff) and read == payload[: 1 << 20] and moved == 1 << 20
