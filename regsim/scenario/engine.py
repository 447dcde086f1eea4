"""The step engine: replay a scenario one step at a time, with a record of everything each step did.

Every step is replayed once, deterministically, when a scenario is opened; the world after
each step is kept as a snapshot, so stepping back or seeking anywhere costs a list lookup.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

import regsim.model.client.pull
import regsim.model.client.push  # noqa: F401
from regsim.model.oci.reference import parse_reference
from regsim.model.registry.gc import collect_garbage
from regsim.model.sim.events import Outcome, RequestEvent
from regsim.model.sim.network import NetworkError, step_timing
from regsim.model.sim.world import World
from regsim.model.units import format_seconds, format_size, parse_duration
from regsim.scenario.commands import Command
from regsim.scenario.loader import Scenario, StepSpec, find_recipe
from regsim.scenario.records import StepRecord, make_record
from regsim.scenario.world_builder import build_world


@dataclass(slots=True)
class Failure:
    """An `expect` that did not hold."""

    step: int
    key: str
    expected: Any
    actual: Any
    line: int

    def __str__(self) -> str:
        return f"step {self.step} (line {self.line}): expected {self.key} = {self.expected}, got {self.actual}"


@dataclass(slots=True)
class Run:
    scenario: Scenario
    records: list[StepRecord]
    worlds: list[World] = field(repr=False)      # worlds[i]: the world after i steps


def execute(world: World, scenario: Scenario | None, actor: str | None, command: Command) -> Outcome:
    """Run one command in a world (the step engine and the sandbox both come through here)."""
    verb, args = command.verb, command.args
    if command.needs_client:
        client = world.clients[actor] if actor else None
        if client is None:
            return Outcome().fail("NO_CLIENT", "this command needs a client (as: NAME)")
        if verb == "build":
            recipe = find_recipe(scenario.images, args[0]) if scenario else None
            if recipe is None:
                return Outcome().fail("NO_RECIPE", f"no image recipe named {args[0]}")
            return client.build(args[0], recipe)
        if verb == "tag":
            return client.tag(args[0], args[1])
        if verb == "push":
            return client.push(args[0])
        if verb == "pull":
            return client.pull(args[0], command.options.get("platform"))
        if verb == "login":
            return client.login(args[0], command.options["user"], command.options["password"])
        if verb == "logout":
            return client.logout(args[0])
        if verb == "rmi":
            return client.rmi(args[0])
        if verb == "images":
            return client.images_output()
        return client.df_output()
    if verb == "wait":
        seconds = parse_duration(args[0])
        world.now += seconds
        return Outcome(output=[f"{format_seconds(seconds)} pass."])
    if verb in ("network-down", "network-up"):
        out = Outcome()
        try:
            world.network.set_up(args[0], args[1], verb == "network-up")
        except NetworkError as error:
            return out.fail("NETWORK_INVALID", str(error))
        out.output.append(f"The link between {args[0]} and {args[1]} is {'up' if verb == 'network-up' else 'down'}.")
        return out
    return _registry_command(world, command)


def _registry_command(world: World, command: Command) -> Outcome:
    from regsim.model.oci.errors import RegistryError

    out = Outcome()
    verb, args = command.verb, command.args
    if verb == "registry-gc":
        host = args[0] if args else world.default_registry
        report = collect_garbage(world.registries[host], command.options.get("delete-untagged") == "true")
        out.freed_bytes = report.layer_bytes_freed
        out.output.append(f"{host}: marked and swept; deleted {report.manifests_deleted} untagged manifests, "
                          f"freed {report.blobs_freed} blobs ({format_size(report.bytes_freed)}, "
                          f"{format_size(report.layer_bytes_freed)} of layers)")
        return out
    if verb == "registry-catalog":
        registry = world.registries[args[0] if args else world.default_registry]
        names = sorted(registry.repositories)
        out.output.extend(names or ["(no repositories)"])
        return out
    if verb == "registry-tags":
        host, _, name = args[0].partition("/")
        repo = world.registries[host].repositories.get(name)
        if repo is None:
            return out.fail("NAME_UNKNOWN", f"no repository {name} on {host}")
        for tag in sorted(repo.tags):
            out.output.append(f"{tag}  {repo.tags[tag]}")
        return out
    # registry delete
    try:
        ref = parse_reference(args[0], world.default_registry)
        registry = world.registries[ref.host]
        registry.remove_manifest(ref.repository, ref.reference)  # the operator needs no token
    except RegistryError as error:
        return out.fail(error.code.name, error.reason)
    what = "the manifest and every tag naming it" if ref.digest else f"the tag {ref.tag}"
    out.output.append(f"Deleted {what} from {ref.host}/{ref.repository}; blobs stay until garbage collection.")
    return out


def run_step(world: World, scenario: Scenario, step: StepSpec) -> StepRecord:
    """Run one step in `world` (mutating it) and return its record."""
    events: list[RequestEvent] = world.capture()
    world.begin_step()   # replication due by this step lands before the command runs
    if step.command is None:
        outcome = Outcome()
    else:
        outcome = execute(world, scenario, step.actor, step.command)
    timing = step_timing(events, world.network)
    world.end_step(timing.seconds)
    return make_record(scenario, step, outcome, events, timing.seconds, timing.links, world,
                       background_seconds=timing.background_seconds)


def replay(scenario: Scenario) -> Run:
    """Replay every step, keeping the world after each one."""
    world = build_world(scenario)
    worlds = [copy.deepcopy(world)]
    records = []
    for step in scenario.steps:
        records.append(run_step(world, scenario, step))
        worlds.append(copy.deepcopy(world))
    return Run(scenario, records, worlds)


class Player:
    """Step forward, back, seek and restart over a replayed scenario."""

    def __init__(self, scenario: Scenario) -> None:
        self.run = replay(scenario)
        self.position = 0     # steps done

    @classmethod
    def from_run(cls, run: Run) -> Player:
        """A player over a run made elsewhere (a recorded live session, say)."""
        player = cls.__new__(cls)
        player.run = run
        player.position = 0
        return player

    @property
    def scenario(self) -> Scenario:
        return self.run.scenario

    @property
    def total(self) -> int:
        return len(self.run.records)

    @property
    def world(self) -> World:
        """The world after the steps done so far (read it; copy it before changing it)."""
        return self.run.worlds[self.position]

    @property
    def current(self) -> StepRecord | None:
        return self.run.records[self.position - 1] if self.position else None

    @property
    def next_step(self) -> StepSpec | None:
        return self.scenario.steps[self.position] if self.position < self.total else None

    def step(self) -> StepRecord | None:
        if self.position >= self.total:
            return None
        self.position += 1
        return self.current

    def back(self) -> StepRecord | None:
        if self.position > 0:
            self.position -= 1
        return self.current

    def seek(self, position: int) -> StepRecord | None:
        self.position = max(0, min(position, self.total))
        return self.current

    def restart(self) -> None:
        self.position = 0

    def records_so_far(self) -> list[StepRecord]:
        return self.run.records[: self.position]


def check_expectations(run: Run) -> list[Failure]:
    """Every `expect` that did not hold, in step order."""
    failures = []
    for step, record in zip(run.scenario.steps, run.records, strict=True):
        for key, expected in step.expect.items():
            actual, holds = _compare(record, key, expected)
            if not holds:
                shown = _show(key, expected)
                failures.append(Failure(step.index, key, shown, actual, step.line))
    return failures


def _show(key: str, expected: Any) -> Any:
    if key in ("layers_up", "layers_down"):
        return format_size(expected)
    if key == "seconds":
        return f"{expected[0]} ± {expected[1]}"
    if key == "stored":
        return {host: format_size(size) for host, size in expected.items()}
    return expected


def _compare(record: StepRecord, key: str, expected: Any) -> tuple[Any, bool]:
    if key == "ok":
        return record.ok, record.ok == expected
    if key == "error":
        return record.error, record.error == expected
    if key == "layers_up":
        return format_size(record.layer_bytes_up), record.layer_bytes_up == expected
    if key == "layers_down":
        return format_size(record.layer_bytes_down), record.layer_bytes_down == expected
    if key == "seconds":
        about, within = expected
        return round(record.seconds, 3), abs(record.seconds - about) <= within
    if key == "stored":
        actual = {host: record.storage[host]["stored_layer_bytes"] for host in expected if host in record.storage}
        return ({h: format_size(s) for h, s in actual.items()},
                all(actual.get(h) == size for h, size in expected.items()))
    if key == "output_contains":
        return "\n".join(record.output), any(expected in line for line in record.output)
    actual = getattr(record, key)
    return actual, actual == expected


def computed_answer(record: StepRecord, metric: str) -> Any:
    """The simulator's own answer to a predict question about a step."""
    return getattr(record, metric)
