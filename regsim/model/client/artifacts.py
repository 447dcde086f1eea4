"""How artifact tools (cosign, oras, helm) talk to a registry: one repository, plain OCI requests.

These tools are not dockerd: they keep no image store and print their own lines. They share
the registry conversation (version check and auth, through `HostSession`) and the steps below,
each as the Go library under the tool does it:

- a blob: HEAD it, and when missing POST an upload, then either PATCH the bytes and PUT to close
  (go-containerregistry pkg/v1/remote/write.go `uploadOne`: `initiateUpload`, `streamBlob`,
  `commitBlob`; cosign and crane use it) or PUT them with the close (oras-go
  registry/remote/repository.go `blobStore.Push`, a monolithic POST then PUT; oras and helm use it);
- a manifest with a `subject`: PUT, and when the answer has no `OCI-Subject` header the client
  keeps the subject's referrers list itself under its `sha256-<hex>` tag (OCI distribution-spec
  v1.1 spec.md, "Pushing Manifests with Subject");
- listing referrers: `GET /v2/<name>/referrers/<digest>`, and on 404 the tag schema's index.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from regsim.model.client.errors import docker_error
from regsim.model.client.session import HostSession
from regsim.model.core.events import (
    BlobKind,
    BlobRecord,
    How,
    Outcome,
    ReferrerHow,
    ReferrerRecord,
    RequestOutcome,
    Via,
)
from regsim.model.oci.blob import Body, SizedContent
from regsim.model.oci.descriptor import Descriptor
from regsim.model.oci.digest import sha256_digest, sized_digest_text
from regsim.model.oci.manifest import AnyManifest, Index, canonical_json, parse_manifest
from regsim.model.oci.mediatype import MANIFEST_TYPES, OCI_INDEX, OCI_MANIFEST
from regsim.model.oci.reference import Reference
from regsim.model.oci.referrers import fallback_tag, referrers_index
from regsim.model.oci.response import Response
from regsim.model.oci.routes import blob_path, manifest_path, referrers_path, uploads_path
from regsim.units import format_size

if TYPE_CHECKING:
    from regsim.model.client.daemon import Client

ACCEPT_ALL = tuple(sorted(MANIFEST_TYPES))


class Library(StrEnum):
    """The Go library under a tool: it decides how blobs travel and how the tag schema is kept."""

    GGCR = "go-containerregistry"   # cosign, crane: PATCH the bytes, then PUT ?digest= to close
    ORAS_GO = "oras-go"             # oras, helm: PUT ?digest= with the bytes


def artifact_manifest(
    config: Descriptor,
    layers: tuple[Descriptor, ...],
    *,
    artifact_type: str | None = None,
    subject: Descriptor | None = None,
    annotations: dict[str, str] | None = None,
) -> AnyManifest:
    """An OCI image manifest used as an artifact (image-spec v1.1 manifest.md), as its canonical bytes."""
    value: dict[str, object] = {"schemaVersion": 2, "mediaType": OCI_MANIFEST}
    if artifact_type:
        value["artifactType"] = artifact_type
    value["config"] = config.to_json()
    value["layers"] = [layer.to_json() for layer in layers]
    if subject is not None:
        value["subject"] = subject.to_json()
    if annotations:
        value["annotations"] = annotations
    return parse_manifest(canonical_json(value), OCI_MANIFEST)


class ArtifactSession:
    """One command of an artifact tool against one repository of one registry."""

    def __init__(self, client: Client, ref: Reference, out: Outcome) -> None:
        self.client = client
        self.ref = ref
        self.name = ref.repository
        self.out = out
        self.session = HostSession(client, ref.host, out, streamed=True)

    @property
    def where(self) -> str:
        return f"{self.ref.host}/{self.name}"

    def start(self, actions: tuple[str, ...]) -> bool:
        """The version check and, with token auth, a token for these actions on the repository."""
        return self.session.start({self.name: actions})

    def fail(self, response: Response, what: str) -> None:
        """A refusal as these tools print it: `Error: ` and the registry's code and message."""
        if response.status == 0:
            self.session.unreachable(what)
            return
        error = docker_error(response)
        reason = response.error.reason if response.error is not None else error.message
        self.out.fail(error.code, reason, f"Error: {what}: {error}")

    # ----- manifests ----------------------------------------------------------------------------

    def resolve(self, reference: str) -> Descriptor | None:
        """HEAD the manifest a tag or digest names: its digest, media type and size (None: refused)."""
        registry = self.session.registry
        path = manifest_path(self.name, reference)
        response, event = self.session.send(
            "HEAD", path,
            lambda auth: registry.head_manifest(auth, self.name, reference, ACCEPT_ALL, self.session.context),
            f"which manifest does {reference} name? (its digest is what an artifact's subject points at)",
        )
        if response.status != 200:
            event.outcome = RequestOutcome.MISSING if response.status == 404 else RequestOutcome.ERROR
            self.fail(response, f"{self.where}:{reference}")
            return None
        event.outcome = RequestOutcome.OK
        headers = response.headers
        return Descriptor(headers["Content-Type"], headers["Docker-Content-Digest"], int(headers["Content-Length"]))

    def fetch(self, reference: str, why: str, accept: tuple[str, ...] = ACCEPT_ALL) -> AnyManifest | None | bool:
        """GET a manifest: it, None when there is none (404), False when refused otherwise."""
        registry = self.session.registry
        response, event = self.session.send(
            "GET", manifest_path(self.name, reference),
            lambda auth: registry.get_manifest(auth, self.name, reference, accept, self.session.context), why,
        )
        if response.status == 404:
            event.outcome = RequestOutcome.MISSING
            return None
        if response.status != 200 or not isinstance(response.body, bytes):
            event.outcome = RequestOutcome.ERROR
            self.fail(response, f"{self.where}:{reference}")
            return False
        event.outcome = RequestOutcome.DOWNLOADED
        self.out.blobs.append(BlobRecord(response.headers["Docker-Content-Digest"], BlobKind.MANIFEST,
                                         len(response.body), How.PULLED))
        return parse_manifest(response.body, response.headers.get("Content-Type"))

    def put(self, manifest: AnyManifest, reference: str, why: str) -> Response | None:
        """PUT a manifest by tag or digest; the answer, or None when refused."""
        registry = self.session.registry
        response, event = self.session.send(
            "PUT", manifest_path(self.name, reference), registry.put_manifest, why,
            (self.name, reference, manifest.raw, manifest.media_type, manifest), sent=len(manifest.raw),
        )
        if response.status != 201:
            event.outcome = RequestOutcome.ERROR
            self.fail(response, f"{self.where}:{reference}")
            return None
        event.outcome = RequestOutcome.STORED
        self.out.blobs.append(BlobRecord(manifest.digest, BlobKind.MANIFEST, len(manifest.raw), How.SENT))
        return response

    def delete(self, digest: str, why: str) -> bool:
        registry = self.session.registry
        if not self.session.need(self.name, ("delete",)):
            return False
        response, event = self.session.send(
            "DELETE", manifest_path(self.name, digest),
            lambda auth: registry.delete_manifest(auth, self.name, digest), why,
        )
        if response.status != 202:
            event.outcome = RequestOutcome.ERROR
            self.fail(response, f"{self.where}@{digest}")
            return False
        event.outcome = RequestOutcome.OK
        return True

    # ----- blobs --------------------------------------------------------------------------------

    def push_blob(self, desc: Descriptor, body: Body, kind: BlobKind, label: str, library: Library) -> bool:
        """HEAD the blob; when missing, open an upload and send it the way the tool's library does."""
        registry, name, digest = self.session.registry, self.name, desc.digest
        head_path = blob_path(name, digest)
        response, event = self.session.send(
            "HEAD", head_path, registry.head_blob, f"does {name} already have {label} ({format_size(desc.size)})?",
            (name, digest, self.session.context),
        )
        if response.status == 200:
            event.outcome = RequestOutcome.EXISTS
            self.out.blobs.append(BlobRecord(digest, kind, desc.size, How.EXISTS, label))
            return True
        if response.status != 404:
            event.outcome = RequestOutcome.ERROR
            self.fail(response, head_path)
            return False
        event.outcome = RequestOutcome.MISSING
        uploads = uploads_path(name)
        response, event = self.session.send("POST", uploads, registry.start_upload, f"open an upload for {label}",
                                            (name,))
        if response.status != 202:
            event.outcome = RequestOutcome.ERROR
            self.fail(response, uploads)
            return False
        event.outcome = RequestOutcome.UPLOAD_OPENED
        location = response.headers["Location"]
        uuid = location.rsplit("/", 1)[1]
        if library == Library.GGCR:
            response, event = self.session.send(
                "PATCH", location, registry.patch_upload, f"send {label}'s {format_size(desc.size)}",
                (name, uuid, body), sent=len(body),
            )
            if response.status != 202:
                event.outcome = RequestOutcome.ERROR
                self.fail(response, location)
                return False
            event.outcome = RequestOutcome.SENT
            closing: tuple[object, ...] = (name, uuid, digest)
            why, sent = "close the upload: the registry checks the bytes against the digest", 0
        else:
            closing = (name, uuid, digest, body)
            why, sent = f"send {label}'s {format_size(desc.size)} and close the upload in one PUT", len(body)
        response, event = self.session.send("PUT", f"{location}?digest={digest}", registry.put_upload, why,
                                            closing, sent=sent)
        if response.status != 201:
            event.outcome = RequestOutcome.ERROR
            self.fail(response, location)
            return False
        event.outcome = RequestOutcome.STORED
        self.out.blobs.append(BlobRecord(digest, kind, desc.size, How.SENT, label))
        return True

    def get_blob(self, desc: Descriptor, kind: BlobKind, label: str) -> Body | None:
        registry, name = self.session.registry, self.name
        path = blob_path(name, desc.digest)
        response, event = self.session.send("GET", path, registry.get_blob, f"download {label}",
                                            (name, desc.digest, None, self.session.context))
        if response.status != 200 or response.body is None:
            event.outcome = RequestOutcome.ERROR
            self.fail(response, path)
            return None
        event.outcome = RequestOutcome.DOWNLOADED
        self.out.blobs.append(BlobRecord(desc.digest, kind, desc.size, How.PULLED, label))
        return response.body

    # ----- referrers ----------------------------------------------------------------------------

    def list_referrers(self, subject: str, artifact_type: str | None = None) -> tuple[list[Descriptor], Via] | None:
        """The subject's referrers: the referrers API's index, or on 404 the tag schema's (None: refused).

        A filter the registry did not apply (no `OCI-Filters-Applied`, or the tag schema) is applied
        here, as oras-go's `Referrers` and the spec's "Listing Referrers" ask of a client."""
        registry, name = self.session.registry, self.name
        query = f"?artifactType={artifact_type}" if artifact_type else ""
        response, event = self.session.send(
            "GET", referrers_path(name, subject) + query,
            lambda auth: registry.referrers(auth, name, subject, artifact_type),
            "which artifacts point at this image through their subject? (the referrers API)",
        )
        if response.status == 200 and isinstance(response.body, bytes):
            event.outcome = RequestOutcome.OK
            listed = parse_manifest(response.body, OCI_INDEX)
            entries = list(listed.manifests) if isinstance(listed, Index) else []
            filtered = "artifactType" in response.headers.get("OCI-Filters-Applied", "")
            via = Via.API
        elif response.status == 404:
            event.outcome = RequestOutcome.MISSING
            found = self.fetch(fallback_tag(subject), "no referrers API here: read the list kept under the "
                               "subject's sha256-<hex> tag instead", (OCI_INDEX,))
            if found is False:
                return None
            entries = list(found.manifests) if isinstance(found, Index) else []
            filtered, via = False, Via.TAG_SCHEMA
        else:
            event.outcome = RequestOutcome.ERROR
            self.fail(response, referrers_path(name, subject))
            return None
        if artifact_type and not filtered:
            entries = [entry for entry in entries if entry.artifact_type == artifact_type]
        for entry in entries:
            self.out.referrers.append(
                ReferrerRecord(subject, entry.digest, entry.artifact_type, ReferrerHow.LISTED, via)
            )
        return entries, via

    def push_referrer(self, manifest: AnyManifest, why: str, library: Library) -> bool:
        """PUT an artifact by digest; then, as its library does, keep the tag schema's list if needed.

        go-containerregistry asks the referrers API after every such PUT, header or not (write.go
        `commitManifest` calls `commitSubjectReferrers`); oras-go trusts the `OCI-Subject` header
        and goes to the tag schema when it is missing (repository.go `indexReferrersForPush`)."""
        ping_first = library == Library.GGCR
        subject = manifest.subject
        assert subject is not None
        response = self.put(manifest, manifest.digest, why)
        if response is None:
            return False
        entry_type = manifest.artifact_type
        if response.headers.get("OCI-Subject") == subject.digest and not ping_first:
            self.out.referrers.append(
                ReferrerRecord(subject.digest, manifest.digest, entry_type, ReferrerHow.PUSHED, Via.API)
            )
            return True
        if ping_first:
            registry, name = self.session.registry, self.name
            answer, event = self.session.send(
                "GET", referrers_path(name, subject.digest),
                lambda auth: registry.referrers(auth, name, subject.digest, None),
                "does this registry keep referrers lists itself? (the referrers API)",
            )
            if answer.status == 200:
                event.outcome = RequestOutcome.OK
                self.out.referrers.append(
                    ReferrerRecord(subject.digest, manifest.digest, entry_type, ReferrerHow.PUSHED, Via.API)
                )
                return True
            event.outcome = RequestOutcome.MISSING
        return self._add_to_tag_schema(manifest, library)

    def _add_to_tag_schema(self, manifest: AnyManifest, library: Library) -> bool:
        """Read the subject's `sha256-<hex>` index, add the artifact, PUT it back under that tag;
        oras-go then deletes the index it replaced (updateReferrersIndex, step 4)."""
        subject = manifest.subject
        assert subject is not None
        tag = fallback_tag(subject.digest)
        old = self.fetch(tag, "no OCI-Subject in the answer: read the referrers list kept under the "
                         "subject's sha256-<hex> tag", (OCI_INDEX,))
        if old is False:
            return False
        entries = list(old.manifests) if isinstance(old, Index) else []
        by_digest = library == Library.GGCR   # ggcr sorts the list by digest; oras-go appends
        # ggcr writes the config's media type as the entry's artifactType (write.go commitManifest);
        # oras-go the manifest's artifactType, else the config's (indexReferrersForPush).
        config = getattr(manifest, "config", None)
        config_type = config.media_type if config is not None else None
        entry_type = config_type if by_digest else (manifest.artifact_type or config_type)
        entry = Descriptor(manifest.media_type, manifest.digest, len(manifest.raw), artifact_type=entry_type,
                           annotations=() if by_digest else manifest.annotations)
        if all(e.digest != entry.digest for e in entries):
            entries.append(entry)
        index = referrers_index(tuple(entries), by_digest=by_digest)
        if self.put(index, tag, f"store the updated referrers list under the tag {tag}") is None:
            return False
        self.out.referrers.append(ReferrerRecord(subject.digest, manifest.digest, entry_type, ReferrerHow.PUSHED,
                                                 Via.TAG_SCHEMA))
        if isinstance(old, Index) and not by_digest and old.digest != index.digest:
            return self.delete(old.digest, "delete the referrers list this one replaced")
        return True


def file_blob(name: str, size: int, media_type: str, *, titled: bool = True) -> tuple[Descriptor, SizedContent]:
    """A scenario's file (an SBOM, a chart) as a blob: a stand-in of its size, its digest derived
    from its name and size, so the same file always has the same digest. `titled`: the descriptor
    names the file (`org.opencontainers.image.title`, as oras sets it)."""
    digest = sized_digest_text(f"file:{name}", size)
    title = (("org.opencontainers.image.title", name),) if titled else ()
    return Descriptor(media_type, digest, size, annotations=title), SizedContent(digest, size, 0, size)


def bytes_blob(data: bytes, media_type: str) -> tuple[Descriptor, bytes]:
    return Descriptor(media_type, sha256_digest(data), len(data)), data
