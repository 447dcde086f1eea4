"""One process at a time on a registry root: `regsim serve` and `regsim serve --gc` take this lock.

Two servers on one root would each rewrite state.json from their own view (a push to one is gone
after the other saves) and each clear the other's uploads. The lock is an flock on `server.pid`,
which also names the holder: the kernel drops it when the process dies, even by kill -9, so a
stale file never blocks a restart. (distribution has no such guard: two registries sharing a
filesystem driver rely on the operator; a teaching registry refuses instead.)
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path

PID_FILE = "server.pid"


class RootInUse(ValueError):
    """Another process holds the root; the message names its pid."""


class RootLock:
    """Held from `acquire` until `release` (or the process ends)."""

    def __init__(self, root: Path, what: str = "a regsim server") -> None:
        self.root = Path(root)
        self.what = what
        self.path = self.root / PID_FILE
        self._fd: int | None = None

    def acquire(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            other = holder(self.root)
            raise RootInUse(f"{self.root} is in use by another regsim process (pid {other if other else '?'}): "
                            f"stop it first, or give {self.what} another --root") from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd

    def release(self) -> None:
        if self._fd is None:
            return
        with contextlib.suppress(OSError):
            self.path.unlink()
        os.close(self._fd)   # closing drops the flock
        self._fd = None


def holder(root: Path) -> int | None:
    """The pid of the process holding the root's lock, or None when no process holds it."""
    path = Path(root) / PID_FILE
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            text = os.read(fd, 32).decode(errors="replace").strip()
            return int(text) if text.isdigit() else 0
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)
