"""The request log as table rows: each request in a few words, and a tone for its colour."""

from __future__ import annotations

from dataclasses import dataclass

from regsim.model.core.events import RequestEvent, said_word
from regsim.units import format_size, short_path

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


def outcome_word(event: RequestEvent) -> str:
    """The record's outcome word; a refusal the record leaves unnamed reads "error"."""
    if event.outcome:
        return said_word(event.outcome)
    if event.status == 0:
        return "unreachable"
    return "error" if event.status >= 400 else "ok"


def request_row(event: RequestEvent) -> RequestRow:
    word = outcome_word(event)
    tone = _TONES.get(word, "error" if event.status >= 400 and word != "missing" else "plain")
    return RequestRow(
        method=event.method,
        path=short_path(event.path),
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
