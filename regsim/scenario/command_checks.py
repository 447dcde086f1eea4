"""Cross-checks of a parsed command against a world: every reference and host it names is a registry
there, every recipe it builds is under images:, every link it sets joins known names."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from regsim.model.client.helm import chart_of
from regsim.model.oci.reference import DOCKER_HUB
from regsim.scenario.artifact_commands import ArtifactCommand, HelmPush
from regsim.scenario.commands import Build, Command, CommandError, RegistryGrant, SetLink, check_reference
from regsim.scenario.problems import did_you_mean
from regsim.scenario.spec import LinkSpec, Scenario, find_recipe, recipe_key


def command_problems(command: Command, images: dict[str, Any], hosts: list[str], clients: list[str],
                     files: Collection[str] = (), routers: Collection[str] = (),
                     links: Collection[LinkSpec] = ()) -> list[str]:
    """What stops a parsed command from running in a world with these hosts, clients, routers, recipes,
    files and links (the scenario's network: list).

    The scenario loader and the sandbox both ask this before anything runs.
    """
    problems: list[str] = []
    try:
        for reference in command.references:
            host = check_reference(reference)
            # A Docker Hub name that stays on the client (build, tag, rmi) needs no docker.io registry;
            # one sent to a registry is checked by clients.docker_hub_problems.
            if host == DOCKER_HUB:
                continue
            if host not in hosts:
                problems.append(f"{reference!r} goes to {host!r}, which is not a registry here"
                                f"{did_you_mean(host or '', hosts)}")
    except CommandError as error:
        return [str(error)]
    match command:
        case Build(target=target) if find_recipe(images, target) is None:
            problems.append(f"no image recipe named {target!r} under images:"
                            f"{did_you_mean(recipe_key(target), images)}")
        case SetLink(a=a, b=b):
            nodes = [*hosts, *clients, *routers]
            for name in (a, b):
                if name not in nodes:
                    kinds = "a client, registry or router" if routers else "a client or registry"
                    problems.append(f"{name!r} is not {kinds} here{did_you_mean(name, nodes)}")
            declared = {frozenset((link.a, link.b)) for link in links}
            if routers and not problems and frozenset((a, b)) not in declared and _joined(a, b, links):
                # With routers a request crosses the links of its route: cutting a pair no link joins
                # would change nothing, and bringing it "up" would lay a new fast link between them.
                # (A pair no route joins talks over the implicit fast local link, which may be cut.)
                near = sorted(f"{link.a} {link.b}" for link in links if a in (link.a, link.b))
                problems.append(f"no link in network: joins {a} and {b}; their requests cross the links of "
                                "their route" + (f": take one of those, such as {near[0]!r}" if near else ""))
    if isinstance(command, ArtifactCommand):
        for name in command.files:
            if name not in files:
                problems.append(f"no file named {name!r} under files:{did_you_mean(name, list(files))}")
    if isinstance(command, HelmPush) and chart_of(command.chart) is None:
        problems.append(f"{command.chart!r} is not a chart archive: helm package names it NAME-VERSION.tgz "
                        "(mychart-0.1.0.tgz)")
    for host in command.hosts:
        if host not in hosts:
            problems.append(f"{host!r} is not a registry here{did_you_mean(host, hosts)}")
    return problems


def _joined(a: str, b: str, links: Collection[LinkSpec]) -> bool:
    """Whether some route of listed links joins `a` and `b`."""
    seen, todo = {a}, [a]
    while todo:
        node = todo.pop()
        for link in links:
            if node in (link.a, link.b):
                other = link.b if node == link.a else link.a
                if other == b:
                    return True
                if other not in seen:
                    seen.add(other)
                    todo.append(other)
    return False


def grant_problems(command: RegistryGrant, scenario: Scenario) -> list[str]:
    """What stops an administrator's grant or revoke in this scenario: a registry without accounts,
    an account not under users:, a repository not listed (with its grants) under repositories:.
    The scenario loader and the sandbox both ask this before anything runs."""
    host, _, name = command.repository.partition("/")
    spec = next((r for r in scenario.registries if host == r.name or host in dict(r.replicas)), None)
    if spec is None:
        return []      # command_problems says the host is not a registry here
    if spec.auth == "none":
        return [f"{host} has no accounts (auth: none), so there is nothing to grant there"]
    problems = []
    user = command.user
    if user not in scenario.users:
        problems.append(f"{host} has no account {user!r}{did_you_mean(user, scenario.users)}")
    listed = [r.name for r in scenario.repositories if r.host == spec.name]
    if name not in listed:
        problems.append(f"{host} keeps no grants for {name!r}{did_you_mean(name, listed)}")
    return problems
