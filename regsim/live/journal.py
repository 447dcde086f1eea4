"""`--record FILE`: the session as JSON lines, each request written as it happens.

The first line is the header (kind, version, registry, auth, started); each further line is one
request as `LiveEntry.to_dict()` gives it. Every line is flushed to the kernel as it is written, so
a server killed any way (kill -9, SIGHUP, a crash) leaves every request it answered on disk; a last
line cut short is skipped when the record is read. A download is written once its body has gone
(or the client went away), with the bytes that really went.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from regsim.live.entry import LiveEntry


class RecordJournal:
    """Append-only JSON lines; `header` is asked for once, when the first line is written."""

    def __init__(self, path: Path, header: Callable[[], dict[str, Any]]) -> None:
        self.path = Path(path)
        self._header = header
        self._file: IO[str] | None = None   # opened with the first line: a server that never started writes nothing
        self._closed = False
        self.count = 0

    def _open(self) -> IO[str]:
        if self._file is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._file = open(self.path, "w", encoding="utf-8")  # noqa: SIM115 - closed in close()
            self._file.write(json.dumps(self._header(), separators=(",", ":")) + "\n")
            self._file.flush()
        return self._file

    def _line(self, value: Mapping[str, object]) -> None:
        if self._closed:
            return
        file = self._open()
        file.write(json.dumps(value, separators=(",", ":"), ensure_ascii=False) + "\n")
        file.flush()
        self.count += 1

    def logged(self, entry: LiveEntry) -> None:
        """A server listener: an entry whose body is still streaming waits for `settled`."""
        if entry.settled:
            self._line(entry.to_dict())

    def settled(self, entry: LiveEntry) -> None:
        self._line(entry.to_dict())

    def close(self, *, served: bool = True) -> None:
        """Done; `served`: the server ran, so even a session without requests leaves its header."""
        if served and not self._closed:
            self._open()
        self._closed = True
        if self._file is not None:
            self._file.close()
            self._file = None
