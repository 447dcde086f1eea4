"""`docker push`: HEAD each blob, mount what the registry has elsewhere, upload only what is missing.

The request sequence follows a real client against the reference registry
(`shared/reference`): a HEAD per layer (and a second one just before uploading it),
a HEAD of a known other repository and a mount POST when the client knows the blob is
there, POST + PATCH + PUT for what must travel, the config blob last, then the manifest.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import quote

from regsim.model.content import Descriptor, Index, Manifest, SizedContent
from regsim.model.errors import RegistryError
from regsim.model.events import EXISTS, MOUNTED, SENT, UPLOAD, BlobRecord, Outcome
from regsim.model.response import Response
from regsim.model.session import HostSession
from regsim.units import format_size

if TYPE_CHECKING:
    from regsim.model.client import Client, LocalImage


def push(client: Client, text: str) -> Outcome:
    out = Outcome(direction="up")
    try:
        ref = client.parse(text)
    except RegistryError as error:
        return out.fail(error.code.name, error.reason, f"invalid reference format: {error.reason}")
    if ref.digest is not None:
        return out.fail("DIGEST_REFERENCE", "a push needs a tag, not a digest",
                        "cannot push a digest reference")
    image = client.image_for(ref)
    repo_line = f"{ref.host}/{ref.repository}"
    if image is None:
        return out.fail(
            "NOT_FOUND_LOCALLY",
            f"{client.name} has no image tagged {client.familiar(ref)}",
            f"An image does not exist locally with the tag: {client.familiar(ref.with_tag(None))}",
        )
    out.output.append(f"The push refers to repository [{repo_line}]")
    session = HostSession(client, ref.host, out)
    if not session.start({ref.repository: ("pull", "push")}):
        return out
    pusher = _Pusher(client, session, ref.repository, out)
    complete = isinstance(image.top, Manifest) or all(
        entry.digest in image.manifests for entry in image.top.manifests
    )
    manifests = list(image.manifests.values())
    for manifest in manifests:
        for layer in manifest.layers:
            if not pusher.blob(layer, "layer", client.layer_names.get(layer.digest)):
                return out
        if not pusher.blob(manifest.config, "config", None, image):
            return out
        if isinstance(image.top, Index) and complete and not pusher.manifest(manifest, manifest.digest):
            return out
    top = image.top if complete else manifests[0]
    if not pusher.manifest(top, ref.tag or "latest"):
        return out
    out.output.append(f"{ref.tag}: digest: {top.digest} size: {len(top.raw)}")
    return out


class _Pusher:
    def __init__(self, client: Client, session: HostSession, repository: str, out: Outcome) -> None:
        self.client = client
        self.session = session
        self.repository = repository
        self.out = out
        self.registry = session.registry
        self.host = session.host

    def _head(self, repository: str, digest: str, job: int, why: str) -> tuple[int, object]:
        response, event = self.session.send(
            "HEAD", f"/v2/{repository}/blobs/{digest}", self.registry.head_blob, why,
            args=(repository, digest), lane=UPLOAD, job=job,
        )
        event.outcome = "exists" if response.status == 200 else ("missing" if response.status == 404 else "error")
        return response.status, response

    def blob(self, desc: Descriptor, kind: str, name: str | None, image: LocalImage | None = None) -> bool:
        digest = desc.digest
        short = digest.split(":", 1)[1][:12]
        job = self.client.world.new_job()
        label = name or kind
        status, response = self._head(
            self.repository, digest, job, f"does {self.repository} already have {label} ({format_size(desc.size)})?"
        )
        if status == 200:
            self._record(desc, kind, name, EXISTS)
            if kind == "layer":
                self.out.output.append(f"{short}: Layer already exists")
            return True
        if status != 404:
            self.session.fail_with(response, f"/v2/{self.repository}/blobs/{digest}", "Head")  # type: ignore[arg-type]
            return False
        location = None
        if kind == "layer":
            for host, source in list(self.client.known_locations.get(digest, ())):
                if host != self.host or source == self.repository:
                    continue
                if not self.session.need(source, ("pull",)):
                    return False
                status, _ = self._head(source, digest, job, f"{self.client.name} saw this blob in {source}: is it still there?")
                if status != 200:
                    self.client.forget_location(digest, host, source)
                    continue
                query = f"from={quote(source, safe='')}&mount={quote(digest, safe='')}"
                response, event = self.session.send(
                    "POST", f"/v2/{self.repository}/blobs/uploads/?{query}",
                    self._mount, f"ask to link {label} from {source} instead of uploading it",
                    args=(source, digest), lane=UPLOAD, job=job,
                )
                if response.status == 201:
                    event.outcome = "mounted"
                    self._record(desc, kind, name, MOUNTED, source)
                    self.out.output.append(f"{short}: Mounted from {source}")
                    return True
                if response.status == 202:
                    event.outcome = "mount refused: upload instead"
                    location = response.headers["Location"]
                    break
                self.session.fail_with(response, "/blobs/uploads/", "Post")
                return False
            else:
                status, response = self._head(
                    self.repository, digest, job, "check once more just before uploading"
                )
                if status == 200:
                    self._record(desc, kind, name, EXISTS)
                    self.out.output.append(f"{short}: Layer already exists")
                    return True
        return self._upload(desc, kind, name, job, location, image)

    def _mount(self, auth: str | None, source: str, digest: str) -> Response:
        """POST ?mount=&from=: the registry links the blob from `source`, or opens an upload instead."""
        return self.registry.start_upload(auth, self.repository, mount=digest, from_repository=source)

    def _upload(
        self, desc: Descriptor, kind: str, name: str | None, job: int, location: str | None,
        image: LocalImage | None,
    ) -> bool:
        registry, repository, digest = self.registry, self.repository, desc.digest
        label = name or kind
        if location is None:
            response, event = self.session.send(
                "POST", f"/v2/{repository}/blobs/uploads/", registry.start_upload, f"open an upload for {label}",
                args=(repository,), lane=UPLOAD, job=job,
            )
            if response.status != 202:
                self.session.fail_with(response, f"/v2/{repository}/blobs/uploads/", "Post")
                return False
            event.outcome = "upload opened"
            location = response.headers["Location"]
        uuid = location.rsplit("/", 1)[1]
        body = self._body(desc, image)
        response, event = self.session.send(
            "PATCH", location, registry.patch_upload, f"send {label}'s {format_size(desc.size)}",
            args=(repository, uuid, body), lane=UPLOAD, job=job, sent=len(body),
        )
        if response.status != 202:
            self.session.fail_with(response, location, "Patch")
            return False
        event.outcome = "sent"
        response, event = self.session.send(
            "PUT", f"{location}?digest={digest}", registry.put_upload,
            "close the upload: the registry checks the bytes against the digest",
            args=(repository, uuid, digest), lane=UPLOAD, job=job,
        )
        if response.status != 201:
            self.session.fail_with(response, location, "Put")
            return False
        event.outcome = "stored"
        self._record(desc, kind, name, SENT)
        if kind == "layer":
            self.out.output.append(f"{digest.split(':', 1)[1][:12]}: Pushed")
        return True

    def _body(self, desc: Descriptor, image: LocalImage | None) -> bytes | SizedContent:
        if image is not None and desc.digest in image.configs:
            return image.configs[desc.digest]
        layer = self.client.layers.get(desc.digest)
        if layer is not None and layer.data is not None:
            return layer.data
        return SizedContent(desc.digest, desc.size)

    def _record(self, desc: Descriptor, kind: str, name: str | None, how: str, source: str | None = None) -> None:
        self.out.blobs.append(BlobRecord(desc.digest, kind, desc.size, how, name, source))
        self.client.remember_location(desc.digest, self.host, self.repository)

    def manifest(self, manifest: Manifest | Index, reference: str) -> bool:
        registry, repository = self.registry, self.repository
        response, event = self.session.send(
            "PUT", f"/v2/{repository}/manifests/{reference}",
            registry.put_manifest,
            "store the manifest: the registry checks every blob it names is here"
            if reference.startswith("sha256:") is False else "store one platform's manifest by digest",
            args=(repository, reference, manifest.raw, manifest.media_type, manifest), sent=len(manifest.raw),
        )
        if response.status != 201:
            self.session.fail_with(response, f"/v2/{repository}/manifests/{reference}", "Put")
            return False
        event.outcome = "stored"
        self.out.blobs.append(BlobRecord(manifest.digest, "manifest", len(manifest.raw), SENT))
        return True
