"""`docker push`: HEAD each blob, mount what the registry has elsewhere, upload only what is missing.

The request sequence follows a real client against the reference registry
(`shared/reference`): a HEAD per layer (and a second one just before uploading it),
a HEAD of a known other repository and a mount POST when the client knows the blob is
there, POST + PATCH + PUT for what must travel, the config blob last, then the manifest.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import TYPE_CHECKING
from urllib.parse import quote

from regsim.model.client.images import LocalImage
from regsim.model.client.session import HostSession
from regsim.model.core.context import Lane, RequestContext
from regsim.model.core.events import BlobKind, BlobRecord, Direction, How, Outcome, RequestOutcome
from regsim.model.oci.blob import SizedContent
from regsim.model.oci.descriptor import Descriptor
from regsim.model.oci.errors import RegistryError
from regsim.model.oci.manifest import Index, Manifest
from regsim.model.oci.response import Response
from regsim.model.oci.routes import blob_path, manifest_path, uploads_path
from regsim.units import format_size

if TYPE_CHECKING:
    from regsim.model.client.daemon import Client

# Enum members bound once: reading a member off its class costs about 0.15 µs in CPython 3.11,
# and these are read for every blob (or request) a command moves.
_CONFIG = BlobKind.CONFIG
_EXISTS = How.EXISTS
_LAYER = BlobKind.LAYER
_MANIFEST = BlobKind.MANIFEST
_MOUNTED = How.MOUNTED
_SAID_ERROR = RequestOutcome.ERROR
_SAID_EXISTS = RequestOutcome.EXISTS
_SAID_MISSING = RequestOutcome.MISSING
_SAID_MOUNTED = RequestOutcome.MOUNTED
_SAID_MOUNT_REFUSED = RequestOutcome.MOUNT_REFUSED
_SAID_SENT = RequestOutcome.SENT
_SAID_STORED = RequestOutcome.STORED
_SAID_UPLOAD_OPENED = RequestOutcome.UPLOAD_OPENED
_SENT = How.SENT
_UP = Direction.UP
_UPLOAD = Lane.UPLOAD
_new = object.__new__


def push(client: Client, text: str) -> Outcome:
    out = Outcome(direction=_UP)
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
    session = HostSession(client, ref.host, out, streamed=True)   # after "The push refers to repository"
    manifests = list(image.manifests.values())
    first = manifests[0].layers[0] if manifests[0].layers else manifests[0].config
    if not session.start({ref.repository: ("pull", "push")}, ("Head", _paths(ref.repository)[0] + first.digest)):
        return out
    pusher = _Pusher(client, session, ref.repository, out)
    complete = isinstance(image.top, Manifest) or all(
        entry.digest in image.manifests for entry in image.top.manifests
    )
    for manifest in manifests:
        for layer in manifest.layers:
            if not pusher.blob(layer, _LAYER, client.layer_names.get(layer.digest)):
                return out
        if not pusher.blob(manifest.config, _CONFIG, None, image):
            return out
        if isinstance(image.top, Index) and complete and not pusher.manifest(manifest, manifest.digest):
            return out
    top = image.top if complete else manifests[0]
    if not pusher.manifest(top, ref.tag or "latest"):
        return out
    out.output.append(f"{ref.tag}: digest: {top.digest} size: {len(top.raw)}")
    return out


@lru_cache(maxsize=256)
def _paths(repository: str) -> tuple[str, str, str]:
    """A repository's blob path before the digest, its uploads path, and its manifest path before
    the reference, built once for the tags of a repository a client pushes one after another:
    formatting a route's template costs more than the record of a request."""
    return blob_path(repository, ""), uploads_path(repository), manifest_path(repository, "")


# Reasons written only when a record is read (see events.Why): a push makes them for every blob.
def _why_head(repository: str, label: str, size: int) -> str:
    return f"does {repository} already have {label} ({format_size(size)})?"


def _why_seen(client: str, source: str) -> str:
    return f"{client} saw this blob in {source}: is it still there?"


def _why_mount(label: str, source: str) -> str:
    return f"ask to link {label} from {source} instead of uploading it"


def _why_open(label: str) -> str:
    return f"open an upload for {label}"


def _why_send(label: str, size: int) -> str:
    return f"send {label}'s {format_size(size)}"


class _Pusher:
    # One per push; its methods run for every blob, so what they read often is bound here once.
    # Requests go straight to the session's transport (see HostSession.transport). When no guard
    # stands before the registry's handler (`Registry.unguarded`), they call the handler's
    # endpoints directly; otherwise the registry's, led by the session's Authorization header,
    # read at each request (a new token for a mount's source scope replaces it).
    def __init__(self, client: Client, session: HostSession, repository: str, out: Outcome) -> None:
        self.client = client
        self.session = session
        self.repository = repository
        self.out = out
        self.output = out.output
        self.blobs = out.blobs
        self.registry = registry = session.registry
        self.host = session.host
        self.world = client.world
        self.send = session.transport()
        self.direct = direct = registry.unguarded(repository)
        # Lent the handler, the push reads only the status of these answers (Handler.head_blob_status).
        self.head_blob: Callable[..., Response] = registry.head_blob if direct is None else direct.head_blob_status
        self.open_upload: Callable[..., Response] = registry.start_upload if direct is None else direct.open_upload
        self.patch_upload: Callable[..., Response] = (
            registry.patch_upload if direct is None else direct.patch_upload_status)
        self.put_upload: Callable[..., Response] = registry.put_upload if direct is None else direct.put_upload_status
        self.blobs_path, self.uploads_path, self.manifests_path = _paths(repository)
        # Blobs this push has already placed. A blob two platforms share is pushed and printed once:
        # containerd's pusher skips a ref its tracker holds as committed (core/remotes/docker/pusher.go),
        # and dockerd prints one line per digest (moby daemon/containerd/progress.go, pushProgress).
        self.placed: set[str] = set()
        self.locations = client.known_locations
        self.location = (self.host, repository)   # where the client notes each blob it places

    def blob(self, desc: Descriptor, kind: BlobKind, name: str | None, image: LocalImage | None = None) -> bool:
        digest = desc.digest
        if digest in self.placed:
            return True
        client, repository, send, host = self.client, self.repository, self.send, self.host
        path = self.blobs_path + digest
        job = self.world.job(client.name, _UPLOAD, client.address)
        label = name or kind
        direct = self.direct is not None
        # the endpoint gets the blob's context too: a pull-through cache would ask its upstream in its job
        asked = (repository, digest, job) if direct else (self.session.auth, repository, digest, job)
        response, event = send(job, host, "HEAD", path, self.head_blob, (_why_head, repository, label, desc.size),
                               asked, 0)
        status = response.status
        if status == 200:
            event.outcome = _SAID_EXISTS
            return self._record(desc, kind, name, _EXISTS, "Layer already exists")
        if status != 404:
            event.outcome = _SAID_ERROR
            self.session.fail_with(response, path, "Head")
            return False
        event.outcome = _SAID_MISSING
        location = None
        if kind is _LAYER:
            known = self.locations.get(digest)
            for known_host, source in list(known) if known else ():   # a copy: a failed HEAD forgets a place
                if known_host != host or source == repository:
                    continue
                if not self.session.need(source, ("pull",)):
                    return False
                response, event = send(job, host, "HEAD", blob_path(source, digest), self.registry.head_blob,
                                       (_why_seen, client.name, source), (self.session.auth, source, digest, job), 0)
                status = response.status
                event.outcome = (_SAID_EXISTS if status == 200
                                 else _SAID_MISSING if status == 404 else _SAID_ERROR)
                if status != 200:
                    client.forget_location(digest, known_host, source)
                    continue
                query = f"from={quote(source, safe='')}&mount={quote(digest, safe='')}"
                response, event = send(
                    job, host, "POST", f"{self.uploads_path}?{query}", self._mount,
                    (_why_mount, label, source), (self.session.auth, source, digest), 0,
                )
                if response.status == 201:
                    event.outcome = _SAID_MOUNTED
                    return self._record(desc, kind, name, _MOUNTED, f"Mounted from {source}", source)
                if response.status == 202:
                    event.outcome = _SAID_MOUNT_REFUSED
                    location = response.headers["Location"]
                    break
                if response.status in (401, 403):
                    # docker logs "failed to mount layer" and uploads it instead (moby distribution/push_v2.go)
                    event.outcome = _SAID_MOUNT_REFUSED
                    client.forget_location(digest, known_host, source)
                    break
                self.session.fail_with(response, "/blobs/uploads/", "Post")
                return False
            else:
                if not direct:
                    asked = (self.session.auth, repository, digest, job)   # the token may have changed
                response, event = send(job, host, "HEAD", path, self.head_blob,
                                       "check once more just before uploading", asked, 0)
                status = response.status
                if status == 200:
                    event.outcome = _SAID_EXISTS
                    return self._record(desc, kind, name, _EXISTS, "Layer already exists")
                event.outcome = _SAID_MISSING if status == 404 else _SAID_ERROR
        return self._upload(desc, kind, name, job, location, image)

    def _mount(self, auth: str | None, source: str, digest: str) -> Response:
        """POST ?mount=&from=: the registry links the blob from `source`, or opens an upload instead."""
        return self.registry.start_upload(auth, self.repository, mount=digest, from_repository=source)

    def _upload(
        self, desc: Descriptor, kind: BlobKind, name: str | None, job: RequestContext, location: str | None,
        image: LocalImage | None,
    ) -> bool:
        repository, digest, send, host, session = self.repository, desc.digest, self.send, self.host, self.session
        direct = self.direct is not None
        label = name or kind
        if location is None:
            response, event = send(
                job, host, "POST", self.uploads_path, self.open_upload, (_why_open, label),
                (repository,) if direct else (session.auth, repository), 0,
            )
            if response.status != 202:
                session.fail_with(response, self.uploads_path, "Post")
                return False
            event.outcome = _SAID_UPLOAD_OPENED
            location = response.headers["Location"]
        uuid = location.rpartition("/")[2]
        # The bytes that travel: the config's JSON, a layer's bytes, or a sized layer's stand-in.
        body: bytes | SizedContent
        layer = self.client.layers.get(digest)
        if image is not None and digest in image.configs:
            body = image.configs[digest]
            sent = len(body)
        elif layer is not None and layer.data is not None:
            body = layer.data
            sent = len(body)
        else:
            # SizedContent(digest, size), made without a call to its __init__ (every field set here)
            body = _new(SizedContent)
            body.digest = digest
            body.size = body.length = sent = desc.size   # sent: its len(), without the call
            body.offset = 0
        response, event = send(
            job, host, "PATCH", location, self.patch_upload, (_why_send, label, desc.size),
            (repository, uuid, body) if direct else (session.auth, repository, uuid, body), sent,
        )
        if response.status != 202:
            session.fail_with(response, location, "Patch")
            return False
        event.outcome = _SAID_SENT
        response, event = send(
            job, host, "PUT", f"{location}?digest={digest}", self.put_upload,
            "close the upload: the registry checks the bytes against the digest",
            (repository, uuid, digest) if direct else (session.auth, repository, uuid, digest), 0,
        )
        if response.status != 201:
            session.fail_with(response, location, "Put")
            return False
        event.outcome = _SAID_STORED
        return self._record(desc, kind, name, _SENT, "Pushed")

    def _record(
        self, desc: Descriptor, kind: BlobKind, name: str | None, how: How, said: str, source: str | None = None
    ) -> bool:
        """The blob is in the repository: its ledger line, the client's note of where it is, and
        for a layer the line docker prints (`said`)."""
        digest = desc.digest
        # The ledger line, made without a call to BlobRecord's __init__ (every field set here): a
        # push makes one for every blob, and the call cost as much as the rest.
        record = _new(BlobRecord)
        record.digest = digest
        record.kind = kind
        record.size = desc.size
        record.how = how
        record.name = name
        record.source = source
        self.blobs.append(record)
        self.placed.add(digest)
        # Client.remember_location's common cases, without the call: a blob new to the client, or
        # one it last saw here (the next tag of a repository names its earlier tags' layers)
        places = self.locations.get(digest)
        if places is None:
            self.locations[digest] = [self.location]
        elif not places or places[0] != self.location:
            self.client.remember_location(digest, self.host, self.repository)
        if kind == _LAYER:   # docker_short_id(digest), without the call: a digest always names its algorithm
            self.output.append(f"{digest.partition(':')[2][:12]}: {said}")
        return True

    def manifest(self, manifest: Manifest | Index, reference: str) -> bool:
        registry, repository = self.registry, self.repository
        path = self.manifests_path + reference   # manifest_path(repository, reference)
        response, event = self.send(
            self.session.context, self.host, "PUT", path,
            registry.put_manifest,
            "store the manifest: the registry checks every blob it names is here"
            if reference.startswith("sha256:") is False else "store one platform's manifest by digest",
            (self.session.auth, repository, reference, manifest.raw, manifest.media_type, manifest),
            len(manifest.raw),
        )
        if response.status != 201:
            self.session.fail_with(response, path, "Put")
            return False
        event.outcome = _SAID_STORED
        self.out.blobs.append(BlobRecord(manifest.digest, _MANIFEST, len(manifest.raw), _SENT))
        return True
