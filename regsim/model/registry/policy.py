"""Who may do what: the registry's accounts (hashed passwords only) and its access policy."""

from __future__ import annotations

import copy
import hashlib
import hmac
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from regsim.model.oci.auth import ACTIONS, AuthInputError, _check_actions, _expand, _ordered, repository_path


class AuthMode(StrEnum):
    """How a registry lets clients in: no auth, Basic (a password on every request), or bearer tokens
    from its token service (distribution: registry/auth/htpasswd, registry/auth/token)."""

    NONE = "none"
    BASIC = "basic"
    TOKEN = "token"


AUTH_MODES = tuple(mode.value for mode in AuthMode)   # the words a scenario's `auth:` and `--auth` take
VISIBILITIES = ("public", "private")
# Enough rounds to show a password is only ever kept hashed; a step must stay under 5 ms.
PBKDF2_ITERATIONS = 1_000
# What a store facing a real network uses (`regsim serve`): OWASP's figure for PBKDF2-SHA256.
STRONG_PBKDF2_ITERATIONS = 600_000

_COMPONENT = r"[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*"
_USER_RE = re.compile(rf"^{_COMPONENT}$")


@dataclass(frozen=True, slots=True)
class User:
    """A registry account: its name and a salted PBKDF2-SHA256 hash, never the password."""

    name: str
    salt: bytes = field(repr=False)
    password_hash: bytes = field(repr=False)

    def __deepcopy__(self, memo: dict[int, Any]) -> User:   # immutable: a world's snapshot can share it
        return self


def _salt_for(name: str) -> bytes:
    # Derived from the name (not random) so the same scenario hashes identically every run.
    return hashlib.sha256(b"regsim-user-salt\0" + name.encode()).digest()[:16]


# A scenario's light hashes, by a SHA-256 of the salt and password (no password is kept): a scenario
# hashes a password when it makes the user and again at each first login, and every time it is opened.
_light_hashes: dict[bytes, bytes] = {}


def _hash_password(password: str, salt: bytes, iterations: int = PBKDF2_ITERATIONS) -> bytes:
    if iterations != PBKDF2_ITERATIONS:   # a real server's hashes are never kept
        return hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)
    key = hashlib.sha256(salt + b"\0" + password.encode()).digest()
    found = _light_hashes.get(key)
    if found is None:
        if len(_light_hashes) >= 4096:
            _light_hashes.clear()
        found = _light_hashes[key] = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)
    return found


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

    def __deepcopy__(self, memo: dict[int, Any]) -> UserStore:
        copied = object.__new__(UserStore)
        memo[id(self)] = copied
        copied._users = self._users.copy()   # users never change once made
        copied._iterations = self._iterations
        copied._salts = self._salts
        return copied

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

    def __deepcopy__(self, memo: dict[int, Any]) -> RepositoryPolicy:   # nothing changes one once made
        return self

    def __post_init__(self) -> None:
        if self.visibility not in VISIBILITIES:
            raise AuthInputError(f"visibility {self.visibility!r} is not public or private")
        for user, actions in self.grants.items():
            if not isinstance(user, str) or not _USER_RE.match(user):
                raise AuthInputError(f"grant to {user!r}: not a valid user name")
            _check_actions(actions, f"the grant to {user!r}")


@dataclass(frozen=True, slots=True)
class AccessPolicy:
    """Who may do what where. Repositories are keyed by name; a host prefix is ignored. `repositories`
    is what the policy started with; `grant` and `revoke` (the administrator's) change what it allows."""

    auth_mode: AuthMode = AuthMode.NONE
    users: UserStore = field(default_factory=UserStore)
    repositories: dict[str, RepositoryPolicy] = field(default_factory=dict)
    _by_path: dict[str, RepositoryPolicy] = field(init=False, repr=False, compare=False)

    def __deepcopy__(self, memo: dict[int, Any]) -> AccessPolicy:
        # `repositories` (what the policy started with) never changes, nor does a RepositoryPolicy:
        # `grant` and `revoke` put new ones in `_by_path`, whose copy is a copy of the table alone.
        copied = object.__new__(AccessPolicy)
        memo[id(self)] = copied
        for name in self.__slots__:
            value = getattr(self, name)
            if name == "_by_path":
                value = value.copy()
            elif name != "repositories":
                value = copy.deepcopy(value, memo)
            object.__setattr__(copied, name, value)
        return copied

    def __post_init__(self) -> None:
        if self.auth_mode not in AUTH_MODES:
            raise AuthInputError(f"auth mode {self.auth_mode!r} is not none, basic or token")
        object.__setattr__(self, "auth_mode", AuthMode(self.auth_mode))   # a word read from a file, as the mode
        by_path: dict[str, RepositoryPolicy] = {}
        for name, policy in self.repositories.items():
            path = repository_path(name)
            if path in by_path:
                raise AuthInputError(f"repository {path!r} is listed twice")
            by_path[path] = policy
        object.__setattr__(self, "_by_path", by_path)

    def permitted(self, user: str | None, repository: str, *, exists: bool = True) -> frozenset[str]:
        """Every action `user` (None: anonymous) may take on `repository`; `exists` says whether
        the repository holds an image (the token server knows, as Docker Hub's does)."""
        if self.auth_mode == AuthMode.NONE:
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
        # Docker Hub's shape: USER/... belongs to USER (never to anonymous); anyone may pull the
        # rest, if it is there. A name that holds nothing is granted nothing, so a missing
        # repository is refused exactly as a private one is (Docker Hub: "pull access denied
        # for NAME, repository does not exist or may require 'docker login'").
        namespace, sep, _ = path.partition("/")
        if sep and user == namespace:
            return frozenset(ACTIONS)
        return frozenset({"pull"}) if exists else frozenset()

    def may_list_catalog(self, user: str | None) -> bool:
        """Whether `user` gets the `registry:catalog:*` scope: a signed-in account (the list names
        private repositories too, so an anonymous token never gets it)."""
        return self.auth_mode == AuthMode.NONE or (user is not None and user in self.users)

    def allowed(
        self, user: str | None, repository: str, wanted: Iterable[str], *, exists: bool = True
    ) -> frozenset[str]:
        """What was asked AND is permitted; a partial (even empty) grant is not an error."""
        asked = _expand(_check_actions(wanted, f"the request for {repository!r}"))
        return asked & self.permitted(user, repository, exists=exists)

    def grant(self, user: str, repository: str, actions: Iterable[str]) -> tuple[str, ...]:
        """The administrator gives `user` these actions on a listed repository (Docker Hub: a
        repository's permissions for a team, Read & Write being pull and push; Harbor: a project
        member's role); returns every action the user now holds there. Only the policy changes: a
        token already issued keeps the access claim it was signed with (see `tokens.py`)."""
        path, listed = self._listed(user, repository)
        held = _expand(listed.grants.get(user, frozenset()))
        now = held | _expand(_check_actions(actions, f"the grant to {user!r}"))
        self._by_path[path] = replace(listed, grants={**listed.grants, user: frozenset(now)})
        return _ordered(now)

    def revoke(self, user: str, repository: str, actions: Iterable[str]) -> tuple[str, ...]:
        """Take these actions away from `user` on a listed repository; returns what the user still holds."""
        path, listed = self._listed(user, repository)
        held = _expand(listed.grants.get(user, frozenset()))
        now = held - _expand(_check_actions(actions, f"the revoke from {user!r}"))
        grants = {name: granted for name, granted in listed.grants.items() if name != user}
        if now:
            grants[user] = frozenset(now)
        self._by_path[path] = replace(listed, grants=grants)
        return _ordered(now)

    def _listed(self, user: str, repository: str) -> tuple[str, RepositoryPolicy]:
        if self.auth_mode == AuthMode.NONE:
            raise AuthInputError("this registry has no accounts (auth: none): anyone may pull and push")
        if user not in self.users:
            raise AuthInputError(f"there is no account {user!r} here")
        path = repository_path(repository)
        listed = self._by_path.get(path)
        if listed is None:
            raise AuthInputError(f"{path} is not one of the repositories listed with grants here")
        return path, listed
