"""The OCI Distribution API over HTTP (aiohttp), as a thin adapter over the model's `Registry`.

Each request is matched to a route, turned into one call of a `Registry` method, and sent
through `World.send`, which records it as a `RequestEvent` exactly as a simulated request
is recorded. The adapter adds only what HTTP needs: reading the URL and headers, streaming
request bodies to disk while they are hashed (`DiskUploadSession`), and streaming blob files
back. Errors are the model's `RegistryError`s, sent as the spec's JSON bodies.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import socket
import sys
import time
import traceback
from collections.abc import Awaitable, Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, assert_never
from urllib.parse import parse_qs

from aiohttp import web

from regsim.live.access import LoginThrottle, make_guard
from regsim.live.access_log import AccessLog
from regsim.live.entry import (
    ABORTED,
    BlobLedger,
    Ledger,
    LiveEntry,
)
from regsim.live.explain import explain, outcome, refusal_said
from regsim.live.ledger import Arrivals
from regsim.live.request_parts import (
    accepted_types,
    byte_range,
    content_range,
    paging,
    read_limited,
    rfc3339_issued_at,
)
from regsim.live.rootlock import RootLock
from regsim.live.storage import DiskStorage, DiskUploadSession, disk_registry, disk_storage
from regsim.model.core.context import RequestContext
from regsim.model.core.events import How, RequestEvent
from regsim.model.oci.blob import SizedContent
from regsim.model.oci.errors import ErrorCode, RegistryError
from regsim.model.oci.manifest import Manifest
from regsim.model.oci.mediatype import MANIFEST_TYPES, MAX_MANIFEST_BYTES
from regsim.model.oci.response import Response
from regsim.model.oci.routes import RouteMatch, RouteName, match_path
from regsim.model.registry.access import RegistryAccess
from regsim.model.registry.handler import API_VERSION_HEADER
from regsim.model.registry.registry import Registry
from regsim.model.registry.upload import StagedBytes
from regsim.model.sim.network import NodeKind
from regsim.model.sim.world import World
from regsim.units import format_size

STREAM_CHUNK = 1 << 20          # bytes per disk write / hash update / socket write



AUTH = web.RequestKey[str | None]("auth")
EVENT = web.RequestKey[RequestEvent | None]("event")
BEGUN = web.RequestKey("begun", float)
BUSY = web.RequestKey("busy", int)
LEDGER = web.RequestKey[Ledger | None]("ledger")


@dataclass(frozen=True, slots=True)
class _Started:
    """What exists once the server is bound: its address names the registry."""

    registry: Registry
    disk: DiskStorage
    world: World


Handler = Callable[["LiveServer", web.Request, RouteMatch], Awaitable[web.StreamResponse]]


@dataclass
class LiveServer(AccessLog):
    """A registry on this machine: bind, serve, record; `start`/`stop` in a running event loop."""

    root: Path
    host: str = "127.0.0.1"
    port: int = 0
    auth: str = "none"
    users: list[tuple[str, str]] = field(default_factory=list)
    public_repositories: list[str] = field(default_factory=list)
    token_lifetime: float = 300.0
    listeners: list[Callable[[LiveEntry], None]] = field(default_factory=list)
    # Called again once a streamed entry is settled (its body sent, or the client gone).
    settled: list[Callable[[LiveEntry], None]] = field(default_factory=list)
    htpasswd: Path | None = None
    upload_timeout: float = 600.0       # an upload idle this long is cancelled
    throttle: LoginThrottle = field(default_factory=LoginThrottle)

    def __post_init__(self) -> None:
        self.root = Path(self.root)
        self.open_log()
        self._pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="regsim-live")
        self._lock = RootLock(self.root)
        # Password hashes are slow on purpose: one thread of their own, never the event loop,
        # and one check at a time per client (see `_vetted`).
        self._password_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="regsim-login")
        self._checking: dict[str, asyncio.Lock] = {}
        self._guard: RegistryAccess | None = None
        self._expiry: asyncio.Task[None] | None = None
        self._runner: web.AppRunner | None = None
        self._started: _Started | None = None
        # Blobs that arrived and no stored manifest named yet: when one does, the ledger says which travelled.
        self._arrivals = Arrivals()

    # ----- lifecycle ---------------------------------------------------------------------------

    @property
    def registry(self) -> Registry | None:
        """The live registry, None until `start`."""
        return self._started.registry if self._started is not None else None

    @property
    def disk(self) -> DiskStorage | None:
        return self._started.disk if self._started is not None else None

    @property
    def world(self) -> World | None:
        return self._started.world if self._started is not None else None

    @property
    def _live(self) -> _Started:
        """The started server's parts: requests are only routed here after `start` made them."""
        if self._started is None:
            raise RuntimeError("the live server is not started")
        return self._started

    def account_names(self) -> list[str]:
        """The accounts that may sign in (--user and --htpasswd), once started; never a password."""
        if self._guard is not None:
            return list(self._guard.policy.users.names())
        return [name for name, _ in self.users]

    @property
    def service(self) -> str:
        return f"{self.host}:{self.port}"

    async def start(self) -> None:
        # Before anything under the root is touched (opening it clears uploads/): one process per root.
        self._lock.acquire()
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self.host, self.port))
        except OSError:
            sock.close()
            self._lock.release()
            raise
        self.port = sock.getsockname()[1]
        realm_host = self.host if self.host not in ("0.0.0.0", "::") else socket.getfqdn()
        realm_host = f"[{realm_host}]" if ":" in realm_host else realm_host
        try:
            guard = make_guard(
                self.auth, self.users, self.service, f"http://{realm_host}:{self.port}/token",
                public=self.public_repositories, lifetime=self.token_lifetime, htpasswd=self.htpasswd,
            )
        except Exception:
            sock.close()
            self._lock.release()
            raise
        self._guard = guard
        registry = disk_registry(self.service, self.root, guard=guard, clock=time.time)
        world = World(self.service)
        world.add_registry(registry, NodeKind.LIVE_REGISTRY)
        self._started = _Started(registry, disk_storage(registry), world)
        app = web.Application(client_max_size=MAX_MANIFEST_BYTES + 1)
        app.router.add_route("*", "/{tail:.*}", self.handle)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        await web.SockSite(self._runner, sock).start()
        self._expiry = asyncio.get_running_loop().create_task(self._expire_uploads())

    async def stop(self) -> None:
        if self._expiry is not None:
            self._expiry.cancel()
            self._expiry = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self.registry is not None:
            self.registry.abandon_uploads()
        self._pool.shutdown(wait=True)
        self._password_pool.shutdown(wait=True)
        self._lock.release()

    async def _expire_uploads(self) -> None:
        """Cancel uploads no request touched for `upload_timeout` seconds (distribution purges
        them too: storage.maintenance.uploadpurging, 168 h by default, checked every 24 h)."""
        period = max(min(self.upload_timeout / 4, 60.0), 0.01)
        while True:
            await asyncio.sleep(period)
            self.expire_uploads(time.monotonic())

    def expire_uploads(self, now: float) -> list[str]:
        """The ids of the idle uploads cancelled now (their files are removed)."""
        registry = self.registry
        if registry is None:
            return []
        expired = [uuid for uuid, session in registry.uploads.items()
                   if isinstance(session, DiskUploadSession) and not session.busy
                   and now - session.touched > self.upload_timeout]
        for uuid in expired:
            registry.storage.upload_closed(registry.uploads.pop(uuid))
        return expired

    async def _vetted(self, request: web.Request, auth: str | None) -> str | None:
        """The Authorization to hand the model, its password already checked off the event loop.

        Empty Basic credentials (`Basic Og==`, ":" encoded) are no credentials: skopeo and podman
        send them after a Basic challenge when they have no login (containers/image
        docker/docker_client.go sets Basic auth from its empty username and password), so they
        read as anonymous and a public repository stays pullable."""
        if auth is None:
            return None
        scheme, _, value = auth.strip().partition(" ")
        if scheme.lower() != "basic":
            return auth
        with contextlib.suppress(ValueError):
            if base64.b64decode(value.strip(), validate=True) == b":":
                return None
        guard = self._guard
        if guard is None or guard.knows(auth):
            return auth
        client = str(request.remote)
        lock = self._checking.setdefault(client, asyncio.Lock())
        async with lock:
            if guard.knows(auth):        # checked while this request waited its turn
                return auth
            delay = self.throttle.delay(client, time.monotonic())
            if delay:
                await asyncio.sleep(delay)
            right = await asyncio.get_running_loop().run_in_executor(self._password_pool, guard.prove_basic, auth)
            if right:
                self.throttle.succeeded(client)
            else:
                self.throttle.failed(client, time.monotonic())
        return auth

    def record_fields(self) -> dict[str, Any]:
        return {"auth": self.auth}

    # ----- dispatch ----------------------------------------------------------------------------

    async def handle(self, request: web.Request) -> web.StreamResponse:
        request[BEGUN] = time.monotonic()
        request[EVENT] = None
        client, request[BUSY] = self.arrived(request)
        try:
            found = match_path(request.raw_path)
            if found is None:
                return web.Response(status=404, text="404 page not found\n", headers=API_VERSION_HEADER)
            route = found.route
            if request.method not in route.methods:
                error = RegistryError(
                    ErrorCode.UNSUPPORTED, f"{request.method} is not allowed on {route.name}",
                    headers={"Allow": ", ".join(sorted(route.methods))},
                )
                response = self._send(request, route.name, _raise(error), {})
                return await self._reply(request, response)
            request[AUTH] = await self._vetted(request, request.headers.get("Authorization"))
            return await HANDLERS[route.name](self, request, found)
        except Exception:  # noqa: BLE001 - a bug must not take the server down; the client sees a 500
            traceback.print_exc(file=sys.stderr)
            error_body = json.dumps({"errors": [{"code": "UNKNOWN", "message": "internal server error"}]})
            return web.Response(status=500, text=error_body, content_type="application/json")
        finally:
            self._log(request)
            self.finished(client)

    def _log(self, request: web.Request, *, settled: bool = True) -> LiveEntry | None:
        """Log the request once, just before its last byte goes (so a client never sees it first)."""
        event = request.get(EVENT)
        if event is None:
            return None
        request[EVENT] = None
        return self.log(request, request[BEGUN], event, request.get(LEDGER), request[BUSY], settled=settled)

    def _settle(self, entry: LiveEntry | None) -> None:
        if entry is None or entry.settled:
            return
        entry.settled = True
        for listener in self.settled:
            listener(entry)

    def _send(
        self, request: web.Request, route: RouteName, call: Callable[[], Response], parts: Mapping[str, str],
        *, sent: int = 0,
    ) -> Response:
        """One model call through `World.send`, recorded with its explanation.

        `parts` are what the explanation and the ledger read: the path's parts (repository,
        reference, digest, upload id) and, for a mount, `mount` and `from`."""
        live = self._live
        path = request.raw_path
        response, event = live.world.send(
            RequestContext(str(request.remote)), live.registry.host, request.method, path, _saving(call), "",
            sent=sent,
        )
        event.why = explain(route, request.method, response, parts)
        event.outcome = outcome(route, request.method, response.status, parts)
        if response.status >= 400 and not event.outcome:
            event.outcome = refusal_said(response)
        request[EVENT] = event
        if 200 <= response.status < 300:
            request[LEDGER] = self._ledger(route, request.method, response, parts)
        return response

    def _ledger(self, route: RouteName, method: str, response: Response, parts: Mapping[str, str]) -> Ledger | None:
        """What the byte ledger needs to know about a successful request (see `LiveEntry.ledger`)."""
        reg = self._live.registry
        name = parts.get("name", "")
        if route in (RouteName.UPLOADS, RouteName.UPLOAD) and response.status == 201:
            digest = response.headers.get("Docker-Content-Digest", "")
            stored = reg.blobs.get(digest)
            if stored is None:
                return None
            source = parts.get("from") if "mount" in parts else None
            self._arrivals.arrived(name, digest, How.MOUNTED if "mount" in parts else How.SENT, source)
            arrival = BlobLedger(blob=digest, size=stored.size)
            if source:
                arrival["mounted_from"] = source
            return arrival
        if route != RouteName.MANIFEST or method not in ("PUT", "GET"):
            return None
        digest = response.headers.get("Docker-Content-Digest", "")
        repo = reg.repositories.get(name)
        manifest = repo.manifests.get(digest) if repo is not None else None
        if manifest is None:
            return None
        return self._arrivals.manifest(name, parts.get("reference", ""), method, digest, manifest, manifest.raw,
                                       with_bytes=method == "PUT")

    async def _reply(self, request: web.Request, response: Response) -> web.StreamResponse:
        """The model's Response as HTTP: bytes as they are, a blob's file streamed from disk."""
        headers = {**response.headers, **API_VERSION_HEADER}
        body = response.body
        head = request.method == "HEAD"
        if isinstance(body, SizedContent):
            return await self._stream_file(request, response.status, headers, body, head)
        declared = headers.pop("Content-Length", None)
        if body is not None and "Content-Type" not in headers:
            headers["Content-Type"] = "application/json"   # the model's JSON answers (ping)
        length = len(body) if body is not None else int(declared or 0)
        out = web.StreamResponse(status=response.status, headers=headers)
        out.content_length = length
        self._log(request)
        await out.prepare(request)
        if body is not None and not head and length:
            await out.write(bytes(body))
        await out.write_eof()
        return out

    async def _stream_file(
        self, request: web.Request, status: int, headers: dict[str, str], part: SizedContent, head: bool
    ) -> web.StreamResponse:
        headers.pop("Content-Length", None)
        out = web.StreamResponse(status=status, headers=headers)
        out.content_length = part.length
        path = self._live.disk.files.path(part.digest)
        handle = open(path, "rb")  # noqa: SIM115, ASYNC230 - a local file, closed below
        entry = None
        sent = [0]
        try:
            await out.prepare(request)
            if not head and part.length:
                entry = self._log(request, settled=False)
                await self._send_file(request, out, handle, part.offset, part.length, sent)
            self._log(request)
            await out.write_eof()
        except (ConnectionError, asyncio.CancelledError) as error:
            if entry is not None:   # the client went away mid-download: say so, with the bytes that went
                event = entry.event
                event.bytes = sent[0]
                event.outcome = ABORTED
                event.why = (f"the client went away after {format_size(sent[0])} of {format_size(part.length)}: "
                             "the download was broken off, and a client starts it again (or asks for the rest "
                             "with a Range header)")
                entry.ms = (time.monotonic() - request[BEGUN]) * 1000
            if isinstance(error, asyncio.CancelledError):
                raise
        finally:
            handle.close()
            self._settle(entry)
        return out

    async def _send_file(
        self, request: web.Request, out: web.StreamResponse, handle: BinaryIO, offset: int, length: int,
        sent: list[int],
    ) -> None:
        """The kernel copies the file to the socket (sendfile) where it can; else 1 MiB at a time.
        `sent` counts the bytes handed over so far (what an aborted download is recorded with)."""
        loop = asyncio.get_running_loop()
        remaining = length
        transport = request.transport
        if transport is None or transport.is_closing():
            raise ConnectionResetError("the client went away")
        try:
            sent[0] = await loop.sendfile(transport, handle, offset, length)
            return
        except ConnectionError:
            # asyncio leaves the file's position after the last byte the kernel took
            sent[0] = max(0, handle.tell() - offset)
            raise
        except NotImplementedError:
            pass
        handle.seek(offset + sent[0])
        while remaining > 0:
            chunk = handle.read(min(STREAM_CHUNK, remaining))
            if not chunk:
                break
            remaining -= len(chunk)
            await out.write(chunk)
            sent[0] += len(chunk)

    async def _answer(
        self, request: web.Request, route: RouteName, call: Callable[[], Response],
        parts: Mapping[str, str] | None = None, *, sent: int = 0,
    ) -> web.StreamResponse:
        return await self._reply(request, self._send(request, route, call, parts or {}, sent=sent))

    # ----- routes (each takes the request and its route's match; `HANDLERS` maps route to handler) --

    async def _ping(self, request: web.Request, found: RouteMatch) -> web.StreamResponse:
        reg = self._live.registry
        auth = _auth(request)
        return await self._answer(request, RouteName.PING, lambda: reg.ping(auth))

    async def _token(self, request: web.Request, found: RouteMatch) -> web.StreamResponse:
        reg = self._live.registry
        auth = _auth(request)
        service: str | None
        if request.method == "POST":   # the OAuth2 form some clients use
            form = parse_qs((await request.read()).decode(errors="replace"))
            service = form["service"][0] if form.get("service") else None
            scopes = [s for text in form.get("scope", []) for s in text.split()]
            grant = (form.get("grant_type") or [""])[0]
            if grant == "password":
                user = (form.get("username") or [""])[0]
                password = (form.get("password") or [""])[0]
                auth = await self._vetted(
                    request, "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode())
            elif grant:
                error = RegistryError(ErrorCode.UNSUPPORTED, f"grant_type {grant} is not supported: use password")
                return await self._answer(request, RouteName.TOKEN, _raise(error))
        else:
            service = request.query.get("service")
            scopes = [s for text in request.query.getall("scope", []) for s in text.split()]
        return await self._answer(
            request, RouteName.TOKEN, lambda: rfc3339_issued_at(reg.issue_token(auth, service, scopes))
        )

    async def _catalog(self, request: web.Request, found: RouteMatch) -> web.StreamResponse:
        reg = self._live.registry
        auth = _auth(request)
        try:
            n, last = paging(request)
        except RegistryError as error:
            return await self._answer(request, RouteName.CATALOG, _raise(error))
        return await self._answer(request, RouteName.CATALOG, lambda: reg.catalog(auth, n, last))

    async def _tags(self, request: web.Request, found: RouteMatch) -> web.StreamResponse:
        reg = self._live.registry
        auth = _auth(request)
        name = found.name
        parts = {"name": name}
        try:
            n, last = paging(request)
        except RegistryError as error:
            return await self._answer(request, RouteName.TAGS, _raise(error), parts)
        return await self._answer(request, RouteName.TAGS, lambda: reg.list_tags(auth, name, n, last), parts)

    async def _referrers(self, request: web.Request, found: RouteMatch) -> web.StreamResponse:
        reg = self._live.registry
        auth = _auth(request)
        name, digest = found.name, found.digest
        kind = request.query.get("artifactType")
        return await self._answer(
            request, RouteName.REFERRERS, lambda: reg.referrers(auth, name, digest, kind),
            {"name": name, "digest": digest},
        )

    async def _manifest(self, request: web.Request, found: RouteMatch) -> web.StreamResponse:
        reg = self._live.registry
        auth = _auth(request)
        name, reference = found.name, found.reference
        parts = {"name": name, "reference": reference}
        accept = accepted_types(request)
        route = RouteName.MANIFEST
        if request.method == "HEAD":
            return await self._answer(request, route, lambda: reg.head_manifest(auth, name, reference, accept), parts)
        if request.method == "GET":
            return await self._answer(request, route, lambda: reg.get_manifest(auth, name, reference, accept), parts)
        if request.method == "DELETE":
            return await self._answer(request, route, lambda: reg.delete_manifest(auth, name, reference), parts)
        raw = await read_limited(request, MAX_MANIFEST_BYTES + 1)   # one byte over: the model says 413
        content_type = request.headers.get("Content-Type", "").partition(";")[0].strip() or None
        if content_type not in MANIFEST_TYPES:
            content_type = None   # e.g. application/json: let the manifest's mediaType decide
        return await self._answer(
            request, route, lambda: reg.put_manifest(auth, name, reference, raw, content_type), parts, sent=len(raw)
        )

    async def _blob(self, request: web.Request, found: RouteMatch) -> web.StreamResponse:
        reg = self._live.registry
        auth = _auth(request)
        name, digest = found.name, found.digest
        parts = {"name": name, "digest": digest}
        route = RouteName.BLOB
        if request.method == "HEAD":
            return await self._answer(request, route, lambda: reg.head_blob(auth, name, digest), parts)
        if request.method == "DELETE":
            repo = reg.repositories.get(name)
            if repo is not None and any(isinstance(m, Manifest) and digest in m.blob_digests()
                                        for m in repo.manifests.revisions()):
                parts["referenced"] = "yes"   # the explanation warns: a stored image needs this blob
            return await self._answer(request, route, lambda: reg.delete_blob(auth, name, digest), parts)
        try:
            wanted = byte_range(request.headers.get("Range"), reg.blobs.get(digest))
        except RegistryError as error:
            return await self._answer(request, route, _raise(error), parts)
        return await self._answer(request, route, lambda: reg.get_blob(auth, name, digest, wanted), parts)

    async def _uploads(self, request: web.Request, found: RouteMatch) -> web.StreamResponse:
        """POST: open an upload, mount from another repository, or take a whole blob in one request."""
        reg = self._live.registry
        auth = _auth(request)
        name = found.name
        route = RouteName.UPLOADS
        mount = request.query.get("mount")
        source = request.query.get("from")
        digest = request.query.get("digest")
        if mount is not None:
            mounted = {"name": name, "digest": mount, "mount": mount, **({"from": source} if source else {})}
            return await self._answer(
                request, route, lambda: reg.start_upload(auth, name, mount=mount, from_repository=source), mounted
            )
        if digest is None:
            return await self._answer(request, route, lambda: reg.start_upload(auth, name), {"name": name})
        parts = {"name": name, "digest": digest}
        # A single POST with the whole blob: the model opens a session (auth checked), the
        # body streams into it, and the model's own PUT closes it with the digest check.
        try:
            opened = reg.start_upload(auth, name)
        except RegistryError as error:
            return await self._answer(request, route, _raise(error), parts)
        uuid = opened.headers["Docker-Upload-UUID"]
        session = reg.uploads[uuid]
        assert isinstance(session, DiskUploadSession)   # the disk registry opens only these
        try:
            try:
                staged = await self._stage(request, session, sync=True)
            except BrokenOff as broken:
                return self._broken_off(request, broken.received)
            return await self._answer(
                request, route, lambda: reg.put_upload(auth, name, uuid, digest, staged), parts, sent=len(staged)
            )
        finally:
            session.stage_end()
            if uuid in reg.uploads:   # the body never arrived whole: nothing stays open
                with contextlib.suppress(RegistryError):
                    reg.cancel_upload(auth, name, uuid)

    async def _upload(self, request: web.Request, found: RouteMatch) -> web.StreamResponse:
        """GET status, PATCH a chunk (with or without Content-Range), PUT ?digest= to close, DELETE."""
        reg = self._live.registry
        auth = _auth(request)
        name, uuid = found.name, found.uuid
        parts = {"name": name, "uuid": uuid}
        route = RouteName.UPLOAD
        method = request.method
        if method == "GET":
            return await self._answer(request, route, lambda: reg.upload_status(auth, name, uuid), parts)
        if method == "DELETE":
            return await self._answer(request, route, lambda: reg.cancel_upload(auth, name, uuid), parts)
        digest = request.query.get("digest")
        if digest is not None:
            parts["digest"] = digest
        try:
            reg.upload_status(auth, name, uuid)   # auth and the session, before any byte is read
            claimed = content_range(request.headers.get("Content-Range")) if method == "PATCH" else None
            session = reg.uploads[uuid]
            if not isinstance(session, DiskUploadSession):
                raise RegistryError(ErrorCode.BLOB_UPLOAD_INVALID, "this upload was not opened over HTTP")
            if session.busy:
                raise RegistryError(ErrorCode.BLOB_UPLOAD_INVALID, "another request is writing to this upload")
            if method == "PUT" and digest is None:
                return await self._answer(request, route, lambda: reg.put_upload(auth, name, uuid, None), parts)
        except RegistryError as error:
            return await self._answer(request, route, _raise(error), parts)
        try:
            try:
                staged = await self._stage(request, session, sync=method == "PUT")
            except BrokenOff as broken:
                return self._broken_off(request, broken.received)

            def call() -> Response:
                if method == "PATCH":
                    return reg.patch_upload(auth, name, uuid, staged, claimed)
                return reg.put_upload(auth, name, uuid, digest, staged)

            return await self._answer(request, route, call, parts, sent=len(staged))
        finally:
            session.stage_end()

    def _broken_off(self, request: web.Request, received: int) -> web.StreamResponse:
        """The client went away mid-body: logged with the bytes that came, and nothing of them kept."""
        request[EVENT] = RequestEvent(
            request.method, request.raw_path, 0, received, str(request.remote), self.service,
            f"the client went away after sending {format_size(received)} of this request: none of it is kept, "
            "the upload stays where it stood", ABORTED, upload=True,
        )
        return web.Response(status=400)   # nobody is left to read it

    # ----- streaming a request body into an upload ---------------------------------------------

    async def _stage(self, request: web.Request, session: DiskUploadSession, *, sync: bool) -> StagedBytes:
        """Write the body to the upload's file while hashing it; disk and hash run off the loop."""
        loop = asyncio.get_running_loop()
        session.busy = True
        session.stage_begin()
        pending: asyncio.Future[None] | None = None
        buffer: list[bytes] = []
        buffered = 0
        seen = 0
        try:
            try:
                async for chunk in request.content.iter_any():
                    seen += len(chunk)
                    buffer.append(chunk)
                    buffered += len(chunk)
                    if buffered >= STREAM_CHUNK:
                        if pending is not None:
                            await pending
                        pending = loop.run_in_executor(self._pool, session.stage_write, b"".join(buffer))
                        buffer, buffered = [], 0
            except ConnectionError:
                raise BrokenOff(seen) from None
            if pending is not None:
                await pending
                pending = None
            if buffer:
                await loop.run_in_executor(self._pool, session.stage_write, b"".join(buffer))
            if sync:
                await loop.run_in_executor(self._pool, session.stage_sync)
        finally:
            if pending is not None:
                with contextlib.suppress(Exception):
                    await pending
            session.busy = False
        return StagedBytes(session.staged)


class BrokenOff(Exception):
    """The client went away while sending a body; `received` bytes of it had come."""

    def __init__(self, received: int) -> None:
        super().__init__(f"the client went away after {received} bytes")
        self.received = received


def _handler(route: RouteName) -> Handler:
    """The server's handler of a route; mypy checks that every route has one (`assert_never`)."""
    match route:
        case RouteName.PING:
            return LiveServer._ping
        case RouteName.CATALOG:
            return LiveServer._catalog
        case RouteName.TAGS:
            return LiveServer._tags
        case RouteName.MANIFEST:
            return LiveServer._manifest
        case RouteName.UPLOADS:
            return LiveServer._uploads
        case RouteName.UPLOAD:
            return LiveServer._upload
        case RouteName.BLOB:
            return LiveServer._blob
        case RouteName.REFERRERS:
            return LiveServer._referrers
        case RouteName.TOKEN:
            return LiveServer._token
        case _:
            assert_never(route)


HANDLERS: dict[RouteName, Handler] = {route: _handler(route) for route in RouteName}


# ----- request parts ---------------------------------------------------------------------------


def _auth(request: web.Request) -> str | None:
    """The request's credentials as `LiveServer._vetted` passed them (None: anonymous)."""
    return request.get(AUTH)


def _raise(error: RegistryError) -> Callable[[], Response]:
    def call() -> Response:
        raise error

    return call


def _saving(call: Callable[[], Response]) -> Callable[[], Response]:
    """A write that failed (a full disk) is a 500 the client can read: the storage has already put
    the repositories back as the disk holds them, so nothing of the failed request is served."""
    def saving() -> Response:
        try:
            return call()
        except OSError as error:
            raise RegistryError(ErrorCode.UNKNOWN, f"the registry could not save this: "
                                f"{error.strerror or error}; nothing of it was kept") from None

    return saving
