"""One request of a live session as the access log and the record keep it, with its byte ledger.

`regsim serve` (regsim.live.server) and `regsim watch` (regsim.live.watch) both log `LiveEntry`s;
the record (regsim.live.journal) writes `LiveEntry.to_dict()`, and regsim.live.session reads it back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NotRequired, TypedDict

from regsim.model.core.events import BlobKind, How, RequestEvent, RequestOutcome, said_word
from regsim.units import format_size

RECORD_KIND = "regsim-live-record"
RECORD_VERSION = 3   # 3: JSON lines written as requests happen, `conn` and `agent`; 2 adds `ledger`; all load
ABORTED = RequestOutcome.ABORTED  # the outcome of a transfer the client broke off


class LedgerBlob(TypedDict):
    """One blob a manifest names; `how` and `source` only for a stored (PUT) manifest."""

    digest: str
    kind: BlobKind             # config or layer
    size: int
    how: NotRequired[How]      # sent, mounted or exists
    source: NotRequired[str]   # the repository a mounted blob came from


class BlobLedger(TypedDict):
    """A blob that arrived in a repository (an upload closed, or a mount)."""

    blob: str
    size: int
    mounted_from: NotRequired[str]


class ManifestLedger(TypedDict):
    """A manifest stored (PUT) or fetched (GET); a PUT keeps its bytes so a replay can store them."""

    repository: str
    reference: str
    manifest: str
    media_type: str
    size: int
    blobs: NotRequired[list[LedgerBlob]]       # an image manifest
    children: NotRequired[list[str]]           # an index: its manifests' digests
    text: NotRequired[str]
    base64: NotRequired[str]                   # a stored manifest that is not UTF-8


Ledger = BlobLedger | ManifestLedger

# One request as the record writes it (`LiveEntry.to_dict`) and regsim.live.session reads it back.
# "from" is a Python keyword, so the entry is declared the functional way. Every version writes the
# keys up to `upload`; the NotRequired ones come later or only when there is something to say.
# (read_record checks only method, path and status, so the reader gives the rest defaults.)
LiveEntryJSON = TypedDict("LiveEntryJSON", {
    "t": float,                     # seconds since the server started
    "ms": float,                    # how long the request took
    "method": str,
    "path": str,
    "status": int,
    "bytes": int,
    "from": str,                    # the client's address
    "to": str,
    "why": str,
    "outcome": str,                 # a RequestOutcome's word, an error code's name (events.Said), or ""
    "upload": bool,
    "conn": NotRequired[str],       # version 3: the client's address and port, when known
    "agent": NotRequired[str],      # version 3: its User-Agent, when it sent one
    "busy": NotRequired[int],       # version 3: the client's other requests in flight, when any
    "ledger": NotRequired[Ledger],  # version 2 on: what the byte ledger and a replay need
})


@dataclass(slots=True)
class LiveEntry:
    """One request as the access log and the record show it."""

    t: float                 # seconds since the server started
    client: str
    event: RequestEvent
    ms: float
    # What the byte ledger and a replay need beyond the request line (JSON-ready), or None:
    # a stored manifest (its text and each blob it names: uploaded, mounted or already there),
    # a fetched manifest (the blobs it names), or a blob that arrived (digest and size).
    ledger: Ledger | None = None
    connection: str = ""     # the client's address and port: one TCP connection
    agent: str = ""          # its User-Agent (skopeo/1.x, containerd/…)
    # False while a body is still streaming: the bytes and the why may yet change (the client can
    # go away); the record writes an entry once it is settled.
    settled: bool = True
    busy: int = 0            # the same client's requests (address and agent) in flight when this one came

    def to_dict(self) -> LiveEntryJSON:
        e = self.event
        value: LiveEntryJSON = {
            "t": round(self.t, 3), "ms": round(self.ms, 1), "method": e.method, "path": e.path, "status": e.status,
            "bytes": e.bytes, "from": e.src, "to": e.dst, "why": e.why, "outcome": said_word(e.outcome),
            "upload": e.upload,
        }
        if self.connection:
            value["conn"] = self.connection
        if self.agent:
            value["agent"] = self.agent
        if self.busy:
            value["busy"] = self.busy
        if self.ledger is not None:
            value["ledger"] = self.ledger
        return value

    def line(self) -> str:
        e = self.event
        path = _LONG_DIGEST.sub(r"\1\2…", e.path)
        return f"{self.client} {e.method} {path} {e.status} {format_size(e.bytes)} {self.ms:.0f}ms  {e.why}"


_LONG_DIGEST = re.compile(r"(sha(?:256|512)(?::|%3A|%3a))([0-9a-f]{12})[0-9a-f]{52,116}")
