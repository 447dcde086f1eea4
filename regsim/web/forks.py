"""The server's side of the fork server (`learner_app`): start it, ask it for a learner's app, and hold
that app as textual-serve holds a subprocess (its stdin, stdout and stderr as asyncio streams)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

WAIT_READY = 120.0   # seconds for the fork server to load the course on a busy machine
EXIT_POLL = 0.05


class ForkError(RuntimeError):
    """The fork server is gone or did not answer."""


class ForkedApp:
    """A learner's app process. The fork server is its parent (and reaps it), so liveness is asked
    of the kernel; it ends by itself when its stdin closes, or is killed."""

    def __init__(self, pid: int, stdin: asyncio.StreamWriter, stdout: asyncio.StreamReader,
                 stderr: asyncio.StreamReader) -> None:
        self.pid, self.stdin, self.stdout, self.stderr = pid, stdin, stdout, stderr

    @property
    def returncode(self) -> int | None:
        """None while it runs (its exit status is its parent's to read)."""
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return 0
        return None

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)

    async def wait(self) -> int:
        while self.returncode is None:
            await asyncio.sleep(EXIT_POLL)
        self.stdin.close()
        return 0


class ForkServer:
    def __init__(self, environment: dict[str, str], lesson_dirs: Sequence[Path] = ()) -> None:
        self.environment = environment
        self.lesson_dirs = list(lesson_dirs)
        self._process: asyncio.subprocess.Process | None = None
        self._channel: socket.socket | None = None
        self._lock = asyncio.Lock()

    async def ensure_started(self) -> None:
        """Start the fork server (or start it again if it died), once at a time."""
        async with self._lock:
            if self._channel is None or self._process is None or self._process.returncode is not None:
                await self._start()

    async def _start(self) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        arguments = [sys.executable, "-m", "regsim.web.learner_app", "--channel", str(theirs.fileno())]
        for folder in self.lesson_dirs:
            arguments += ["--lessons", str(folder)]
        self._process = await asyncio.create_subprocess_exec(
            *arguments, pass_fds=[theirs.fileno()], env=self.environment, stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL)
        theirs.close()
        ours.setblocking(False)
        self._channel = ours
        async with asyncio.timeout(WAIT_READY):
            if await asyncio.get_running_loop().sock_recv(ours, 16) != b"ready":
                raise ForkError("the learners' app server did not start")

    async def fork(self, handoff: dict[str, Any]) -> ForkedApp:
        """A new app for one learner (the fork server restarted first if it died)."""
        await self.ensure_started()
        async with self._lock:
            if self._channel is None:
                raise ForkError("the learners' app server is closed")
            loop = asyncio.get_running_loop()
            stdin_r, stdin_w = os.pipe()
            stdout_r, stdout_w = os.pipe()
            stderr_r, stderr_w = os.pipe()
            try:
                socket.send_fds(self._channel, [json.dumps(handoff).encode()], [stdin_r, stdout_w, stderr_w])
                async with asyncio.timeout(WAIT_READY):
                    answer = await loop.sock_recv(self._channel, 32)
            except (OSError, TimeoutError) as error:
                for fd in (stdin_w, stdout_r, stderr_r):
                    os.close(fd)
                self._channel.close()
                self._channel = None   # the next fork starts a new fork server
                if self._process is not None and self._process.returncode is None:
                    self._process.kill()
                raise ForkError(f"the learners' app server did not answer ({error})") from None
            finally:
                for fd in (stdin_r, stdout_w, stderr_w):
                    os.close(fd)
        pid = int(answer or b"0")
        if pid <= 0:
            raise ForkError("the learners' app server could not start an app")
        stdout = await _reader(loop, stdout_r)
        stderr = await _reader(loop, stderr_r)
        transport, protocol = await loop.connect_write_pipe(
            lambda: asyncio.streams.FlowControlMixin(loop=loop), os.fdopen(stdin_w, "wb", 0))
        stdin = asyncio.StreamWriter(transport, protocol, None, loop)
        return ForkedApp(pid, stdin, stdout, stderr)

    async def close(self) -> None:
        if self._channel is not None:
            self._channel.close()   # the fork server reads the end of its socket and exits
            self._channel = None
        if self._process is not None:
            try:
                async with asyncio.timeout(5):
                    await self._process.wait()
            except TimeoutError:
                self._process.kill()
                await self._process.wait()


async def _reader(loop: asyncio.AbstractEventLoop, fd: int) -> asyncio.StreamReader:
    reader = asyncio.StreamReader(limit=1 << 20)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), os.fdopen(fd, "rb", 0))
    return reader
