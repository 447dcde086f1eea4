"""What a scenario file describes, once it is read and checked: registries, clients, links,
repositories, images and steps (the loader in `loader.py` makes these from the YAML)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from regsim.model.client.daemon import Runtime
from regsim.model.registry.proxy import DEFAULT_TTL
from regsim.scenario.commands import Command
from regsim.scenario.expectations import Expectation
from regsim.scenario.problems import Problem


@dataclass(frozen=True, slots=True)
class RateLimitSpec:
    """`rate_limit:` anonymous `pulls` per source address in each `per` seconds; `authenticated` per account."""

    pulls: int
    per: float
    authenticated: int | None = None


@dataclass(slots=True)
class RegistrySpec:
    name: str
    auth: str = "none"
    mirror_of: str | None = None
    ttl: float = DEFAULT_TTL                # distribution's default: 168h
    replicas: list[tuple[str, int]] = field(default_factory=list)
    rate_limit: RateLimitSpec | None = None
    referrers_api: bool = True              # false: answers as distribution does, with no referrers API


@dataclass(slots=True)
class ClientSpec:
    name: str
    mirrors: list[str] = field(default_factory=list)       # dockerd's registry-mirrors (docker.io only)
    platform: str = "linux/amd64"
    runtime: Runtime = Runtime.DOCKER
    hosts: dict[str, list[str]] = field(default_factory=dict)   # containerd's hosts.toml, per registry
    address: str | None = None      # clients that name the same address share its anonymous budget


@dataclass(slots=True)
class LinkSpec:
    a: str
    b: str
    bandwidth: float
    latency: float


@dataclass(slots=True)
class RepositorySpec:
    host: str
    name: str
    visibility: str = "public"
    grants: dict[str, tuple[str, ...]] = field(default_factory=dict)
    immutable_tags: bool = False


@dataclass(slots=True)
class Ask:
    question: str
    answer: Any                     # "computed", a choice, or a number
    metric: str | None = None
    choices: list[str] = field(default_factory=list)   # in the order shown (regsim.choice_order), not the file's


@dataclass(slots=True)
class StepSpec:
    index: int                      # 1-based
    line: int
    id: str | None = None
    say: str | None = None
    actor: str | None = None
    command: Command | None = None
    expect: dict[str, Expectation] = field(default_factory=dict)   # by the key the file gives
    ask: Ask | None = None
    # Clients acting at once (`together:`): each (client, command), run concurrently. `actor` and
    # `command` are then the first part's, so whatever reads one command still reads one.
    together: list[tuple[str, Command]] = field(default_factory=list)


@dataclass(slots=True)
class Scenario:
    path: str
    id: str
    title: str
    summary: str
    registries: list[RegistrySpec]
    clients: list[ClientSpec]
    links: list[LinkSpec]
    users: dict[str, str]
    repositories: list[RepositorySpec]
    layers: dict[str, int]
    images: dict[str, Any]          # name -> [(layer, size)] or {platform: [(layer, size)]}
    steps: list[StepSpec]
    units: str = "decimal"
    routers: list[str] = field(default_factory=list)   # nodes that only forward traffic
    warnings: list[Problem] = field(default_factory=list)   # what lint points out; nothing stops a replay
    files: dict[str, int] = field(default_factory=dict)     # name -> size: what artifact tools push

    @property
    def blurb(self) -> str:
        """What a list of scenarios shows under the title: the summary, else the first narration."""
        if self.summary:
            return self.summary
        return next((step.say for step in self.steps if step.say), "")

    @property
    def first_registry(self) -> str:
        """What `registry gc` and `registry catalog` mean when they name no host (never a default
        for image names: those without a host are Docker Hub's)."""
        return self.registries[0].name if self.registries else "docker.io"

    def step_by_id(self, step_id: str) -> StepSpec | None:
        return next((s for s in self.steps if s.id == step_id), None)


def recipe_key(text: str) -> str:
    """The images key a `docker build -t` name selects (`:latest` when no tag is given)."""
    last = text.rsplit("/", 1)[-1]
    return text if ":" in last else f"{text}:latest"


def find_recipe(images: dict[str, Any], target: str) -> Any | None:
    """The recipe for `docker build -t TARGET`: by the full name, else by its last path part
    (so `-t registry.example/team/app:v1` builds the recipe `app:v1`)."""
    short = target.rsplit("/", 1)[-1]
    for name in (target, short):
        for key in (name, recipe_key(name)):
            if key in images:
                return images[key]
        if recipe_key(name).endswith(":latest") and recipe_key(name)[: -len(":latest")] in images:
            return images[recipe_key(name)[: -len(":latest")]]
    return None
