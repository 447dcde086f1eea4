"""The parts of a request the live server reads beyond its route: the Accept header, paging,
Content-Range and Range, a size-limited body; and the token answer's `issued_at` as RFC 3339 text.
Each follows distribution (the reference registry) where the spec leaves room."""

from __future__ import annotations

import json
import re
import time

from aiohttp import web

from regsim.model.oci.blob import Blob
from regsim.model.oci.errors import ErrorCode, RegistryError
from regsim.model.oci.response import Response

DRAIN_LIMIT = 64 * 1024 * 1024  # read (and drop) at most this much of a refused manifest


def accepted_types(request: web.Request) -> tuple[str, ...]:
    """The media types the Accept header(s) list, parameters (`;q=`) dropped.

    Like distribution, every Accept header counts and each is split at commas, and a request
    with no Accept header accepts no manifest type: `curl` without `-H Accept:` gets 404 for an
    OCI manifest, exactly as from the reference registry.
    """
    values = request.headers.getall("Accept", [])
    return tuple(
        kind for value in values for part in value.split(",") if (kind := part.partition(";")[0].strip().lower())
    )


def rfc3339_issued_at(response: Response) -> Response:
    """The token spec's `issued_at` is RFC 3339 text; the model gives seconds (simulated time).

    Real clients (skopeo) refuse a number, so a live token answer carries the UTC time as text.
    """
    if response.status != 200 or not isinstance(response.body, bytes):
        return response
    value = json.loads(response.body)
    if isinstance(value.get("issued_at"), (int, float)):
        value["issued_at"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(value["issued_at"]))
    body = json.dumps(value, separators=(",", ":")).encode()
    return Response(200, {**response.headers, "Content-Length": str(len(body))}, body)


_WHOLE_NUMBER = re.compile(r"[+-]?[0-9]{1,19}")   # what Go's strconv.Atoi takes (64-bit)


def paging(request: web.Request) -> tuple[int | None, str | None]:
    """`n` and `last`; an `n` that is not a whole number is 400 PAGINATION_NUMBER_INVALID.

    An empty `n` counts as absent; a negative one is refused by the model.
    """
    text = request.query.get("n") or None
    n = None
    if text is not None:
        if _WHOLE_NUMBER.fullmatch(text) is None or not -(1 << 63) <= int(text) < (1 << 63):
            raise RegistryError(
                ErrorCode.PAGINATION_NUMBER_INVALID, f"n must be a whole number, not {text!r}", {"n": text}
            )
        n = int(text)
    return n, request.query.get("last")


_CONTENT_RANGE = re.compile(r"^(?:bytes[ =])?(\d+)-(\d+)(?:/(?:\d+|\*))?$")
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def content_range(text: str | None) -> tuple[int, int] | None:
    """A PATCH's `Content-Range: <start>-<end>` (inclusive); `bytes a-b/c` is accepted too."""
    if text is None:
        return None
    match = _CONTENT_RANGE.match(text.strip())
    if match is None:
        raise RegistryError(ErrorCode.RANGE_INVALID, f"Content-Range {text!r} is not <start>-<end>")
    start, end = int(match[1]), int(match[2])
    if end < start:
        raise RegistryError(ErrorCode.RANGE_INVALID, f"Content-Range {text!r} ends before it starts")
    return start, end


def byte_range(text: str | None, blob: Blob | None) -> tuple[int, int] | None:
    """A GET's `Range: bytes=a-b`, `bytes=a-` or `bytes=-n` as (start, inclusive end)."""
    if text is None:
        return None
    match = _RANGE.match(text.strip())
    if match is None or not (match[1] or match[2]):
        raise RegistryError(ErrorCode.RANGE_INVALID, f"Range {text!r} is not one bytes=<start>-<end> range")
    size = blob.size if blob is not None else 0
    if not match[1]:   # the last n bytes
        n = int(match[2])
        return max(size - n, 0), max(size - 1, 0)
    start = int(match[1])
    return start, int(match[2]) if match[2] else max(start, size - 1)


async def read_limited(request: web.Request, limit: int) -> bytes:
    """At most `limit` bytes of the body; the rest (up to DRAIN_LIMIT) is read and dropped."""
    kept = bytearray()
    seen = 0
    async for chunk in request.content.iter_any():
        seen += len(chunk)
        if len(kept) < limit:
            kept += chunk[: limit - len(kept)]
        if seen > DRAIN_LIMIT:
            break
    return bytes(kept)
