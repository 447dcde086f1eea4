"""A pull-through cache (a registry mirror), rule for rule as distribution's proxy mode behaves.

Each rule names the file of distribution/distribution it follows (paths under `registry/`):

- a tag is always asked of the upstream first (a HEAD); its answer is kept as the local tag,
  and the local tag is used only when the upstream cannot answer (proxy/proxytagservice.go);
- a manifest or blob held locally is served without asking the upstream; one not held is
  fetched, kept, and scheduled to expire `ttl` after that fetch; serving a copy does not
  extend its life (proxy/proxymanifeststore.go, proxy/proxyblobstore.go);
- a manifest is fetched once (proxymanifeststore.go Get: from the remote, then Put locally); a
  blob not held is asked for with one HEAD (the handler's Stat, kept in the request's descriptor
  cache) and read from the upstream twice: ServeBlob starts `go storeLocal`, a copy into the
  mirror's own storage, and answers the client with `copyContent`, a second GET streamed from the
  upstream (proxyblobstore.go); the copy is background work, in its own lane;
- at expiry the copy is deleted: a blob's link and its bytes, a manifest's revision; the tag
  stays (proxy/proxyregistry.go, proxy/scheduler/scheduler.go), so an expired copy is never
  served, and with the upstream unreachable the request fails;
- `ttl` defaults to 168h (7 days); 0 means copies never expire (configuration/configuration.go
  `Proxy.TTL`, proxy/proxyregistry.go);
- pushes and deletes are refused as unsupported (proxy/proxyblobstore.go, proxymanifeststore.go).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from regsim.model.core.context import Lane, RequestContext
from regsim.model.core.events import UNREACHABLE, Outcome, RequestOutcome
from regsim.model.core.snapshot import Copier, shallow
from regsim.model.oci.blob import Blob, Body
from regsim.model.oci.digest import Digest
from regsim.model.oci.errors import ErrorCode, RegistryError
from regsim.model.oci.manifest import AnyManifest, Manifest, parse_manifest
from regsim.model.oci.mediatype import DOCKER_ACCEPT
from regsim.model.oci.reference import check_tag, is_digest_reference
from regsim.model.oci.response import Response
from regsim.model.oci.routes import blob_path, manifest_path, tags_path
from regsim.model.registry.expiry import EntryKind, ExpiryEntry, ExpiryScheduler, expiry_notes
from regsim.model.registry.handler import Handler, ManifestListener
from regsim.model.registry.negotiation import negotiate
from regsim.model.registry.registry import Guard, PullLimit, Registry
from regsim.model.registry.storage import Storage
from regsim.model.registry.store import RegistryStore
from regsim.model.registry.upload import Chunk

if TYPE_CHECKING:
    from regsim.model.client.session import HostSession
    from regsim.model.sim.world import World

# proxy/proxyregistry.go `repositoryTTL`: "Default TTL is 7 days" when the config sets no `ttl`.
DEFAULT_TTL = 7 * 24 * 3600.0


@dataclass(slots=True)
class CacheStats:
    hits: int = 0
    misses: int = 0
    bytes_from_upstream: int = 0


class ProxyHandler(Handler):
    """The API handler of a mirror of `upstream`: serves from its own store, fetching on a miss."""

    _copiers: ClassVar[dict[str, Copier]] = {"_layers_named": shallow}

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
        self.stats = CacheStats()
        # proxy/proxyregistry.go: with a TTL of 0 there is no scheduler, and nothing expires.
        self.scheduler: ExpiryScheduler | None = (
            ExpiryScheduler(self._blob_expired, self._manifest_expired) if ttl > 0 else None
        )
        self._layers_named: set[str] = set()      # layer digests of every manifest fetched
        self._upstream_session: HostSession | None = None
        self._started = False

    # ----- expiry (proxy/scheduler/scheduler.go, proxy/proxyregistry.go) ---------------------------

    def expire_due(self) -> list[ExpiryEntry]:
        """Delete every copy whose TTL has run out by now (the scheduler's timers, fired late at the
        latest when the next request arrives or the step ends); the entries expired now."""
        return self.scheduler.run_due(self.clock()) if self.scheduler is not None else []

    def expiry_notes(self) -> list[str]:
        """Expire what is due, and say what was deleted."""
        before = self.store.stored_layer_bytes
        due = self.expire_due()
        return expiry_notes(self.host, self.ttl, due, before - self.store.stored_layer_bytes) if due else []

    def _schedule(self, name: str, digest: str, kind: EntryKind) -> None:
        """proxyblobstore.go / proxymanifeststore.go: a copy fetched from the upstream expires `ttl`
        after the fetch (AddBlob / AddManifest); a copy served from the cache is not rescheduled."""
        if self.scheduler is not None:
            self.scheduler.add(name, digest, kind, self.clock(), self.ttl)

    def _blob_expired(self, name: str, digest: str) -> None:
        """proxyregistry.go OnBlobExpire: unlink the blob from the repository (`blobs.Delete`), then
        remove its bytes from storage (`vacuum.RemoveBlob`), whichever repositories linked it."""
        repo = self.store.repositories.get(name)
        if repo is not None:
            repo.blobs.unlink(digest)
        if digest in self.store.blobs:
            self.store.free(digest)
            self.storage.blobs_freed([digest])
        if self._persistent:
            self.storage.changed(self.store)

    def _manifest_expired(self, name: str, digest: str) -> None:
        """proxyregistry.go OnManifestExpire: delete the manifest revision (`manifests.Delete`).
        Its tags are not removed: a tag naming it now names a revision the mirror no longer has."""
        repo = self.store.repositories.get(name)
        if repo is not None and digest in repo.manifests:
            repo.manifests.delete(digest)
        if self._persistent:
            self.storage.changed(self.store)

    # ----- talking to the upstream --------------------------------------------------------------

    def _upstream_session_now(self) -> HostSession:
        """The mirror's own client identity towards its upstream (anonymous, like a default proxy).

        The world makes it (a registry acting as a client: distribution's proxy talks to its remote
        through distribution's own client package), so this registry-side module needs no client code."""
        if self._upstream_session is None:
            self._upstream_session = self.world.client_session(self.host, self.upstream)
        return self._upstream_session

    def _upstream(
        self, name: str, method: str, path: str,
        call: Callable[[Registry, str | None, RequestContext], Response], why: str,
        served: RequestContext | None, background: bool = False,
    ) -> Response:
        """One request to the upstream, `call(upstream registry, auth, its context)`, through the
        mirror's own session, while serving the request whose context is `served`.

        proxyregistry.go `tryEstablishChallenges`: the upstream's /v2/ is asked only until its
        challenge is known; after that a request goes straight to the upstream (and fails if it
        cannot be reached). Each repository gets its own pull token (proxyregistry.go `Repository`).
        These requests count in the lane and job of the client's request they serve (its download
        waits for them), except a `background` request: the mirror's own work, which no client waits
        for, keeps a lane and job of its own.
        """
        session = self._upstream_session_now()
        own = session.context
        waits = own.serving(served)   # its version check and token requests hold up the client's request too
        context = self.world.job(own.sender, Lane.BACKGROUND, own.address, own.upstream) if background else waits
        if not self._started or not session.need(name, ("pull",), waits):
            session.outcome = Outcome()
            if not session.start({name: ("pull",)}, context=waits):
                self._upstream_session = None
                return Response(UNREACHABLE) if session.outcome.error == "NETWORK_UNREACHABLE" else Response(502)
            self._started = True
        upstream = self.world.registries[self.upstream]
        response, event = session.send(method, path, lambda auth: call(upstream, auth, context), why, context=context)
        event.outcome = (RequestOutcome.FETCHED if response.ok else
                         RequestOutcome.UNREACHABLE if response.status == UNREACHABLE else RequestOutcome.ERROR)
        return response

    def _failure(self, response: Response, not_found: ErrorCode) -> RegistryError:
        """What the mirror answers when the upstream could not give it something it lacks.

        The upstream's "not found" (`not_found`: MANIFEST_UNKNOWN or BLOB_UNKNOWN) passes through
        (handlers/blob.go: Stat's ErrBlobUnknown is BLOB_UNKNOWN); any other failure, such as an
        upstream that cannot be reached or refuses the mirror, is UNKNOWN, 500 (handlers/blob.go
        and handlers/manifests.go append ErrorCodeUnknown for an error they do not recognise).
        """
        error = response.error
        if response.status != UNREACHABLE and error is not None and error.code is not_found:
            return error
        what = "cannot be reached" if response.status == UNREACHABLE else f"answered {response.status}"
        return RegistryError(ErrorCode.UNKNOWN, f"the upstream {self.upstream} {what}, and {self.host} "
                             "holds no copy")

    # ----- manifests ------------------------------------------------------------------------------

    def get_manifest(
        self, name: str, reference: str, accept: Sequence[str] | None = None, context: RequestContext | None = None
    ) -> Response:
        return self._cached(name, reference, accept, True, context)

    def head_manifest(
        self, name: str, reference: str, accept: Sequence[str] | None = None, context: RequestContext | None = None
    ) -> Response:
        # handlers/manifests.go serves HEAD with the same GetManifest as GET (and so fetches too).
        return self._cached(name, reference, accept, False, context)

    def _cached(
        self, name: str, reference: str, accept: Sequence[str] | None, with_body: bool, served: RequestContext | None
    ) -> Response:
        """handlers/manifests.go GetManifest: a tag becomes a digest through the tag service, the
        digest a manifest through the manifest service; then the client's Accept decides."""
        self.expire_due()
        if is_digest_reference(reference):
            Digest.parse(reference)
            digest = reference
        else:
            check_tag(reference)
            digest = self._tag_digest(name, reference, served)
        manifest, cache = self._revision(name, digest, served)
        chosen = negotiate(name, reference, manifest, accept, lambda child: self._revision(name, child, served)[0])
        result = self.manifest_response(chosen, with_body)
        result.headers["X-Cache"] = cache
        return result

    def _tag_digest(self, name: str, tag: str, served: RequestContext | None) -> str:
        """proxytagservice.go Get: ask the upstream which digest the tag names now (registry/client
        repository.go `tags.Get` sends a HEAD with every manifest type in Accept) and keep that as
        the local tag; if the upstream cannot answer, use the local tag. No local tag either:
        404 MANIFEST_UNKNOWN (handlers/manifests.go, ErrTagUnknown)."""
        check = self._upstream(
            name, "HEAD", manifest_path(name, tag),
            lambda upstream, auth, context: upstream.head_manifest(auth, name, tag, DOCKER_ACCEPT, context),
            f"which manifest does the tag {tag} name on the upstream now? (a HEAD: no body)", served,
        )
        upstream_digest = check.headers.get("Docker-Content-Digest") if check.ok else None
        if upstream_digest is not None:
            self.store.repository(name).tags.tag(tag, upstream_digest)
            return upstream_digest
        repo = self.store.repositories.get(name)
        local = repo.tags.get(tag) if repo is not None else None
        if local is None:
            raise RegistryError(ErrorCode.MANIFEST_UNKNOWN, f"{self.host} has no tag {tag} in {name} and its "
                                f"upstream {self.upstream} did not name one",
                                {"name": name, "reference": tag})
        return local

    def _revision(self, name: str, digest: str, served: RequestContext | None) -> tuple[AnyManifest, str]:
        """proxymanifeststore.go Get: the local revision if the mirror holds it (a HIT); otherwise
        fetched from the upstream by digest, kept, and scheduled to expire (a MISS)."""
        repo = self.store.repositories.get(name)
        held = repo.manifests.get(digest) if repo is not None else None
        if held is not None:
            self.stats.hits += 1
            return held, "HIT"
        response = self._upstream(
            name, "GET", manifest_path(name, digest),
            lambda upstream, auth, context: upstream.get_manifest(auth, name, digest, DOCKER_ACCEPT, context),
            f"cache miss on {self.host}: fetch the manifest from the upstream {self.upstream}", served,
        )
        if not response.ok or not isinstance(response.body, bytes):
            raise self._failure(response, ErrorCode.MANIFEST_UNKNOWN)
        manifest = parse_manifest(response.body)
        store = self.store
        store.repository(name).manifests.put(manifest)
        if isinstance(manifest, Manifest):
            for layer in manifest.layers:
                self._layers_named.add(layer.digest)
                self._count_layer(layer.digest)
        if self._persistent:
            self.storage.manifest_stored(manifest.digest, manifest.raw)
            self.storage.changed(store)
        self._schedule(name, manifest.digest, EntryKind.MANIFEST)
        self.stats.misses += 1
        self.stats.bytes_from_upstream += len(manifest.raw)
        return manifest, "MISS"

    def _count_layer(self, digest: str) -> None:
        """A held blob some fetched manifest names as a layer counts in the stored layer bytes."""
        if digest in self._layers_named:
            self.store.count_layer(digest)

    def list_tags(
        self, name: str, n: int | None = None, last: str | None = None, context: RequestContext | None = None
    ) -> Response:
        """proxytagservice.go All: the upstream's tags when it answers, else the tags kept here."""
        self.expire_due()
        listed = self._upstream(
            name, "GET", tags_path(name),
            lambda upstream, auth, asking: upstream.list_tags(auth, name, context=asking),
            f"which tags does {name} have on the upstream {self.upstream}?", context,
        )
        if listed.ok and isinstance(listed.body, bytes):
            return self.tags_page(name, json.loads(listed.body)["tags"], n, last)
        return super().list_tags(name, n, last)

    # ----- blobs ----------------------------------------------------------------------------------

    def head_blob(self, name: str, digest: str, context: RequestContext | None = None) -> Response:
        response = self.get_blob(name, digest, None, context)
        response.body = None
        return response

    def get_blob(
        self, name: str, digest: str, byte_range: tuple[int, int] | None = None, context: RequestContext | None = None
    ) -> Response:
        """handlers/blob.go GetBlob: Stat, then ServeBlob. proxyblobstore.go: a blob this repository
        links and the mirror holds is served from storage (a HIT). Otherwise (a MISS) Stat asks the
        upstream for it (a HEAD), and ServeBlob reads it from the upstream twice: `go storeLocal`
        copies it into the mirror's storage (a background GET), while `copyContent` streams it to
        the client (a GET the client's download waits for). The copy is kept and scheduled to expire.

        The copy is stored when this request is done (as a replica's copy is): the step's timing
        shows it finish in the background. A request for a blob whose copy is still under way
        streams it from the upstream once more without storing it (`inflight`): flows.fetched_again."""
        self.expire_due()
        store = self.store
        if store.linked(name, digest) is not None:
            return self._serve(name, digest, byte_range, "HIT")
        Digest.parse(digest)
        path = blob_path(name, digest)
        stat = self._upstream(
            name, "HEAD", path,
            lambda upstream, auth, asking: upstream.head_blob(auth, name, digest, asking),
            f"cache miss on {self.host}: does the upstream {self.upstream} have this blob? (Stat)", context,
        )
        if not stat.ok:
            raise self._failure(stat, ErrorCode.BLOB_UNKNOWN)
        kept = self._upstream(
            name, "GET", path,
            lambda upstream, auth, asking: upstream.get_blob(auth, name, digest, context=asking),
            f"cache miss on {self.host}: copy the blob from the upstream {self.upstream} into its own "
            "storage, in the background (storeLocal)", context,
            background=True,
        )
        streamed = self._upstream(
            name, "GET", path,
            lambda upstream, auth, asking: upstream.get_blob(auth, name, digest, context=asking),
            f"cache miss on {self.host}: stream the blob from the upstream {self.upstream} to the client "
            "(copyContent), beside the copy into storage", context,
        )
        # One upstream answers both at the same moment, so in the model they succeed or fail together.
        if not streamed.ok or not kept.ok or kept.body is None:
            raise self._failure(streamed if not streamed.ok else kept, ErrorCode.BLOB_UNKNOWN)
        size = len(kept.body)
        self.stats.bytes_from_upstream += 2 * size   # the copy kept and the copy streamed
        data = kept.body if isinstance(kept.body, bytes) else None
        store.link(store.repository(name), Blob(digest, size, data))
        self._count_layer(digest)
        if self._persistent:
            self.storage.changed(store)
        self._schedule(name, digest, EntryKind.BLOB)
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

    # A push reads only the status of these (Handler.head_blob_status): this cache's own answers serve
    # it, so a push's HEAD asks the upstream (proxyblobstore.go Stat) and its writes are refused.
    head_blob_status = head_blob
    patch_upload_status = patch_upload
    put_upload_status = put_upload

    def put_manifest(
        self, name: str, reference: str, raw: bytes, content_type: str | None = None,
        parsed: AnyManifest | None = None,
    ) -> Response:
        raise self._refuse()

    def delete_manifest(self, name: str, reference: str) -> Response:
        raise self._refuse()

    def delete_blob(self, name: str, digest: str) -> Response:
        raise self._refuse()


class PullThroughCache(Registry):
    """A registry host in proxy mode: its handler is a `ProxyHandler` towards `upstream`.

    It reaches the upstream through `world`, as the mirror's own anonymous client, and its
    copies expire as the world's time passes (checked at the end of every step).
    """

    def __init__(
        self,
        host: str,
        upstream: str,
        ttl: float = DEFAULT_TTL,
        *,
        world: World,
        guard: Guard | None = None,
        rate_limit: PullLimit | None = None,
        clock: Callable[[], float] | None = None,
        storage: Storage | None = None,
    ) -> None:
        now = clock if clock is not None else world.current_time

        def proxy_handler(
            store: RegistryStore, backend: Storage, listener: ManifestListener | None
        ) -> ProxyHandler:
            return ProxyHandler(store, backend, listener, world=world, upstream=upstream, ttl=ttl, clock=now)

        super().__init__(host, guard=guard, rate_limit=rate_limit, clock=now, storage=storage, handler=proxy_handler)
        proxy = self.handler
        assert isinstance(proxy, ProxyHandler)
        self.proxy = proxy
        world.on_time_passed(proxy.expiry_notes)

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
    def scheduled(self) -> dict[str, ExpiryEntry]:
        """The copies waiting to expire, by `repository@digest` (empty when nothing expires)."""
        return self.proxy.scheduler.entries if self.proxy.scheduler is not None else {}
