"""Turn a checked scenario into a live world: registries, mirrors, replicas, clients, links."""

from __future__ import annotations

from regsim.model.registry.access import RateLimit, RegistryAccess
from regsim.model.registry.auth import AccessPolicy, RepositoryPolicy, UserStore
from regsim.model.registry.proxy import PullThroughCache
from regsim.model.registry.registry import Registry
from regsim.model.sim.world import World
from regsim.scenario.loader import Scenario


def build_world(scenario: Scenario) -> World:
    world = World(scenario.default_registry)
    users = UserStore()
    for name, password in sorted(scenario.users.items()):
        users.add(name, password)
    for spec in scenario.registries:
        policies = {
            repo.name: RepositoryPolicy(repo.visibility, {u: frozenset(a) for u, a in repo.grants.items()})
            for repo in scenario.repositories
            if repo.host == spec.name
        }
        hosts = [spec.name] + [name for name, _ in spec.replicas]
        for host in hosts:
            if spec.mirror_of is not None:
                registry: Registry = PullThroughCache(host, spec.mirror_of, spec.ttl)
                kind = "mirror"
            else:
                registry = Registry(host)
                kind = "registry" if host == spec.name else "replica"
            world.add_registry(registry, kind)
            if spec.auth != "none":
                registry.guard = RegistryAccess(host, AccessPolicy(spec.auth, users, policies), world.current_time)
            if spec.rate_limit is not None:
                registry.rate_limit = RateLimit(*spec.rate_limit)
            for repo in scenario.repositories:
                if repo.host == spec.name and repo.immutable_tags:
                    registry.immutable.add(repo.name)
        origin = world.registries[spec.name]
        for name, lag in spec.replicas:
            world.replication.add(origin, name, lag)
    for client in scenario.clients:
        world.add_client(client.name, mirrors=client.mirrors, platform=client.platform)
    for link in scenario.links:
        world.network.set_link(link.a, link.b, link.bandwidth, link.latency)
    return world
