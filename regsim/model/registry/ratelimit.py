"""Docker Hub's pull rate limit, counted as Docker's documentation defines a pull.

What each rule follows (Docker's documentation, github.com/docker/docs):

- content/manuals/docker-hub/usage/pulls.md (docs.docker.com/docker-hub/usage/pulls/, 2025):
  "A pull for a normal image makes one pull for a single manifest", "A pull for a multi-arch
  image will count as one pull for each different architecture", version checks do not count;
  the headers `ratelimit-limit: 100;w=21600`, `ratelimit-remaining: 76;w=21600` and
  `docker-ratelimit-source: 192.0.2.1` "are returned on both GET and HEAD requests. Using GET
  emulates a real pull and counts towards the limit. Using HEAD won't."; over the limit, a 429
  "when the manifest is requested". Unauthenticated users are counted "per IPv4 address or
  IPv6 /64 subnet" (same page and usage/_index.md).
- content/docker-hub/download-rate-limit.md (docs.docker.com/docker-hub/download-rate-limit/,
  2020-2024): "A pull request is defined as up to two GET requests on registry manifest URLs",
  "A pull request for a multi-arch image makes two manifest requests", "HEAD requests aren't
  counted", "Pulls are accounted to the user doing the pull"; anonymous users "via IP".

So a GET that answers with an image manifest spends one pull; a GET that answers with an index
spends none (it is the first of a multi-platform pull's two GETs, and the platform's manifest
fetched next is the one that counts); a HEAD spends nothing. Once a budget is spent, every
manifest GET is refused. A pull stays in the budget for one window (`per` seconds) after it
was made: Docker's blog calls the window rolling.
"""

from __future__ import annotations

import ipaddress
from collections import deque
from dataclasses import dataclass, field

from regsim.model.oci.errors import ErrorCode, RegistryError
from regsim.units import format_wait

# The body Docker Hub sends with its 429, as docker prints it after "toomanyrequests: " (seen in
# docker/hub-feedback#2429 and quoted by containers/image#1078; Docker's documentation quotes the
# same sentence, its link ending in "increase-rate-limits").
DOCKER_HUB_MESSAGE = ("You have reached your pull rate limit. You may increase the limit by "
                      "authenticating and upgrading: https://www.docker.com/increase-rate-limit")


def budget_address(source: str) -> str:
    """The address an anonymous budget is kept for: an IPv4 address, or an IPv6 address's /64.

    A source that is not an address (a scenario client without `address:`) is its own budget.
    """
    try:
        address = ipaddress.ip_address(source)
    except ValueError:
        return source
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False).network_address)
    return str(address)


@dataclass(slots=True)
class _Budget:
    limit: int
    pulls: deque[float] = field(default_factory=deque)   # when each pull still in the window was made

    def remaining(self, now: float, per: float) -> int:
        pulls = self.pulls
        while pulls and pulls[0] <= now - per:
            pulls.popleft()
        return self.limit - len(pulls)


class PullRateLimit:
    """`pulls` anonymous pulls per source address, and `authenticated` per account, in each `per` seconds.

    Without `authenticated`, a logged-in user's pulls are not limited and carry no headers, as
    for Docker Hub's paid plans ("If you don't see any ratelimit header ... the user you are
    pulling as is part of a paid Docker plan").
    """

    def __init__(self, pulls: int, per: float, authenticated: int | None = None) -> None:
        self.pulls = pulls
        self.per = per
        self.authenticated = authenticated
        self._addresses: dict[str, _Budget] = {}
        self._accounts: dict[str, _Budget] = {}

    def _budget(self, source: str, user: str | None) -> tuple[str, _Budget] | None:
        """Whose budget a request spends (the address or account it names) and the budget; None: unlimited."""
        if user is not None:
            if self.authenticated is None:
                return None
            budget = self._accounts.get(user)
            if budget is None:
                budget = self._accounts[user] = _Budget(self.authenticated)
            return user, budget
        address = budget_address(source)
        budget = self._addresses.get(address)
        if budget is None:
            budget = self._addresses[address] = _Budget(self.pulls)
        return address, budget

    def remaining(self, source: str, user: str | None, now: float) -> int | None:
        """Pulls left in the window for this source (or account); None when it is not limited."""
        found = self._budget(source, user)
        return None if found is None else found[1].remaining(now, self.per)

    def admit(self, source: str, user: str | None, now: float) -> None:
        """Refuse a manifest GET with 429 TOOMANYREQUESTS once its budget is spent."""
        found = self._budget(source, user)
        if found is None:
            return
        who, budget = found
        if budget.remaining(now, self.per) > 0:
            return
        window = format_wait(self.per)
        frees = format_wait(budget.pulls[0] + self.per - now)
        whose = f"the account {who}" if user is not None else f"anonymous clients at {who}"
        raise RegistryError(
            ErrorCode.TOOMANYREQUESTS,
            f"{whose} used all {budget.limit} pulls of the last {window}; the oldest leaves the window in {frees}",
            message=DOCKER_HUB_MESSAGE,
        )

    def answer(self, source: str, user: str | None, now: float, pull: bool) -> dict[str, str]:
        """Spend one pull when `pull` is true; the headers a manifest response carries (none if unlimited)."""
        found = self._budget(source, user)
        if found is None:
            return {}
        who, budget = found
        if pull:
            budget.pulls.append(now)
        window = int(self.per)
        return {
            "RateLimit-Limit": f"{budget.limit};w={window}",
            "RateLimit-Remaining": f"{budget.remaining(now, self.per)};w={window}",
            # Docker Hub names the address here; for a logged-in user it names the account (by its id).
            "Docker-RateLimit-Source": who,
        }
