"""Typed records of what happened: requests on the wire, lines docker prints, blobs moved.

Everything the app, the charts and `regsim play --json` show is built from these records.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal

from regsim.model.core.context import Lane, RequestContext
from regsim.model.oci.errors import ErrorCode

UNREACHABLE = 0   # the status of a request that never reached its target (the network is down)

class How(StrEnum):
    """How a blob fared in one operation (the byte ledger's vocabulary)."""

    SENT = "sent"                # uploaded by the client
    EXISTS = "exists"            # the registry's repository already had it: not sent
    MOUNTED = "mounted"          # linked from another repository of the same registry: not sent
    LOCAL = "local"              # the client already had it: not downloaded
    PULLED = "pulled"            # downloaded from the registry
    MIRROR_HIT = "mirror-hit"    # downloaded from a mirror that had it cached
    MIRROR_MISS = "mirror-miss"  # downloaded through a mirror that fetched it from upstream first


MOVED = frozenset({How.SENT, How.PULLED, How.MIRROR_HIT, How.MIRROR_MISS})   # blobs that travel


class BlobKind(StrEnum):
    LAYER = "layer"
    CONFIG = "config"
    MANIFEST = "manifest"


class Direction(StrEnum):
    """Which way a command moves images: a push goes up, a pull comes down."""

    UP = "up"
    DOWN = "down"


class RequestOutcome(StrEnum):
    """The word a request's record carries: what its answer meant."""

    OK = "ok"
    MISSING = "missing"
    EXISTS = "exists"
    MOUNTED = "mounted"
    MOUNT_REFUSED = "mount refused: upload instead"
    UPLOAD_OPENED = "upload opened"
    SENT = "sent"
    STORED = "stored"
    CHALLENGE = "challenge"
    TOKEN = "token"
    REFUSED = "refused"
    ERROR = "error"
    UNREACHABLE = "unreachable"
    DOWNLOADED = "downloaded"
    CACHE_HIT = "cache-hit"
    CACHE_MISS = "cache-miss"
    FETCHED = "fetched"
    REPLICATED = "replicated"
    ABORTED = "aborted"          # live mode: a transfer the client broke off


# What a request's record says its answer meant: a RequestOutcome, or for a refusal `regsim serve`
# answered with an error the registry names (DENIED, BLOB_UNKNOWN) that error's code, which is what a
# real registry's log and a client's error line call it; "" until said. `said_word` writes it.
Said = RequestOutcome | ErrorCode | Literal[""]


def said_word(said: Said) -> str:
    """The word for a record's outcome, as `play --json`, the record of a live session and the app show it."""
    return said.name if isinstance(said, ErrorCode) else said


def read_said(word: str) -> Said:
    """An outcome's word read back (a live session's record): a RequestOutcome, an error code, or ""."""
    if word in _OUTCOMES:
        return _OUTCOMES[word]
    return ErrorCode.__members__.get(word, "")


_OUTCOMES = {str(member): member for member in RequestOutcome}


# A request's reason as given, or as a writer and its arguments (`(writer, *args)`, one tuple): the
# text is then written the first time it is read. Most records of a long run (`regsim bench`) are
# counted and never read, and formatting sizes into sentences was a noticeable share of each request.
Why = str | tuple[Callable[..., str], *tuple[object, ...]]


def why_text(why: Why) -> str:
    """The reason's text (written out now if it was deferred)."""
    if isinstance(why, str):
        return why
    return why[0](*why[1:])


class RequestEvent:
    """One HTTP-like request and its answer (`why` reads the same whether or not it was deferred).

    Who sent it, and in which lane and job of the step it counts, are its context's (`src`,
    `lane`, `job`, `upstream` read it): the transport keeps the context it was given rather
    than copying four fields out of it, for every request of a scenario or of `regsim bench`.
    """

    __slots__ = ("_why", "bytes", "context", "dst", "method", "outcome", "path", "rate_limit", "status", "upload")

    method: str
    path: str
    status: int          # 0 when the request never reached its target (network down)
    bytes: int           # body bytes on the wire (request body for uploads, response body otherwise)
    dst: str             # to
    _why: Why            # a plain-language reason: read it as `why`
    outcome: Said        # what the answer meant (see Said); "" until said
    context: RequestContext   # from whom, in which lane and job
    upload: bool         # bytes travel src -> dst (otherwise dst -> src)
    # A rate-limited answer's RateLimit-Limit, RateLimit-Remaining and Docker-RateLimit-Source.
    rate_limit: tuple[str, str, str] | None

    def __init__(
        self,
        method: str,
        path: str,
        status: int,
        bytes: int,
        src: str,
        dst: str,
        why: Why,
        outcome: Said = "",
        lane: Lane = Lane.SERIAL,
        job: int = -1,   # requests that move one blob share a job number
        upload: bool = False,
        upstream: bool = False,   # made by a registry on a client's behalf (mirror fill, replication)
        rate_limit: tuple[str, str, str] | None = None,
    ) -> None:
        self.method = method
        self.path = path
        self.status = status
        self.bytes = bytes
        self.dst = dst
        self._why = why
        self.outcome = outcome
        self.context = RequestContext(src, lane, job, None, upstream)
        self.upload = upload
        self.rate_limit = rate_limit

    @property
    def src(self) -> str:   # from
        return self.context.sender

    @property
    def lane(self) -> Lane:
        return self.context.lane

    @property
    def job(self) -> int:
        return self.context.job

    @property
    def upstream(self) -> bool:
        return self.context.upstream

    def _fields(self) -> tuple[object, ...]:
        return (self.method, self.path, self.status, self.bytes, self.src, self.dst, self.why, self.outcome,
                self.lane, self.job, self.upload, self.upstream, self.rate_limit)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, RequestEvent):
            return NotImplemented
        return self._fields() == other._fields()

    __hash__ = None  # type: ignore[assignment]   # mutable: its outcome is said after the answer

    def __repr__(self) -> str:
        return "RequestEvent({})".format(", ".join(map(repr, self._fields())))

    @property
    def why(self) -> str:
        why = self._why
        if not isinstance(why, str):
            why = self._why = why_text(why)   # written once, then kept
        return why

    @why.setter
    def why(self, text: str) -> None:
        self._why = text

    @property
    def rate_limit_remaining(self) -> int | None:
        """The pulls the answer said were left (RateLimit-Remaining: `2;w=21600`), if it said."""
        if self.rate_limit is None:
            return None
        return int(self.rate_limit[1].partition(";")[0])

    def to_dict(self) -> dict[str, object]:
        return {
            "method": self.method,
            "path": self.path,
            "status": self.status,
            "bytes": self.bytes,
            "from": self.src,
            "to": self.dst,
            "why": self.why,
            "outcome": said_word(self.outcome),
        }


@dataclass(slots=True)
class BlobRecord:
    """One blob's line in the byte ledger."""

    digest: str
    kind: BlobKind
    size: int
    how: How
    name: str | None = None   # the scenario's layer name, when known
    source: str | None = None  # the repository a mount came from, or the mirror that served it

    @property
    def moved(self) -> int:
        """Bytes this blob put on the acting client's link."""
        return self.size if self.how in MOVED else 0

    def to_dict(self) -> dict[str, object]:
        return {
            "digest": self.digest,
            "kind": self.kind,
            "name": self.name,
            "size": self.size,
            "how": self.how,
            "bytes": self.moved,
            "source": self.source,
        }


class Via(StrEnum):
    """How a client learned of (or recorded) a referrer."""

    API = "api"                  # the registry's referrers API (GET /v2/<name>/referrers/<digest>)
    TAG_SCHEMA = "tag-schema"    # the index a client keeps under the subject's sha256-<hex> tag


class ReferrerHow(StrEnum):
    """What a step did with a referrer."""

    PUSHED = "pushed"
    LISTED = "listed"


@dataclass(slots=True)
class ReferrerRecord:
    """An artifact that points at an image through its `subject`, as one step pushed or listed it."""

    subject: str
    digest: str
    artifact_type: str | None
    how: ReferrerHow
    via: Via


class Change(StrEnum):
    """What an administrator did to an account's rights on a repository."""

    GRANT = "grant"
    REVOKE = "revoke"


@dataclass(frozen=True, slots=True)
class AccessChange:
    """What an administrator's grant or revoke changed: the actions named and what the user holds after."""

    registry: str
    repository: str
    user: str
    change: Change
    actions: tuple[str, ...]     # as named in the command
    holds: tuple[str, ...]       # every action the user holds on the repository afterwards


@dataclass(slots=True)
class Outcome:
    """What one client or registry command did: success or error, output, requests, ledger."""

    ok: bool = True
    error: str | None = None       # an OCI error code (or NETWORK_UNREACHABLE, NOT_FOUND_LOCALLY, ...)
    message: str | None = None     # one readable line for a failure
    output: list[str] = field(default_factory=list)
    requests: list[RequestEvent] = field(default_factory=list)
    blobs: list[BlobRecord] = field(default_factory=list)
    direction: Direction | None = None
    freed_bytes: int = 0           # garbage collection
    referrers: list[ReferrerRecord] = field(default_factory=list)   # artifacts pushed or listed
    access: AccessChange | None = None   # an administrator's grant or revoke

    def fail(self, error: str, message: str, line: str | None = None) -> Outcome:
        self.ok = False
        self.error = error
        self.message = message
        self.output.append(line if line is not None else message)
        return self
