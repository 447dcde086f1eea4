"""containerd's pull, as a Kubernetes node makes it through `crictl pull`.

It differs from dockerd's (pull.py) in three ways, each as containerd's code does it:

- No version check: the first request is the manifest request itself, and a 401 answer starts
  the auth dance (containerd core/remotes/docker/authorizer.go).
- The tag is resolved with a HEAD request for its manifest; everything after that is fetched
  by digest (core/remotes/docker/resolver.go `Resolve`, fetcher.go `Fetch`), and only if the
  content store lacks it: core/remotes/handlers.go `fetch` returns at once when opening a writer
  for the digest says it already exists. Pulling an unchanged tag again is one HEAD request.
- Mirrors come from hosts.toml, one file per registry, for any registry (docs/hosts.md): each
  request tries the `[host]` entries in order, then the registry itself (the `server`). Any
  failure, a 404 or an unreachable host, moves on to the next host ("trying next host" in
  resolver.go, "try another host" in fetcher.go), request by request, not pull by pull. A
  request to a mirror carries `?ns=REGISTRY`, so the mirror knows whose name it is.

crictl prints what the CRI answers (cri-tools cmd/crictl/image.go): "Image is up to date for
IMAGE-ID" after every successful pull, names in full (`docker.io/library/python`).
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import TYPE_CHECKING

from regsim.model.client.images import LocalImage, LocalLayer, tag_key
from regsim.model.client.session import HostSession
from regsim.model.core.context import Lane, RequestContext
from regsim.model.core.events import (
    UNREACHABLE,
    BlobKind,
    BlobRecord,
    Direction,
    How,
    Outcome,
    RequestEvent,
    RequestOutcome,
    Why,
    why_text,
)
from regsim.model.oci.auth import AuthInputError, parse_challenge
from regsim.model.oci.errors import RegistryError
from regsim.model.oci.manifest import AnyManifest, Index, Manifest, parse_manifest
from regsim.model.oci.mediatype import DOCKER_ACCEPT
from regsim.model.oci.reference import Reference
from regsim.model.oci.response import Response
from regsim.model.oci.routes import blob_path, manifest_path
from regsim.units import format_size

if TYPE_CHECKING:
    from regsim.model.client.daemon import Client
    from regsim.model.registry.registry import Registry

Call = Callable[["Registry", str | None, RequestContext], Response]


class ContainerdSession(HostSession):
    """containerd's conversation with one host: no `GET /v2/`; the first 401 says how to log in."""

    def start(
        self, scopes: dict[str, tuple[str, ...]], first: tuple[str, str] | None = None,
        context: RequestContext | None = None,
    ) -> bool:
        for repository, actions in scopes.items():
            self.scopes[repository] = set(actions)
        return True

    def send(
        self,
        method: str,
        path: str,
        call: Callable[..., Response],
        why: Why,
        args: tuple[object, ...] = (),
        context: RequestContext | None = None,
        sent: int = 0,
    ) -> tuple[Response, RequestEvent]:
        response, event = super().send(method, path, call, why, args, context, sent)
        if response.status != 401 or self.scheme is not None:
            return response, event
        try:
            challenge = parse_challenge(response.headers.get("WWW-Authenticate", ""))
        except AuthInputError:
            return response, event
        event.outcome = RequestOutcome.CHALLENGE
        if challenge.scheme.lower() == "basic":
            self.scheme = "basic"
            credential = self.client.credentials.get(self.host)
            if credential is None:
                return response, event
            self.auth = f"Basic {credential}"
        else:
            self.scheme = "bearer"
            self.realm = challenge.params.get("realm")
            self.service = challenge.params.get("service", self.host)
            if not self._token_for(self._scope_text(), force=False):
                return response, event
        # The scheme is known from here on: the session's own send answers any later challenge.
        return super().send(method, path, call, f"{why_text(why)} (again, with credentials)", args, context, sent)


class _Hosts:
    """The hosts one pull tries for every request, in hosts.toml's order, each with its session."""

    def __init__(self, client: Client, ref: Reference, out: Outcome) -> None:
        self.client = client
        self.ref = ref
        self.out = out
        self.order = [*client.hosts.get(ref.host, ()), ref.host]
        self.sessions: dict[str, ContainerdSession] = {}
        self.first_failure: tuple[str, str, Response] | None = None   # host, path, answer

    def session(self, host: str) -> ContainerdSession:
        if host not in self.sessions:
            session = ContainerdSession(self.client, host, self.out)
            session.start({self.ref.repository: ("pull",)})
            self.sessions[host] = session
        return self.sessions[host]

    def first(
        self, method: str, path: str, call: Call, why: Why, context: RequestContext | None = None
    ) -> tuple[str, Response, RequestEvent] | None:
        """Send the request to each host in turn until one answers 2xx; None when none does."""
        for host in self.order:
            session = self.session(host)
            mirror = host != self.ref.host
            # A mirror is told which registry the name belongs to (docs/hosts.md: the `ns` query parameter).
            sent_path = f"{path}?ns={self.ref.host}" if mirror else path
            out = self.out
            before = (out.ok, out.error, out.message, len(out.output))
            response, event = session.send(
                method, sent_path, lambda auth, s=session: call(s.registry, auth, context or s.context),
                (_asked, why, host, mirror), context=context)
            if 200 <= response.status < 300:
                return host, response, event
            # A host that failed (its token service too) is only a reason to try the next one.
            out.ok, out.error, out.message = before[:3]
            del out.output[before[3]:]
            event.outcome = RequestOutcome.UNREACHABLE if response.status == UNREACHABLE else RequestOutcome.ERROR
            if self.first_failure is None or (self.first_failure[2].status == 404 and response.status != 404):
                self.first_failure = (host, path, response)   # containerd keeps the first non-404 error
        return None


def _asked(why: Why, host: str, mirror: bool) -> str:
    """A request's reason with the host it went to (written only when a record is read)."""
    return f"{why_text(why)} ({f'the mirror {host}' if mirror else host})"


def _lacks(name: str, label: str, size: int) -> str:
    return f"{name} lacks {label} ({format_size(size)}): fetch it"


def crictl_pull(client: Client, text: str, creds: str | None = None) -> Outcome:
    """`crictl pull [--creds USER:PASSWORD] REF`: resolve the tag, then fetch the manifest, config
    and missing layers by digest."""
    out = Outcome(direction=Direction.DOWN)
    try:
        ref = client.parse(text)
    except RegistryError as error:
        return out.fail(error.code.name, error.reason,
                        f'pulling image: rpc error: code = InvalidArgument desc = failed to parse "{text}": '
                        f"invalid reference format: {error.reason}")
    hosts = _Hosts(client, ref, out)
    if creds is None:
        return _pull(client, ref, hosts, out)
    # The CRI hands this pull's credentials to every host it asks (containerd's ParseAuth with no
    # server address); the node keeps them nowhere once the pull is over.
    user, _, password = creds.partition(":")
    kept = {host: (client.credentials.get(host), client.logins.get(host)) for host in hosts.order}
    for host in hosts.order:
        client.credentials[host] = base64.b64encode(f"{user}:{password}".encode()).decode()
        client.logins[host] = user
    try:
        return _pull(client, ref, hosts, out)
    finally:
        for host, (credential, login) in kept.items():
            for table, value in ((client.credentials, credential), (client.logins, login)):
                if value is None:
                    table.pop(host, None)
                else:
                    table[host] = value


def _pull(client: Client, ref: Reference, hosts: _Hosts, out: Outcome) -> Outcome:
    repository, name = ref.repository, ref.full
    found = hosts.first(
        "HEAD", manifest_path(repository, ref.reference),
        lambda registry, auth, context: registry.head_manifest(auth, repository, ref.reference, DOCKER_ACCEPT,
                                                               context),
        f"which digest does {name} name? (resolve with HEAD)",
    )
    if found is None:
        return _failed(out, hosts, name, resolving=True)
    _, response, event = found
    event.outcome = RequestOutcome.OK
    top_digest = response.headers.get("Docker-Content-Digest") or ref.reference
    top = _held_manifest(client, top_digest) or _fetch_manifest(
        hosts, repository, top_digest, "fetch the manifest it names, by digest")
    if top is None:
        return _failed(out, hosts, name)
    image_manifest: AnyManifest = top
    if isinstance(top, Index):
        entry = top.for_platform(client.platform)
        if entry is None:
            return out.fail("MANIFEST_UNKNOWN", f"no {client.platform} image in this index",
                            f'pulling image: rpc error: code = NotFound desc = failed to pull and unpack image '
                            f'"{name}": no match for platform in manifest: not found')
        why = f"the index lists one manifest per platform: fetch the {client.platform} one"
        child = _held_manifest(client, entry.digest) or _fetch_manifest(hosts, repository, entry.digest, why)
        if child is None:
            return _failed(out, hosts, name)
        image_manifest = child
    assert isinstance(image_manifest, Manifest)
    for layer in image_manifest.layers:
        label = client.layer_names.get(layer.digest)
        if layer.digest in client.layers:   # containerd's content store has it: not fetched
            out.blobs.append(BlobRecord(layer.digest, BlobKind.LAYER, layer.size, How.LOCAL, label))
            continue
        got = _fetch_blob(hosts, repository, layer.digest, layer.size, label or "a layer")
        if got is None:
            return _failed(out, hosts, name)
        how, host, data = got
        out.blobs.append(BlobRecord(layer.digest, BlobKind.LAYER, layer.size, how, label,
                                    host if host != ref.host else None))
        client.layers[layer.digest] = LocalLayer(layer.digest, layer.size, label, data)
    existing = client.images.get(top.digest)
    config_digest = image_manifest.config.digest
    config = existing.configs.get(config_digest) if existing is not None else None
    if config is None:
        got = _fetch_blob(hosts, repository, config_digest, image_manifest.config.size, "the config")
        if got is None:
            return _failed(out, hosts, name)
        how, _, data = got
        config = data if isinstance(data, bytes) else b""
        out.blobs.append(BlobRecord(config_digest, BlobKind.CONFIG, image_manifest.config.size, how))
    if existing is None:
        existing = LocalImage(top.digest, top)
        client.images[top.digest] = existing
    existing.manifests[image_manifest.digest] = image_manifest
    existing.configs[config_digest] = config
    if ref.digest is None:
        client.tags[tag_key(ref)] = top.digest
    # The CRI answers with the image ID, the config's digest, whatever was downloaded.
    out.output.append(f"Image is up to date for {config_digest}")
    return out


def _held_manifest(client: Client, digest: str) -> Manifest | Index | None:
    """A manifest or index already in the node's content store: containerd does not fetch it again."""
    for image in client.images.values():
        if image.key == digest:
            return image.top
        if digest in image.manifests:
            return image.manifests[digest]
    return None


def _fetch_manifest(hosts: _Hosts, repository: str, digest: str, why: str) -> Manifest | Index | None:
    found = hosts.first(
        "GET", manifest_path(repository, digest),
        lambda registry, auth, context: registry.get_manifest(auth, repository, digest, DOCKER_ACCEPT, context),
        why,
    )
    if found is None:
        return None
    host, response, event = found
    event.outcome = _cache_word(response) or RequestOutcome.OK
    assert isinstance(response.body, bytes)   # a manifest's body is real JSON bytes
    manifest = parse_manifest(response.body)
    hosts.out.blobs.append(BlobRecord(manifest.digest, BlobKind.MANIFEST, len(manifest.raw), How.PULLED,
                                      source=host if host != hosts.ref.host else None))
    return manifest


def _fetch_blob(
    hosts: _Hosts, repository: str, digest: str, size: int, label: str
) -> tuple[How, str, bytes | None] | None:
    client = hosts.client
    job = client.world.job(client.name, Lane.DOWNLOAD, client.address)
    found = hosts.first(
        "GET", blob_path(repository, digest),
        lambda registry, auth, context: registry.get_blob(auth, repository, digest, context=context),
        (_lacks, client.name, label, size), context=job,
    )
    if found is None:
        return None
    host, response, event = found
    cache = response.headers.get("X-Cache")
    how = How.PULLED if cache is None else (How.MIRROR_HIT if cache == "HIT" else How.MIRROR_MISS)
    event.outcome = _cache_word(response) or RequestOutcome.DOWNLOADED
    body = response.body
    return how, host, body if isinstance(body, bytes) else None


def _cache_word(response: Response) -> RequestOutcome | None:
    cache = response.headers.get("X-Cache")
    if cache is None:
        return None
    return RequestOutcome.CACHE_HIT if cache == "HIT" else RequestOutcome.CACHE_MISS


def _failed(out: Outcome, hosts: _Hosts, name: str, resolving: bool = False) -> Outcome:
    """crictl's line for a pull no host could serve, from the first error containerd kept."""
    prefix = f'pulling image: rpc error: code = {{code}} desc = failed to pull and unpack image "{name}": '
    failure = hosts.first_failure
    if failure is None:
        return out.fail("UNKNOWN", "no host answered", prefix.format(code="Unknown") + "no host answered")
    host, path, response = failure
    if not resolving:
        error = response.error
        code = "NETWORK_UNREACHABLE" if response.status == UNREACHABLE else (
            error.code.name if error is not None else f"HTTP_{response.status}")
        return out.fail(code, error.reason if error is not None else f"status {response.status}",
                        prefix.format(code="NotFound" if response.status == 404 else "Unknown")
                        + f"failed to fetch {path} from {host} or any other host")
    if response.status == UNREACHABLE:
        return out.fail("NETWORK_UNREACHABLE", f"{host} cannot be reached from {hosts.client.name}",
                        prefix.format(code="Unknown") + f'failed to resolve reference "{name}": failed to do '
                        f'request: Head "https://{host}{path}": dial tcp {host}:443: connect: network is unreachable')
    error = response.error
    code = error.code.name if error is not None else f"HTTP_{response.status}"
    reason = error.reason if error is not None else f"status {response.status}"
    if response.status == 404:
        return out.fail(code, reason, prefix.format(code="NotFound")
                        + f'failed to resolve reference "{name}": {name}: not found')
    if response.status in (401, 403):
        return out.fail(code, reason, prefix.format(code="Unknown") + f'failed to resolve reference "{name}": '
                        "pull access denied, repository does not exist or may require authorization")
    return out.fail(code, reason, prefix.format(code="Unknown")
                    + f"unexpected status from {path} on {host}: {response.status}")
