"""Token auth's wire vocabulary: scopes, challenges and Basic credentials.

Follows the Docker token authentication spec (distribution's `docs/spec/auth`): a refused
request gets a `WWW-Authenticate` challenge naming a scope, the client asks the token
server for that scope, and the token grants the intersection of what was asked and what
the policy allows (see `policy.py` and `tokens.py`). Both sides use what is here.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache

ACTIONS: tuple[str, ...] = ("pull", "push", "delete")
_ACTION_ORDER = (*ACTIONS, "*")  # canonical order for printing; `*` means all three

_COMPONENT = r"[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*"
_HOST = r"[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*"
_SCOPE_NAME_RE = re.compile(rf"^(?:{_HOST}(?::[0-9]+)?/)?{_COMPONENT}(?:/{_COMPONENT})*$")
_SCOPE_TYPE_RE = re.compile(r"^[a-z0-9]+(?:\([a-z0-9]+\))?$")
_TOKEN_CHARS = r"[A-Za-z0-9!#$%&'*+.^_`|~-]+"  # RFC 9110 `token`
_PARAM_NAME_RE = re.compile(rf"^{_TOKEN_CHARS}$")
_PARAM_RE = re.compile(
    rf'[ \t]*({_TOKEN_CHARS})[ \t]*=[ \t]*(?:"((?:[^"\\]|\\.)*)"|([^\s",]+))[ \t]*(,|\Z)', re.DOTALL
)
_CHALLENGE_PARAM_ORDER = ("realm", "service", "scope", "error")
_CONTROL_RE = re.compile("[\x00-\x1f\x7f]")   # a character below 32, or DEL
_ESCAPE_RE = re.compile(r"\\(.)", re.DOTALL)


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
    return _parse_scope(text)


# A pull asks for and is challenged with the same few scopes on every request: each text is
# read once (a Scope never changes; a text that is refused is not kept, and is refused again).
@lru_cache(maxsize=1024)
def _parse_scope(text: str) -> Scope:
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
            if not isinstance(value, str) or _CONTROL_RE.search(value):
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
    """Parse a `WWW-Authenticate` value; quoted values may hold commas, colons and escapes.

    Every caller only reads the challenge: one registry sends the same few headers again and
    again, so each is parsed once and its challenge is shared."""
    if not isinstance(header, str) or not header.strip():
        raise AuthInputError(f"a challenge cannot be empty, got {header!r}")
    return _parse_challenge(header)


@lru_cache(maxsize=1024)
def _parse_challenge(header: str) -> Challenge:
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
            _ESCAPE_RE.sub(r"\1", quoted) if quoted is not None else bare
        )
        position = match.end()
        if comma and position >= len(rest):
            raise AuthInputError(f"challenge {header!r} ends with a comma")
    try:
        return Challenge(canonical, params)
    except AuthInputError as error:
        raise AuthInputError(f"challenge {header!r}: {error}") from None


@lru_cache(maxsize=1024)
def bearer_header(realm: str, service: str, scope: Scope | None = None, error: str | None = None) -> str:
    """`format_challenge(bearer_challenge(...))` for at most one scope: a registry sends the same
    few on every refusal, so each is written once."""
    return format_challenge(bearer_challenge(realm, service, [scope] if scope else [], error))


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
