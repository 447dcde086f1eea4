"""The registry side of auth: who may ping, pull, push and delete, and the token endpoint.

`RegistryAccess` is the `Guard` a registry consults on every request, before it looks for the
repository (distribution's `registry/handlers/app.go`: `dispatcher` calls `app.authorized`
before `app.registry.Repository`), so a refusal says nothing about whether the repository exists.

With token auth, as distribution's `registry/auth/token/accesscontroller.go` answers: a request
without a valid token gets 401 and a `WWW-Authenticate: Bearer` challenge naming the scope it
needs; a valid token lacking that scope gets 401 again, with `error="insufficient_scope"`,
whoever holds it: the token server granted less than was asked, and this registry never sends
403. With Basic auth a logged-in user without the right gets 403 DENIED, as registries that
check rights per repository behind Basic auth answer (Amazon ECR, which docker logs in to with
Basic credentials, answers a push without `ecr:InitiateLayerUpload` with 403); distribution's
own htpasswd check has no per-repository rights at all.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from regsim.model.core.snapshot import Copier, copy_fields, shallow
from regsim.model.oci.auth import (
    AuthInputError,
    Scope,
    basic_challenge,
    bearer_header,
    format_challenge,
    parse_basic,
    parse_scope,
)
from regsim.model.oci.errors import ErrorCode, RegistryError
from regsim.model.oci.response import Response
from regsim.model.registry.policy import AccessPolicy, AuthMode
from regsim.model.registry.tokens import Token, TokenIssuer

WRONG_CREDENTIALS = "incorrect username or password"


class RegistryAccess:
    """Auth for one registry host: none, basic or token (with its own token service)."""

    def __init__(
        self,
        host: str,
        policy: AccessPolicy,
        clock: Callable[[], float],
        lifetime: float = 300.0,
        *,
        realm: str | None = None,
        secret: bytes | None = None,
        exists: Callable[[str], bool] | None = None,
    ) -> None:
        self.host = host
        self.mode = policy.auth_mode
        self.policy = policy
        self.clock = clock
        self.realm = realm or f"https://{host}/token"
        # A simulated registry signs with a secret derived from its name, so runs repeat exactly;
        # a live one passes a secret of its own.
        secret = secret or hashlib.sha256(f"regsim token secret for {host}".encode()).digest()
        self.issuer = TokenIssuer(host, secret, lifetime)
        self._proven: dict[str, str] = {}
        self._refused: dict[str, None] = {}   # wrong credentials `prove_basic` saw (oldest first)
        # Whether a repository holds an image (the token server's knowledge, as Docker Hub's has;
        # None: every name counts as present). See `AccessPolicy.permitted`.
        self.exists = exists

    def __deepcopy__(self, memo: dict[int, Any]) -> RegistryAccess:
        return copy_fields(self, memo, _COPIERS)   # a snapshot copies every registry after every step

    # ----- challenges ------------------------------------------------------------------------

    def _challenge(self, reason: str, scope: Scope | None = None, error: str | None = None) -> RegistryError:
        if self.mode == AuthMode.BASIC:
            header = format_challenge(basic_challenge(self.host))
        else:
            header = bearer_header(self.realm, self.host, scope, error)
        detail = None if scope is None else [{"Type": scope.type, "Name": scope.name,
                                              "Action": ",".join(sorted(scope.actions))}]
        return RegistryError(ErrorCode.UNAUTHORIZED, reason, detail, {"WWW-Authenticate": header})

    def _basic_user(self, auth: str | None) -> str | None:
        """The user a Basic header proves; None for no header; 401 for wrong credentials."""
        if auth is None:
            return None
        # Password hashing is slow on purpose; remember credentials already proven (by their hash only).
        proof = hashlib.sha256(auth.encode()).hexdigest()
        if proof in self._proven:
            return self._proven[proof]
        if proof in self._refused:
            raise self._challenge(WRONG_CREDENTIALS)
        try:
            user, password = parse_basic(auth)
        except AuthInputError:
            raise self._challenge("the Authorization header is not valid Basic credentials") from None
        if not self.policy.users.check(user, password):
            raise self._challenge(WRONG_CREDENTIALS)
        self._proven[proof] = user
        return user

    def prove_basic(self, auth: str) -> bool:
        """Check Basic credentials once and remember the verdict, so the request's own checks answer
        from memory (a live server calls this in a worker thread: the slow hash stays off its loop)."""
        try:
            self._basic_user(auth)
            return True
        except RegistryError:
            proof = hashlib.sha256(auth.encode()).hexdigest()
            self._refused[proof] = None
            while len(self._refused) > 4096:
                del self._refused[next(iter(self._refused))]
            return False

    def knows(self, auth: str) -> bool:
        """Whether these Basic credentials were checked before (right or wrong)."""
        proof = hashlib.sha256(auth.encode()).hexdigest()
        return proof in self._proven or proof in self._refused

    def _token(self, auth: str | None, scope: Scope | None) -> Token:
        if auth is None or not auth.startswith("Bearer "):
            raise self._challenge("a token is required: ask the token service first", scope)
        try:
            return self.issuer.accept(auth[len("Bearer "):], self.clock())
        except RegistryError as error:
            raise self._challenge(error.reason, scope, "invalid_token") from None

    # ----- the Guard protocol -------------------------------------------------------------------

    def check_ping(self, auth: str | None) -> None:
        if self.mode == AuthMode.NONE:
            return
        if self.mode == AuthMode.BASIC:
            if self._basic_user(auth) is None:
                raise self._challenge("credentials are required")
            return
        self._token(auth, None)

    def check_catalog(self, auth: str | None) -> None:
        """The catalog lists every repository, private ones too: a token needs `registry:catalog:*`."""
        if self.mode != AuthMode.TOKEN:
            self.check_ping(auth)
            return
        scope = Scope("registry", "catalog", frozenset({"*"}))
        token = self._token(auth, scope)
        if not token.permits_catalog():
            who = "an anonymous token" if token.subject is None else f"{token.subject}'s token"
            raise self._challenge(f"{who} does not carry registry:catalog:*", scope, "insufficient_scope")

    def authorize(self, auth: str | None, name: str, action: str) -> str | None:
        if self.mode == AuthMode.NONE:
            return None
        scope = _repository_scope(name, action)
        if self.mode == AuthMode.BASIC:
            user = self._basic_user(auth)
            if action in self.permitted(user, name):
                return user
            if user is None:
                raise self._challenge("authentication required", scope)
            raise RegistryError(ErrorCode.DENIED, f"{user} may not {action} {name}")
        token = self._token(auth, scope)
        if token.permits(name, action):
            return token.subject
        # The same 401 for every token without the action; only the reason (for the learner) differs.
        if action in self.permitted(token.subject, name):
            reason = f"the token does not grant {action} on {name}"
        elif token.subject is None:
            reason = f"an anonymous token grants no {action} on {name} (private, or not there at all)"
        else:
            reason = f"{token.subject}'s token grants no {action} on {name} (no such right, or no such repository)"
        raise self._challenge(reason, scope, "insufficient_scope")

    def permitted(self, user: str | None, name: str) -> frozenset[str]:
        """What the policy lets `user` (None: anonymous) do on `name` now: what the next token gets."""
        exists = self.exists
        return self.policy.permitted(user, name, exists=exists is None or exists(name))

    # ----- the token endpoint -------------------------------------------------------------------

    def issue_token(self, auth: str | None, service: str | None, scopes: list[str]) -> Response:
        """GET /token?service=…&scope=…: a signed token for what was asked and is allowed."""
        if self.mode != AuthMode.TOKEN:
            raise RegistryError(ErrorCode.UNSUPPORTED, f"{self.host} does not use token auth")
        if service not in (None, self.host):
            raise RegistryError(ErrorCode.DENIED, f"this token service serves {self.host}, not {service}")
        try:
            user = self._basic_user(auth)
        except RegistryError:
            # Docker Hub's token service says which: "incorrect username or password".
            raise RegistryError(ErrorCode.UNAUTHORIZED, WRONG_CREDENTIALS, message=WRONG_CREDENTIALS) from None
        try:
            parsed = [parse_scope(text) for text in scopes]
        except AuthInputError as error:
            raise RegistryError(ErrorCode.DENIED, f"malformed scope: {error}") from None
        now = self.clock()
        _, text = self.issuer.issue_encoded(user, parsed, self.policy, now, self.exists)
        body = json.dumps(
            {"token": text, "access_token": text, "expires_in": int(self.issuer.lifetime),
             "issued_at": _rfc3339(now)},
            separators=(",", ":"),
        ).encode()
        return Response(200, {"Content-Type": "application/json", "Content-Length": str(len(body))}, body)


@lru_cache(maxsize=4096)
def _repository_scope(name: str, action: str) -> Scope:
    """The scope a request needs (made once per name and action: every request of a pull needs one)."""
    return Scope("repository", name, frozenset({action}))


# Credentials proven and refused: names and hashes.
_COPIERS: dict[str, Copier] = {"_proven": shallow, "_refused": shallow}


def _rfc3339(seconds: float) -> str:
    """The token spec's `issued_at` is RFC 3339 text (real clients refuse a bare number)."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))
