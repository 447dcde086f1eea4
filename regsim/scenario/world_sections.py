"""The sections of a scenario that make its world: registries, clients, network links, users and
repositories (world_builder.py builds the model from what these return)."""

from __future__ import annotations

import ipaddress
from typing import Any

from regsim.model.oci.descriptor import Platform
from regsim.model.oci.errors import RegistryError
from regsim.model.oci.reference import check_name
from regsim.scenario.checker import Checker
from regsim.scenario.clients import RETIRED_DEFAULT, read_runtime
from regsim.scenario.problems import Path, did_you_mean
from regsim.scenario.spec import ClientSpec, LinkSpec, RateLimitSpec, RegistrySpec, RepositorySpec
from regsim.units import UnitError, parse_bandwidth, parse_duration

REGISTRY_KEYS = ("name", "auth", "mirror_of", "ttl", "replicas", "rate_limit", "referrers_api")
CLIENT_KEYS = ("name", "runtime", "mirrors", "hosts", "platform", "address")
RATE_LIMIT_KEYS = ("pulls", "per", "authenticated")
ACTIONS = ("pull", "push", "delete")


def read_registries(check: Checker, value: Any) -> list[RegistrySpec]:
    found: list[RegistrySpec] = []
    items = check.sequence(value, ("registries",), "registries")
    for i, item in enumerate(items):
        path: Path = ("registries", i)
        item = check.mapping(item, path, "a registry")
        if not item:
            continue
        # `default:` gets its own message (RETIRED_DEFAULT) and is never offered as a "did you mean".
        check.keys({k: v for k, v in item.items() if k != "default"}, REGISTRY_KEYS, path, "a registry")
        name = check.text(item.get("name"), (*path, "name"), "the registry's name")
        if name is None:
            continue
        spec = RegistrySpec(name)
        if "default" in item:
            check.add((*path, "default"), RETIRED_DEFAULT, key=True)
        auth = item.get("auth", "none")
        if auth not in ("none", "basic", "token"):
            check.add((*path, "auth"), f"auth must be none, basic or token, not {auth!r}")
        else:
            spec.auth = auth
        if item.get("mirror_of") is not None:
            spec.mirror_of = str(item["mirror_of"])
        if "ttl" in item:
            try:
                spec.ttl = parse_duration(item["ttl"])
            except UnitError as error:
                check.add((*path, "ttl"), str(error))
            if spec.mirror_of is None:
                check.add((*path, "ttl"), "ttl is how long a pull-through cache keeps what it fetched; "
                          "this registry has no mirror_of, so nothing here expires: remove ttl or add mirror_of")
        for j, replica in enumerate(check.sequence(item.get("replicas"), (*path, "replicas"), "replicas")):
            rpath = (*path, "replicas", j)
            if isinstance(replica, str):
                spec.replicas.append((replica, 0))
                continue
            replica = check.mapping(replica, rpath, "a replica")
            check.keys(replica, ("name", "lag"), rpath, "a replica")
            rname = check.text(replica.get("name"), (*rpath, "name"), "the replica's name")
            lag = replica.get("lag", 0)
            if not isinstance(lag, int) or isinstance(lag, bool) or lag < 0:
                check.add((*rpath, "lag"), "lag is a whole number of steps (0 or more)")
                lag = 0
            if rname:
                spec.replicas.append((rname, lag))
        if item.get("rate_limit") is not None:
            spec.rate_limit = read_rate_limit(check, item["rate_limit"], (*path, "rate_limit"))
            if spec.rate_limit is not None and spec.rate_limit.authenticated is not None and spec.auth == "none":
                check.add((*path, "rate_limit", "authenticated"),
                          f"authenticated counts logged-in pulls, but nobody can log in to {name} "
                          "(auth: none): give it auth: token or basic, or leave authenticated out")
        if "referrers_api" in item:
            if not isinstance(item["referrers_api"], bool):
                check.add((*path, "referrers_api"), "referrers_api is true (the default: OCI distribution-spec "
                          "v1.1's referrers API) or false (a registry without it, as distribution)")
            elif spec.mirror_of is not None:
                check.add((*path, "referrers_api"), "referrers_api says how a registry keeps what is pushed to "
                          "it; a pull-through cache takes no pushes: remove it here")
            else:
                spec.referrers_api = item["referrers_api"]
        found.append(spec)
    names = [r.name for r in found]
    for i, spec in enumerate(found):
        if names.count(spec.name) > 1:
            check.add(("registries", i, "name"), f"registry {spec.name!r} is listed twice")
        if spec.mirror_of is not None and spec.mirror_of not in names:
            check.add(("registries", i, "mirror_of"),
                      f"mirror_of names {spec.mirror_of!r}, which is not a registry here"
                      f"{did_you_mean(spec.mirror_of, names)}")
    return found


def _pull_count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 1 else None


def read_rate_limit(check: Checker, value: Any, path: Path) -> RateLimitSpec | None:
    """`rate_limit: {pulls, per, authenticated}`: anonymous pulls per address, and per account once logged in."""
    limit = check.mapping(value, path, "rate_limit")
    check.keys(limit, RATE_LIMIT_KEYS, path, "rate_limit")
    pulls = _pull_count(limit.get("pulls"))
    if pulls is None:
        check.add((*path, "pulls"), "pulls is a whole number of pulls (1 or more) per address in each window")
    authenticated = limit.get("authenticated")
    if authenticated is not None and _pull_count(authenticated) is None:
        check.add((*path, "authenticated"),
                  "authenticated is a whole number of pulls (1 or more) per account in each window")
        authenticated = None
    try:
        per = parse_duration(limit.get("per", "6h"))
    except UnitError as error:
        check.add((*path, "per"), str(error))
        return None
    if per <= 0:
        check.add((*path, "per"), "per is the window's length, longer than 0 (e.g. 6h)")
        return None
    return None if pulls is None else RateLimitSpec(pulls, per, authenticated)


def read_clients(check: Checker, value: Any, hosts: list[str]) -> list[ClientSpec]:
    found: list[ClientSpec] = []
    for i, item in enumerate(check.sequence(value, ("clients",), "clients")):
        path: Path = ("clients", i)
        if isinstance(item, str):
            item = {"name": item}
        item = check.mapping(item, path, "a client")
        check.keys(item, CLIENT_KEYS, path, "a client")
        name = check.text(item.get("name"), (*path, "name"), "the client's name")
        if name is None:
            continue
        spec = ClientSpec(name)
        spec.runtime, spec.hosts, found_problems = read_runtime(item, path, hosts)
        for where, message in found_problems:
            check.add(where, message)
        for j, mirror in enumerate(check.sequence(item.get("mirrors"), (*path, "mirrors"), "mirrors")):
            if mirror not in hosts:
                check.add((*path, "mirrors", j),
                          f"mirror {mirror!r} is not a registry here{did_you_mean(str(mirror), hosts)}")
            spec.mirrors.append(str(mirror))
        if "platform" in item:
            try:
                spec.platform = str(Platform.parse(str(item["platform"])))
            except ValueError as error:
                check.add((*path, "platform"), str(error))
        if "address" in item:
            try:
                spec.address = str(ipaddress.ip_address(str(item["address"])))
            except ValueError:
                check.add((*path, "address"), f"address is an IPv4 or IPv6 address such as 203.0.113.7, "
                          f"not {item['address']!r}")
        if name in hosts or name in [c.name for c in found]:
            check.add((*path, "name"), f"the name {name!r} is already taken")
        found.append(spec)
    return found


def read_links(check: Checker, value: Any, nodes: list[str]) -> list[LinkSpec]:
    found: list[LinkSpec] = []
    for i, item in enumerate(check.sequence(value, ("network",), "network")):
        path: Path = ("network", i)
        item = check.mapping(item, path, "a link")
        check.keys(item, ("between", "bandwidth", "latency"), path, "a link")
        between = item.get("between")
        if not isinstance(between, list) or len(between) != 2:
            check.add((*path, "between"), "between lists exactly two names: [a, b]")
            continue
        ok = True
        for j, name in enumerate(between):
            if name not in nodes:
                check.add((*path, "between", j),
                          f"{name!r} is not a client, registry or router here{did_you_mean(str(name), nodes)}")
                ok = False
        if ok and between[0] == between[1]:
            check.add((*path, "between"), "a link joins two different names")
            ok = False
        try:
            bandwidth = parse_bandwidth(item.get("bandwidth", "10Gbit/s"))
        except UnitError as error:
            check.add((*path, "bandwidth"), str(error))
            ok = False
        try:
            latency = parse_duration(item.get("latency", "0.2ms"))
        except UnitError as error:
            check.add((*path, "latency"), str(error))
            ok = False
        if ok:
            found.append(LinkSpec(str(between[0]), str(between[1]), bandwidth, latency))
    return found


def read_users(check: Checker, value: Any) -> dict[str, str]:
    users: dict[str, str] = {}
    for name, item in check.mapping(value, ("users",), "users").items():
        path: Path = ("users", name)
        item = check.mapping(item, path, "a user")
        check.keys(item, ("password",), path, "a user")
        password = check.text(item.get("password"), (*path, "password"), "the user's password")
        if password is not None:
            users[str(name)] = password
    return users


def read_repositories(check: Checker, value: Any, hosts: list[str], users: dict[str, str]) -> list[RepositorySpec]:
    found: list[RepositorySpec] = []
    for key, item in check.mapping(value, ("repositories",), "repositories").items():
        path: Path = ("repositories", key)
        host, _, name = str(key).partition("/")
        if host not in hosts:
            check.add(path, f"{key!r} must start with a registry here{did_you_mean(host, hosts)}", key=True)
            continue
        try:
            check_name(name)
        except RegistryError as error:
            check.add(path, error.reason, key=True)
            continue
        item = check.mapping(item, path, "a repository")
        check.keys(item, ("visibility", "grants", "immutable_tags"), path, "a repository")
        spec = RepositorySpec(host, name)
        visibility = item.get("visibility", "public")
        if visibility not in ("public", "private"):
            check.add((*path, "visibility"), f"visibility is public or private, not {visibility!r}")
        else:
            spec.visibility = visibility
        spec.immutable_tags = item.get("immutable_tags") is True
        for user, actions in check.mapping(item.get("grants"), (*path, "grants"), "grants").items():
            if user not in users:
                check.add((*path, "grants", user), f"unknown user {user!r}{did_you_mean(str(user), users)}", key=True)
            actions = check.sequence(actions, (*path, "grants", user), "the granted actions")
            for j, action in enumerate(actions):
                if action not in ACTIONS:
                    check.add((*path, "grants", user, j), f"{action!r} is not pull, push or delete")
            spec.grants[str(user)] = tuple(a for a in actions if a in ACTIONS)
        found.append(spec)
    return found
