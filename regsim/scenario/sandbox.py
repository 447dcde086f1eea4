"""The sandbox: typed commands run against a scenario's world, step by step, with undo (no Textual).

A typed command goes through the same path as a scenario step (`regsim.scenario.engine.run_step`):
parse, check against the world, execute, time the requests on the network, close the step and
make its record. The world after each command is kept, so undo is a list pop.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

from regsim.model.client.daemon import Runtime
from regsim.model.oci.errors import RegistryError
from regsim.model.oci.reference import DOCKER_HUB, Reference, parse_reference
from regsim.model.sim.network import NodeKind
from regsim.model.sim.world import World
from regsim.scenario.artifact_commands import ARTIFACT_TOOLS
from regsim.scenario.clients import command_runtime_problem, docker_hub_problems
from regsim.scenario.command_checks import command_problems, grant_problems
from regsim.scenario.commands import (
    USAGE,
    Build,
    ClientCommand,
    Command,
    CommandError,
    CrictlPull,
    KubeletPull,
    Pull,
    Push,
    RegistryGrant,
    parse_command,
)
from regsim.scenario.engine import Player, Run, run_step
from regsim.scenario.problems import did_you_mean
from regsim.scenario.prompt import prompt_line
from regsim.scenario.records import StepRecord
from regsim.scenario.spec import Scenario, StepSpec, find_recipe
from regsim.scenario.world_builder import build_world
from regsim.scenario.writer import SaveError, session_yaml, write_session

# Words the sandbox itself understands, besides the scenario commands in USAGE.
SANDBOX_USAGE = {
    "as": "as NAME (act as another client)",
    "undo": "undo (or ctrl+z: take back the last command)",
    "save": "save FILE.yaml [--overwrite] (keep what was typed as a scenario file)",
    "help": "help (list every command)",
}
HEADS = ("docker", "crictl", "kubelet", *ARTIFACT_TOOLS, "registry", "network", "wait", *SANDBOX_USAGE)


def _parse(text: str) -> Reference | None:
    try:
        return parse_reference(text)
    except RegistryError:
        return None


def usage_lines() -> list[str]:
    """Every command the sandbox accepts, one usage line each."""
    return [*USAGE.values(), *SANDBOX_USAGE.values()]


def summary_lines() -> list[str]:
    """What is possible in a few lines: each command family with its verbs."""
    families: dict[str, list[str]] = {}
    for key in USAGE:
        head, _, verb = key.partition(" ")
        if head != "wait":
            families.setdefault(head, []).append(verb)
    lines = []
    tools = []   # the artifact tools share one line: cosign sign, verify · oras attach, discover · …
    for head, verbs in families.items():
        if head in ARTIFACT_TOOLS:
            tools.append(f"{head} {', '.join(verbs)}")
            continue
        # Short families show their arguments too (network down A B), when those are short.
        if len(verbs) <= 2 and all(len(USAGE[f"{head} {verb}"]) <= 24 for verb in verbs):
            verbs = [USAGE[f"{head} {verb}"].split(" ", 1)[1] for verb in verbs]
        lines.append(f"{head} {', '.join(verbs)}")
    lines.append("wait DURATION · as NAME · undo · save FILE.yaml · help (every usage)")
    lines.append(" · ".join(tools))   # last: a short panel still shows the line that names help
    return lines


@dataclass(frozen=True, slots=True)
class Reply:
    """What typing one line did: a step ran (record), or a note (the actor changed, a problem)."""

    text: str
    kind: str  # ran | problem | actor | help | undo | saved | empty
    message: str = ""
    lines: list[str] = field(default_factory=list)
    record: StepRecord | None = None


class SandboxSession:
    """A world that learners change one typed command at a time; every command can be undone."""

    def __init__(
        self,
        scenario: Scenario,
        world: World,
        actor: str | None = None,
        base_records: list[StepRecord] | None = None,
        base_worlds: list[World] | None = None,
    ) -> None:
        self.scenario = scenario
        self.worlds = [world]  # worlds[i]: the world after i sandbox commands (never mutated)
        self.records: list[StepRecord] = []
        # The scenario steps already done when the sandbox was opened from the player.
        self.base_records = list(base_records or [])
        self.base_worlds = list(base_worlds or [])
        clients = list(world.clients)
        self.actor = actor if actor in world.clients else (clients[0] if clients else None)
        self.history: list[str] = []  # lines typed, for recall with ↑

    @classmethod
    def from_scenario(cls, scenario: Scenario) -> SandboxSession:
        """A fresh world built from the scenario's setup, before any of its steps."""
        return cls(scenario, build_world(scenario))

    @classmethod
    def from_player(cls, player: Player) -> SandboxSession:
        """The world as the player shows it now; the next step's actor acts first."""
        position = player.position
        upcoming = player.next_step or (player.scenario.steps[-1] if player.total else None)
        return cls(
            player.scenario,
            copy.deepcopy(player.world),
            upcoming.actor if upcoming else None,
            player.records_so_far(),
            player.run.worlds[:position],
        )

    # ----- what the panes show -----------------------------------------------------------------

    @property
    def world(self) -> World:
        return self.worlds[-1]

    @property
    def current(self) -> StepRecord | None:
        return self.records[-1] if self.records else None

    @property
    def start_step(self) -> int:
        """The scenario steps done before the sandbox began (0 from a scenario's setup)."""
        return len(self.base_records)

    def records_so_far(self) -> list[StepRecord]:
        return [*self.base_records, *self.records]

    @property
    def run(self) -> Run:
        """The scenario steps done before plus the sandbox's commands, as the charts read a run."""
        return Run(self.scenario, self.records_so_far(), [*self.base_worlds, *self.worlds])

    @property
    def clients(self) -> list[str]:
        return list(self.world.clients)

    def hint(self) -> str:
        """The command line's placeholder: a few commands to try, `as` with a client that is here
        (another one than the client acting now; none when there is no other)."""
        others = [name for name in self.clients if name != self.actor]
        actor = self.world.clients.get(self.actor) if self.actor else None
        pull = "crictl pull …" if actor is not None and actor.runtime == Runtime.CONTAINERD else "docker pull …"
        return ", ".join([pull, "registry gc", *(f"as {name}" for name in others[:1]), "help"])

    # ----- typing ----------------------------------------------------------------------------

    def enter(self, text: str) -> Reply:
        """Run one typed line: a scenario command, `as NAME`, `undo` or `help`."""
        text = text.strip()
        if not text:
            return Reply(text, "empty")
        self.history.append(text)
        words = text.split()
        if words[0] == "as":
            return self.switch_actor(text, words[1:])
        if words == ["undo"]:
            return self.undo()
        if words[0] == "save":
            return self.save(text, words[1:])
        if words[0] in ("help", "?"):
            return Reply(text, "help", "Commands you can type:", usage_lines())
        try:
            command = parse_command(text)
            self.check(command)
        except CommandError as error:
            return self.problem(text, str(error))
        return self.execute(text, command)

    def problem(self, text: str, message: str) -> Reply:
        """A command that cannot run; an unknown word gets the list of what is possible."""
        head = text.split()[0]
        unknown = head not in HEADS or " has no " in message
        lines = summary_lines() if unknown else []
        if head not in HEADS:
            message = f"unknown command {head!r}{did_you_mean(head, HEADS)}"
        return Reply(text, "problem", message, lines)

    def switch_actor(self, text: str, names: list[str]) -> Reply:
        clients = self.clients
        if len(names) != 1:
            return Reply(text, "problem", f"usage: {SANDBOX_USAGE['as']}", [])
        name = names[0]
        if name not in clients:
            return Reply(
                text, "problem", f"there is no client {name!r} here{did_you_mean(name, clients)}"
            )
        self.actor = name
        return Reply(text, "actor", f"Now acting as {name}.")

    def check(self, command: Command) -> None:
        """What the scenario loader checks before a step runs, against this world."""
        world = self.world
        if isinstance(command, Build) and find_recipe(self.scenario.images, command.target) is None:
            # Said in the learner's words: what can be built here, not the scenario file's keys.
            raise CommandError(self.no_recipe(command.target))
        hosts = sorted(world.registries)
        problems = command_problems(command, self.scenario.images, hosts, self.clients, self.scenario.files,
                                    sorted(world.network.routers), self.scenario.links)
        origins = [name for name, kind in world.network.nodes.items() if kind == NodeKind.REGISTRY]
        if docker_hub_problems(command, hosts, origins):
            # The scenario file's advice ("add a registry named docker.io") cannot be followed here.
            problems.append(self.no_docker_hub(command, origins or hosts))
        if isinstance(command, RegistryGrant):
            problems += grant_problems(command, self.scenario)
        if command.needs_client and self.actor is None:
            problems.append("this scenario has no clients to run docker or crictl commands")
        elif self.actor is not None:
            mismatch = command_runtime_problem(command, world.clients[self.actor].runtime, self.actor)
            problems += [mismatch] if mismatch else []
        if problems:
            raise CommandError(problems[0])

    def no_docker_hub(self, command: Command, registries: list[str]) -> str:
        """What a name with no registry host means (Docker Hub: distribution/reference
        normalize.go), and what to type instead in this sandbox, which has no Docker Hub: the
        name with a registry that is here, a repository of the same name if one holds it."""
        text, ref = next(
            (text, ref) for text in command.references
            if (ref := _parse(text)) is not None and ref.host == DOCKER_HUB
        )
        short = Reference(ref.host, ref.repository).familiar()   # the name as typed: app, team/app
        named = ref.familiar().removeprefix(short)   # its tag or digest: ":v1"
        found = [
            f"{host}/{repository}{named}"
            for host in registries
            for repository in sorted(self.world.registries[host].repositories)
            if repository == short or repository.endswith(f"/{short}")
        ]
        fix = (
            f"pull it by its full name: {found[0]}" if found and isinstance(command, (Pull, CrictlPull, KubeletPull))
            else f"tag it with a registry's name first (docker tag {text} {registries[0]}/{text}), then push that"
            if isinstance(command, Push) and registries
            else f"write a registry's name first, as in {registries[0]}/{text}" if registries
            else "this sandbox has no registry to send it to"
        )
        here = ", ".join(registries) or "none"
        tool = command.tool if isinstance(command, ClientCommand) else command.text.split()[0]
        return (
            f"{text!r} names no registry, so {tool} sends it to Docker Hub ({ref.full}), and there is "
            f"no Docker Hub in this sandbox (its registries: {here}): {fix}"
        )

    def no_recipe(self, target: str) -> str:
        buildable = sorted(self.scenario.images)
        listed = ", ".join(buildable) if buildable else "nothing"
        return (
            f"nothing here to build {target}: this sandbox has the files a build needs "
            f"(a Dockerfile and its app) only for {listed}"
        )

    def execute(self, text: str, command: Command) -> Reply:
        """Exactly a scenario step: run it in a copy of the world and keep that copy."""
        world = copy.deepcopy(self.world)
        index = self.start_step + len(self.records) + 1
        step = StepSpec(index, 0, actor=self.actor, command=command)
        try:
            record = run_step(world, self.scenario, step)
        except Exception as error:  # noqa: BLE001 - the sandbox outlives a bug in one command
            return Reply(
                text, "problem", f"regsim could not run this ({type(error).__name__}: {error})"
            )
        self.worlds.append(world)
        self.records.append(record)
        return Reply(text, "ran", record=record)

    def undo(self) -> Reply:
        """Take back the last command that ran: its world and its record."""
        if not self.records:
            return Reply("undo", "problem", "Nothing to undo: no command has run in this sandbox.")
        record = self.records.pop()
        self.worlds.pop()
        shown = prompt_line(record.actor, record.command)
        return Reply("undo", "undo", f"Undid {shown}", record=self.current)

    def save(self, text: str, words: list[str]) -> Reply:
        """`save FILE.yaml [--overwrite]`: the session as a scenario file that replays to the same records."""
        overwrite = "--overwrite" in words
        names = [word for word in words if word != "--overwrite"]
        if len(names) != 1 or any(name.startswith("-") for name in names):
            return Reply(text, "problem", f"usage: {SANDBOX_USAGE['save']}")
        try:
            document = session_yaml(self.scenario, self.start_step, self.records, self.base_records)
            path = write_session(document, names[0], overwrite)
        except SaveError as error:
            return Reply(text, "problem", str(error))
        steps = self.start_step + len(self.records)
        return Reply(text, "saved", f"Saved {steps} step(s) to {path}: `regsim play --check {path}` replays it.")
