"""The registry: one deduplicated blob store, repositories that link what they may serve.

Every endpoint of the OCI Distribution Spec v1.1 is a method here that takes the request's
parts and returns a `Response` (status, headers, body) or raises a `RegistryError`, which
the caller turns into the spec's JSON error body. As in the reference registry, the blob
store *holds* content while a repository only *links* the blobs it may serve; that split is
what makes cross-repository mounts and garbage collection teachable.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from regsim.model.oci.blob import Blob, Body, SizedContent
from regsim.model.oci.descriptor import Descriptor
from regsim.model.oci.digest import Digest, check_digest, sha256_digest
from regsim.model.oci.errors import ErrorCode, RegistryError
from regsim.model.oci.manifest import AnyManifest, Index, Manifest, canonical_json, parse_manifest
from regsim.model.oci.mediatype import DOCKER_MANIFEST_LIST, OCI_INDEX, OCI_MANIFEST
from regsim.model.oci.reference import check_name, check_tag, is_digest_reference
from regsim.model.oci.response import Response
from regsim.model.registry.upload import UploadSession

if TYPE_CHECKING:
    from regsim.model.registry.access import RateLimit

API_VERSION_HEADER = {"Docker-Distribution-API-Version": "registry/2.0"}

# Makes the session behind a new upload id: (uuid, repository) -> the session that collects its bytes.
UploadSessionFactory = Callable[[str, str], UploadSession]

# The body messages distribution 2.8.2 sends when a client's Accept header rules out what is stored.
OCI_MANIFEST_NOT_ACCEPTED = "OCI manifest found, but accept header does not support OCI manifests"
OCI_INDEX_NOT_ACCEPTED = "OCI index found, but accept header does not support OCI indexes"


class Guard(Protocol):
    """Decides whether a request may proceed (auth); raises UNAUTHORIZED or DENIED."""

    def authorize(self, auth: str | None, name: str, action: str) -> str | None: ...

    def check_ping(self, auth: str | None) -> None: ...


@dataclass(slots=True)
class Repository:
    """What one repository links: blobs it may serve, manifest revisions, and tags."""

    name: str
    layers: set[str] = field(default_factory=set)
    manifests: dict[str, AnyManifest] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    immutable_tags: bool = False


@dataclass(slots=True)
class GCReport:
    """What a garbage collection removed."""

    blobs_freed: int = 0
    bytes_freed: int = 0
    layer_bytes_freed: int = 0
    manifests_deleted: int = 0
    freed: list[str] = field(default_factory=list)


class Registry:
    """A registry host: blob store, repositories, upload sessions.

    `new_upload_session` makes the session behind each upload a client opens (POST, or a mount
    that falls back to an upload): it is called with the new upload's id and repository and
    returns an `UploadSession` (or a subclass). The default keeps the bytes in memory; pass
    another factory, or set the attribute, to keep them elsewhere (live mode writes them to disk).
    """

    def __init__(self, host: str, new_upload_session: UploadSessionFactory | None = None) -> None:
        self.host = host
        self.blobs: dict[str, Blob] = {}
        self.repositories: dict[str, Repository] = {}
        self.uploads: dict[str, UploadSession] = {}
        self.new_upload_session: UploadSessionFactory = new_upload_session or UploadSession
        self.layer_digests: set[str] = set()   # blobs some manifest used as a layer
        self.stored_layer_bytes = 0
        self.guard: Guard | None = None
        self.rate_limit: RateLimit | None = None
        self.clock: Callable[[], float] = lambda: 0.0
        self.immutable: set[str] = set()        # repositories whose tags may not move
        self._upload_counter = 0
        self._valid_names: set[str] = set()
        self._host_code = sha256_digest(host.encode())[7:19]  # stable across runs, unlike hash()
        self.on_manifest_stored: Callable[[str, str, str, str | None], None] | None = None

    # ----- helpers -------------------------------------------------------------------------

    def __repr__(self) -> str:
        return f"Registry({self.host!r}, {len(self.repositories)} repositories, {len(self.blobs)} blobs)"

    def _name(self, name: str) -> str:
        if name not in self._valid_names:
            check_name(name)
            self._valid_names.add(name)
        return name

    def _authorize(self, auth: str | None, name: str, action: str) -> str | None:
        if self.guard is None:
            return None
        return self.guard.authorize(auth, name, action)

    def _repo(self, name: str) -> Repository | None:
        return self.repositories.get(name)

    def _repo_or_create(self, name: str) -> Repository:
        repo = self.repositories.get(name)
        if repo is None:
            repo = self.repositories[name] = Repository(name, immutable_tags=name in self.immutable)
        return repo

    def _linked_blob(self, name: str, digest: str) -> Blob:
        repo = self.repositories.get(name)
        if repo is None or digest not in repo.layers:
            check_digest(digest)
            raise RegistryError(ErrorCode.BLOB_UNKNOWN, f"{name} has no blob {digest}", digest)
        blob = self.blobs.get(digest)
        if blob is None:
            raise RegistryError(ErrorCode.BLOB_UNKNOWN, f"blob {digest} is no longer stored", digest)
        return blob

    def _store_blob(self, repo: Repository, blob: Blob) -> None:
        self.blobs.setdefault(blob.digest, blob)
        repo.layers.add(blob.digest)

    def _upload_location(self, name: str, uuid: str) -> str:
        return f"/v2/{name}/blobs/uploads/{uuid}"

    def _new_upload(self, name: str) -> Response:
        self._upload_counter += 1
        uuid = f"{self._upload_counter:08x}-0000-4000-8000-{self._host_code}"
        self.uploads[uuid] = self.new_upload_session(uuid, name)
        return Response(
            202,
            {
                "Location": self._upload_location(name, uuid),
                "Range": "0-0",
                "Docker-Upload-UUID": uuid,
                "Content-Length": "0",
            },
        )

    def _session(self, name: str, uuid: str) -> UploadSession:
        session = self.uploads.get(uuid)
        if session is None or session.repository != name:
            raise RegistryError(
                ErrorCode.BLOB_UPLOAD_UNKNOWN, f"no upload {uuid} is open for {name}", {"uuid": uuid}
            )
        return session

    def _blob_created(self, name: str, digest: str) -> Response:
        return Response(
            201,
            {"Location": f"/v2/{name}/blobs/{digest}", "Docker-Content-Digest": digest, "Content-Length": "0"},
        )

    # ----- API version ----------------------------------------------------------------------

    def ping(self, auth: str | None = None) -> Response:
        """GET /v2/: 200 when the client may talk to this registry."""
        if self.guard is not None:
            self.guard.check_ping(auth)
        return Response(200, {**API_VERSION_HEADER, "Content-Length": "2"}, b"{}")

    def issue_token(self, auth: str | None, service: str | None, scopes: list[str]) -> Response:
        """The token endpoint (the realm of this registry's Bearer challenges)."""
        issue = getattr(self.guard, "issue_token", None)
        if issue is None:
            raise RegistryError(ErrorCode.UNSUPPORTED, f"{self.host} has no token service")
        return issue(auth, service, scopes)  # type: ignore[no-any-return]

    # ----- blobs ------------------------------------------------------------------------------

    def head_blob(self, auth: str | None, name: str, digest: str) -> Response:
        self._authorize(auth, self._name(name), "pull")
        blob = self._linked_blob(name, digest)
        return Response(200, {"Content-Length": str(blob.size), "Docker-Content-Digest": digest})

    def get_blob(
        self, auth: str | None, name: str, digest: str, byte_range: tuple[int, int] | None = None
    ) -> Response:
        self._authorize(auth, self._name(name), "pull")
        blob = self._linked_blob(name, digest)
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

    def delete_blob(self, auth: str | None, name: str, digest: str) -> Response:
        """DELETE a blob: unlinks it from the repository; the store frees it at the next GC."""
        self._authorize(auth, self._name(name), "delete")
        self._linked_blob(name, digest)
        self.repositories[name].layers.discard(digest)
        return Response(202, {"Docker-Content-Digest": digest, "Content-Length": "0"})

    # ----- uploads ----------------------------------------------------------------------------

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
        self._authorize(auth, self._name(name), "push")
        if mount is not None:
            Digest.parse(mount)
            source = self.repositories.get(from_repository or "")
            if (
                source is not None
                and mount in source.layers
                and mount in self.blobs
                and self._may_read(auth, source.name)
            ):
                self._repo_or_create(name).layers.add(mount)
                return self._blob_created(name, mount)
            return self._new_upload(name)  # the spec's fallback: an ordinary upload session
        if digest is not None:
            session = UploadSession("monolithic", name)
            session.append(body if body is not None else b"")
            blob = session.finish(digest)
            self._store_blob(self._repo_or_create(name), blob)
            return self._blob_created(name, digest)
        return self._new_upload(name)

    def _may_read(self, auth: str | None, name: str) -> bool:
        if self.guard is None:
            return True
        try:
            self.guard.authorize(auth, name, "pull")
        except RegistryError:
            return False
        return True

    def patch_upload(
        self, auth: str | None, name: str, uuid: str, body: Body, content_range: tuple[int, int] | None = None
    ) -> Response:
        """PATCH a chunk; with a Content-Range it must continue where the upload stands (else 416)."""
        self._authorize(auth, self._name(name), "push")
        session = self._session(name, uuid)
        if content_range is not None:
            start, end = content_range
            if end - start + 1 != len(body):
                raise RegistryError(
                    ErrorCode.RANGE_INVALID,
                    f"Content-Range {start}-{end} does not match a chunk of {len(body)} bytes",
                )
        session.append(body, None if content_range is None else content_range[0])
        return Response(
            202,
            {
                "Location": self._upload_location(name, uuid),
                "Range": session.range_header,
                "Docker-Upload-UUID": uuid,
                "Content-Length": "0",
            },
        )

    def put_upload(
        self, auth: str | None, name: str, uuid: str, digest: str | None, body: Body | None = None
    ) -> Response:
        """PUT ?digest=: close the session; the content must hash to the digest or nothing is stored."""
        self._authorize(auth, self._name(name), "push")
        session = self._session(name, uuid)
        if digest is None:
            raise RegistryError(ErrorCode.DIGEST_INVALID, "the final PUT of an upload needs ?digest=")
        try:
            if body is not None and len(body):
                session.append(body)
            blob = session.finish(digest)
        except RegistryError:
            self.uploads.pop(uuid, None)
            raise
        self.uploads.pop(uuid, None)
        self._store_blob(self._repo_or_create(name), blob)
        return self._blob_created(name, digest)

    def upload_status(self, auth: str | None, name: str, uuid: str) -> Response:
        self._authorize(auth, self._name(name), "push")
        session = self._session(name, uuid)
        return Response(
            204,
            {"Location": self._upload_location(name, uuid), "Range": session.range_header, "Docker-Upload-UUID": uuid},
        )

    def cancel_upload(self, auth: str | None, name: str, uuid: str) -> Response:
        self._authorize(auth, self._name(name), "push")
        self._session(name, uuid)
        del self.uploads[uuid]
        return Response(204, {"Content-Length": "0"})

    # ----- manifests --------------------------------------------------------------------------

    def resolve(self, name: str, reference: str) -> AnyManifest:
        """The manifest a tag or digest names in a repository (no auth: for the model's own use)."""
        repo = self.repositories.get(name)
        if repo is None:
            raise RegistryError(ErrorCode.NAME_UNKNOWN, f"no repository {name} on {self.host}", {"name": name})
        if is_digest_reference(reference):
            Digest.parse(reference)
            manifest = repo.manifests.get(reference)
        else:
            check_tag(reference)
            digest = repo.tags.get(reference)
            manifest = repo.manifests.get(digest) if digest else None
        if manifest is None:
            raise RegistryError(
                ErrorCode.MANIFEST_UNKNOWN, f"{name} has no manifest {reference}", {"name": name, "reference": reference}
            )
        return manifest

    def _manifest_response(self, manifest: AnyManifest, with_body: bool) -> Response:
        headers = {
            "Content-Type": manifest.media_type,
            "Content-Length": str(len(manifest.raw)),
            "Docker-Content-Digest": manifest.digest,
        }
        return Response(200, headers, manifest.raw if with_body else None)

    def _accepted(
        self,
        name: str,
        reference: str,
        manifest: AnyManifest,
        accept: Sequence[str] | None,
        fetch: Callable[[str], AnyManifest],
    ) -> AnyManifest:
        """The manifest to answer with, given the media types the client's Accept header lists.

        As distribution 2.8.2's manifest handler decides (parameters such as `;q=` are ignored,
        and so are wildcards: `*/*` accepts no manifest type):

        - an OCI image manifest or OCI index the client does not accept is 404 MANIFEST_UNKNOWN;
        - a Docker manifest list asked for *by tag* by a client that does not accept manifest
          lists is answered with the list's first linux/amd64 manifest (fetched with `fetch`),
          or MANIFEST_UNKNOWN when it has none. By digest the list itself is sent: the answer
          must hash to the digest asked for.

        `accept=None` means the caller did not negotiate: the stored manifest is sent as it is.
        Not modelled: distribution's rewrite of a Docker schema 2 manifest into schema 1 for a
        client that accepts neither (this model has no schema 1); such a client gets schema 2.
        """
        if accept is None:
            return manifest
        kinds = {text.partition(";")[0].strip().lower() for text in accept}
        if manifest.media_type == OCI_MANIFEST and OCI_MANIFEST not in kinds:
            raise RegistryError(ErrorCode.MANIFEST_UNKNOWN, OCI_MANIFEST_NOT_ACCEPTED,
                                message=OCI_MANIFEST_NOT_ACCEPTED)
        if manifest.media_type == OCI_INDEX and OCI_INDEX not in kinds:
            raise RegistryError(ErrorCode.MANIFEST_UNKNOWN, OCI_INDEX_NOT_ACCEPTED, message=OCI_INDEX_NOT_ACCEPTED)
        if (
            isinstance(manifest, Index)
            and manifest.media_type == DOCKER_MANIFEST_LIST
            and DOCKER_MANIFEST_LIST not in kinds
            and not is_digest_reference(reference)
        ):
            for entry in manifest.manifests:
                if entry.platform is not None and (entry.platform.os, entry.platform.architecture) == ("linux", "amd64"):
                    return fetch(entry.digest)
            raise RegistryError(
                ErrorCode.MANIFEST_UNKNOWN,
                f"{name}:{reference} is a manifest list with no linux/amd64 manifest to send a client "
                "that does not accept manifest lists",
            )
        return manifest

    def head_manifest(
        self, auth: str | None, name: str, reference: str, accept: Sequence[str] | None = None
    ) -> Response:
        """HEAD a manifest; `accept` lists the media types of the client's Accept header (None: not sent)."""
        self._authorize(auth, self._name(name), "pull")
        manifest = self._accepted(name, reference, self.resolve(name, reference), accept,
                                  lambda digest: self.resolve(name, digest))
        return self._manifest_response(manifest, with_body=False)

    def get_manifest(
        self, auth: str | None, name: str, reference: str, accept: Sequence[str] | None = None
    ) -> Response:
        """GET a manifest; `accept` lists the media types of the client's Accept header (None: not sent)."""
        user = self._authorize(auth, self._name(name), "pull")
        if self.rate_limit is not None:  # pull limits count manifest GETs, as Docker Hub's do
            self.rate_limit.hit(user, self.clock())
        manifest = self._accepted(name, reference, self.resolve(name, reference), accept,
                                  lambda digest: self.resolve(name, digest))
        return self._manifest_response(manifest, with_body=True)

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
        self._authorize(auth, self._name(name), "push")
        by_digest = is_digest_reference(reference)
        if by_digest:
            Digest.parse(reference)
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
        repo = self.repositories.get(name)
        linked = repo.layers if repo is not None else set()
        if isinstance(manifest, Manifest):
            for digest in manifest.blob_digests():
                if digest not in linked or digest not in self.blobs:
                    raise RegistryError(
                        ErrorCode.MANIFEST_BLOB_UNKNOWN,
                        f"the manifest names blob {digest}, which {name} does not have: push it first",
                        {"digest": digest},
                    )
        else:
            known = repo.manifests if repo is not None else {}
            for child in manifest.manifests:
                if child.digest not in known:
                    raise RegistryError(
                        ErrorCode.MANIFEST_BLOB_UNKNOWN,
                        f"the index names manifest {child.digest}, which {name} does not have: push it first",
                        {"digest": child.digest},
                    )
        repo = self._repo_or_create(name)
        if not by_digest and (repo.immutable_tags or name in self.immutable):
            current = repo.tags.get(reference)
            if current is not None and current != manifest.digest:
                raise RegistryError(
                    ErrorCode.DENIED,
                    f"tag {reference} in {name} is immutable: it already names {current[:19]}…; "
                    "push a new tag instead",
                    {"tag": reference},
                )
        self.blobs.setdefault(manifest.digest, Blob(manifest.digest, len(raw), raw))
        repo.manifests[manifest.digest] = manifest
        if not by_digest:
            repo.tags[reference] = manifest.digest
        if isinstance(manifest, Manifest):
            for layer in manifest.layers:
                if layer.digest not in self.layer_digests:
                    self.layer_digests.add(layer.digest)
                    self.stored_layer_bytes += self.blobs[layer.digest].size
        headers = {
            "Location": f"/v2/{name}/manifests/{manifest.digest}",
            "Docker-Content-Digest": manifest.digest,
            "Content-Length": "0",
        }
        if manifest.subject is not None:
            headers["OCI-Subject"] = manifest.subject.digest
        if self.on_manifest_stored is not None:
            self.on_manifest_stored(self.host, name, manifest.digest, None if by_digest else reference)
        return Response(201, headers)

    def delete_manifest(self, auth: str | None, name: str, reference: str) -> Response:
        """DELETE by digest removes the revision and its tags; by tag removes only the tag."""
        self._authorize(auth, self._name(name), "delete")
        return self.remove_manifest(name, reference)

    def remove_manifest(self, name: str, reference: str) -> Response:
        """The operator's delete (no auth): what DELETE does once it is allowed."""
        manifest = self.resolve(name, reference)
        repo = self.repositories[name]
        if is_digest_reference(reference):
            for other in repo.manifests.values():
                if isinstance(other, Index) and any(e.digest == manifest.digest for e in other.manifests):
                    raise RegistryError(
                        ErrorCode.DENIED,
                        f"the index {other.digest[:19]}… still lists {manifest.digest[:19]}…: delete the index first",
                        {"digest": manifest.digest},
                    )
            del repo.manifests[manifest.digest]
            for tag in [t for t, d in repo.tags.items() if d == manifest.digest]:
                del repo.tags[tag]
        else:
            del repo.tags[reference]
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

    def list_tags(self, auth: str | None, name: str, n: int | None = None, last: str | None = None) -> Response:
        """GET /v2/<name>/tags/list in lexical order, paginated by `n` and `last` with a Link header."""
        first, _, rest = name.partition("/")
        if rest and first != first.lower() and rest == rest.lower():
            # The reference registry's router reads an uppercase first part as a registry domain,
            # so `Team/app` is a well-formed name that no repository has: 404 NAME_UNKNOWN.
            raise RegistryError(ErrorCode.NAME_UNKNOWN, f"no repository {name} on {self.host}", {"name": name})
        self._authorize(auth, self._name(name), "pull")
        repo = self.repositories.get(name)
        if repo is None:
            raise RegistryError(ErrorCode.NAME_UNKNOWN, f"no repository {name} on {self.host}", {"name": name})
        tags, more = self._page(sorted(repo.tags), n, last)
        body = canonical_json({"name": name, "tags": tags})
        headers = {"Content-Type": "application/json", "Content-Length": str(len(body))}
        if more and tags:
            headers["Link"] = f'</v2/{name}/tags/list?n={n}&last={tags[-1]}>; rel="next"'
        return Response(200, headers, body)

    def catalog(self, auth: str | None = None, n: int | None = None, last: str | None = None) -> Response:
        names, more = self._page(sorted(self.repositories), n, last)
        body = canonical_json({"repositories": names})
        headers = {"Content-Type": "application/json", "Content-Length": str(len(body))}
        if more and names:
            headers["Link"] = f'</v2/_catalog?n={n}&last={names[-1]}>; rel="next"'
        return Response(200, headers, body)

    def referrers(self, auth: str | None, name: str, digest: str, artifact_type: str | None = None) -> Response:
        """GET /v2/<name>/referrers/<digest>: an index of the manifests whose subject is `digest`."""
        self._authorize(auth, self._name(name), "pull")
        Digest.parse(digest)
        repo = self.repositories.get(name)
        entries = []
        for manifest in (repo.manifests.values() if repo else ()):
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

    def image_manifests(self, manifest: AnyManifest, repo: Repository) -> list[Manifest]:
        """The image manifests a manifest stands for (an index's children that are present)."""
        if isinstance(manifest, Manifest):
            return [manifest]
        found = []
        for child in manifest.manifests:
            sub = repo.manifests.get(child.digest)
            if sub is not None:
                found.extend(self.image_manifests(sub, repo))
        return found

    def logical_layer_bytes(self) -> int:
        """What storing every tagged image whole would cost: the sum of each tag's layers."""
        total = 0
        for repo in self.repositories.values():
            for digest in repo.tags.values():
                manifest = repo.manifests.get(digest)
                if manifest is not None:
                    for image in self.image_manifests(manifest, repo):
                        total += image.layer_bytes
        return total

    def layer_bytes_stored(self) -> int:
        """Deduplicated layer bytes in the blob store (each layer once, however many images use it)."""
        return self.stored_layer_bytes

    def stored_bytes(self) -> int:
        return sum(blob.size for blob in self.blobs.values())

    def tagged_images(self) -> dict[str, list[Descriptor]]:
        """Every tag as `repo:tag` with the layers of the image(s) it names."""
        images: dict[str, list[Descriptor]] = {}
        for repo in sorted(self.repositories.values(), key=lambda r: r.name):
            for tag in sorted(repo.tags):
                manifest = repo.manifests.get(repo.tags[tag])
                if manifest is None:
                    continue
                layers = [layer for image in self.image_manifests(manifest, repo) for layer in image.layers]
                images[f"{repo.name}:{tag}"] = layers
        return images

    def snapshot_json(self) -> bytes:
        """A canonical dump of the registry's state, for determinism checks."""
        value = {
            "blobs": sorted((d, b.size) for d, b in self.blobs.items()),
            "repositories": {
                name: {
                    "layers": sorted(repo.layers),
                    "manifests": sorted(repo.manifests),
                    "tags": dict(sorted(repo.tags.items())),
                }
                for name, repo in sorted(self.repositories.items())
            },
        }
        return json.dumps(value, sort_keys=True).encode()

