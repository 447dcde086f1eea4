"""Turn a checked scenario into a live world: registries, mirrors, replicas, clients, links."""

from __future__ import annotations

from functools import partial

from regsim.model.registry.access import RegistryAccess
from regsim.model.registry.policy import AccessPolicy, AuthMode, RepositoryPolicy, UserStore
from regsim.model.registry.proxy import PullThroughCache
from regsim.model.registry.ratelimit import PullRateLimit
from regsim.model.registry.registry import Registry
from regsim.model.sim.network import NodeKind
from regsim.model.sim.world import World
from regsim.scenario.spec import Scenario


def build_world(scenario: Scenario) -> World:
    world = World(scenario.first_registry)
    users = UserStore()
    for name, password in sorted(scenario.users.items()):
        users.add(name, password)
    for spec in scenario.registries:
        policies = {
            repo.name: RepositoryPolicy(repo.visibility, {u: frozenset(a) for u, a in repo.grants.items()})
            for repo in scenario.repositories
            if repo.host == spec.name
        }
        immutable = [repo.name for repo in scenario.repositories if repo.host == spec.name and repo.immutable_tags]
        hosts = [spec.name] + [name for name, _ in spec.replicas]
        mode = AuthMode(spec.auth)   # the loader took only one of its words
        for host in hosts:
            guard = None
            if mode != AuthMode.NONE:
                # The token server knows which repositories hold an image (a mirror's come from upstream).
                exists = None if spec.mirror_of is not None else partial(_holds_an_image, world, host)
                guard = RegistryAccess(host, AccessPolicy(mode, users, policies), world.current_time,
                                       exists=exists)
            limit = spec.rate_limit
            rate_limit = None if limit is None else PullRateLimit(limit.pulls, limit.per, limit.authenticated)
            registry: Registry
            if spec.mirror_of is not None:
                registry = PullThroughCache(host, spec.mirror_of, spec.ttl, world=world, guard=guard,
                                            rate_limit=rate_limit, clock=world.current_time)
                kind = NodeKind.MIRROR
            else:
                registry = Registry(host, guard=guard, rate_limit=rate_limit, clock=world.current_time,
                                    immutable=immutable, on_manifest_stored=world.manifest_stored,
                                    referrers_api=spec.referrers_api)
                kind = NodeKind.REGISTRY if host == spec.name else NodeKind.REPLICA
            world.add_registry(registry, kind)
        for name, lag in spec.replicas:
            world.replication.add(spec.name, name, lag)
    for client in scenario.clients:
        world.add_client(client.name, mirrors=client.mirrors, platform=client.platform, address=client.address,
                         runtime=client.runtime, hosts=client.hosts)
    for router in scenario.routers:
        world.network.add_node(router, NodeKind.ROUTER)
    for link in scenario.links:
        world.network.set_link(link.a, link.b, link.bandwidth, link.latency)
    return world


def _holds_an_image(world: World, host: str, name: str) -> bool:
    repository = world.registries[host].repositories.get(name)
    return repository is not None and bool(repository.manifests)
