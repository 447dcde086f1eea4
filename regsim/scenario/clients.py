"""What a scenario's names and clients may say, as docker and containerd read them.

- A name with no registry host is Docker Hub's (distribution/reference normalize.go), so a
  scenario that sends one to a registry needs a registry named `docker.io`; `default:` once
  said otherwise and is retired.
- `runtime: docker` runs `docker …` commands; its `mirrors:` are dockerd's `registry-mirrors`,
  which serve Docker Hub only (moby registry/service_v2.go `lookupV2Endpoints`).
- `runtime: containerd` is a Kubernetes node that runs `crictl …`; its `hosts:` are containerd's
  hosts.toml files, one per registry, for any registry (containerd docs/hosts.md).

The loader reports what these functions find at the line it concerns.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from regsim.model.client.daemon import Runtime
from regsim.model.oci.errors import RegistryError
from regsim.model.oci.reference import DOCKER_HUB, parse_reference
from regsim.scenario.artifact_commands import ARTIFACT_TOOLS, ArtifactCommand
from regsim.scenario.commands import ClientCommand, Command, CrictlPull, Pull, Push, RegistryDelete
from regsim.scenario.problems import Located, Path, Problem, did_you_mean
from regsim.scenario.spec import Scenario

RUNTIMES = tuple(str(runtime) for runtime in Runtime)

RETIRED_DEFAULT = (
    "`default:` is retired: docker sends a name with no registry host to Docker Hub (docker.io), "
    "whatever else is set up. Write full references (registry.example/team/app:1.0), or name this "
    "registry docker.io if it stands for Docker Hub"
)

# Commands that send a name to a registry; the others (build, tag, rmi, images) stay on the client.
_SENDS = (Push, Pull, CrictlPull, RegistryDelete, ArtifactCommand)

Found = list[tuple[Path, str]]


def read_runtime(item: dict[str, Any], path: Path, hosts: list[str]) -> tuple[Runtime, dict[str, list[str]], Found]:
    """A client's `runtime:` and `hosts:`, with what is wrong in them."""
    problems: Found = []
    runtime = Runtime.DOCKER
    value = item.get("runtime", "docker")
    if value in RUNTIMES:
        runtime = Runtime(value)
    else:
        problems.append(((*path, "runtime"), f"runtime is docker or containerd, not {value!r}"))
    table: dict[str, list[str]] = {}
    if "hosts" in item:
        raw = item["hosts"]
        if runtime != Runtime.CONTAINERD:
            problems.append(((*path, "hosts"),
                             "hosts: is containerd's hosts.toml; dockerd has no mirrors per registry (its "
                             "mirrors: serve docker.io only): add runtime: containerd to use hosts:"))
        elif not isinstance(raw, dict):
            problems.append(((*path, "hosts"), "hosts maps a registry to its mirrors: {REGISTRY: [MIRROR, ...]}"))
        else:
            for registry, mirrors in raw.items():
                where = (*path, "hosts", registry)
                if registry not in hosts:
                    problems.append((where, f"hosts names {registry!r}, which is not a registry here"
                                            f"{did_you_mean(str(registry), hosts)}"))
                if not isinstance(mirrors, list):
                    problems.append((where, "a registry's hosts are a list: [MIRROR, ...]"))
                    continue
                for j, mirror in enumerate(mirrors):
                    if mirror not in hosts:
                        problems.append(((*where, j), f"mirror {mirror!r} is not a registry here"
                                                      f"{did_you_mean(str(mirror), hosts)}"))
                table[str(registry)] = [str(m) for m in mirrors]
    if runtime == Runtime.CONTAINERD and item.get("mirrors"):
        problems.append(((*path, "mirrors"),
                         "mirrors: is dockerd's registry-mirrors; a containerd node reads hosts.toml: write "
                         "hosts: {docker.io: [MIRROR]} (or the registry the mirror copies)"))
    return runtime, table, problems


def command_runtime_problem(command: Command, runtime: Runtime, actor: str) -> str | None:
    """A docker command on a containerd node, or a crictl command on a docker client."""
    if not isinstance(command, ClientCommand):
        return None
    if command.tool in ARTIFACT_TOOLS:
        if runtime == Runtime.DOCKER:
            return None
        return (f"{actor} is a containerd node (runtime: containerd): it pulls with crictl; {command.tool} runs "
                "on a workstation or CI machine, a client with runtime: docker (the default)")
    wanted = "crictl" if runtime == Runtime.CONTAINERD else "docker"
    if command.tool == wanted:
        return None
    if runtime == Runtime.CONTAINERD:
        return (f"{actor} is a containerd node (runtime: containerd): it runs crictl (crictl pull, crictl images, "
                f"crictl rmi), not {command.tool}")
    return (f"{actor} runs docker (runtime: docker, the default): crictl talks to containerd; add "
            f"runtime: containerd to {actor} or use docker {command.verb}")


def docker_hub_problems(command: Command, hosts: Sequence[str], origins: Sequence[str] = ()) -> list[str]:
    """A name that goes to Docker Hub when the scenario has no registry named docker.io; the
    suggested full reference starts with the first of `origins` (the registries that are no mirror)."""
    if not isinstance(command, _SENDS) or DOCKER_HUB in hosts:
        return []
    example = next(iter([*origins, *hosts]), "registry.example")
    problems = []
    for text in command.references:
        try:
            ref = parse_reference(text)
        except RegistryError:
            continue
        if ref.host == DOCKER_HUB:
            problems.append(
                f"{text!r} names no registry host, so it means Docker Hub ({ref.full}), and this scenario "
                f"has no registry named docker.io: write the full reference ({example}/{text}) or add a registry "
                "named docker.io")
    return problems


def pulls_from_docker_hub(command: Command) -> bool:
    """Whether a command pulls a Docker Hub name (the only names dockerd's mirrors serve)."""
    if not isinstance(command, Pull):
        return False
    try:
        return parse_reference(command.reference).host == DOCKER_HUB
    except RegistryError:
        return False


def unused_mirrors_warning(actor: str) -> str:
    """Why a docker client's `mirrors:` can never apply when it never pulls a Docker Hub name."""
    return (f"{actor}'s mirrors never apply: dockerd uses registry-mirrors for Docker Hub (docker.io) names "
            f"only, and {actor} never pulls one here; a private registry cannot be mirrored this way "
            "(https://docs.docker.com/docker-hub/image-library/mirror/). To mirror another registry, make "
            f"{actor} a Kubernetes node: runtime: containerd with hosts: {{REGISTRY: [MIRROR]}}")


def mirror_warnings(located: Located, value: Any, scenario: Scenario) -> list[Problem]:
    """Mirrors that cannot do what the file seems to want: a docker client's `mirrors:` when it
    never pulls a Docker Hub name, and a mirror listed for a registry it does not copy."""
    warnings = []
    items = value if isinstance(value, list) else []
    where = {item["name"]: i for i, item in enumerate(items)
             if isinstance(item, dict) and isinstance(item.get("name"), str)}
    copies = {r.name: r.mirror_of for r in scenario.registries if r.mirror_of is not None}

    def warn(path: Path, message: str) -> None:
        warnings.append(located.problem(path, message, key=True, warning=True))

    for spec in scenario.clients:
        i = where.get(spec.name)
        if i is None:
            continue
        listed = {DOCKER_HUB: spec.mirrors} if spec.runtime == Runtime.DOCKER else spec.hosts
        for registry, mirrors in listed.items():
            for j, mirror in enumerate(mirrors):
                if mirror in copies and copies[mirror] != registry:
                    key = ("mirrors", j) if spec.runtime == Runtime.DOCKER else ("hosts", registry, j)
                    warn(("clients", i, *key), f"{mirror} is a pull-through cache of {copies[mirror]}, but "
                         f"{spec.name} asks it for {registry} names: it would answer with {copies[mirror]}'s images")
        if spec.runtime == Runtime.DOCKER and spec.mirrors and not any(
                step.actor == spec.name and step.command is not None and pulls_from_docker_hub(step.command)
                for step in scenario.steps):
            warn(("clients", i, "mirrors"), unused_mirrors_warning(spec.name))
    return warnings
