"""What `regsim serve` and `regsim watch` share as they answer: the access log of `LiveEntry`s and
its listeners (the printed log, the Live screen, `--record`), the record's header, and the count of
each client's requests in flight (what groups a client's requests into operations)."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from aiohttp import web

from regsim.live.entry import RECORD_KIND, RECORD_VERSION, Ledger, LiveEntry
from regsim.live.journal import RecordJournal
from regsim.model.core.events import RequestEvent

Client = tuple[str, str]   # (address, user agent)


class AccessLog:
    """Mixed into the server and the proxy; `open_log` in their `__post_init__`."""

    listeners: list[Callable[[LiveEntry], None]]
    settled: list[Callable[[LiveEntry], None]]
    host: str
    port: int

    @property
    def url(self) -> str:
        """The address clients are told (an IPv6 host in brackets)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def open_log(self) -> None:
        self.entries: list[LiveEntry] = []
        self.started = time.time()
        self._clock0 = time.monotonic()
        self._inflight: dict[Client, int] = {}   # -> unfinished requests

    @property
    def service(self) -> str:
        raise NotImplementedError

    def record_fields(self) -> dict[str, Any]:
        """What the header says beside the registry and the start: the auth (and an upstream)."""
        raise NotImplementedError

    def record_header(self) -> dict[str, Any]:
        """The first line of a `--record FILE` (regsim.live.journal)."""
        return {"version": RECORD_VERSION, "kind": RECORD_KIND, "registry": self.service, **self.record_fields(),
                "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.started))}

    def record(self) -> dict[str, Any]:
        """The session as one JSON value (what `regsim open` also reads)."""
        return {**self.record_header(), "requests": [entry.to_dict() for entry in self.entries]}

    def journal(self, path: Path) -> RecordJournal:
        """Write every request to `path` as it happens (JSON lines); close it after `stop`."""
        journal = RecordJournal(path, self.record_header)
        self.listeners.append(journal.logged)
        self.settled.append(journal.settled)
        return journal

    def arrived(self, request: web.Request) -> tuple[Client, int]:
        """A request begins: its client, and how many of that client's requests were in flight."""
        client = (str(request.remote), request.headers.get("User-Agent", ""))
        busy = self._inflight.get(client, 0)
        self._inflight[client] = busy + 1
        return client, busy

    def finished(self, client: Client) -> None:
        left = self._inflight.pop(client) - 1
        if left:
            self._inflight[client] = left

    def log(
        self, request: web.Request, begun: float, event: RequestEvent, ledger: Ledger | None, busy: int,
        *, settled: bool = True,
    ) -> LiveEntry:
        """The request as an entry, handed to every listener."""
        peer = request.transport.get_extra_info("peername") if request.transport is not None else None
        connection = f"{peer[0]}:{peer[1]}" if isinstance(peer, tuple) and len(peer) >= 2 else str(request.remote)
        entry = LiveEntry(begun - self._clock0, str(request.remote), event, (time.monotonic() - begun) * 1000,
                          ledger, connection, request.headers.get("User-Agent", ""), settled, busy)
        self.entries.append(entry)
        for listener in self.listeners:
            listener(entry)
        return entry
