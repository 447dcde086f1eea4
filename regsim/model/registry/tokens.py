"""Bearer tokens: what a token server issues (signed, scoped, expiring) and how a registry checks one."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from regsim.model.oci.auth import ACTIONS, AuthInputError, Scope, _expand, _ordered
from regsim.model.oci.errors import ErrorCode, RegistryError
from regsim.model.registry.policy import AccessPolicy

_JWT_HEADER = {"alg": "HS256", "typ": "JWT"}


@dataclass(frozen=True, slots=True)
class AccessEntry:
    """One `access` claim of a token: the actions granted on one resource."""

    type: str
    name: str
    actions: tuple[str, ...]


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _canonical_json(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


_HEADER_TEXT = _b64url(_canonical_json(_JWT_HEADER))   # every token's first part
# How many token texts an issuer remembers having signed or checked (see `TokenIssuer.decode`).
_KNOWN_TOKENS = 1024


@dataclass(frozen=True, slots=True)
class Token:
    """A bearer token as the token server issues it (claims plus an HMAC signature)."""

    subject: str | None
    service: str
    access: tuple[AccessEntry, ...]
    issued_at: float
    expires_at: float
    signature: str = field(repr=False)

    def claims(self) -> dict[str, Any]:
        """The JWT claims: sub, aud, iat, exp and access, as the token spec names them."""
        return {
            "sub": self.subject,
            "aud": self.service,
            "iat": self.issued_at,
            "exp": self.expires_at,
            "access": [
                {"type": e.type, "name": e.name, "actions": list(e.actions)} for e in self.access
            ],
        }

    def signing_input(self) -> str:
        """`header.claims`, base64url: exactly what the HS256 signature covers."""
        return f"{_HEADER_TEXT}.{_b64url(_canonical_json(self.claims()))}"

    def encoded(self) -> str:
        """The opaque string a client sends as `Authorization: Bearer …` (an HS256 JWT)."""
        return f"{self.signing_input()}.{self.signature}"

    def actions_for(self, repository: str) -> frozenset[str]:
        """Actions granted on exactly this repository (no prefix or namespace matching)."""
        granted: set[str] = set()
        for entry in self.access:
            if entry.type == "repository" and entry.name == repository:
                granted |= _expand(frozenset(entry.actions))
        return frozenset(granted)

    def permits(self, repository: str, action: str) -> bool:
        """`action in actions_for(repository)`, read straight from the claims (every request asks)."""
        for entry in self.access:
            if entry.type == "repository" and entry.name == repository:
                actions = entry.actions
                if action in ACTIONS if "*" in actions else action in actions:
                    return True
        return False

    def permits_catalog(self) -> bool:
        """Whether the token carries `registry:catalog:*`, what `/v2/_catalog` needs."""
        return any(e.type == "registry" and e.name == "catalog" and "*" in e.actions for e in self.access)


def _unauthorized(reason: str) -> RegistryError:
    return RegistryError(ErrorCode.UNAUTHORIZED, reason)


@dataclass(frozen=True, slots=True)
class TokenIssuer:
    """The token server for one registry (`service`), signing with a shared secret."""

    service: str
    secret: bytes = field(repr=False)
    lifetime: float = 300.0
    # Texts this issuer signed or has checked, with their tokens: a client sends one token on every
    # request of a pull, and checking it again means encoding and signing it again, for the same answer.
    _known: dict[str, Token] = field(default_factory=dict, init=False, repr=False, compare=False)
    # Tokens issued, by what they were issued for (who, the access granted, when): a fleet of nodes
    # pulling at once asks for the same token at the same moment, and it is signed once.
    _issued: dict[tuple[object, ...], tuple[Token, str]] = field(
        default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.secret, bytes) or not self.secret:
            raise AuthInputError("a token issuer needs a non-empty bytes secret")
        if not (math.isfinite(self.lifetime) and self.lifetime > 0):
            raise AuthInputError(f"token lifetime must be a positive number, not {self.lifetime!r}")

    def __deepcopy__(self, memo: dict[int, Any]) -> TokenIssuer:
        # Immutable but for `_known`, whose answers hold for every copy: a world's snapshot shares it.
        return self

    def _sign(self, token: Token) -> str:
        return self._mac(token.signing_input())

    def _mac(self, signing_input: str) -> str:
        return _b64url(hmac.new(self.secret, signing_input.encode(), hashlib.sha256).digest())

    def _remember(self, text: str, token: Token) -> None:
        known = self._known
        known[text] = token
        if len(known) > _KNOWN_TOKENS:
            del known[next(iter(known))]

    def issue(
        self, user: str | None, scopes: Iterable[Scope], policy: AccessPolicy, now: float,
        exists: Callable[[str], bool] | None = None,
    ) -> Token:
        """A token granting, per requested scope, the requested actions the policy allows
        (`exists` tells the policy which repositories hold an image; None: all of them)."""
        return self.issue_encoded(user, scopes, policy, now, exists)[0]

    def issue_encoded(
        self, user: str | None, scopes: Iterable[Scope], policy: AccessPolicy, now: float,
        exists: Callable[[str], bool] | None = None,
    ) -> tuple[Token, str]:
        """`issue`, with the token's encoded text (what the token endpoint answers with)."""
        if not math.isfinite(now):
            raise AuthInputError(f"time must be a finite number, not {now!r}")
        granted: list[tuple[str, str, frozenset[str]]] = []
        for scope in scopes:
            # Repository scopes, and the catalog's (distribution: registry:catalog:*); any other
            # scope is listed with no actions.
            if scope.type == "repository":
                actions = policy.allowed(user, scope.name, scope.actions, exists=exists is None or exists(scope.name))
            elif scope.type == "registry" and scope.name == "catalog" and "*" in scope.actions:
                actions = frozenset({"*"}) if policy.may_list_catalog(user) else frozenset()
            else:
                actions = frozenset()
            granted.append((scope.type, scope.name, actions))
        key = (user, tuple(granted), type(now), now)   # 5 and 5.0 make different texts when the lifetime is whole
        issued = self._issued.get(key)
        if issued is not None:
            return issued
        access = tuple(AccessEntry(type_, name, _ordered(actions)) for type_, name, actions in granted)
        unsigned = Token(user, self.service, access, float(now), now + self.lifetime, "")
        signing_input = unsigned.signing_input()
        token = replace(unsigned, signature=self._mac(signing_input))
        text = f"{signing_input}.{token.signature}"
        if isinstance(token.expires_at, float):   # a whole-number expiry would not read back as it was written
            self._remember(text, token)
        if len(self._issued) >= _KNOWN_TOKENS:
            self._issued.clear()
        self._issued[key] = (token, text)
        return token, text

    def _check_signature(self, token: Token) -> None:
        if not hmac.compare_digest(token.signature, self._sign(token)):
            raise _unauthorized("token signature is invalid: it was changed or signed elsewhere")

    def verify(self, token: Token, now: float) -> Token:
        """Return `token` if it is genuine, for this service and unexpired; UNAUTHORIZED if not."""
        self._check_signature(token)
        return self._check_claims(token, now)

    def accept(self, text: str, now: float) -> Token:
        """`verify(decode(text), now)`: the token a request carries, if genuine, for this service and unexpired."""
        token = self._known.get(text)   # signed here or checked before (most requests): decoded already
        return self._check_claims(token if token is not None else self.decode(text), now)

    def _check_claims(self, token: Token, now: float) -> Token:
        if token.service != self.service:
            raise _unauthorized(f"token is for service {token.service!r}, not {self.service!r}")
        if now >= token.expires_at:
            raise _unauthorized(f"token expired at t={token.expires_at:g}s (now t={now:g}s)")
        return token

    def decode(self, text: str) -> Token:
        """Read a token from its encoded form; UNAUTHORIZED unless it is intact and canonical."""
        known = self._known.get(text)
        if known is not None:   # signed here or checked before: the same text decodes the same
            return known
        try:
            header, claims, signature = text.split(".")
            if json.loads(_unb64url(header)) != _JWT_HEADER:
                raise ValueError("unexpected header")
            body = json.loads(_unb64url(claims))
            access = tuple(
                AccessEntry(str(e["type"]), str(e["name"]), tuple(str(a) for a in e["actions"]))
                for e in body["access"]
            )
            subject = None if body["sub"] is None else str(body["sub"])
            expiry = (float(body["iat"]), float(body["exp"]))
            token = Token(subject, str(body["aud"]), access, *expiry, signature)
        except (AttributeError, KeyError, TypeError, ValueError, binascii.Error) as error:
            raise _unauthorized(f"token is malformed ({error})") from None
        # Re-encoding must give the very same text, so no byte can change unnoticed.
        if token.encoded() != text:
            raise _unauthorized("token is not in canonical form")
        self._check_signature(token)
        self._remember(text, token)
        return token
