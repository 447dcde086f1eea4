"""A registry host: its stores, the API handler over them, and the guard applied around the handler.

Every API method here takes the request's `Authorization` header (`auth`) and the request's
parts. The guard decides first (401 with a challenge, 403 DENIED, 429 from the rate limit),
as distribution's app applies its access controller before dispatching to a handler; only
a request let in reaches the `Handler`, which knows nothing of auth.

Everything is given to the constructor: the guard, the rate limit, the clock, the repositories
whose tags are immutable, who is told when a manifest lands, and the storage backend.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, Protocol

from regsim.model.core.context import RequestContext, source_address
from regsim.model.core.snapshot import Copier, copy_fields, shallow
from regsim.model.oci.blob import Blob, Body
from regsim.model.oci.descriptor import Descriptor
from regsim.model.oci.errors import ErrorCode, RegistryError
from regsim.model.oci.manifest import AnyManifest, Manifest
from regsim.model.oci.mediatype import INDEX_TYPES
from regsim.model.oci.reference import check_name
from regsim.model.oci.response import Response
from regsim.model.registry.handler import Handler, ManifestListener
from regsim.model.registry.referrers_off import no_referrers_route, without_subject_header
from regsim.model.registry.repository import Repository
from regsim.model.registry.storage import MemoryStorage, Storage
from regsim.model.registry.store import RegistryStore
from regsim.model.registry.upload import Chunk, UploadSession

PULL, PUSH, DELETE = "pull", "push", "delete"


class Guard(Protocol):
    """Decides whether a request may proceed (auth); raises UNAUTHORIZED or DENIED."""

    def authorize(self, auth: str | None, name: str, action: str) -> str | None: ...

    def check_ping(self, auth: str | None) -> None: ...

    def check_catalog(self, auth: str | None) -> None: ...

    def issue_token(self, auth: str | None, service: str | None, scopes: list[str]) -> Response: ...


class PullLimit(Protocol):
    """Counts pulls per source address (anonymous) or account, and refuses manifest GETs past a limit.

    `admit` raises 429 TOOMANYREQUESTS when the budget is spent; `answer` spends one pull when
    `pull` is true and returns the headers the manifest response carries (ratelimit.py).
    """

    def admit(self, source: str, user: str | None, now: float) -> None: ...

    def answer(self, source: str, user: str | None, now: float, pull: bool) -> dict[str, str]: ...


def _no_time() -> float:
    return 0.0


# Makes the API handler over a store (a pull-through cache passes its own).
HandlerFactory = Callable[[RegistryStore, Storage, ManifestListener | None], Handler]


class Registry:
    """One registry host: the guarded API, its store and its handler.

    `storage` keeps the content (in memory unless given); `handler` makes the API handler over
    the store (a pull-through cache passes its own); `on_manifest_stored` is told of every
    manifest that lands (replication); `clock` gives the time the rate limit counts in.

    The read endpoints take the request's `context` (who sends it, in which lane and job): a rate
    limit keeps an anonymous budget for the sender's address, and a pull-through cache's requests
    to its upstream count with the request they serve.
    """

    def __init__(
        self,
        host: str,
        *,
        guard: Guard | None = None,
        rate_limit: PullLimit | None = None,
        clock: Callable[[], float] = _no_time,
        immutable: Iterable[str] = (),
        on_manifest_stored: ManifestListener | None = None,
        storage: Storage | None = None,
        handler: HandlerFactory = Handler,
        referrers_api: bool = True,
    ) -> None:
        self.host = host
        self.guard = guard
        self.rate_limit = rate_limit
        self.clock = clock
        self.storage: Storage = storage if storage is not None else MemoryStorage()
        self.store = RegistryStore(host, frozenset(immutable))
        self.storage.load(self.store)
        self.handler = handler(self.store, self.storage, on_manifest_stored)
        self._valid_names: set[str] = set()
        # False: a registry that predates OCI distribution-spec v1.1 (see referrers_off.py).
        self.referrers_api = referrers_api

    def __deepcopy__(self, memo: dict[int, Any]) -> Registry:
        return copy_fields(self, memo, _COPIERS)   # a snapshot copies every registry after every step

    def __repr__(self) -> str:
        return f"Registry({self.host!r}, {len(self.repositories)} repositories, {len(self.blobs)} blobs)"

    # ----- the store, read-only views ----------------------------------------------------------

    @property
    def blobs(self) -> dict[str, Blob]:
        return self.store.blobs

    @property
    def repositories(self) -> dict[str, Repository]:
        return self.store.repositories

    @property
    def uploads(self) -> dict[str, UploadSession]:
        return self.handler.uploads

    @property
    def immutable(self) -> frozenset[str]:
        return self.store.immutable

    @property
    def layer_digests(self) -> set[str]:
        return self.store.layer_digests

    @property
    def stored_layer_bytes(self) -> int:
        return self.store.stored_layer_bytes

    # ----- the guard ----------------------------------------------------------------------------

    def _let_in(self, auth: str | None, name: str, action: str) -> str | None:
        """The name must be valid and the request allowed; the user it proves (None: anonymous).

        The endpoints a push calls for every blob skip the call when it could only pass (no guard,
        a name already checked): the same decision, without a call per request."""
        if name not in self._valid_names:
            check_name(name)
            self._valid_names.add(name)
        guard = self.guard
        return None if guard is None else guard.authorize(auth, name, action)

    def unguarded(self, name: str) -> Handler | None:
        """The handler itself, when no guard stands before it and `name` is a valid repository
        name: a client may then call its blob endpoints directly (without the `auth` argument),
        the same answers without this layer's call per request. None when a guard decides, or
        the name is invalid (the guarded endpoints then refuse it with NAME_INVALID).

        So this layer's blob endpoints (head_blob, start_upload, patch_upload, put_upload) do
        nothing but apply the guard: anything more would be skipped here."""
        if self.guard is not None:
            return None
        try:
            self._let_in(None, name, PULL)
        except RegistryError:
            return None
        return self.handler

    def _may_read(self, auth: str | None, name: str | None) -> bool:
        """Whether a mount may link from `name`. Distribution adds pull on `from` to the access a
        mount request needs (registry/handlers/app.go, `authorized`), so a client that may not
        read the source is refused as a whole (401, or 403 with Basic); a `from` that is no
        repository name just leaves nothing to mount, and an upload opens instead."""
        if self.guard is None or name is None:
            return True
        try:
            check_name(name)
        except RegistryError:
            return False
        self.guard.authorize(auth, name, PULL)
        return True

    # ----- the API --------------------------------------------------------------------------------

    def ping(self, auth: str | None = None) -> Response:
        """GET /v2/: 200 when the client may talk to this registry."""
        if self.guard is not None:
            self.guard.check_ping(auth)
        return self.handler.ping()

    def issue_token(self, auth: str | None, service: str | None, scopes: list[str]) -> Response:
        """The token endpoint (the realm of this registry's Bearer challenges)."""
        if self.guard is None:
            raise RegistryError(ErrorCode.UNSUPPORTED, f"{self.host} has no token service")
        return self.guard.issue_token(auth, service, scopes)

    def head_blob(self, auth: str | None, name: str, digest: str, context: RequestContext | None = None) -> Response:
        if self.guard is not None or name not in self._valid_names:   # see _let_in
            self._let_in(auth, name, PULL)
        return self.handler.head_blob(name, digest, context)

    def get_blob(
        self, auth: str | None, name: str, digest: str, byte_range: tuple[int, int] | None = None,
        context: RequestContext | None = None,
    ) -> Response:
        self._let_in(auth, name, PULL)
        return self.handler.get_blob(name, digest, byte_range, context)

    def delete_blob(self, auth: str | None, name: str, digest: str) -> Response:
        """DELETE a blob: unlinks it from the repository; the store frees it at the next GC."""
        self._let_in(auth, name, DELETE)
        return self.handler.delete_blob(name, digest)

    def start_upload(
        self,
        auth: str | None,
        name: str,
        *,
        digest: str | None = None,
        body: Body | None = None,
        mount: str | None = None,
        from_repository: str | None = None,
    ) -> Response:
        """POST /v2/<name>/blobs/uploads/: open a session, mount from another repository, or take a whole blob."""
        if self.guard is not None or name not in self._valid_names:
            self._let_in(auth, name, PUSH)
        if mount is not None:
            return self.handler.mount_blob(name, mount, from_repository, self._may_read(auth, from_repository))
        if digest is not None:
            return self.handler.upload_whole(name, digest, body)
        return self.handler.open_upload(name)

    def patch_upload(
        self, auth: str | None, name: str, uuid: str, body: Chunk, content_range: tuple[int, int] | None = None
    ) -> Response:
        """PATCH a chunk; with a Content-Range it must continue where the upload stands (else 416)."""
        if self.guard is not None or name not in self._valid_names:
            self._let_in(auth, name, PUSH)
        return self.handler.patch_upload(name, uuid, body, content_range)

    def put_upload(
        self, auth: str | None, name: str, uuid: str, digest: str | None, body: Chunk | None = None
    ) -> Response:
        """PUT ?digest=: close the session; the content must hash to the digest or nothing is stored."""
        if self.guard is not None or name not in self._valid_names:
            self._let_in(auth, name, PUSH)
        return self.handler.put_upload(name, uuid, digest, body)

    def upload_status(self, auth: str | None, name: str, uuid: str) -> Response:
        self._let_in(auth, name, PUSH)
        return self.handler.upload_status(name, uuid)

    def cancel_upload(self, auth: str | None, name: str, uuid: str) -> Response:
        self._let_in(auth, name, PUSH)
        return self.handler.cancel_upload(name, uuid)

    def abandon_uploads(self) -> None:
        """Forget every open upload (on shutdown)."""
        self.handler.abandon_uploads()

    def head_manifest(
        self, auth: str | None, name: str, reference: str, accept: Sequence[str] | None = None,
        context: RequestContext | None = None,
    ) -> Response:
        """HEAD a manifest; `accept` lists the media types of the client's Accept header (None: not sent)."""
        user = self._let_in(auth, name, PULL)
        response = self.handler.head_manifest(name, reference, accept, context)
        if self.rate_limit is not None:  # a HEAD carries the rate limit's headers and costs no pull
            response.headers.update(self.rate_limit.answer(source_address(context), user, self.clock(), pull=False))
        return response

    def get_manifest(
        self, auth: str | None, name: str, reference: str, accept: Sequence[str] | None = None,
        context: RequestContext | None = None,
    ) -> Response:
        """GET a manifest; `accept` lists the media types of the client's Accept header (None: not sent)."""
        user = self._let_in(auth, name, PULL)
        limit = self.rate_limit
        if limit is None:
            return self.handler.get_manifest(name, reference, accept, context)
        source, now = source_address(context), self.clock()
        limit.admit(source, user, now)
        response = self.handler.get_manifest(name, reference, accept, context)
        # Docker Hub counts one pull per image manifest: an index's GET is the first half of a
        # multi-platform pull, and the platform manifest fetched next is what counts (ratelimit.py).
        pull = response.headers.get("Content-Type") not in INDEX_TYPES
        response.headers.update(limit.answer(source, user, now, pull))
        return response

    def put_manifest(
        self,
        auth: str | None,
        name: str,
        reference: str,
        raw: bytes,
        content_type: str | None = None,
        parsed: AnyManifest | None = None,
    ) -> Response:
        """PUT a manifest by tag or digest; every blob it names must already be in this repository."""
        if self.guard is not None or name not in self._valid_names:   # see _let_in
            self._let_in(auth, name, PUSH)
        response = self.handler.put_manifest(name, reference, raw, content_type, parsed)
        return response if self.referrers_api else without_subject_header(response)

    def delete_manifest(self, auth: str | None, name: str, reference: str) -> Response:
        """DELETE by digest removes the revision and its tags; by tag removes only the tag."""
        self._let_in(auth, name, DELETE)
        return self.handler.delete_manifest(name, reference)

    def list_tags(
        self, auth: str | None, name: str, n: int | None = None, last: str | None = None,
        context: RequestContext | None = None,
    ) -> Response:
        """GET /v2/<name>/tags/list in lexical order, paginated by `n` and `last` with a Link header."""
        first, _, rest = name.partition("/")
        if rest and first != first.lower() and rest == rest.lower():
            # The reference registry's router reads an uppercase first part as a registry domain,
            # so `Team/app` is a well-formed name that no repository has: 404 NAME_UNKNOWN.
            raise RegistryError(ErrorCode.NAME_UNKNOWN, f"no repository {name} on {self.host}", {"name": name})
        self._let_in(auth, name, PULL)
        return self.handler.list_tags(name, n, last, context)

    def catalog(self, auth: str | None = None, n: int | None = None, last: str | None = None) -> Response:
        """GET /v2/_catalog: with token auth the token must carry `registry:catalog:*` (distribution
        registry/handlers/app.go, appendCatalogAccessRecord); with basic auth any signed-in client."""
        if self.guard is not None:
            self.guard.check_catalog(auth)
        return self.handler.catalog(n, last)

    def referrers(self, auth: str | None, name: str, digest: str, artifact_type: str | None = None) -> Response:
        """GET /v2/<name>/referrers/<digest>: an index of the manifests whose subject is `digest`."""
        if not self.referrers_api:
            return no_referrers_route()
        self._let_in(auth, name, PULL)
        return self.handler.referrers(name, digest, artifact_type)

    # ----- the operator's side (no auth) ------------------------------------------------------

    def resolve(self, name: str, reference: str) -> AnyManifest:
        """The manifest a tag or digest names in a repository (no auth: for the model's own use)."""
        return self.store.resolve(name, reference)

    def remove_manifest(self, name: str, reference: str) -> Response:
        """The operator's delete (no auth): what DELETE does once it is allowed."""
        return self.handler.delete_manifest(name, reference)

    # ----- accounting ---------------------------------------------------------------------------

    def image_manifests(self, manifest: AnyManifest, repo: Repository) -> list[Manifest]:
        """The image manifests a manifest stands for (an index's children that are present)."""
        return self.store.image_manifests(manifest, repo)

    def logical_layer_bytes(self) -> int:
        """What storing every tagged image whole would cost: the sum of each tag's layers."""
        return self.store.logical_layer_bytes()

    def layer_bytes_stored(self) -> int:
        """Deduplicated layer bytes in the blob store (each layer once, however many images use it)."""
        return self.handler.layer_bytes_stored()

    def stored_bytes(self) -> int:
        return self.store.stored_bytes()

    def tagged_images(self) -> dict[str, list[Descriptor]]:
        """Every tag as `repo:tag` with the layers of the image(s) it names."""
        return self.store.tagged_images()

    def snapshot_json(self) -> bytes:
        """A canonical dump of the registry's state, for determinism checks."""
        return self.store.snapshot_json()


_COPIERS: dict[str, Copier] = {"_valid_names": shallow}   # names already checked
