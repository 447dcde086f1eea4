"""A blob's body relayed by the kernel: splice(2) from the upstream's socket to the client's.

Streaming a download through Python costs a copy in and a copy out of every byte, and on a busy
machine that CPU is what a pull through `regsim watch` waits for. On Linux, with a plain-HTTP
upstream, the bytes after the response head go socket -> pipe -> socket inside the kernel (as
haproxy does with `option splice-response`, for the same reason), so relaying costs the proxy
almost nothing. The relay runs in a worker thread on duplicates of both sockets' descriptors
(the event loop may close its own while the relay runs; a duplicate is never reused for another
connection), and it stops at the first error, with the count of the bytes that reached the client.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import select
import socket
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

PIPE_BYTES = 1 << 20                # the pipe between the sockets (Linux's default pipe-max-size)
RELAYS = 32                         # at most this many relays at once; more stream through Python
_SPLICE = getattr(os, "splice", None)
_FLAGS = getattr(os, "SPLICE_F_MOVE", 0) | getattr(os, "SPLICE_F_NONBLOCK", 0)
_SET_PIPE_SIZE = getattr(fcntl, "F_SETPIPE_SZ", 1031)


class UpstreamBrokeOff(ConnectionError):
    """The upstream closed its connection before the body it announced was whole."""


def socket_of(transport: asyncio.BaseTransport | None) -> socket.socket | None:
    """A plain TCP transport's socket (None for TLS, which the kernel cannot relay, or none)."""
    if transport is None or transport.is_closing() or transport.get_extra_info("sslcontext") is not None:
        return None
    sock: Any = transport.get_extra_info("socket")
    return sock if sock is not None and sock.fileno() >= 0 else None


class Relay:
    """The worker threads that run relays; `stop` ends the ones still waiting on a socket."""

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=RELAYS, thread_name_prefix="regsim-relay")
        self._stopping = threading.Event()
        self.busy = 0

    @property
    def available(self) -> bool:
        return _SPLICE is not None and self.busy < RELAYS and not self._stopping.is_set()

    async def move(self, source: socket.socket, sink: socket.socket, length: int, moved: list[int]) -> None:
        """`length` bytes from `source` to `sink`; `moved[0]` counts those the client's socket took."""
        ends = (os.dup(source.fileno()), os.dup(sink.fileno()))
        self.busy += 1
        try:
            await asyncio.get_running_loop().run_in_executor(
                self._pool, _splice_all, ends[0], ends[1], length, moved, self._stopping)
        finally:
            self.busy -= 1
            for end in ends:
                os.close(end)

    def stop(self) -> None:
        self._stopping.set()
        self._pool.shutdown(wait=True, cancel_futures=True)


def _splice_all(source: int, sink: int, length: int, moved: list[int], stopping: threading.Event) -> None:
    assert _SPLICE is not None
    out_of_pipe, into_pipe = os.pipe2(os.O_CLOEXEC)
    try:
        with contextlib.suppress(OSError):   # a smaller pipe only means more calls
            fcntl.fcntl(into_pipe, _SET_PIPE_SIZE, PIPE_BYTES)
        waiting = select.poll()
        in_pipe = 0
        ended = False
        while (length and not ended) or in_pipe:
            if stopping.is_set():
                raise ConnectionAbortedError("the proxy is stopping")
            progressed = full = False
            if length and not ended and in_pipe < PIPE_BYTES:
                try:
                    n = _SPLICE(source, into_pipe, min(length, PIPE_BYTES - in_pipe), flags=_FLAGS)
                except BlockingIOError:
                    full = in_pipe > 0   # nothing to read, or no room in the pipe: draining tells
                else:
                    ended = n == 0   # the client still gets what came before it
                    length -= n
                    in_pipe += n
                    progressed = True
            if in_pipe:
                with contextlib.suppress(BlockingIOError):
                    n = _SPLICE(out_of_pipe, sink, in_pipe, flags=_FLAGS)
                    in_pipe -= n
                    moved[0] += n
                    progressed = True
            if progressed:
                continue
            # Neither end is ready: sleep until one is (a second at most, to notice `stop`).
            for fd in (source, sink):
                with contextlib.suppress(KeyError):
                    waiting.unregister(fd)
            if length and not ended and in_pipe < PIPE_BYTES and not full:
                waiting.register(source, select.POLLIN)
            if in_pipe:
                waiting.register(sink, select.POLLOUT)
            waiting.poll(1000)
        if length:
            raise UpstreamBrokeOff(f"the upstream closed with {length} bytes still to come")
    finally:
        os.close(out_of_pipe)
        os.close(into_pipe)
