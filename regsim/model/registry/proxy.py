"""A pull-through cache (a registry mirror), as the reference registry's proxy mode behaves.

On a miss the mirror fetches from its upstream, keeps what it fetched, and serves it; later
requests are hits until the entry's TTL runs out. A tag is revalidated against the upstream
on every manifest request (a cheap HEAD), and the cached answer is used when the upstream
cannot be reached. Pushes are refused.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from regsim.model.client.daemon import Client
from regsim.model.client.session import HostSession
from regsim.model.oci.blob import Blob, Body
from regsim.model.oci.errors import ErrorCode, RegistryError
from regsim.model.oci.manifest import AnyManifest, parse_manifest
from regsim.model.oci.mediatype import DOCKER_ACCEPT
from regsim.model.oci.reference import is_digest_reference
from regsim.model.oci.response import Response
from regsim.model.registry.handler import Handler, ManifestListener
from regsim.model.registry.negotiation import negotiate
from regsim.model.registry.registry import Guard, PullLimit, Registry
from regsim.model.registry.storage import Storage
from regsim.model.registry.store import RegistryStore
from regsim.model.registry.upload import Chunk
from regsim.model.sim.events import UNREACHABLE, Outcome, RequestOutcome

if TYPE_CHECKING:
    from regsim.model.sim.world import World


@dataclass(slots=True)
class CacheStats:
    hits: int = 0
    misses: int = 0
    bytes_from_upstream: int = 0


class ProxyHandler(Handler):
    """The API handler of a mirror of `upstream`: serves from its own store, fetching on a miss."""

    def __init__(
        self,
        store: RegistryStore,
        storage: Storage,
        on_manifest_stored: ManifestListener | None,
        *,
        world: World,
        upstream: str,
        ttl: float,
        clock: Callable[[], float],
    ) -> None:
        super().__init__(store, storage, on_manifest_stored)
        self.world = world
        self.upstream = upstream
        self.ttl = ttl
        self.clock = clock
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
            self._agent = Client(self.world, self.host)
        if self._upstream_session is None:
            self._upstream_session = HostSession(self._agent, self.upstream, Outcome())
        return self._upstream_session

    def _fresh(self, digest: str) -> bool:
        at = self.fetched_at.get(digest)
        return at is not None and self.clock() - at < self.ttl

    def _upstream(
        self, name: str, method: str, path: str, call: Callable[[Registry, str | None], Response]
    ) -> Response:
        """One request to the upstream, `call(upstream registry, auth)`, through the mirror's own session."""
        session = self._upstream_session_now()
        if not self._started or not session.need(name, ("pull",)):
            session.outcome = Outcome()
            if not session.start({name: ("pull",)}):
                self._upstream_session = None
                return Response(UNREACHABLE) if session.outcome.error == "NETWORK_UNREACHABLE" else Response(502)
            self._started = True
        upstream = self.world.registries[self.upstream]
        response, event = session.send(
            method, path, lambda auth: call(upstream, auth),
            f"cache miss on {self.host}: fetch from the upstream {self.upstream}",
        )
        event.outcome = RequestOutcome.FETCHED if response.ok else RequestOutcome.ERROR
        if response.status == UNREACHABLE:
            self._upstream_session, self._started = None, False
        return response

    def _unavailable(self, name: str) -> RegistryError:
        return RegistryError(ErrorCode.UNAVAILABLE, f"the upstream {self.upstream} cannot be reached and "
                             f"{self.host} has no cached copy", {"name": name})

    # ----- reads ----------------------------------------------------------------------------------

    def get_manifest(self, name: str, reference: str, accept: Sequence[str] | None = None) -> Response:
        return self._cached(name, reference, accept, with_body=True)

    def head_manifest(self, name: str, reference: str, accept: Sequence[str] | None = None) -> Response:
        return self._cached(name, reference, accept, with_body=False)

    def _cached(self, name: str, reference: str, accept: Sequence[str] | None, with_body: bool) -> Response:
        """Fetch (or take from the cache) whatever the upstream has, then answer as the client's Accept allows."""
        manifest, cache = self._cached_manifest(name, reference)
        served = negotiate(name, reference, manifest, accept, lambda digest: self._cached_manifest(name, digest)[0])
        result = self.manifest_response(served, with_body)
        result.headers["X-Cache"] = cache
        return result

    def _cached_manifest(self, name: str, reference: str) -> tuple[AnyManifest, str]:
        """The manifest `reference` names and whether it was a cache HIT or MISS.

        The upstream is asked with every manifest type a client may want (as docker's Accept):
        what this client may receive is decided afterwards, from the client's own Accept.
        """
        store = self.store
        repo = store.repositories.get(name)
        cached = None
        if repo is not None:
            cached_digest = reference if is_digest_reference(reference) else repo.tags.get(reference)
            cached = repo.manifests.get(cached_digest) if cached_digest is not None else None
        if cached is not None:
            if is_digest_reference(reference) and self._fresh(cached.digest):
                return self._hit(cached)
            # A tag can move upstream: ask the upstream what it names now (HEAD: no body).
            check = self._upstream(name, "HEAD", f"/v2/{name}/manifests/{reference}",
                                   lambda upstream, auth: upstream.head_manifest(auth, name, reference, DOCKER_ACCEPT))
            if check.status == UNREACHABLE or check.status >= 500:
                return self._hit(cached)
            if check.ok and check.headers.get("Docker-Content-Digest") == cached.digest and self._fresh(cached.digest):
                return self._hit(cached)
        response = self._upstream(name, "GET", f"/v2/{name}/manifests/{reference}",
                                  lambda upstream, auth: upstream.get_manifest(auth, name, reference, DOCKER_ACCEPT))
        if response.status == UNREACHABLE:
            raise self._unavailable(name)
        if not response.ok or not isinstance(response.body, bytes):
            if response.error is not None:
                raise response.error
            raise RegistryError(ErrorCode.UNAVAILABLE, f"the upstream answered {response.status}")
        manifest = parse_manifest(response.body)
        repo = store.repository(name)
        store.blobs[manifest.digest] = Blob(manifest.digest, len(manifest.raw), manifest.raw)
        repo.manifests.put(manifest)
        if not is_digest_reference(reference):
            repo.tags.tag(reference, manifest.digest)
        self.fetched_at[manifest.digest] = self.clock()
        self.stats.misses += 1
        self.stats.bytes_from_upstream += len(manifest.raw)
        return manifest, "MISS"

    def _hit(self, manifest: AnyManifest) -> tuple[AnyManifest, str]:
        self.stats.hits += 1
        return manifest, "HIT"

    def head_blob(self, name: str, digest: str) -> Response:
        response = self.get_blob(name, digest)
        response.body = None
        return response

    def get_blob(self, name: str, digest: str, byte_range: tuple[int, int] | None = None) -> Response:
        store = self.store
        repo = store.repositories.get(name)
        held = repo is not None and repo.blobs.stat(digest) is not None
        if held and self._fresh(digest):
            return self._serve(name, digest, byte_range, "HIT")
        fetched = self._upstream(name, "GET", f"/v2/{name}/blobs/{digest}",
                                 lambda upstream, auth: upstream.get_blob(auth, name, digest))
        if fetched.status == UNREACHABLE:
            if held:   # stale, but better than nothing while the upstream is away
                return self._serve(name, digest, byte_range, "HIT")
            raise self._unavailable(name)
        if not fetched.ok:
            if fetched.error is not None:
                raise fetched.error
            raise RegistryError(ErrorCode.UNAVAILABLE, f"the upstream answered {fetched.status}")
        data = fetched.body if isinstance(fetched.body, bytes) else None
        size = len(fetched.body) if fetched.body is not None else 0
        store.blobs[digest] = Blob(digest, size, data)
        store.repository(name).blobs.link(digest)
        self.fetched_at[digest] = self.clock()
        self.stats.bytes_from_upstream += size
        return self._serve(name, digest, byte_range, "MISS")

    def _serve(self, name: str, digest: str, byte_range: tuple[int, int] | None, cache: str) -> Response:
        if cache == "HIT":
            self.stats.hits += 1
        else:
            self.stats.misses += 1
        response = super().get_blob(name, digest, byte_range)
        response.headers["X-Cache"] = cache
        return response

    # ----- writes are refused ---------------------------------------------------------------------

    def _refuse(self) -> RegistryError:
        return RegistryError(ErrorCode.UNSUPPORTED, f"{self.host} is a pull-through cache of {self.upstream}: "
                             "push to the upstream instead")

    def open_upload(self, name: str) -> Response:
        raise self._refuse()

    def mount_blob(self, name: str, digest: str, from_repository: str | None, readable: bool) -> Response:
        raise self._refuse()

    def upload_whole(self, name: str, digest: str, body: Body | None) -> Response:
        raise self._refuse()

    def patch_upload(
        self, name: str, uuid: str, body: Chunk, content_range: tuple[int, int] | None = None
    ) -> Response:
        raise self._refuse()

    def put_upload(self, name: str, uuid: str, digest: str | None, body: Chunk | None = None) -> Response:
        raise self._refuse()

    def put_manifest(
        self, name: str, reference: str, raw: bytes, content_type: str | None = None,
        parsed: AnyManifest | None = None,
    ) -> Response:
        raise self._refuse()

    def delete_manifest(self, name: str, reference: str) -> Response:
        raise self._refuse()

    def delete_blob(self, name: str, digest: str) -> Response:
        raise self._refuse()

    def layer_bytes_stored(self) -> int:
        """Layer bytes the mirror holds: blobs a cached manifest names as layers."""
        return self.store.cached_layer_bytes()


class PullThroughCache(Registry):
    """A registry host in proxy mode: its handler is a `ProxyHandler` towards `upstream`.

    It reaches the upstream through `world`, as the mirror's own anonymous client.
    """

    def __init__(
        self,
        host: str,
        upstream: str,
        ttl: float = 7 * 24 * 3600.0,
        *,
        world: World,
        guard: Guard | None = None,
        rate_limit: PullLimit | None = None,
        clock: Callable[[], float] | None = None,
        source: Callable[[], str] | None = None,
        storage: Storage | None = None,
    ) -> None:
        now = clock if clock is not None else world.current_time

        def proxy_handler(
            store: RegistryStore, backend: Storage, listener: ManifestListener | None
        ) -> ProxyHandler:
            return ProxyHandler(store, backend, listener, world=world, upstream=upstream, ttl=ttl, clock=now)

        super().__init__(host, guard=guard, rate_limit=rate_limit, clock=now, source=source or world.request_source,
                         storage=storage, handler=proxy_handler)
        proxy = self.handler
        assert isinstance(proxy, ProxyHandler)
        self.proxy = proxy

    @property
    def upstream(self) -> str:
        return self.proxy.upstream

    @property
    def ttl(self) -> float:
        return self.proxy.ttl

    @property
    def stats(self) -> CacheStats:
        return self.proxy.stats

    @property
    def fetched_at(self) -> dict[str, float]:
        return self.proxy.fetched_at
