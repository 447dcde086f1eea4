"""`docker pull`: resolve the tag to a manifest, then download only the blobs the client lacks.

dockerd's `registry-mirrors` serve Docker Hub only: moby registry/service_v2.go
(`lookupV2Endpoints`) lists the mirrors before the origin for `docker.io` and for no other
host, so a pull from any other registry goes straight to it ("it's not possible to mirror
another private registry", https://docs.docker.com/docker-hub/image-library/mirror/). Any
error from a mirror, a registry error or an unreachable host, moves on to the next endpoint
and finally to Docker Hub itself (moby distribution/errors.go `continueOnError`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from regsim.model.client.errors import docker_error, pull_line
from regsim.model.client.images import LocalImage, LocalLayer, tag_key
from regsim.model.client.session import HostSession
from regsim.model.core.context import Lane
from regsim.model.core.events import UNREACHABLE, BlobKind, BlobRecord, Direction, How, Outcome, RequestOutcome
from regsim.model.oci.descriptor import Platform
from regsim.model.oci.errors import RegistryError
from regsim.model.oci.manifest import Index, Manifest, parse_manifest
from regsim.model.oci.mediatype import DOCKER_ACCEPT
from regsim.model.oci.reference import DOCKER_HUB, Reference
from regsim.model.oci.response import Response
from regsim.model.oci.routes import blob_path, manifest_path
from regsim.units import docker_short_id, format_size

if TYPE_CHECKING:
    from regsim.model.client.daemon import Client

# Enum members bound once: reading a member off its class costs about 0.15 µs in CPython 3.11,
# and these are read for every blob (or request) a command moves.
_CONFIG = BlobKind.CONFIG
_DOWN = Direction.DOWN
_DOWNLOAD = Lane.DOWNLOAD
_LAYER = BlobKind.LAYER
_LOCAL = How.LOCAL
_MANIFEST = BlobKind.MANIFEST
_MIRROR_HIT = How.MIRROR_HIT
_MIRROR_MISS = How.MIRROR_MISS
_PULLED = How.PULLED
_SAID_CACHE_HIT = RequestOutcome.CACHE_HIT
_SAID_CACHE_MISS = RequestOutcome.CACHE_MISS
_SAID_DOWNLOADED = RequestOutcome.DOWNLOADED
_SAID_ERROR = RequestOutcome.ERROR
_SAID_OK = RequestOutcome.OK
_SAID_UNREACHABLE = RequestOutcome.UNREACHABLE

_DOWNLOAD_OUTCOME = {_PULLED: _SAID_DOWNLOADED, _MIRROR_HIT: _SAID_CACHE_HIT,
                     _MIRROR_MISS: _SAID_CACHE_MISS}

ACCEPT = "index, manifest list, OCI and Docker image manifests"


def pull(client: Client, text: str, platform_text: str | None = None) -> Outcome:
    out = Outcome(direction=_DOWN)
    try:
        ref = client.parse(text)
        platform = Platform.parse(platform_text) if platform_text else client.platform
    except RegistryError as error:
        return out.fail(error.code.name, error.reason, f"invalid reference format: {error.reason}")
    except ValueError as error:
        return out.fail("PLATFORM_INVALID", str(error))
    endpoints = [ref.host]
    if ref.host == DOCKER_HUB:
        endpoints = [*client.mirrors, ref.host]
    for host in endpoints:
        attempt = Outcome(direction=_DOWN)
        attempt.requests = out.requests
        done = _pull_from(client, host, ref, platform, attempt, is_mirror=host != ref.host)
        out.blobs.extend(attempt.blobs)
        if done or host == ref.host:
            out.ok, out.error, out.message = attempt.ok, attempt.error, attempt.message
            out.output.extend(attempt.output)
            return out
    return out


def _pull_from(
    client: Client, host: str, ref: Reference, platform: Platform, out: Outcome, is_mirror: bool
) -> bool:
    session = HostSession(client, host, out)
    if not session.start({ref.repository: ("pull",)}, ("Get", manifest_path(ref.repository, ref.reference))):
        return False
    registry = session.registry
    repository, reference = ref.repository, ref.reference
    where = f"the mirror {host}" if is_mirror else host
    response, event = session.send(
        "GET", manifest_path(repository, reference),
        lambda auth: registry.get_manifest(auth, repository, reference, DOCKER_ACCEPT, session.context),
        f"which manifest does {client.familiar(ref)} name on {where}? (Accept: {ACCEPT})",
    )
    if response.status != 200:
        event.outcome = _SAID_ERROR if response.status != UNREACHABLE else _SAID_UNREACHABLE
        _manifest_failure(session, client, ref, response)
        return False
    event.outcome = _cache_word(response, _SAID_OK)
    top = parse_manifest(_manifest_bytes(response))
    out.blobs.append(BlobRecord(top.digest, _MANIFEST, len(top.raw), _PULLED,
                                source=host if is_mirror else None))
    image_manifest = top
    if isinstance(top, Index):
        entry = top.for_platform(platform)
        if entry is None:
            available = ", ".join(str(e.platform) for e in top.manifests if e.platform)
            out.fail("MANIFEST_UNKNOWN", f"no {platform} image in this index (it has {available})",
                     f"no matching manifest for {platform} in the manifest list entries")
            return True
        child = entry.digest
        response, event = session.send(
            "GET", manifest_path(repository, child),
            lambda auth: registry.get_manifest(auth, repository, child, DOCKER_ACCEPT, session.context),
            f"the index lists one manifest per platform: fetch the {platform} one",
        )
        if response.status != 200:
            _manifest_failure(session, client, ref, response)
            return False
        event.outcome = _cache_word(response, _SAID_OK)
        image_manifest = parse_manifest(_manifest_bytes(response))
        out.blobs.append(BlobRecord(child, _MANIFEST, len(image_manifest.raw), _PULLED))
    assert isinstance(image_manifest, Manifest)
    # docker names the repository path, without the host: `Pulling from library/python`.
    out.output.append(f"{ref.tag or ref.reference}: Pulling from {ref.repository}")
    session.pulling(ref)   # from here dockerd writes errors into the progress
    key = tag_key(ref) if ref.digest is None else None
    existing = client.images.get(top.digest)
    config_digest = image_manifest.config.digest
    have_config = existing is not None and config_digest in existing.configs
    # The tag already names this very image here: docker lists no layers, only Digest and Status.
    up_to_date = existing is not None and have_config and (key is None or client.tags.get(key) == top.digest)
    for layer in image_manifest.layers:
        short = docker_short_id(layer.digest)
        name = client.layer_names.get(layer.digest)
        if layer.digest in client.layers:
            out.blobs.append(BlobRecord(layer.digest, _LAYER, layer.size, _LOCAL, name))
            if not up_to_date:
                out.output.append(f"{short}: Already exists")
            continue
        got = _download(session, client, repository, layer.digest, layer.size, name or "a layer", out)
        if got is None:
            return False
        how, data = got
        out.blobs.append(BlobRecord(layer.digest, _LAYER, layer.size, how, name, host if is_mirror else None))
        client.layers[layer.digest] = LocalLayer(layer.digest, layer.size, name, data)
        client.remember_location(layer.digest, host, repository)
        out.output.append(f"{short}: Pull complete")
    if have_config and existing is not None:
        config = existing.configs[config_digest]
    else:
        got = _download(session, client, repository, config_digest, image_manifest.config.size, "the config", out)
        if got is None:
            return False
        how, data = got
        config = data if isinstance(data, bytes) else b""
        out.blobs.append(BlobRecord(config_digest, _CONFIG, image_manifest.config.size, how))
    if existing is None:
        existing = LocalImage(top.digest, top)
        client.images[top.digest] = existing
    existing.manifests[image_manifest.digest] = image_manifest
    existing.configs[config_digest] = config
    if key is not None:
        client.tags[key] = top.digest
    out.output.append(f"Digest: {top.digest}")
    status = "Image is up to date for" if up_to_date else "Downloaded newer image for"
    out.output.append(f"Status: {status} {client.familiar(ref)}")
    return True


def _download(
    session: HostSession, client: Client, repository: str, digest: str, size: int, label: str, out: Outcome
) -> tuple[How, bytes | None] | None:
    registry = session.registry
    job = client.world.job(client.name, _DOWNLOAD, client.address)
    response, event = session.send(
        "GET", blob_path(repository, digest),
        lambda auth: registry.get_blob(auth, repository, digest, context=job),
        f"{client.name} lacks {label} ({format_size(size)}): download it", context=job,
    )
    if response.status != 200:
        event.outcome = _SAID_ERROR
        _refused(session, client, session.pulled, response, blob_path(repository, digest))
        return None
    cache = response.headers.get("X-Cache")
    how = _PULLED if cache is None else (_MIRROR_HIT if cache == "HIT" else _MIRROR_MISS)
    event.outcome = _DOWNLOAD_OUTCOME[how]
    body = response.body
    return how, body if isinstance(body, bytes) else None


def _manifest_bytes(response: Response) -> bytes:
    """A manifest's body is real JSON bytes (only blobs travel as sized stand-ins)."""
    assert isinstance(response.body, bytes)
    return response.body


def _cache_word(response: Response, default: RequestOutcome) -> RequestOutcome:
    cache = response.headers.get("X-Cache")
    return default if cache is None else (_SAID_CACHE_HIT if cache == "HIT" else _SAID_CACHE_MISS)


def _manifest_failure(session: HostSession, client: Client, ref: Reference, response: Response) -> None:
    _refused(session, client, ref, response, manifest_path(ref.repository, ref.reference))


def _refused(session: HostSession, client: Client, ref: Reference | None, response: Response, path: str) -> None:
    """docker's line for a refused pull (moby `distribution/errors.go`, `translatePullError`)."""
    if response.status == UNREACHABLE or ref is None:
        session.fail_with(response, path)
        return
    error = docker_error(response)
    reason = response.error.reason if response.error is not None else error.message
    line = pull_line(error, client.familiar(ref.with_tag(None)), client.familiar(ref), streamed=session.streamed)
    session.outcome.fail(error.code, reason, line)
