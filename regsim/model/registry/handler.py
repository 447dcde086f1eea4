"""The OCI Distribution API over the registry's stores, as distribution's `registry/handlers/` are.

Every endpoint of the spec v1.1 is a method that takes the request's parts and returns a
`Response` (status, headers, body) or raises a `RegistryError`, which the transport turns into
the spec's JSON error body (`Response.from_error`). Where a refusal is the usual answer (most
blob HEADs of a push find nothing) the handler returns that refusal itself: the same answer,
without the cost of raising. Auth is not decided here: the registry applies its guard around
these methods (see `registry.py`), so a handler method runs only for a request allowed in.
The read endpoints take the request's context, which only a pull-through cache reads (its
requests to the upstream count with the request they serve).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, ClassVar

from regsim.model.core.context import RequestContext
from regsim.model.core.snapshot import Copier, copy_fields
from regsim.model.oci.blob import Blob, Body, SizedContent
from regsim.model.oci.descriptor import Descriptor
from regsim.model.oci.digest import Digest, check_digest, sha256_digest
from regsim.model.oci.errors import ErrorCode, RegistryError
from regsim.model.oci.manifest import AnyManifest, Index, Manifest, canonical_json, parse_manifest
from regsim.model.oci.mediatype import OCI_INDEX
from regsim.model.oci.reference import check_tag, is_digest_reference
from regsim.model.oci.response import Answer, Refusal, Response, Status
from regsim.model.oci.routes import ROUTE, RouteName, blob_path, manifest_path, upload_path
from regsim.model.registry.negotiation import negotiate
from regsim.model.registry.storage import Storage
from regsim.model.registry.store import RegistryStore
from regsim.model.registry.upload import Chunk, UploadSession
from regsim.units import elided_digest

# An upload's path around its two parts, from the route table (`upload_path`, without a call and
# a keyword format for each of the uploads a push opens, one per blob it sends).
_UPLOAD_HEAD, _, _UPLOAD_REST = ROUTE[RouteName.UPLOAD].template.partition("{name}")
_UPLOAD_MIDDLE = _UPLOAD_REST.removesuffix("{uuid}")

_new = object.__new__

API_VERSION_HEADER = {"Docker-Distribution-API-Version": "registry/2.0"}


# Why a repository cannot serve a blob, made only when a refusal's error is read (passed unbound,
# with the store among its arguments: no bound method made for each HEAD that finds nothing).
_blob_unknown = RegistryStore.blob_unknown

# The headers of the answers a push gets for every blob, written only when read (see Answer).
def _found_headers(size: int, digest: str) -> dict[str, str]:
    return {"Content-Length": str(size), "Docker-Content-Digest": digest}


def _created_headers(name: str, digest: str) -> dict[str, str]:
    return {"Location": blob_path(name, digest), "Docker-Content-Digest": digest, "Content-Length": "0"}


def _manifest_created_headers(name: str, manifest: AnyManifest) -> dict[str, str]:
    headers = {
        "Location": manifest_path(name, manifest.digest),
        "Docker-Content-Digest": manifest.digest,
        "Content-Length": "0",
    }
    if manifest.subject is not None:
        headers["OCI-Subject"] = manifest.subject.digest
    return headers


def _progress_headers(name: str, uuid: str, received: int) -> dict[str, str]:
    return {
        "Location": upload_path(name, uuid),
        "Range": f"0-{max(received - 1, 0)}",   # as UploadSession.range_header
        "Docker-Upload-UUID": uuid,
        "Content-Length": "0",
    }


# The answers of a push's blob endpoints, which it reads for their status alone (see Handler.head_blob_status).
_FOUND = Status(200)
_MISSING = Status(404)
_ACCEPTED = Status(202)
_CREATED = Status(201)


# Told when a manifest lands: (registry host, repository, digest, tag or None) — replication listens.
ManifestListener = Callable[[str, str, str, str | None], None]


class Handler:
    """The API endpoints of one registry host, over its store, with its open upload sessions."""

    def __init__(
        self,
        store: RegistryStore,
        storage: Storage,
        on_manifest_stored: ManifestListener | None = None,
    ) -> None:
        self.store = store
        self.storage = storage
        self.host = store.host
        self.uploads: dict[str, UploadSession] = {}
        self.on_manifest_stored = on_manifest_stored
        self._persistent = storage.persistent
        self._upload_counter = storage.first_upload_number()
        self._host_code = sha256_digest(store.host.encode())[7:19]  # stable across runs, unlike hash()

    # How its fields copy when a snapshot copies the registry (see core/snapshot.py); the rest deep-copy.
    _copiers: ClassVar[dict[str, Copier]] = {}

    def __deepcopy__(self, memo: dict[int, Any]) -> Handler:
        return copy_fields(self, memo, self._copiers)

    # ----- helpers -------------------------------------------------------------------------

    def _upload_location(self, name: str, uuid: str) -> str:
        return upload_path(name, uuid)

    def open_upload(self, name: str) -> Response:
        """POST /v2/<name>/blobs/uploads/: open an upload session."""
        self._upload_counter = number = self._upload_counter + 1
        uuid = f"{number:08x}-0000-4000-8000-{self._host_code}"
        self.uploads[uuid] = self.storage.new_upload(uuid, name)
        # The answer, made without a call to Response's __init__ (every field set here): a push
        # opens an upload for every blob it sends.
        answer = _new(Response)
        answer.status = 202
        answer.headers = {
            "Location": f"{_UPLOAD_HEAD}{name}{_UPLOAD_MIDDLE}{uuid}",   # upload_path(name, uuid)
            "Range": "0-0",
            "Docker-Upload-UUID": uuid,
            "Content-Length": "0",
        }
        answer.body = None
        answer.error = None
        return answer

    def _session(self, name: str, uuid: str) -> UploadSession:
        session = self.uploads.get(uuid)
        if session is None or session.repository != name:
            raise self._upload_unknown(name, uuid)
        return session

    @staticmethod
    def _upload_unknown(name: str, uuid: str) -> RegistryError:
        return RegistryError(ErrorCode.BLOB_UPLOAD_UNKNOWN, f"no upload {uuid} is open for {name}", {"uuid": uuid})

    def _blob_created(self, name: str, digest: str) -> Response:
        return Answer(201, _created_headers, (name, digest))

    # ----- API version ----------------------------------------------------------------------

    def ping(self) -> Response:
        """GET /v2/: this registry speaks the v2 API."""
        return Response(200, {**API_VERSION_HEADER, "Content-Length": "2"}, b"{}")

    # ----- blobs ------------------------------------------------------------------------------

    def head_blob(self, name: str, digest: str, context: RequestContext | None = None) -> Response:
        # The status-only endpoint decides (this class's, as in patch_upload); a miss is answered,
        # not raised, and its error is written only if someone reads it.
        store = self.store
        if Handler.head_blob_status(self, name, digest) is _MISSING:
            return Refusal(404, _blob_unknown, (store, name, digest))
        return Answer(200, _found_headers, (store.blobs[digest].size, digest))

    def get_blob(
        self, name: str, digest: str, byte_range: tuple[int, int] | None = None, context: RequestContext | None = None
    ) -> Response:
        return self.blob_response(self.store.linked_blob(name, digest), byte_range)

    def blob_response(self, blob: Blob, byte_range: tuple[int, int] | None) -> Response:
        """A blob's bytes (or its stand-in), whole or the range asked for."""
        digest = blob.digest
        body: Body = blob.data if blob.data is not None else SizedContent(digest, blob.size)
        headers = {"Docker-Content-Digest": digest, "Content-Type": "application/octet-stream"}
        if byte_range is None:
            headers["Content-Length"] = str(blob.size)
            return Response(200, headers, body)
        start, end = byte_range
        if start < 0 or start >= blob.size or end < start:
            # RFC 9110 §14.4: a 416 to a byte-range request says how long the representation is.
            raise RegistryError(
                ErrorCode.RANGE_INVALID, f"range {start}-{end} is outside the blob's {blob.size} bytes",
                headers={"Content-Range": f"bytes */{blob.size}"},
            )
        end = min(end, blob.size - 1)
        part: Body = (
            blob.data[start:end + 1] if blob.data is not None
            else SizedContent(digest, blob.size, start, end - start + 1)
        )
        headers["Content-Length"] = str(end - start + 1)
        headers["Content-Range"] = f"bytes {start}-{end}/{blob.size}"
        return Response(206, headers, part)

    def delete_blob(self, name: str, digest: str) -> Response:
        """DELETE a blob: unlinks it from the repository; the store frees it at the next GC."""
        self.store.linked_blob(name, digest)
        self.store.repositories[name].blobs.unlink(digest)
        if self._persistent:
            self.storage.changed(self.store)
        return Response(202, {"Docker-Content-Digest": digest, "Content-Length": "0"})

    # ----- uploads ----------------------------------------------------------------------------

    def mount_blob(self, name: str, digest: str, from_repository: str | None, readable: bool) -> Response:
        """POST ?mount=&from=: link the blob from another repository, or open an upload instead.

        `readable`: whether the client may pull from `from_repository` (a mount needs it).
        """
        store = self.store
        check_digest(digest)
        source = store.repositories.get(from_repository or "")
        if source is not None and source.blobs.stat(digest) is not None and readable:
            store.repository(name).blobs.link(digest)   # a mount links; nothing is copied
            if self._persistent:
                self.storage.changed(store)
            return self._blob_created(name, digest)
        return self.open_upload(name)  # the spec's fallback: an ordinary upload session

    def upload_whole(self, name: str, digest: str, body: Body | None) -> Response:
        """POST ?digest=: the whole blob in one request, checked against the digest."""
        store = self.store
        session = self.storage.new_upload(None, name)
        try:
            session.append(body if body is not None else b"")
            blob = session.finish(digest)
        finally:
            if self._persistent:
                self.storage.upload_closed(session)
        store.link(store.repository(name), blob)
        if self._persistent:
            self.storage.changed(store)
        return self._blob_created(name, digest)

    def patch_upload(
        self, name: str, uuid: str, body: Chunk, content_range: tuple[int, int] | None = None
    ) -> Response:
        """PATCH a chunk; with a Content-Range it must continue where the upload stands (else 416)."""
        # This class's own, even where a subclass answers the status-only endpoints with its full ones.
        Handler.patch_upload_status(self, name, uuid, body, content_range)
        return Answer(202, _progress_headers, (name, uuid, self.uploads[uuid].received))

    def put_upload(self, name: str, uuid: str, digest: str | None, body: Chunk | None = None) -> Response:
        """PUT ?digest=: close the session; the content must hash to the digest or nothing is stored."""
        Handler.put_upload_status(self, name, uuid, digest, body)   # as in patch_upload
        return Answer(201, _created_headers, (name, digest))

    # ----- a push's blob endpoints, answered by their status alone -----------------------------
    # A registry with no guard lends this handler to a push (`Registry.unguarded`), which reads
    # nothing of a blob HEAD's, a PATCH's or an upload's last PUT's answer but its status. These
    # are those endpoints, with the same checks and changes, answered with one shared `Status`
    # for each status: no answer is made for each of those requests (a push makes about thirty
    # per image in `regsim bench`). A refusal is raised, and so is a full answer. A handler that
    # answers one of these requests its own way (a pull-through cache) names its full endpoint here too.

    def head_blob_status(self, name: str, digest: str, context: RequestContext | None = None) -> Response:
        """`head_blob`, answered by its status: found (200) or not (404). The blob store is asked
        first: every blob a push names is HEADed, and most of those HEADs ask for a blob no
        repository has yet. A malformed digest is refused now (400), not when the answer is read."""
        store = self.store
        if digest not in store.blobs:
            check_digest(digest)   # a malformed digest is refused (400); one the store holds was checked
            return _MISSING
        repo = store.repositories.get(name)
        return _FOUND if repo is not None and digest in repo.blobs else _MISSING

    def patch_upload_status(
        self, name: str, uuid: str, body: Chunk, content_range: tuple[int, int] | None = None
    ) -> Response:
        """`patch_upload`, answered by its status (202)."""
        session = self.uploads.get(uuid)   # self._session(name, uuid), without the call: a push PATCHes every blob
        if session is None or session.repository != name:
            raise self._upload_unknown(name, uuid)
        if content_range is not None:
            start, end = content_range
            if end - start + 1 != len(body):
                raise RegistryError(
                    ErrorCode.RANGE_INVALID,
                    f"Content-Range {start}-{end} does not match a chunk of {len(body)} bytes",
                )
        session.append(body, None if content_range is None else content_range[0])
        return _ACCEPTED

    def put_upload_status(self, name: str, uuid: str, digest: str | None, body: Chunk | None = None) -> Response:
        """`put_upload`, answered by its status (201)."""
        session = self.uploads.get(uuid)   # as in patch_upload_status
        if session is None or session.repository != name:
            raise self._upload_unknown(name, uuid)
        if digest is None:
            raise RegistryError(ErrorCode.DIGEST_INVALID, "the final PUT of an upload needs ?digest=")
        try:
            if body is not None and len(body):
                session.append(body)
            blob = session.finish(digest)
        finally:
            self.uploads.pop(uuid, None)
            if self._persistent:
                self.storage.upload_closed(session)
        store = self.store
        repo = store.repositories.get(name) or store.repository(name)   # an upload's repository mostly exists
        repo.blobs.put(blob)   # store.link, without the call
        if self._persistent:
            self.storage.changed(store)
        return _CREATED

    def upload_status(self, name: str, uuid: str) -> Response:
        session = self._session(name, uuid)
        return Response(
            204,
            {"Location": self._upload_location(name, uuid), "Range": session.range_header, "Docker-Upload-UUID": uuid},
        )

    def cancel_upload(self, name: str, uuid: str) -> Response:
        session = self._session(name, uuid)
        del self.uploads[uuid]
        if self._persistent:
            self.storage.upload_closed(session)
        return Response(204, {"Content-Length": "0"})

    def abandon_uploads(self) -> None:
        """Forget every open upload and what it left behind (on shutdown)."""
        for uuid in list(self.uploads):
            self.storage.upload_closed(self.uploads.pop(uuid))

    # ----- manifests --------------------------------------------------------------------------

    def manifest_response(self, manifest: AnyManifest, with_body: bool) -> Response:
        headers = {
            "Content-Type": manifest.media_type,
            "Content-Length": str(len(manifest.raw)),
            "Docker-Content-Digest": manifest.digest,
        }
        return Response(200, headers, manifest.raw if with_body else None)

    def head_manifest(
        self, name: str, reference: str, accept: Sequence[str] | None = None, context: RequestContext | None = None
    ) -> Response:
        """HEAD a manifest; `accept` lists the media types of the client's Accept header (None: not sent)."""
        return self._manifest(name, reference, accept, with_body=False)

    def get_manifest(
        self, name: str, reference: str, accept: Sequence[str] | None = None, context: RequestContext | None = None
    ) -> Response:
        """GET a manifest; `accept` lists the media types of the client's Accept header (None: not sent)."""
        return self._manifest(name, reference, accept, with_body=True)

    def _manifest(self, name: str, reference: str, accept: Sequence[str] | None, with_body: bool) -> Response:
        resolve = self.store.resolve
        manifest = negotiate(name, reference, resolve(name, reference), accept, lambda digest: resolve(name, digest))
        return self.manifest_response(manifest, with_body)

    def put_manifest(
        self,
        name: str,
        reference: str,
        raw: bytes,
        content_type: str | None = None,
        parsed: AnyManifest | None = None,
    ) -> Response:
        """PUT a manifest by tag or digest; every blob it names must already be in this repository."""
        store = self.store
        by_digest = is_digest_reference(reference)
        if by_digest:
            check_digest(reference)
        else:
            check_tag(reference)
        # A manifest built in-process arrives already parsed from exactly these bytes.
        manifest = parsed if parsed is not None and parsed.raw is raw else parse_manifest(raw, content_type)
        if by_digest and reference != manifest.digest:
            raise RegistryError(
                ErrorCode.DIGEST_INVALID,
                f"the manifest's bytes hash to {manifest.digest}, not {reference}",
                {"digest": reference},
            )
        repo = store.repositories.get(name)
        if isinstance(manifest, Manifest):
            digest = manifest.config.digest if repo is None else repo.blobs.first_missing(manifest)
            if digest is not None:
                raise RegistryError(
                    ErrorCode.MANIFEST_BLOB_UNKNOWN,
                    f"the manifest names blob {digest}, which {name} does not have: push it first",
                    {"digest": digest},
                )
        else:
            for child in manifest.manifests:
                if repo is None or child.digest not in repo.manifests:
                    raise RegistryError(
                        ErrorCode.MANIFEST_BLOB_UNKNOWN,
                        f"the index names manifest {child.digest}, which {name} does not have: push it first",
                        {"digest": child.digest},
                    )
        if repo is None:   # an index that lists no manifest
            repo = store.repository(name)
        if not by_digest and (repo.immutable_tags or name in store.immutable):
            current = repo.tags.get(reference)
            if current is not None and current != manifest.digest:
                raise RegistryError(
                    ErrorCode.DENIED,
                    f"tag {reference} in {name} is immutable: it already names {elided_digest(current)}; "
                    "push a new tag instead",
                    {"tag": reference},
                )
        repo.manifests.put(manifest)
        if not by_digest:
            repo.tags.tag(reference, manifest.digest)
        if isinstance(manifest, Manifest):
            store.count_layers(manifest)
        if self._persistent:
            self.storage.manifest_stored(manifest.digest, raw)
            self.storage.changed(store)
        if self.on_manifest_stored is not None:
            self.on_manifest_stored(self.host, name, manifest.digest, None if by_digest else reference)
        return Answer(201, _manifest_created_headers, (name, manifest))

    def delete_manifest(self, name: str, reference: str) -> Response:
        """DELETE by digest removes the revision and its tags; by tag removes only the tag."""
        store = self.store
        manifest = store.resolve(name, reference)
        repo = store.repositories[name]
        if is_digest_reference(reference):
            for other in repo.manifests.revisions():
                if isinstance(other, Index) and any(e.digest == manifest.digest for e in other.manifests):
                    raise RegistryError(
                        ErrorCode.DENIED,
                        f"the index {elided_digest(other.digest)} still lists "
                        f"{elided_digest(manifest.digest)}: delete the index first",
                        {"digest": manifest.digest},
                    )
            repo.manifests.delete(manifest.digest)
            for tag in repo.tags.lookup(manifest.digest):   # distribution's DeleteManifest: Lookup, Untag
                repo.tags.untag(tag)
        else:
            repo.tags.untag(reference)
        if self._persistent:
            self.storage.changed(store)
        return Response(202, {"Content-Length": "0"})

    # ----- listing -----------------------------------------------------------------------------

    @staticmethod
    def _page(items: list[str], n: int | None, last: str | None) -> tuple[list[str], bool]:
        if last is not None:
            items = [item for item in items if item > last]
        if n is not None:
            if n < 0:
                raise RegistryError(ErrorCode.PAGINATION_NUMBER_INVALID, f"n must not be negative, not {n}", {"n": n})
            return items[:n], len(items) > n
        return items, False

    def list_tags(
        self, name: str, n: int | None = None, last: str | None = None, context: RequestContext | None = None
    ) -> Response:
        """GET /v2/<name>/tags/list in lexical order, paginated by `n` and `last` with a Link header."""
        repo = self.store.repositories.get(name)
        if repo is None:
            raise RegistryError(ErrorCode.NAME_UNKNOWN, f"no repository {name} on {self.host}", {"name": name})
        return self.tags_page(name, repo.tags.all(), n, last)

    def tags_page(self, name: str, all_tags: Iterable[str], n: int | None, last: str | None) -> Response:
        """The tags/list answer for these tags: lexical order, `n` after `last`, a Link to the rest."""
        tags, more = self._page(sorted(all_tags), n, last)
        body = canonical_json({"name": name, "tags": tags})
        headers = {"Content-Type": "application/json", "Content-Length": str(len(body))}
        if more and tags:
            headers["Link"] = f'</v2/{name}/tags/list?n={n}&last={tags[-1]}>; rel="next"'
        return Response(200, headers, body)

    def catalog(self, n: int | None = None, last: str | None = None) -> Response:
        """GET /v2/_catalog: every repository name, in lexical order, paginated like tags."""
        names, more = self._page(sorted(self.store.repositories), n, last)
        body = canonical_json({"repositories": names})
        headers = {"Content-Type": "application/json", "Content-Length": str(len(body))}
        if more and names:
            headers["Link"] = f'</v2/_catalog?n={n}&last={names[-1]}>; rel="next"'
        return Response(200, headers, body)

    def referrers(self, name: str, digest: str, artifact_type: str | None = None) -> Response:
        """GET /v2/<name>/referrers/<digest>: an index of the manifests whose subject is `digest`."""
        Digest.parse(digest)
        repo = self.store.repositories.get(name)
        entries = []
        for manifest in (repo.manifests.revisions() if repo else ()):
            if manifest.subject is None or manifest.subject.digest != digest:
                continue
            kind = manifest.artifact_type or (
                manifest.config.media_type if isinstance(manifest, Manifest) else None
            )
            if artifact_type is not None and kind != artifact_type:
                continue
            entry = Descriptor(manifest.media_type, manifest.digest, len(manifest.raw), artifact_type=kind,
                               annotations=manifest.annotations)
            entries.append(entry.to_json())
        entries.sort(key=lambda e: e["digest"])
        body = canonical_json({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": entries})
        headers = {"Content-Type": OCI_INDEX, "Content-Length": str(len(body))}
        if artifact_type is not None:
            headers["OCI-Filters-Applied"] = "artifactType"
        return Response(200, headers, body)

    # ----- accounting ---------------------------------------------------------------------------

    def layer_bytes_stored(self) -> int:
        """Deduplicated layer bytes in the blob store (each layer once, however many images use it)."""
        return self.store.stored_layer_bytes
