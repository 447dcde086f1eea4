"""Who may do what on a live registry, built on the model's `RegistryAccess` and `AccessPolicy`.

A teaching registry on one machine keeps the rule simple: with basic or token auth, every
listed user may pull, push and delete everywhere; an anonymous client may pull only the
repositories named public (none by default), so an anonymous pull of anything else is
refused as it is on a private repository of a hosted registry.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from regsim.model.oci.auth import ACTIONS, AuthInputError, repository_path
from regsim.model.registry.access import RegistryAccess
from regsim.model.registry.policy import STRONG_PBKDF2_ITERATIONS, AccessPolicy, AuthMode, UserStore

TOKEN_LIFETIME = 300.0


@dataclass(frozen=True)
class LivePolicy(AccessPolicy):
    """Listed users may do everything; anonymous may pull the public repositories only."""

    public: frozenset[str] = field(default_factory=frozenset)

    def permitted(self, user: str | None, repository: str, *, exists: bool = True) -> frozenset[str]:
        if self.auth_mode == AuthMode.NONE:
            return frozenset(ACTIONS)
        if user is not None:
            if user not in self.users:
                raise AuthInputError(f"unknown user {user!r}: authenticate before asking the policy")
            return frozenset(ACTIONS)
        return frozenset({"pull"}) if repository_path(repository) in self.public else frozenset()


@dataclass
class LoginThrottle:
    """Per-client backoff after wrong passwords: each new guess from a client that just failed waits
    `first` seconds, doubling per failure up to `cap`; a success (or `forget` seconds of quiet) clears it.

    distribution checks every Basic login at once; a registry that hashes passwords slowly must
    not let one client keep its CPU busy guessing (Docker Hub answers floods with 429)."""

    first: float = 0.05
    cap: float = 2.0
    forget: float = 600.0
    _failures: dict[str, tuple[int, float]] = field(default_factory=dict)

    def delay(self, client: str, now: float) -> float:
        count, last = self._failures.get(client, (0, now))
        if count == 0 or now - last > self.forget:
            return 0.0
        return float(min(self.first * 2 ** (count - 1), self.cap))

    def failed(self, client: str, now: float) -> None:
        count, last = self._failures.get(client, (0, now))
        self._failures[client] = (1 if now - last > self.forget else count + 1, now)

    def succeeded(self, client: str) -> None:
        self._failures.pop(client, None)


def is_loopback(host: str) -> bool:
    """Whether binding `host` keeps the registry on this machine."""
    import ipaddress

    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def parse_user(text: str) -> tuple[str, str]:
    """`NAME:PASSWORD` from the command line; the message never repeats the password."""
    name, colon, password = text.partition(":")
    if not colon or not name or not password:
        raise AuthInputError("--user takes NAME:PASSWORD (both non-empty)")
    return name, password


class HtpasswdUsers(UserStore):
    """The accounts of `--user` (hashed here with PBKDF2) and of an htpasswd file (bcrypt).

    The file is read as distribution's htpasswd access controller reads it
    (registry/auth/htpasswd/htpasswd.go): each line trimmed, blank lines and lines starting with
    `#` skipped, `NAME:HASH` split at the first colon, a line without one an error; a hash is
    checked with bcrypt (`htpasswd -B` writes $2y$, which bcrypt reads as $2b$).
    """

    __slots__ = ("_bcrypt",)

    def __init__(self, *, iterations: int, salts: Callable[[str], bytes] | None) -> None:
        super().__init__(iterations=iterations, salts=salts)
        self._bcrypt: dict[str, bytes] = {}

    def read_htpasswd(self, path: Path) -> None:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise AuthInputError(f"--htpasswd {path}: cannot be read "
                                 f"({getattr(error, 'strerror', None) or error})") from None
        for number, raw in enumerate(text.splitlines(), 1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            name, colon, hashed = line.partition(":")
            if not colon:
                raise AuthInputError(f"{path}:{number}:1: not an htpasswd entry (NAME:HASH)")
            if not hashed.startswith(("$2a$", "$2b$", "$2y$")):
                raise AuthInputError(f"{path}:{number}:{len(name) + 2}: the hash of {name!r} is not bcrypt "
                                     "(distribution reads bcrypt only: htpasswd -B)")
            if name in self:
                raise AuthInputError(f"{path}:{number}:1: user {name!r} is listed twice")
            self._bcrypt[name] = hashed.encode()

    def check(self, name: str, password: str) -> bool:
        hashed = self._bcrypt.get(name) if isinstance(name, str) else None
        if hashed is None:
            return super().check(name, password)
        import bcrypt  # only a server with an htpasswd file needs it

        try:
            return isinstance(password, str) and bcrypt.checkpw(password.encode(), hashed)
        except ValueError:   # a malformed hash: no password matches it
            return False

    def names(self) -> tuple[str, ...]:
        return tuple(sorted({*super().names(), *self._bcrypt}))

    def __contains__(self, name: object) -> bool:
        return name in self._bcrypt or super().__contains__(name)


def make_guard(
    mode: str,
    users: Iterable[tuple[str, str]],
    service: str,
    realm: str,
    *,
    public: Iterable[str] = (),
    lifetime: float = TOKEN_LIFETIME,
    htpasswd: Path | None = None,
) -> RegistryAccess | None:
    """The model's guard for a live registry: real time, a random signing key, a reachable realm."""
    auth = AuthMode(mode)   # one of AUTH_MODES (the command line offers only those)
    if auth == AuthMode.NONE:
        return None
    # A real network: random salts and many rounds (a login is proved once, then cached).
    store = HtpasswdUsers(iterations=STRONG_PBKDF2_ITERATIONS, salts=lambda _name: secrets.token_bytes(16))
    if htpasswd is not None:
        store.read_htpasswd(Path(htpasswd))
    for name, password in users:
        if name in store:
            raise AuthInputError(f"user {name!r} is given by --user and in the htpasswd file")
        store.add(name, password)    # kept as a salted PBKDF2 hash only
    policy = LivePolicy(auth_mode=auth, users=store, public=frozenset(public))
    # The model derives its key from the host so scenarios repeat; a live key must be secret.
    return RegistryAccess(service, policy, time.time, lifetime, realm=realm, secret=secrets.token_bytes(32))
