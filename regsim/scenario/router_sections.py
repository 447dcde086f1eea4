"""The `routers:` section: nodes that are neither clients nor registries and only forward traffic
(a site's switch, a WAN edge), so several clients' routes can share one link."""

from __future__ import annotations

from typing import Any

from regsim.scenario.checker import Checker
from regsim.scenario.problems import Path
from regsim.scenario.spec import LinkSpec


def read_routers(check: Checker, value: Any, taken: list[str]) -> list[str]:
    """The routers' names, each new (not a client's or a registry's)."""
    found: list[str] = []
    for i, item in enumerate(check.sequence(value, ("routers",), "routers")):
        path: Path = ("routers", i)
        name = check.text(item, path, "a router's name")
        if name is None:
            continue
        if name in taken or name in found:
            check.add(path, f"the name {name!r} is already taken")
            continue
        found.append(name)
    return found


def check_routers_linked(check: Checker, routers: list[str], links: list[LinkSpec]) -> None:
    """A router no link touches would carry nothing: say so where it is named."""
    linked = {name for link in links for name in (link.a, link.b)}
    for i, name in enumerate(routers):
        if name not in linked:
            check.add(("routers", i), f"the router {name!r} has no links: join it to something under network:")
