"""The request log as table rows: each request in a few words, and a tone for its colour."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote

from regsim.model.sim.events import RequestEvent
from regsim.units import format_size

_DIGEST = re.compile(r"\b(sha256|sha512):([0-9a-f]{12})[0-9a-f]{20,}")
_QUERY_ALGORITHM = re.compile(r"^(\w+=)(?:sha256|sha512):")
_UUID = re.compile(r"\b([0-9a-f]{8})-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b")

# The outcome word a request carries, and the tone it is drawn in. Tones that teach something
# (challenge, cache-hit, mounted, exists, error) each get their own colour in regsim.tcss.
_TONES = {
    "challenge": "challenge",
    "token": "token",
    "cache-hit": "cache-hit",
    "cache-miss": "cache-miss",
    "fetched": "upstream",
    "replicated": "upstream",
    "mounted": "mounted",
    "exists": "exists",
    "missing": "missing",
    "sent": "moved",
    "downloaded": "moved",
    "error": "error",
    "refused": "error",
    "unreachable": "error",
}
TONES = (
    "challenge",
    "token",
    "cache-hit",
    "cache-miss",
    "upstream",
    "mounted",
    "exists",
    "missing",
    "moved",
    "error",
    "plain",
)


@dataclass(frozen=True, slots=True)
class RequestRow:
    method: str
    path: str
    status: str
    bytes: str
    route: str
    outcome: str
    why: str
    tone: str


def shorten_path(path: str) -> str:
    """A path that fits a table column: digests cut to the 12 hex digits docker prints, upload ids
    to their first 8, the closing digest (the one just checked) and the token service's
    `service=` (the To column names it) left out; query values are shown decoded."""
    base, _, query = path.partition("?")
    base = _UUID.sub(r"\1…", _DIGEST.sub(r"\1:\2…", base))
    params = []
    for param in query.split("&"):
        param = _DIGEST.sub(r"\1:\2…", unquote(param))
        if not param or param.startswith("service="):
            continue
        params.append(
            "digest=…" if param.startswith("digest=") else _QUERY_ALGORITHM.sub(r"\1", param)
        )
    return base + ("?" + "&".join(params) if params else "")


def elide_digests(text: str) -> str:
    """Every full digest and upload id in `text` cut to its start (`sha256:5f8ee423db7d…`), the rest
    kept: a path or a reason that fits a line, with the query decoded."""
    return _UUID.sub(r"\1…", _DIGEST.sub(r"\1:\2…", unquote(text)))


def fit_path(path: str, width: int) -> str:
    """Keep the end of a path, which names the blob or upload, when the column is too narrow."""
    return path if len(path) <= width else "…" + path[len(path) - width + 1 :]


def outcome_word(event: RequestEvent) -> str:
    """The record's outcome word; a refusal the record leaves unnamed reads "error"."""
    if event.outcome:
        return event.outcome
    if event.status == 0:
        return "unreachable"
    return "error" if event.status >= 400 else "ok"


def request_row(event: RequestEvent) -> RequestRow:
    word = outcome_word(event)
    tone = _TONES.get(word, "error" if event.status >= 400 and word != "missing" else "plain")
    return RequestRow(
        method=event.method,
        path=shorten_path(event.path),
        status=str(event.status) if event.status else "—",
        bytes=format_size(event.bytes),
        route=f"{event.src} → {event.dst}",
        outcome=word,
        why=event.why,
        tone=tone,
    )


def request_rows(events: list[RequestEvent]) -> list[RequestRow]:
    return [request_row(event) for event in events]


def rate_limit_lines(event: RequestEvent) -> tuple[str, ...]:
    """The rate limit headers of a rate-limited answer, one line to add below the request; () if none."""
    if event.rate_limit is None:
        return ()
    limit, remaining, source = event.rate_limit
    return ("\n", f"RateLimit-Limit: {limit}  RateLimit-Remaining: {remaining}  Docker-RateLimit-Source: {source}")
