"""A client's conversation with one registry host: the version check, auth, and each request.

Auth follows what docker does: `GET /v2/` tells the client whether and how to authenticate;
with a Bearer challenge it asks the realm for a token for the scopes it needs and sends it
on every request. A token that expired on the way (`error="invalid_token"`) means one more
token request and a retry; a token the registry finds too small (`error="insufficient_scope"`)
is final, as in docker, which reports it as DENIED (see `errors.py`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from regsim.model.client.errors import DAEMON, daemon_line, docker_error, stream_line
from regsim.model.core.context import RequestContext
from regsim.model.core.events import UNREACHABLE, Outcome, RequestEvent, RequestOutcome, Why, why_text
from regsim.model.core.snapshot import Copier, copy_fields, dict_of_tables
from regsim.model.oci.auth import AuthInputError, parse_challenge, parse_scope
from regsim.model.oci.response import Response
from regsim.model.oci.routes import PING_PATH, TOKEN_PATH

if TYPE_CHECKING:
    from regsim.model.client.daemon import Client
    from regsim.model.oci.reference import Reference
    from regsim.model.registry.registry import Registry

REGISTRY_LOGIN_ERROR = "incorrect username or password"

# `World.send`'s shape: (context, host, method, path, call, why, args, sent) -> (response, record).
Transport = Callable[
    [RequestContext, str, str, str, Callable[..., Response], Why, tuple[object, ...], int],
    tuple[Response, RequestEvent],
]


class HostSession:
    """One command's session with one registry host."""

    def __init__(self, client: Client, host: str, outcome: Outcome, *, streamed: bool = False) -> None:
        self.client = client
        # dockerd has already written progress (a push's first line): it prints errors bare.
        self.streamed = streamed
        self.pulled: Reference | None = None   # the image a pull is fetching, once it has said so
        self.host = host
        self.outcome = outcome
        self.world = client.world
        self.scheme: str | None = None      # None (no auth), "basic" or "bearer"
        self.realm: str | None = None
        self.service: str | None = None
        self.auth: str | None = None
        self.scopes: dict[str, set[str]] = {}
        # The tokens this command was given, by scope: docker makes a new token handler for every
        # push and pull (moby distribution/registry.go, NewV2Repository), which caches its token only
        # in itself (distribution registry/client/auth/session.go, tokenHandler), and containerd makes
        # an authorizer per pull; so the next command asks again, and sees any change of rights.
        self.tokens: dict[str, tuple[str, float]] = {}
        # The conversation's serial requests (a registry's own client: a mirror's towards its upstream).
        self.context = RequestContext(client.name, address=client.address,
                                      upstream=client.name in self.world.registries)

    def __deepcopy__(self, memo: dict[int, Any]) -> HostSession:   # a mirror keeps one to its upstream
        return copy_fields(self, memo, _COPIERS)

    def pulling(self, ref: Reference) -> None:
        """A pull has said `Pulling from ...`: from here its errors go into the progress stream."""
        self.streamed, self.pulled = True, ref

    @property
    def registry(self) -> Registry:
        return self.world.registries[self.host]

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
        """One request, `call(auth, *args)`, with the session's credentials; `context` says which
        lane and job it counts in (default: the session's serial requests).

        A fresh 401 challenge gets one new token and one retry.
        """
        send = self._send_answering_challenges if self.scheme == "bearer" else self.world.send
        return send(context or self.context, self.host, method, path, call, why, (self.auth, *args), sent)

    def transport(self) -> Transport:
        """How a command sends many requests to this host: `World.send` itself, with the
        endpoint's arguments led by the Authorization header (`(session.auth, *parts)`), or,
        when a Bearer challenge may come back (an expired token, a new scope), a send that
        answers it with a new token and one retry. A push sends one this way for every blob
        request: a session without a token service needs no layer of its own between the
        command and the transport."""
        return self.world.send if self.scheme != "bearer" else self._send_answering_challenges

    def _send_answering_challenges(
        self,
        context: RequestContext,
        dst: str,
        method: str,
        path: str,
        call: Callable[..., Response],
        why: Why,
        args: tuple[object, ...] = (),
        sent: int = 0,
    ) -> tuple[Response, RequestEvent]:
        """`World.send`, and on a 401 one new token and one retry when a new token could help."""
        response, event = self.world.send(context, dst, method, path, call, why, args, sent)
        if response.status == 401:
            event.outcome = RequestOutcome.CHALLENGE
            if self._merge_challenge(response) and self._token_for(self._scope_text(), True, context):
                response, event = self.world.send(context, dst, method, path, call,
                                                  why_text(why) + " (retried with a new token)",
                                                  (self.auth, *args[1:]), sent)
                if response.status != 401:
                    return response, event
            event.outcome = RequestOutcome.REFUSED   # the token stands: this refusal is final
        return response, event

    def _merge_challenge(self, response: Response) -> bool:
        """Whether a new token could help: ours has expired (`invalid_token`), or none was sent
        for a scope never asked for. A token refused as too small (`insufficient_scope`) is what
        the token service granted, and would be granted again: docker stops there."""
        try:
            challenge = parse_challenge(response.headers.get("WWW-Authenticate", ""))
            scope = parse_scope(challenge.params["scope"])
        except (AuthInputError, KeyError):
            return False
        if challenge.params.get("error") == "insufficient_scope":
            return False
        wanted = self.scopes.setdefault(scope.name, set())
        grows = not set(scope.actions) <= wanted
        wanted.update(scope.actions)
        cached = self.tokens.get(self._scope_text())
        expired = cached is None or cached[1] <= self.world.now
        return grows or expired

    # ----- start: version check and auth -------------------------------------------------------

    def start(
        self, scopes: dict[str, tuple[str, ...]], first: tuple[str, str] | None = None,
        context: RequestContext | None = None,
    ) -> bool:
        """GET /v2/, then authenticate for `scopes` (repository -> actions). False when it failed.

        `first` is the command's next request (verb and path), which a Basic challenge with no
        stored credentials stops before it is sent. `context`: the lane and job these requests
        count in (default: the session's serial requests)."""
        registry = self.world.registries.get(self.host)
        context = context or self.context
        response, event = self.world.send(
            context, self.host, "GET", PING_PATH,
            lambda: registry.ping(None) if registry else Response(UNREACHABLE),
            "version check: does this registry speak the v2 API, and does it want credentials?",
        )
        if response.status == UNREACHABLE:
            self.unreachable(PING_PATH)
            return False
        if response.status == 200:
            event.outcome = RequestOutcome.OK
            return True
        if response.status != 401:
            event.outcome = RequestOutcome.ERROR
            self.fail_with(response, PING_PATH)
            return False
        event.outcome = RequestOutcome.CHALLENGE
        try:
            challenge = parse_challenge(response.headers.get("WWW-Authenticate", ""))
        except AuthInputError as error:
            self.outcome.fail("UNAUTHORIZED", f"the registry sent a malformed challenge: {error}")
            return False
        if challenge.scheme.lower() == "basic":
            self.scheme = "basic"
            credential = self.client.credentials.get(self.host)
            self.auth = f"Basic {credential}" if credential else None
            if credential is None and first is not None:
                # distribution's Basic handler will not send a request it has no credentials for
                # (registry/client/auth/session.go, ErrNoBasicAuthCredentials).
                verb, path = first
                line = f'{verb} "https://{self.host}{path}": no basic auth credentials'
                self.outcome.fail("UNAUTHORIZED", f"{self.host} asks for Basic credentials and "
                                  f"{self.client.name} has none: docker login {self.host} first",
                                  line if self.streamed else DAEMON + line)
                return False
            return True
        self.scheme = "bearer"
        self.realm = challenge.params.get("realm")
        self.service = challenge.params.get("service", self.host)
        for repository, actions in scopes.items():
            self.scopes[repository] = set(actions)
        return self._token_for(self._scope_text(), False, context)

    def check_basic(self) -> bool:
        """With Basic auth, prove the credentials by asking for /v2/ again with them."""
        response, event = self.send(
            "GET", PING_PATH, lambda auth: self.registry.ping(auth), "version check again, with the credentials"
        )
        if response.status == 200:
            event.outcome = RequestOutcome.OK
            return True
        event.outcome = RequestOutcome.REFUSED
        # moby registry/auth.go, loginV2: a /v2/ that still answers 401 ends the login with its status.
        self.outcome.fail("UNAUTHORIZED", REGISTRY_LOGIN_ERROR,
                          f"{DAEMON}login attempt to https://{self.host}/v2/ failed with status: 401 Unauthorized")
        return False

    def need(self, repository: str, actions: tuple[str, ...], context: RequestContext | None = None) -> bool:
        """Make sure the token also covers `repository` for `actions` (mounting needs pull on the source);
        a token request counts in `context` (default: the session's serial requests)."""
        if self.scheme != "bearer":
            return True
        wanted = self.scopes.setdefault(repository, set())
        if set(actions) <= wanted:
            return True
        wanted.update(actions)
        return self._token_for(self._scope_text(), False, context)

    def _scope_text(self) -> str:
        order = ("pull", "push", "delete")
        parts = []
        for repository in sorted(self.scopes):
            actions = [a for a in order if a in self.scopes[repository]]
            parts.append(f"repository:{repository}:{','.join(actions)}")
        return " ".join(parts)

    def _token_for(self, scope: str, force: bool, context: RequestContext | None = None) -> bool:
        """Use a cached token for this scope, or ask the realm for one (with credentials when logged in)."""
        cached = self.tokens.get(scope)
        if cached is not None and not force and cached[1] > self.world.now:
            self.auth = f"Bearer {cached[0]}"
            return True
        credential = self.client.credentials.get(self.host)
        registry = self.registry
        scopes = scope.split(" ") if scope else []
        query = "&".join([f"service={self.service}"] + [f"scope={s}" for s in scopes])
        user = self.client.logins.get(self.host)
        who = f"as {user}" if credential else "anonymously"
        response, event = self.world.send(
            context or self.context, self.host, "GET", TOKEN_PATH + "?" + query,
            lambda: registry.issue_token(f"Basic {credential}" if credential else None, self.service, scopes),
            f"ask the token service ({self.realm}) for a token, {who}, for {scope or 'login'}",
        )
        if response.status != 200:
            event.outcome = RequestOutcome.REFUSED
            if response.status == 401 and credential:
                # The token request fails inside docker's GET /v2/, which reports it with that URL
                # (moby registry/auth.go, loginV2 and translateV2AuthError).
                self.outcome.fail("UNAUTHORIZED", REGISTRY_LOGIN_ERROR,
                                  f'{DAEMON}Get "https://{self.host}/v2/": {docker_error(response)}')
            else:
                self.fail_with(response, "/token")
            return False
        event.outcome = RequestOutcome.TOKEN
        assert isinstance(response.body, bytes)   # the token service answers with JSON
        value = json.loads(response.body)
        token = value["token"]
        expires = self.world.now + float(value.get("expires_in", 60))
        self.tokens[scope] = (token, expires)
        self.auth = f"Bearer {token}"
        return True

    # ----- failures ---------------------------------------------------------------------------

    def unreachable(self, path: str) -> None:
        url = f"https://{self.host}{path}"
        line = f'Get "{url}": dial tcp {self.host}:443: connect: network is unreachable'
        self.outcome.fail(
            "NETWORK_UNREACHABLE",
            f"{self.host} cannot be reached from {self.client.name}",
            line if self.streamed else DAEMON + line,
        )

    def fail_with(self, response: Response, path: str, verb: str = "Get") -> None:
        """Turn an error response into the error docker makes of it and the line it prints."""
        if response.status == UNREACHABLE:
            self.unreachable(path)
            return
        error = docker_error(response)
        reason = response.error.reason if response.error is not None else error.message
        self.outcome.fail(error.code, reason, stream_line(error) if self.streamed else daemon_line(error))


_COPIERS: dict[str, Copier] = {"scopes": dict_of_tables}   # repository -> the actions asked for
