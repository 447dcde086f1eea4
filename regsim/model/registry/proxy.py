"""A pull-through cache (a registry mirror), as the reference registry's proxy mode behaves.

On a miss the mirror fetches from its upstream, keeps what it fetched, and serves it; later
requests are hits until the entry's TTL runs out. A tag is revalidated against the upstream
on every manifest request (a cheap HEAD), and the cached answer is used when the upstream
cannot be reached. Pushes are refused.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from regsim.model.client.daemon import Client
from regsim.model.client.session import HostSession
from regsim.model.oci.blob import Blob
from regsim.model.oci.errors import ErrorCode, RegistryError
from regsim.model.oci.manifest import AnyManifest, Manifest, parse_manifest
from regsim.model.oci.mediatype import DOCKER_ACCEPT
from regsim.model.oci.reference import is_digest_reference
from regsim.model.oci.response import Response
from regsim.model.registry.registry import Registry
from regsim.model.sim.events import UNREACHABLE, Outcome


@dataclass(slots=True)
class CacheStats:
    hits: int = 0
    misses: int = 0
    bytes_from_upstream: int = 0


class PullThroughCache(Registry):
    """A mirror of `upstream`: serves from its own store, fetching on a miss."""

    def __init__(self, host: str, upstream: str, ttl: float = 7 * 24 * 3600.0) -> None:
        super().__init__(host)
        self.upstream = upstream
        self.ttl = ttl
        self.fetched_at: dict[str, float] = {}      # blob or manifest digest -> when it was fetched
        self.stats = CacheStats()
        self._agent: Client | None = None
        self._upstream_session: HostSession | None = None
        self._started = False

    # ----- talking to the upstream --------------------------------------------------------------

    def _upstream_session_now(self) -> HostSession:
        """The mirror's own client identity towards its upstream (anonymous, like a default proxy).

        The version check and token are made once and kept while the upstream answers.
        """
        if self._agent is None:
            self._agent = Client(self.world, self.host)  # type: ignore[attr-defined]
        if self._upstream_session is None:
            self._upstream_session = HostSession(self._agent, self.upstream, Outcome())
        return self._upstream_session

    def _fresh(self, digest: str) -> bool:
        at = self.fetched_at.get(digest)
        return at is not None and self.clock() - at < self.ttl

    def _upstream(self, name: str, method: str, path: str, call_name: str, *args: object) -> Response:
        session = self._upstream_session_now()
        if not self._started or not session.need(name, ("pull",)):
            session.outcome = Outcome()
            if not session.start({name: ("pull",)}):
                self._upstream_session = None
                return Response(UNREACHABLE) if session.outcome.error == "NETWORK_UNREACHABLE" else Response(502)
            self._started = True
        upstream = self.world.registries[self.upstream]  # type: ignore[attr-defined]
        operation = getattr(upstream, call_name)
        response, event = session.send(
            method, path, lambda auth: operation(auth, name, *args),
            f"cache miss on {self.host}: fetch from the upstream {self.upstream}",
        )
        event.outcome = "fetched" if response.ok else "error"
        if response.status == UNREACHABLE:
            self._upstream_session, self._started = None, False
        return response

    def _unavailable(self, name: str) -> RegistryError:
        return RegistryError(ErrorCode.UNAVAILABLE, f"the upstream {self.upstream} cannot be reached and "
                             f"{self.host} has no cached copy", {"name": name})

    # ----- reads ----------------------------------------------------------------------------------

    def get_manifest(
        self, auth: str | None, name: str, reference: str, accept: Sequence[str] | None = None
    ) -> Response:
        return self._manifest(auth, name, reference, with_body=True, accept=accept)

    def head_manifest(
        self, auth: str | None, name: str, reference: str, accept: Sequence[str] | None = None
    ) -> Response:
        return self._manifest(auth, name, reference, with_body=False, accept=accept)

    def _manifest(
        self, auth: str | None, name: str, reference: str, with_body: bool, accept: Sequence[str] | None
    ) -> Response:
        """Fetch (or take from the cache) whatever the upstream has, then answer as the client's Accept allows."""
        self._authorize(auth, self._name(name), "pull")
        manifest, cache = self._cached_manifest(name, reference)
        served = self._accepted(name, reference, manifest, accept,
                                lambda digest: self._cached_manifest(name, digest)[0])
        result = self._manifest_response(served, with_body)
        result.headers["X-Cache"] = cache
        return result

    def _cached_manifest(self, name: str, reference: str) -> tuple[AnyManifest, str]:
        """The manifest `reference` names and whether it was a cache HIT or MISS.

        The upstream is asked with every manifest type a client may want (as docker's Accept):
        what this client may receive is decided afterwards, from the client's own Accept.
        """
        repo = self.repositories.get(name)
        cached_digest = None
        if repo is not None:
            cached_digest = reference if is_digest_reference(reference) else repo.tags.get(reference)
        if cached_digest is not None and cached_digest in (repo.manifests if repo else {}):
            if is_digest_reference(reference) and self._fresh(cached_digest):
                return self._hit(repo.manifests[cached_digest])  # type: ignore[union-attr]
            # A tag can move upstream: ask the upstream what it names now (HEAD: no body).
            check = self._upstream(name, "HEAD", f"/v2/{name}/manifests/{reference}", "head_manifest", reference,
                                   DOCKER_ACCEPT)
            if check.status == UNREACHABLE or check.status >= 500:
                return self._hit(repo.manifests[cached_digest])  # type: ignore[union-attr]
            if check.ok and check.headers.get("Docker-Content-Digest") == cached_digest and self._fresh(cached_digest):
                return self._hit(repo.manifests[cached_digest])  # type: ignore[union-attr]
        response = self._upstream(name, "GET", f"/v2/{name}/manifests/{reference}", "get_manifest", reference,
                                  DOCKER_ACCEPT)
        if response.status == UNREACHABLE:
            raise self._unavailable(name)
        if not response.ok:
            if response.error is not None:
                raise response.error
            raise RegistryError(ErrorCode.UNAVAILABLE, f"the upstream answered {response.status}")
        manifest = parse_manifest(response.body)  # type: ignore[arg-type]
        repo = self._repo_or_create(name)
        self.blobs[manifest.digest] = Blob(manifest.digest, len(manifest.raw), manifest.raw)
        repo.manifests[manifest.digest] = manifest
        if not is_digest_reference(reference):
            repo.tags[reference] = manifest.digest
        self.fetched_at[manifest.digest] = self.clock()
        self.stats.misses += 1
        self.stats.bytes_from_upstream += len(manifest.raw)
        return manifest, "MISS"

    def _hit(self, manifest: AnyManifest) -> tuple[AnyManifest, str]:
        self.stats.hits += 1
        return manifest, "HIT"

    def head_blob(self, auth: str | None, name: str, digest: str) -> Response:
        response = self.get_blob(auth, name, digest)
        response.body = None
        return response

    def get_blob(
        self, auth: str | None, name: str, digest: str, byte_range: tuple[int, int] | None = None
    ) -> Response:
        self._authorize(auth, self._name(name), "pull")
        repo = self.repositories.get(name)
        if repo is not None and digest in repo.layers and digest in self.blobs and self._fresh(digest):
            self.stats.hits += 1
            response = super().get_blob(None, name, digest, byte_range)
            response.headers["X-Cache"] = "HIT"
            return response
        fetched = self._upstream(name, "GET", f"/v2/{name}/blobs/{digest}", "get_blob", digest)
        if fetched.status == UNREACHABLE:
            if repo is not None and digest in repo.layers and digest in self.blobs:
                self.stats.hits += 1   # stale, but better than nothing while the upstream is away
                response = super().get_blob(None, name, digest, byte_range)
                response.headers["X-Cache"] = "HIT"
                return response
            raise self._unavailable(name)
        if not fetched.ok:
            if fetched.error is not None:
                raise fetched.error
            raise RegistryError(ErrorCode.UNAVAILABLE, f"the upstream answered {fetched.status}")
        data = fetched.body if isinstance(fetched.body, bytes) else None
        size = len(fetched.body) if fetched.body is not None else 0
        self.blobs[digest] = Blob(digest, size, data)
        self._repo_or_create(name).layers.add(digest)
        self.fetched_at[digest] = self.clock()
        self.stats.misses += 1
        self.stats.bytes_from_upstream += size
        response = super().get_blob(None, name, digest, byte_range)
        response.headers["X-Cache"] = "MISS"
        return response

    # ----- writes are refused ---------------------------------------------------------------------

    def _refuse(self, *args: object, **kwargs: object) -> Response:
        raise RegistryError(ErrorCode.UNSUPPORTED, f"{self.host} is a pull-through cache of {self.upstream}: "
                            "push to the upstream instead")

    start_upload = _refuse
    patch_upload = _refuse
    put_upload = _refuse
    put_manifest = _refuse
    delete_manifest = _refuse
    delete_blob = _refuse

    def layer_bytes_stored(self) -> int:
        """Layer bytes the mirror holds: blobs a cached manifest names as layers."""
        seen: set[str] = set()
        for repo in self.repositories.values():
            for manifest in repo.manifests.values():
                if isinstance(manifest, Manifest):
                    seen.update(layer.digest for layer in manifest.layers if layer.digest in self.blobs)
        return sum(self.blobs[d].size for d in seen)
