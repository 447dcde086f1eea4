"""Access control as registries do it: scopes, challenges, hashed users, policy and tokens.

Follows the Docker token authentication spec (distribution's `docs/spec/auth`): a refused
request gets a `WWW-Authenticate` challenge naming a scope, the client asks the token
server for that scope, and the token grants the intersection of what was asked and what
the policy allows. Everything here is deterministic: time is the caller's `now`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from regsim.model.oci.errors import ErrorCode, RegistryError

ACTIONS: tuple[str, ...] = ("pull", "push", "delete")
_ACTION_ORDER = (*ACTIONS, "*")  # canonical order for printing; `*` means all three
AUTH_MODES = ("none", "basic", "token")
VISIBILITIES = ("public", "private")
# Enough rounds to show a password is only ever kept hashed; a step must stay under 5 ms.
PBKDF2_ITERATIONS = 1_000
# What a store facing a real network uses (`regsim serve`): OWASP's figure for PBKDF2-SHA256.
STRONG_PBKDF2_ITERATIONS = 600_000

_COMPONENT = r"[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*"
_HOST = r"[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*"
_SCOPE_NAME_RE = re.compile(rf"^(?:{_HOST}(?::[0-9]+)?/)?{_COMPONENT}(?:/{_COMPONENT})*$")
_SCOPE_TYPE_RE = re.compile(r"^[a-z0-9]+(?:\([a-z0-9]+\))?$")
_USER_RE = re.compile(rf"^{_COMPONENT}$")
_TOKEN_CHARS = r"[A-Za-z0-9!#$%&'*+.^_`|~-]+"  # RFC 9110 `token`
_PARAM_NAME_RE = re.compile(rf"^{_TOKEN_CHARS}$")
_PARAM_RE = re.compile(
    rf'[ \t]*({_TOKEN_CHARS})[ \t]*=[ \t]*(?:"((?:[^"\\]|\\.)*)"|([^\s",]+))[ \t]*(,|\Z)', re.DOTALL
)
_CHALLENGE_PARAM_ORDER = ("realm", "service", "scope", "error")
_JWT_HEADER = {"alg": "HS256", "typ": "JWT"}


class AuthInputError(ValueError):
    """Malformed auth input (a scope, a challenge, a user): a mistake, not a refusal."""


def _check_actions(actions: Iterable[str], where: str) -> frozenset[str]:
    found = frozenset(actions)
    unknown = sorted(a for a in found if a not in _ACTION_ORDER)
    if unknown:
        raise AuthInputError(
            f"unknown action {unknown[0]!r} in {where}: use pull, push, delete or *"
        )
    return found


def _expand(actions: frozenset[str]) -> frozenset[str]:
    """`*` stands for every action; policy and tokens work with the concrete ones."""
    return frozenset(ACTIONS) if "*" in actions else actions


def _ordered(actions: Iterable[str]) -> tuple[str, ...]:
    have = set(actions)
    return tuple(a for a in _ACTION_ORDER if a in have)


def repository_path(name: str) -> str:
    """`name` without a registry host prefix, using docker's rule for what is a host."""
    first, sep, rest = name.partition("/")
    if sep and ("." in first or ":" in first or first == "localhost"):
        return rest
    return name


@dataclass(frozen=True, slots=True)
class Scope:
    """`TYPE:NAME:ACTIONS`, e.g. `repository:team/app:pull,push`."""

    type: str
    name: str
    actions: frozenset[str]

    def __post_init__(self) -> None:
        if not _SCOPE_TYPE_RE.match(self.type):
            raise AuthInputError(f"scope type {self.type!r} is not valid (e.g. 'repository')")
        if not _SCOPE_NAME_RE.match(self.name):
            raise AuthInputError(f"scope name {self.name!r} is not a valid repository name")
        if not self.actions:
            raise AuthInputError(f"scope for {self.name!r} names no actions")
        _check_actions(self.actions, f"the scope for {self.name!r}")

    def __str__(self) -> str:
        return f"{self.type}:{self.name}:{','.join(_ordered(self.actions))}"


def parse_scope(text: str) -> Scope:
    """Parse one scope; the name may carry `host:port`, so actions follow the LAST colon."""
    if not isinstance(text, str) or not text:
        raise AuthInputError(f"a scope must be 'repository:NAME:ACTIONS', not {text!r}")
    type_, sep1, rest = text.partition(":")
    name, sep2, actions = rest.rpartition(":")
    if not (sep1 and sep2 and type_ and name and actions):
        raise AuthInputError(f"scope {text!r} is not 'repository:NAME:ACTIONS'")
    parts = actions.split(",")
    if "" in parts:
        raise AuthInputError(f"scope {text!r} has an empty action in {actions!r}")
    try:
        return Scope(type_, name, _check_actions(parts, f"scope {text!r}"))
    except AuthInputError as error:
        raise AuthInputError(f"scope {text!r}: {error}") from None


def parse_scopes(text: str) -> list[Scope]:
    """A challenge's or token request's `scope` value: scopes separated by spaces."""
    return [parse_scope(part) for part in text.split()]


@dataclass(frozen=True, slots=True)
class Challenge:
    """A `WWW-Authenticate` challenge: scheme plus lowercase parameters; `realm` is required."""

    scheme: str
    params: dict[str, str]

    def __post_init__(self) -> None:
        if self.scheme not in ("Bearer", "Basic"):
            raise AuthInputError(f"challenge scheme {self.scheme!r} is not Bearer or Basic")
        for key, value in self.params.items():
            if not _PARAM_NAME_RE.match(key) or key != key.lower():
                raise AuthInputError(f"challenge parameter name {key!r} is not a lowercase token")
            # A control character (CR/LF above all) would let a value forge extra headers.
            if not isinstance(value, str) or any(ord(c) < 32 or ord(c) == 127 for c in value):
                raise AuthInputError(
                    f"challenge parameter {key}={value!r} holds a control character"
                )
        if "realm" not in self.params:
            raise AuthInputError(f"a {self.scheme} challenge needs a realm")


def format_challenge(challenge: Challenge) -> str:
    """The header value: `Bearer realm="…",service="…",scope="…"` (realm, service, scope, error)."""
    known = [k for k in _CHALLENGE_PARAM_ORDER if k in challenge.params]
    others = [k for k in challenge.params if k not in _CHALLENGE_PARAM_ORDER]
    pairs = (f'{key}="{_quote(challenge.params[key])}"' for key in (*known, *others))
    return f"{challenge.scheme} {','.join(pairs)}"


def _quote(value: str) -> str:
    """RFC 9110 quoted-string body: backslash-escape the backslash and the double quote."""
    return value.replace("\\", "\\\\").replace('"', '\\"')


def parse_challenge(header: str) -> Challenge:
    """Parse a `WWW-Authenticate` value; quoted values may hold commas, colons and escapes."""
    if not isinstance(header, str) or not header.strip():
        raise AuthInputError(f"a challenge cannot be empty, got {header!r}")
    scheme, _, rest = header.strip().partition(" ")
    canonical = {"bearer": "Bearer", "basic": "Basic"}.get(scheme.lower())
    if canonical is None:
        raise AuthInputError(f"challenge {header!r}: scheme {scheme!r} is not Bearer or Basic")
    rest = rest.strip()
    params: dict[str, str] = {}
    position = 0
    while position < len(rest):
        match = _PARAM_RE.match(rest, position)
        if match is None:
            raise AuthInputError(
                f'challenge {header!r}: cannot read a key="value" parameter at {rest[position:]!r}'
            )
        key, quoted, bare, comma = match.groups()
        key = key.lower()
        if key in params:
            raise AuthInputError(f"challenge {header!r}: parameter {key!r} appears twice")
        params[key] = (
            re.sub(r"\\(.)", r"\1", quoted, flags=re.DOTALL) if quoted is not None else bare
        )
        position = match.end()
        if comma and position >= len(rest):
            raise AuthInputError(f"challenge {header!r} ends with a comma")
    try:
        return Challenge(canonical, params)
    except AuthInputError as error:
        raise AuthInputError(f"challenge {header!r}: {error}") from None


def bearer_challenge(
    realm: str, service: str, scopes: Iterable[Scope] = (), error: str | None = None
) -> Challenge:
    """What a token-auth registry answers with on 401 (and with error="insufficient_scope")."""
    params = {"realm": realm, "service": service}
    scope_text = " ".join(str(s) for s in scopes)
    if scope_text:
        params["scope"] = scope_text
    if error is not None:
        params["error"] = error
    return Challenge("Bearer", params)


def basic_challenge(realm: str) -> Challenge:
    return Challenge("Basic", {"realm": realm})


@dataclass(frozen=True, slots=True)
class User:
    """A registry account: its name and a salted PBKDF2-SHA256 hash, never the password."""

    name: str
    salt: bytes = field(repr=False)
    password_hash: bytes = field(repr=False)


def _salt_for(name: str) -> bytes:
    # Derived from the name (not random) so the same scenario hashes identically every run.
    return hashlib.sha256(b"regsim-user-salt\0" + name.encode()).digest()[:16]


def _hash_password(password: str, salt: bytes, iterations: int = PBKDF2_ITERATIONS) -> bytes:
    return hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)


class UserStore:
    """The registry's accounts. Only hashes are kept; `repr` shows names alone.

    A scenario's store derives each salt from the user name and hashes lightly, so the same
    scenario hashes identically every run and a login step stays fast. A store behind a real
    server passes `salts` (random bytes per user) and `iterations` (many rounds).
    """

    __slots__ = ("_iterations", "_salts", "_users")

    def __init__(
        self, *, iterations: int = PBKDF2_ITERATIONS, salts: Callable[[str], bytes] | None = None
    ) -> None:
        self._users: dict[str, User] = {}
        self._iterations = iterations
        self._salts = salts or _salt_for

    def add(self, name: str, password: str) -> User:
        """Create an account; AuthInputError for a bad or taken name or an empty password."""
        if not isinstance(name, str) or not _USER_RE.match(name):
            raise AuthInputError(
                f"user name {name!r} is not valid: use lowercase letters, digits and . _ -"
            )
        if name == "library":
            raise AuthInputError("user name 'library' is reserved for official images")
        if name in self._users:
            raise AuthInputError(f"user {name!r} already exists")
        if not isinstance(password, str) or not password:
            raise AuthInputError(f"user {name!r} needs a non-empty password")
        salt = self._salts(name)
        user = User(name, salt, _hash_password(password, salt, self._iterations))
        self._users[name] = user
        return user

    def remove(self, name: str) -> None:
        if name not in self._users:
            raise AuthInputError(f"unknown user {name!r}")
        del self._users[name]

    def check(self, name: str, password: str) -> bool:
        """Whether the password is right; an unknown user is simply a wrong login."""
        user = self._users.get(name) if isinstance(name, str) else None
        if user is None or not isinstance(password, str):
            return False
        return hmac.compare_digest(user.password_hash, _hash_password(password, user.salt, self._iterations))

    def names(self) -> tuple[str, ...]:
        return tuple(sorted(self._users))

    def __contains__(self, name: object) -> bool:
        return name in self._users

    def __repr__(self) -> str:
        return f"UserStore({list(self.names())!r})"


@dataclass(frozen=True, slots=True)
class RepositoryPolicy:
    """A repository the scenario lists: its visibility and per-user grants."""

    visibility: str = "public"
    grants: dict[str, frozenset[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.visibility not in VISIBILITIES:
            raise AuthInputError(f"visibility {self.visibility!r} is not public or private")
        for user, actions in self.grants.items():
            if not isinstance(user, str) or not _USER_RE.match(user):
                raise AuthInputError(f"grant to {user!r}: not a valid user name")
            _check_actions(actions, f"the grant to {user!r}")


@dataclass(frozen=True, slots=True)
class AccessPolicy:
    """Who may do what where. Repositories are keyed by name; a host prefix is ignored."""

    auth_mode: str = "none"
    users: UserStore = field(default_factory=UserStore)
    repositories: dict[str, RepositoryPolicy] = field(default_factory=dict)
    _by_path: dict[str, RepositoryPolicy] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.auth_mode not in AUTH_MODES:
            raise AuthInputError(f"auth mode {self.auth_mode!r} is not none, basic or token")
        by_path: dict[str, RepositoryPolicy] = {}
        for name, policy in self.repositories.items():
            path = repository_path(name)
            if path in by_path:
                raise AuthInputError(f"repository {path!r} is listed twice")
            by_path[path] = policy
        object.__setattr__(self, "_by_path", by_path)

    def permitted(self, user: str | None, repository: str) -> frozenset[str]:
        """Every action `user` (None: anonymous) may take on `repository`."""
        if self.auth_mode == "none":
            return frozenset(ACTIONS)
        if user is not None and user not in self.users:
            raise AuthInputError(f"unknown user {user!r}: authenticate before asking the policy")
        path = repository_path(repository)
        listed = self._by_path.get(path)
        if listed is not None:
            # Listing a repository replaces the namespace defaults: grants say everything.
            # Anonymous holds no grants, so it can at most pull a public repository.
            granted = (
                _expand(listed.grants.get(user, frozenset())) if user is not None else frozenset()
            )
            return granted | {"pull"} if listed.visibility == "public" else granted
        # Docker Hub's shape: USER/... belongs to USER (never to anonymous); the rest is pull-only.
        namespace, sep, _ = path.partition("/")
        return frozenset(ACTIONS) if sep and user == namespace else frozenset({"pull"})

    def allowed(self, user: str | None, repository: str, wanted: Iterable[str]) -> frozenset[str]:
        """What was asked AND is permitted; a partial (even empty) grant is not an error."""
        asked = _expand(_check_actions(wanted, f"the request for {repository!r}"))
        return asked & self.permitted(user, repository)


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
        return f"{_b64url(_canonical_json(_JWT_HEADER))}.{_b64url(_canonical_json(self.claims()))}"

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
        return action in self.actions_for(repository)


def _unauthorized(reason: str) -> RegistryError:
    return RegistryError(ErrorCode.UNAUTHORIZED, reason)


@dataclass(frozen=True, slots=True)
class TokenIssuer:
    """The token server for one registry (`service`), signing with a shared secret."""

    service: str
    secret: bytes = field(repr=False)
    lifetime: float = 300.0

    def __post_init__(self) -> None:
        if not isinstance(self.secret, bytes) or not self.secret:
            raise AuthInputError("a token issuer needs a non-empty bytes secret")
        if not (math.isfinite(self.lifetime) and self.lifetime > 0):
            raise AuthInputError(f"token lifetime must be a positive number, not {self.lifetime!r}")

    def _sign(self, token: Token) -> str:
        mac = hmac.new(self.secret, token.signing_input().encode(), hashlib.sha256)
        return _b64url(mac.digest())

    def issue(
        self, user: str | None, scopes: Iterable[Scope], policy: AccessPolicy, now: float
    ) -> Token:
        """A token granting, per requested scope, the requested actions the policy allows."""
        if not math.isfinite(now):
            raise AuthInputError(f"time must be a finite number, not {now!r}")
        entries = []
        for scope in scopes:
            # Only repository scopes can be granted here; others are listed with no actions.
            granted = (
                policy.allowed(user, scope.name, scope.actions)
                if scope.type == "repository"
                else frozenset()
            )
            entries.append(AccessEntry(scope.type, scope.name, _ordered(granted)))
        unsigned = Token(user, self.service, tuple(entries), float(now), now + self.lifetime, "")
        return replace(unsigned, signature=self._sign(unsigned))

    def _check_signature(self, token: Token) -> None:
        if not hmac.compare_digest(token.signature, self._sign(token)):
            raise _unauthorized("token signature is invalid: it was changed or signed elsewhere")

    def verify(self, token: Token, now: float) -> Token:
        """Return `token` if it is genuine, for this service and unexpired; UNAUTHORIZED if not."""
        self._check_signature(token)
        if token.service != self.service:
            raise _unauthorized(f"token is for service {token.service!r}, not {self.service!r}")
        if now >= token.expires_at:
            raise _unauthorized(f"token expired at t={token.expires_at:g}s (now t={now:g}s)")
        return token

    def decode(self, text: str) -> Token:
        """Read a token from its encoded form; UNAUTHORIZED unless it is intact and canonical."""
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
        return token


def basic_credentials(user: str, password: str) -> str:
    """`base64(user:password)`: the `auth` value docker keeps in ~/.docker/config.json."""
    if not user or ":" in user:
        raise AuthInputError(f"user name {user!r} cannot be empty or contain ':'")
    return base64.b64encode(f"{user}:{password}".encode()).decode()


def parse_basic(header_value: str) -> tuple[str, str]:
    """(user, password) from `Basic <base64>` or the bare base64 docker stores."""
    # Error messages never echo the input: it carries a password.
    scheme, sep, encoded = header_value.strip().partition(" ")
    if sep:
        if scheme.lower() != "basic":
            raise AuthInputError(f"credentials use scheme {scheme!r}, expected Basic")
    else:
        encoded = scheme
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise AuthInputError("Basic credentials are not valid base64 of UTF-8 text") from None
    user, colon, password = decoded.partition(":")
    if not colon or not user:
        raise AuthInputError("Basic credentials must decode to 'user:password'")
    return user, password


_METHOD_ACTIONS: Mapping[str, str] = {
    **dict.fromkeys(("GET", "HEAD"), "pull"),
    **dict.fromkeys(("POST", "PATCH", "PUT"), "push"),
    "DELETE": "delete",
}


def required_action(method: str) -> str:
    """The scope action an HTTP method needs: reads pull, writes push, DELETE delete."""
    action = _METHOD_ACTIONS.get(method.upper()) if isinstance(method, str) else None
    if action is None:
        raise AuthInputError(f"HTTP method {method!r} maps to no registry action")
    return action
