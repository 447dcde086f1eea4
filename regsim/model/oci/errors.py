"""Registry errors as values: the OCI Distribution Spec's codes, with the reference registry's statuses.

One table maps a code to its HTTP status and message, as distribution's `errcode` does.
"""

from __future__ import annotations

import json
import re
from enum import Enum
from typing import Any

_PLAIN = re.compile(r"[A-Za-z0-9:._/-]*\Z")   # needs no JSON escaping


class ErrorCode(Enum):
    """Each member's value is (HTTP status, the spec's message)."""

    BLOB_UNKNOWN = (404, "blob unknown to registry")
    BLOB_UPLOAD_INVALID = (404, "blob upload invalid")
    BLOB_UPLOAD_UNKNOWN = (404, "blob upload unknown to registry")
    DIGEST_INVALID = (400, "provided digest did not match uploaded content")
    MANIFEST_BLOB_UNKNOWN = (400, "blob unknown to registry")
    MANIFEST_INVALID = (400, "manifest invalid")
    MANIFEST_UNKNOWN = (404, "manifest unknown")
    NAME_INVALID = (400, "invalid repository name")
    NAME_UNKNOWN = (404, "repository name not known to registry")
    SIZE_INVALID = (400, "provided length did not match content length")
    UNAUTHORIZED = (401, "authentication required")
    DENIED = (403, "requested access to the resource is denied")
    UNSUPPORTED = (405, "the operation is unsupported")
    TOOMANYREQUESTS = (429, "too many requests")
    TAG_INVALID = (400, "manifest tag did not match URI")
    RANGE_INVALID = (416, "invalid content range")
    MANIFEST_TOO_LARGE = (413, "manifest too large")
    UNAVAILABLE = (503, "service unavailable")
    UNKNOWN = (500, "unknown error")          # distribution's errcode.ErrorCodeUnknown
    PAGINATION_NUMBER_INVALID = (400, "invalid number of results requested")

    def __init__(self, status: int, message: str) -> None:
        # Plain attributes: read on every refused request, so no descriptor lookups.
        self.status = status
        self.message = message
        # The start of this code's JSON error body, shared by every refusal with this code.
        self.body_start = f'{{"errors":[{{"code":"{self.name}","message":"{message}"'


# The fourteen codes the OCI Distribution Spec v1.1 lists (the rest are the registry's own).
SPEC_ERROR_CODES: tuple[ErrorCode, ...] = (
    ErrorCode.BLOB_UNKNOWN,
    ErrorCode.BLOB_UPLOAD_INVALID,
    ErrorCode.BLOB_UPLOAD_UNKNOWN,
    ErrorCode.DIGEST_INVALID,
    ErrorCode.MANIFEST_BLOB_UNKNOWN,
    ErrorCode.MANIFEST_INVALID,
    ErrorCode.MANIFEST_UNKNOWN,
    ErrorCode.NAME_INVALID,
    ErrorCode.NAME_UNKNOWN,
    ErrorCode.SIZE_INVALID,
    ErrorCode.UNAUTHORIZED,
    ErrorCode.DENIED,
    ErrorCode.UNSUPPORTED,
    ErrorCode.TOOMANYREQUESTS,
)


class RegistryError(Exception):
    """A refused operation: a spec error code, a learner-readable reason and the spec's detail.

    `message` replaces the code's own message in the JSON body, as distribution's
    `ErrorCode.WithMessage` does (e.g. "OCI manifest found, but accept header does not
    support OCI manifests"); most errors send the code's message.
    """

    # Slots, and `args` set directly rather than through Exception.__init__: a refusal is made
    # for every blob a push finds missing, and this halves what making one costs.
    __slots__ = ("code", "detail", "headers", "message", "reason")

    def __init__(
        self,
        code: ErrorCode,
        reason: str | None = None,
        detail: Any = None,
        headers: dict[str, str] | None = None,
        message: str | None = None,
    ) -> None:
        self.code = code
        self.reason = reason = reason or code.message
        self.detail = detail
        self.headers = headers or {}
        self.message = message or code.message
        self.args = (reason,)   # what str(error) shows

    def __reduce__(self) -> tuple[type[RegistryError], tuple[Any, ...]]:
        # Copied (a snapshot of a world keeps its registries' last answers) with every field:
        # Exception's own reduce would pass only `args` to __init__.
        return (RegistryError, (self.code, self.reason, self.detail, self.headers, self.message))

    @property
    def status(self) -> int:
        return self.code.status

    def body(self) -> dict[str, Any]:
        """The JSON error body the registry sends."""
        entry: dict[str, Any] = {"code": self.code.name, "message": self.message}
        if self.detail is not None:
            entry["detail"] = self.detail
        return {"errors": [entry]}

    def body_bytes(self) -> bytes:
        # The reference registry's JSON encoder ends the body with a newline.
        detail, code = self.detail, self.code
        if type(detail) is str and self.message is code.message and _PLAIN.match(detail):
            # The common case (a digest as detail), written without the JSON encoder.
            return f'{code.body_start},"detail":"{detail}"}}]}}\n'.encode()
        return json.dumps(self.body(), separators=(",", ":")).encode() + b"\n"

    def __repr__(self) -> str:
        return f"RegistryError({self.code.name}, {self.reason!r})"
