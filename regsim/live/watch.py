"""`regsim watch`: a transparent proxy in front of any real registry, explaining each request.

Every request is forwarded to the upstream registry as it came and every answer sent back as it
came, both streamed (a blob is never held whole; a download from a plain-HTTP upstream on Linux
is relayed by the kernel, regsim.live.relay): method, path, query, headers and body; only
hop-by-hop headers (RFC 9110 section 7.6.1) stay on their own hop, and the Host header names the
upstream so a virtual-hosted registry serves it. One change is made, as a reverse proxy does
(nginx `proxy_redirect`): a `Location` that points at the upstream itself (distribution builds
absolute upload URLs from the Host it was sent) is pointed back at the proxy, so the client's
next request comes through here too. A token service elsewhere (the challenge's realm) is asked
directly by the client, unseen; its tokens pass through here on every request that carries one.

Each exchange is explained by the same `explain` live mode uses, from the route, status, headers
and (for an error) the body, and logged as a `LiveEntry`, so the access log, the Live screen and
`--record` read the same. Credentials and tokens are forwarded, never logged or recorded: a
request's line says who signed in and what scope its token grants, never the secret.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import socket
import ssl
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from aiohttp import web
from multidict import CIMultiDict

from regsim.live.access_log import AccessLog
from regsim.live.entry import ABORTED, LiveEntry
from regsim.live.explain import explain, outcome, refusal_said
from regsim.live.relay import Relay, UpstreamBrokeOff, socket_of
from regsim.live.watch_ledger import WatchLedger
from regsim.model.core.events import RequestEvent, Said
from regsim.model.oci.blob import SizedContent
from regsim.model.oci.mediatype import MAX_MANIFEST_BYTES
from regsim.model.oci.response import Response
from regsim.model.oci.routes import RouteName, match_path
from regsim.units import format_size

CHUNK = 1 << 20
ERROR_BODY_LIMIT = 64 * 1024     # an error body is kept (for its code) up to this size
# RFC 9110 7.6.1: these belong to one connection, not to the message (Host is set for the upstream).
HOP_BY_HOP = frozenset({"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te",
                        "trailer", "transfer-encoding", "upgrade", "host"})


class UpstreamError(ValueError):
    """A --upstream or --upstream-ca that cannot be used; the message is one line."""


def parse_upstream(url: str) -> str:
    """`http(s)://HOST[:PORT]` without a path; anything else is a one-line error."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UpstreamError(f"--upstream must be http://HOST[:PORT] or https://HOST[:PORT], not {url!r}")
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username:
        raise UpstreamError(f"--upstream names a registry, not a path or credentials: {url!r}")
    try:
        port = parts.port
    except ValueError:
        raise UpstreamError(f"--upstream has a bad port: {url!r}") from None
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    return f"{parts.scheme}://{host}" + (f":{port}" if port else "")


def credentials_note(headers: Any) -> str:
    """Who the request speaks for, never the secret: a Basic user, or a token's subject and scopes."""
    value = str(headers.get("Authorization", ""))
    scheme, _, secret = value.strip().partition(" ")
    if scheme.lower() == "basic":
        try:
            user = base64.b64decode(secret, validate=True).decode(errors="replace").partition(":")[0]
        except (binascii.Error, ValueError):
            return "malformed Basic credentials"
        return f"Basic credentials of {user}" if user else "empty Basic credentials (anonymous)"
    if scheme.lower() == "bearer":
        return "a token " + token_scope(secret)
    return ""


def token_scope(token: str) -> str:
    """What a JWT grants, read from its claims (the signature is the registry's to check)."""
    try:
        claims = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))
        grants = [f"{a['type']}:{a['name']}:{','.join(a.get('actions') or []) or '(nothing)'}"
                  for a in claims.get("access") or []]
        subject = claims.get("sub") or "anonymous"
    except (IndexError, ValueError, KeyError, TypeError, AttributeError):
        return "(opaque: not a JWT, its scope cannot be read)"
    return f"for {subject} granting {' '.join(grants) if grants else 'no scope'}"


@dataclass
class WatchProxy(AccessLog):
    """Listen on `host:port`, forward to `upstream`; `start`/`stop` in a running event loop."""

    upstream: str
    host: str = "127.0.0.1"
    port: int = 0
    upstream_ca: Path | None = None
    listeners: list[Callable[[LiveEntry], None]] = field(default_factory=list)
    settled: list[Callable[[LiveEntry], None]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.upstream = parse_upstream(self.upstream)
        self.open_log()
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self._ledger = WatchLedger()
        self._relay = Relay()
        # What the Live screen reads of a server: a proxy holds no registry and no accounts.
        self.auth = "upstream's"
        self.users: list[tuple[str, str]] = []
        self.root = self.upstream
        self.registry = None
        self.world = None

    def account_names(self) -> list[str]:
        return []   # the upstream's accounts are its own

    @property
    def service(self) -> str:
        return urlsplit(self.upstream).netloc

    def _ssl(self) -> ssl.SSLContext | bool:
        if not self.upstream.startswith("https:"):
            return False
        try:
            context = ssl.create_default_context()   # the system's trust store ...
            if self.upstream_ca is not None:
                context.load_verify_locations(cafile=str(self.upstream_ca))   # ... and this CA besides
            return context
        except (OSError, ssl.SSLError) as error:
            raise UpstreamError(f"--upstream-ca {self.upstream_ca}: cannot be read "
                                f"({getattr(error, 'strerror', None) or error})") from None

    async def start(self) -> None:
        context = self._ssl()
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self.host, self.port))
        except OSError:
            sock.close()
            raise
        self.port = sock.getsockname()[1]
        # Bytes as they are: no decompression, no redirects followed, no headers of its own added.
        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(ssl=context, limit=64), auto_decompress=False,
            skip_auto_headers=("User-Agent", "Accept", "Accept-Encoding", "Content-Type"),
            timeout=aiohttp.ClientTimeout(total=None, sock_connect=30), read_bufsize=CHUNK,
        )
        app = web.Application(client_max_size=0)
        app.router.add_route("*", "/{tail:.*}", self.handle)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        await web.SockSite(self._runner, sock).start()

    async def stop(self) -> None:
        self._relay.stop()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._session is not None:
            await self._session.close()
            self._session = None

    def record_fields(self) -> dict[str, Any]:
        return {"auth": "upstream", "upstream": self.upstream}

    # ----- one exchange --------------------------------------------------------------------------

    async def handle(self, request: web.Request) -> web.StreamResponse:
        begun = time.monotonic()
        client, busy = self.arrived(request)
        sent = [0]
        got = [0]                 # body bytes passed on to the client
        status = 0
        headers: dict[str, str] = {}
        kept = bytearray()        # an error body (for its code) or a manifest (for the ledger)
        manifest_body = bytearray()
        found = match_path(request.raw_path)
        route = found.route.name if found is not None else None
        is_manifest = route == RouteName.MANIFEST
        out: web.StreamResponse | None = None
        aborted = ""
        try:
            async with self._forward(request, sent, manifest_body if is_manifest else None) as upstream:
                status = upstream.status
                # Every header as it came, repeated ones too (a Link, two WWW-Authenticate challenges).
                passed = CIMultiDict((k, v) for k, v in upstream.headers.items() if k.lower() not in HOP_BY_HOP)
                location = passed.get("Location")
                if location and location.startswith(self.upstream):
                    passed["Location"] = self.url + location[len(self.upstream):]
                headers = {k: passed[k] for k in passed}   # the first of each, for the explanation
                out = web.StreamResponse(status=status, reason=upstream.reason, headers=passed)
                if upstream.content_length is not None:
                    out.content_length = upstream.content_length
                await out.prepare(request)
                keep = status >= 400 or (is_manifest and request.method == "GET")
                limit = ERROR_BODY_LIMIT if status >= 400 else MAX_MANIFEST_BYTES
                blob = route == RouteName.BLOB and request.method == "GET" and status in (200, 206)
                if not (blob and await self._relayed(request, upstream, out, got)):
                    async for chunk in upstream.content.iter_any():   # what arrived, as it arrived
                        if keep and len(kept) < limit:
                            kept += chunk[: limit - len(kept)]
                        await out.write(chunk)
                        got[0] += len(chunk)
                await out.write_eof()
        except (ConnectionError, aiohttp.ClientPayloadError, aiohttp.ServerDisconnectedError) as error:
            # A client may hang up once it has an answer's head (a 401's body is of no use to it);
            # only a blob's body, or a request's, broken off is a transfer that did not finish.
            if out is None or (route == RouteName.BLOB and request.method == "GET"):
                aborted = f"the transfer broke off after {format_size(sent[0] + got[0])} ({type(error).__name__})"
        except aiohttp.ClientError as error:
            if out is None:   # the upstream could not be reached: the client gets a 502 as from any proxy
                status = 502
                text = f"regsim watch: {self.upstream} did not answer: {error}"
                out = web.Response(status=502, text=text)
                aborted = text
            else:
                aborted = f"the upstream broke off: {error}"
        finally:
            self.finished(client)
        self._log(request, begun, busy, route, found.parts if found else {}, status, headers,
                  bytes(kept), bytes(manifest_body), sent[0], got[0], aborted)
        return out if out is not None else web.Response(status=502)

    async def _relayed(
        self, request: web.Request, upstream: aiohttp.ClientResponse, out: web.StreamResponse, got: list[int]
    ) -> bool:
        """A blob's body spliced by the kernel (regsim.live.relay); False: stream it here instead."""
        length = upstream.content_length
        connection = upstream.connection
        upstream_transport = connection.transport if connection is not None else None
        source, sink = socket_of(upstream_transport), socket_of(request.transport)
        if not length or upstream_transport is None or source is None or sink is None or not self._relay.available:
            return False
        head = await upstream.content.readany()      # the first bytes, read with the head
        head += upstream.content.read_nowait()       # and any aiohttp holds already
        if not head:
            raise UpstreamBrokeOff("the upstream closed before the body")
        if len(head) >= length or upstream.connection is not connection:
            # Whole already: aiohttp has handed the connection back to its pool, to be reused.
            await out.write(head)
            got[0] += len(head)
            return True
        upstream_transport.pause_reading()           # the rest stays in the socket for the kernel
        try:
            await out.write(head)                    # sends the head of the answer too
            got[0] += len(head)
            while request.transport is not None and request.transport.get_write_buffer_size():
                await asyncio.sleep(0.001)           # the relay writes to the socket: after all of this
            if request.transport is None:
                raise ConnectionResetError("the client went away")
            await self._relay.move(source, sink, length - len(head), got)
        finally:
            upstream.close()   # its connection's parser never saw the relayed bytes: never reused
        return True

    def _forward(
        self, request: web.Request, sent: list[int], manifest: bytearray | None
    ) -> Any:
        """The upstream request: the client's method, path, query, headers and streamed body."""
        assert self._session is not None
        # A list keeps repeated headers: skopeo sends one Accept header per manifest type.
        headers = [(k, v) for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP]
        headers.append(("Host", urlsplit(self.upstream).netloc))
        body: AsyncIterator[bytes] | None = None
        if request.body_exists:
            body = self._counted(request, sent, manifest)
        return self._session.request(
            request.method, self.upstream + request.raw_path, headers=headers, data=body,
            allow_redirects=False, compress=False,
        )

    @staticmethod
    async def _counted(request: web.Request, sent: list[int], manifest: bytearray | None) -> AsyncIterator[bytes]:
        async for chunk in request.content.iter_chunked(CHUNK):
            sent[0] += len(chunk)
            if manifest is not None and len(manifest) <= MAX_MANIFEST_BYTES:
                manifest += chunk
            yield chunk

    def _log(
        self, request: web.Request, begun: float, busy: int, route: RouteName | None, parts: dict[str, str],
        status: int, headers: dict[str, str], kept: bytes, put_body: bytes, sent: int, received: int, aborted: str,
    ) -> None:
        method = request.method
        query = request.query
        parts = dict(parts)
        if route == RouteName.UPLOADS and "mount" in query:
            parts.update({"digest": query["mount"], "mount": query["mount"],
                          **({"from": query["from"]} if "from" in query else {})})
        elif "digest" in query:
            parts["digest"] = query["digest"]
        uploading = method in ("PUT", "PATCH", "POST") and sent > 0
        if route is None:
            why = f"{method} → {status}: not a path of the distribution API"
            said: Said = ""
        else:
            body: Any = kept if status >= 400 else None
            if status in (200, 206) and method == "GET" and route == RouteName.BLOB:
                body = SizedContent(parts.get("digest", ""), received)
            answer = Response(status, headers, body)
            why = explain(route, method, answer, parts)
            said = outcome(route, method, status, parts)
            if status >= 400 and not said:
                said = refusal_said(answer)   # the upstream's error code, as `regsim serve` names its own
        note = credentials_note(request.headers)
        if note:
            why += f" [{note}]"
        if aborted:
            why = f"{aborted}: {why}"
            said = ABORTED
        event = RequestEvent(method, request.raw_path, status, sent if uploading else received,
                             str(request.remote), self.service, why, said, upload=uploading)
        ledger = None
        if route is not None and 200 <= status < 300 and not aborted:
            ledger = self._ledger.note(route, method, parts, headers, put_body if method == "PUT" else kept, sent)
        self.log(request, begun, event, ledger, busy)


async def serve_watch(proxy: WatchProxy, ready: Callable[[WatchProxy], None] | None = None) -> None:
    """Run until cancelled (the CLI stops it on Ctrl-C or SIGTERM)."""
    await proxy.start()
    if ready is not None:
        ready(proxy)
    try:
        await asyncio.Event().wait()
    finally:
        await proxy.stop()
