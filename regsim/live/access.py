"""Who may do what on a live registry, built on the model's `RegistryAccess` and `AccessPolicy`.

A teaching registry on one machine keeps the rule simple: with basic or token auth, every
listed user may pull, push and delete everywhere; an anonymous client may pull only the
repositories named public (none by default), so an anonymous pull of anything else is
refused as it is on a private repository of a hosted registry.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

from regsim.model.registry.access import RegistryAccess
from regsim.model.registry.auth import ACTIONS, AuthInputError, repository_path
from regsim.model.registry.policy import STRONG_PBKDF2_ITERATIONS, AccessPolicy, UserStore

TOKEN_LIFETIME = 300.0


@dataclass(frozen=True)
class LivePolicy(AccessPolicy):
    """Listed users may do everything; anonymous may pull the public repositories only."""

    public: frozenset[str] = field(default_factory=frozenset)

    def permitted(self, user: str | None, repository: str, *, exists: bool = True) -> frozenset[str]:
        if self.auth_mode == "none":
            return frozenset(ACTIONS)
        if user is not None:
            if user not in self.users:
                raise AuthInputError(f"unknown user {user!r}: authenticate before asking the policy")
            return frozenset(ACTIONS)
        return frozenset({"pull"}) if repository_path(repository) in self.public else frozenset()


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


def make_guard(
    mode: str,
    users: Iterable[tuple[str, str]],
    service: str,
    realm: str,
    *,
    public: Iterable[str] = (),
    lifetime: float = TOKEN_LIFETIME,
) -> RegistryAccess | None:
    """The model's guard for a live registry: real time, a random signing key, a reachable realm."""
    if mode == "none":
        return None
    # A real network: random salts and many rounds (a login is proved once, then cached).
    store = UserStore(iterations=STRONG_PBKDF2_ITERATIONS, salts=lambda _name: secrets.token_bytes(16))
    for name, password in users:
        store.add(name, password)    # kept as a salted PBKDF2 hash only
    policy = LivePolicy(auth_mode=mode, users=store, public=frozenset(public))
    # The model derives its key from the host so scenarios repeat; a live key must be secret.
    return RegistryAccess(service, policy, time.time, lifetime, realm=realm, secret=secrets.token_bytes(32))
