"""The step engine: replay a scenario one step at a time, with a record of everything each step did.

Every step is replayed once, deterministically, when a scenario is opened; the world after
each step is kept as a snapshot, so stepping back or seeking anywhere costs a list lookup.
A snapshot is never changed once kept, so it shares with the one before it the clients the step
did not act as (`World.snapshot`); whatever changes a kept world is a copy of it (the sandbox's).
"""

from __future__ import annotations

import gc
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import assert_never

import regsim.model.client.pull
import regsim.model.client.push  # noqa: F401
from regsim.model.client.daemon import Client
from regsim.model.core.events import AccessChange, Change, How, Outcome, RequestEvent, RequestOutcome
from regsim.model.oci.auth import AuthInputError
from regsim.model.oci.errors import RegistryError
from regsim.model.oci.reference import parse_reference
from regsim.model.registry.access import RegistryAccess
from regsim.model.registry.gc import collect_garbage
from regsim.model.registry.policy import AuthMode
from regsim.model.sim.flows import blob_digest, fetched_again, flow_timing
from regsim.model.sim.network import NetworkError
from regsim.model.sim.world import World
from regsim.scenario.artifact_commands import CosignSign, CosignVerify, HelmPush, OrasAttach, OrasDiscover
from regsim.scenario.commands import (
    Build,
    ClientCommand,
    Command,
    CrictlImages,
    CrictlPull,
    CrictlRmi,
    Images,
    KubeletPull,
    Login,
    Logout,
    Pull,
    Push,
    RegistryCatalog,
    RegistryDelete,
    RegistryGc,
    RegistryGrant,
    RegistryTags,
    Rmi,
    SetLink,
    SystemDf,
    Tag,
    Wait,
)
from regsim.scenario.expectations import (
    Count,
    Expectation,
    FailsWith,
    LayerBytes,
    OutputContains,
    RateLimitRemaining,
    Seconds,
    Stored,
    Succeeds,
)
from regsim.scenario.records import STEP_METRICS, Metric, StepRecord, make_record
from regsim.scenario.spec import Scenario, StepSpec, find_recipe
from regsim.scenario.tables import Table, crictl_images_table, disk_usage_tables, images_table, table_lines
from regsim.scenario.together_text import clients_label
from regsim.scenario.world_builder import build_world
from regsim.units import exact_seconds, format_seconds, format_size


@dataclass(slots=True)
class Failure:
    """An `expect` that did not hold."""

    step: int
    key: str
    expected: object   # as shown: `10 MB`, `6.5 s ± 10%`
    actual: object
    line: int

    def __str__(self) -> str:
        return f"step {self.step} (line {self.line}): expected {self.key} = {self.expected}, got {self.actual}"


@dataclass(frozen=True, slots=True)
class Done:
    """What a command did: the model's outcome, and the tables among its output lines."""

    outcome: Outcome
    tables: list[Table] = field(default_factory=list)


@dataclass(slots=True)
class Run:
    scenario: Scenario
    records: list[StepRecord]
    worlds: list[World] = field(repr=False)      # worlds[i]: the world after i steps


def execute(world: World, scenario: Scenario | None, actor: str | None, command: Command) -> Done:
    """Run one command in a world (the step engine and the sandbox both come through here)."""
    if isinstance(command, ClientCommand):
        client = world.clients[actor] if actor else None
        if client is None:
            return Done(Outcome().fail("NO_CLIENT", "this command needs a client (as: NAME)"))
        return _client_command(client, scenario, command)
    match command:
        case Wait(seconds=seconds):
            world.wait(seconds)
            return Done(Outcome(output=[f"{format_seconds(seconds)} pass."]))
        case SetLink(a=a, b=b, up=up):
            out = Outcome()
            try:
                world.network.set_up(a, b, up)
            except NetworkError as error:
                return Done(out.fail("NETWORK_INVALID", str(error)))
            out.output.append(f"The link between {a} and {b} is {'up' if up else 'down'}.")
            return Done(out)
        case RegistryGc(host=host, delete_untagged=delete_untagged):
            return Done(_collect_garbage(world, host or world.operator_registry, delete_untagged))
        case RegistryCatalog(host=host):
            names = sorted(world.registries[host or world.operator_registry].repositories)
            return Done(Outcome(output=names or ["(no repositories)"]))
        case RegistryTags(repository=repository):
            return Done(_list_tags(world, repository))
        case RegistryDelete(reference=reference):
            return Done(_delete(world, reference))
        case RegistryGrant():
            return Done(_grant(world, command))
    return Done(Outcome().fail("NOT_RUNNABLE", f"{command.text!r} is not a command a step can run"))


def _client_command(client: Client, scenario: Scenario | None, command: ClientCommand) -> Done:
    match command:
        case Build(target=target):
            recipe = find_recipe(scenario.images, target) if scenario else None
            if recipe is None:
                return Done(Outcome().fail("NO_RECIPE", f"no image recipe named {target}"))
            return Done(client.build(target, recipe))
        case Tag(source=source, target=target):
            return Done(client.tag(source, target))
        case Push(reference=reference):
            return Done(client.push(reference))
        case Pull(reference=reference, platform=platform):
            return Done(client.pull(reference, platform))
        case Login(host=host, user=user, password=password):
            return Done(client.login(host, user, password))
        case Logout(host=host):
            return Done(client.logout(host))
        case Rmi(reference=reference):
            return Done(client.rmi(reference))
        case Images():
            return _tables(images_table(client.image_rows()))
        case CrictlPull(reference=reference, creds=creds):
            return Done(client.crictl_pull(reference, creds))
        case CrictlImages():
            return _tables(crictl_images_table(client.crictl_image_rows()))
        case CrictlRmi(reference=reference):
            return Done(client.crictl_rmi(reference))
        case KubeletPull(reference=reference, policy=policy, secret=secret):
            return Done(client.kubelet_pull(reference, policy, secret))
        case SystemDf():
            return _tables(*disk_usage_tables(client.disk_usage()))
        case CosignSign(reference=reference, key=key):
            return Done(client.cosign_sign(reference, key))
        case CosignVerify(reference=reference, key=key):
            return Done(client.cosign_verify(reference, key))
        case OrasAttach(reference=reference, artifact_type=artifact_type, file=file):
            size = _file_size(scenario, file)
            if size is None:
                return Done(Outcome().fail("NO_FILE", f"no file named {file} under files:"))
            return Done(client.oras_attach(reference, artifact_type, file, size))
        case OrasDiscover(reference=reference, artifact_type=artifact_type):
            return Done(client.oras_discover(reference, artifact_type))
        case HelmPush(chart=chart, target=target):
            size = _file_size(scenario, chart)
            if size is None:
                return Done(Outcome().fail("NO_FILE", f"no file named {chart} under files:"))
            return Done(client.helm_push(chart, target, size))
    return Done(Outcome().fail("NOT_RUNNABLE", f"{command.text!r} is not a command a step can run"))


def _file_size(scenario: Scenario | None, name: str) -> int | None:
    return scenario.files.get(name) if scenario is not None else None


def _tables(*tables: Table) -> Done:
    lines, placed = table_lines(tables)
    return Done(Outcome(output=lines), placed)


def _collect_garbage(world: World, host: str, delete_untagged: bool) -> Outcome:
    out = Outcome()
    report = collect_garbage(world.registries[host], delete_untagged)
    out.freed_bytes = report.layer_bytes_freed
    manifests, blobs = report.manifests_deleted, report.blobs_freed
    out.output.append(f"{host}: marked and swept; deleted {manifests} untagged "
                      f"manifest{'' if manifests == 1 else 's'}, "
                      f"freed {blobs} blob{'' if blobs == 1 else 's'} ({format_size(report.bytes_freed)}, "
                      f"{format_size(report.layer_bytes_freed)} of layers)")
    return out


def _list_tags(world: World, repository: str) -> Outcome:
    out = Outcome()
    host, _, name = repository.partition("/")
    repo = world.registries[host].repositories.get(name)
    if repo is None:
        return out.fail("NAME_UNKNOWN", f"no repository {name} on {host}")
    for tag, digest in repo.tags.links().items():
        out.output.append(f"{tag}  {digest}")
    return out


def _delete(world: World, reference: str) -> Outcome:
    out = Outcome()
    try:
        ref = parse_reference(reference)
        registry = world.registries[ref.host]
        registry.remove_manifest(ref.repository, ref.reference)  # the operator needs no token
    except RegistryError as error:
        return out.fail(error.code.name, error.reason)
    what = "the manifest and every tag naming it" if ref.digest else f"the tag {ref.tag}"
    out.output.append(f"Deleted {what} from {ref.host}/{ref.repository}; blobs stay until garbage collection.")
    return out


def _grant(world: World, command: RegistryGrant) -> Outcome:
    """The administrator changes an account's rights on a repository. A token-auth registry checks a
    request against the access claim of the token it carries, signed when issued (distribution
    registry/auth/token/accesscontroller.go, `Authorized`), so only tokens asked for from now on
    carry the change; docker asks for a new one for every push and pull (see client/session.py)."""
    out = Outcome()
    host, _, name = command.repository.partition("/")
    guard = world.registries[host].guard
    if not isinstance(guard, RegistryAccess):
        return out.fail("NOT_RUNNABLE", f"{host} has no accounts (auth: none): anyone may pull and push there")
    try:
        change = guard.policy.revoke if command.revoke else guard.policy.grant
        holds = change(command.user, name, command.actions)
    except AuthInputError as error:
        return out.fail("NOT_RUNNABLE", f"{host}: {error}")
    verb = "revoked" if command.revoke else "granted"
    out.access = AccessChange(host, name, command.user, Change.REVOKE if command.revoke else Change.GRANT,
                              command.actions, holds)
    now = ", ".join(holds) or "nothing"
    out.output.append(f"{host}: {verb} {command.user} {','.join(command.actions)} on {name}; "
                      f"{command.user} now holds {now} there.")
    if guard.mode == AuthMode.TOKEN:
        out.output.append("Tokens issued before keep the scope they were signed with until they expire; "
                          "the next token asked for carries the change.")
    return out


def run_step(world: World, scenario: Scenario, step: StepSpec) -> StepRecord:
    """Run one step in `world` (mutating it) and return its record."""
    if step.together:
        return _run_together(world, scenario, step)
    with world.recording() as events:
        world.begin_step()   # replication due by this step lands before the command runs
        done = Done(Outcome()) if step.command is None else execute(world, scenario, step.actor, step.command)
    flows = flow_timing([events], world.network)
    timing = flows.timing
    notes = world.end_step(timing.seconds)
    if step.actor is None:   # a client's output is what its CLI prints; registry notes go with other steps
        done.outcome.output.extend(notes)
    return make_record(step, done.outcome, events, timing.seconds, timing.links, world,
                       background_seconds=timing.background_seconds, tables=done.tables, peaks=flows.peak)


def _run_together(world: World, scenario: Scenario, step: StepSpec) -> StepRecord:
    """Clients acting at once: each command runs in the model in the order listed (so the registries
    see them in that order), then their requests are timed together, sharing every link."""
    parts: list[tuple[str, Done, int, int]] = []
    with world.recording() as events:
        world.begin_step()
        background = len(events)
        for actor, command in step.together:
            start = len(events)
            done = execute(world, scenario, actor, command)
            parts.append((actor, done, start, len(events)))
    at_once = fetched_again([events[start:stop] for _, _, start, stop in parts])
    together = flow_timing(at_once, world.network, events[:background])
    events = [*events[:background], *(event for part in at_once for event in part)]
    timing = together.timing
    world.end_step(timing.seconds)
    _fetched_again(at_once, parts)
    outcome = Outcome(direction=parts[0][1].outcome.direction if parts else None)
    for actor, done, _, _ in parts:
        outcome.output.extend(f"{actor}: {line}" for line in done.outcome.output)
        outcome.blobs.extend(done.outcome.blobs)
        if not done.outcome.ok and outcome.ok:
            outcome.ok, outcome.error = False, done.outcome.error
            outcome.message = f"{actor}: {done.outcome.message}"
    commands = "; ".join(dict.fromkeys(command.text for _, command in step.together))
    verb = step.command.family if step.command is not None else "say"
    return make_record(
        step, outcome, events, timing.seconds, timing.links, world,
        background_seconds=timing.background_seconds, peaks=together.peak,
        heading=(clients_label([actor for actor, _ in step.together]), commands, verb),
        clients=[{"client": actor, "seconds": round(seconds, 6), "ok": done.outcome.ok}
                 for (actor, done, _, _), seconds in zip(parts, together.finished, strict=True)],
    )


def _fetched_again(at_once: list[list[RequestEvent]], parts: list[tuple[str, Done, int, int]]) -> None:
    """A blob a cache fetched again for a client (see flows.fetched_again) is a miss in its ledger too."""
    again = {(event.src, blob_digest(event.path)) for part in at_once for event in part
             if event.outcome == RequestOutcome.CACHE_MISS and not event.upstream}
    for actor, done, _, _ in parts:
        for blob in done.outcome.blobs:
            if blob.how == How.MIRROR_HIT and (actor, blob.digest) in again:
                blob.how = How.MIRROR_MISS


def replay(scenario: Scenario) -> Run:
    """Replay every step, keeping the world after each one.

    The cycle collector waits until the replay is done: a replay makes mostly objects it keeps (a
    world after every step), and each automatic collection on the way would walk all of them, and
    every object the program holds, again."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        world = build_world(scenario)
        worlds = [world.snapshot()]
        records = []
        last = len(scenario.steps) - 1
        for index, step in enumerate(scenario.steps):
            records.append(run_step(world, scenario, step))
            if index == last:
                worlds.append(world)   # nothing changes the replayed world once the replay is done: it is kept as is
                break
            # Only the clients a step acts as can change in it: the others' tables are the snapshot's before.
            acted: Collection[str] = ({actor for actor, _ in step.together} if step.together
                                      else [step.actor] if step.actor else [])
            worlds.append(world.snapshot(worlds[-1], acted))
    finally:
        if collecting:
            gc.enable()
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
        for key, check in step.expect.items():
            shown, actual, holds = _compare(record, check)
            if not holds:
                failures.append(Failure(step.index, key, shown, actual, step.line))
    return failures


def _sizes(expected: int, actual: int) -> tuple[str, str]:
    """Both sizes as a person reads them, or in exact bytes when the rounded forms would look the same."""
    shown, got = format_size(expected), format_size(actual)
    if shown == got:
        return f"{expected:,} B", f"{actual:,} B"
    return shown, got


def _hosts(sizes: dict[str, str]) -> str:
    return ", ".join(f"{host} {size}" for host, size in sizes.items()) or "nothing"


def _compare(record: StepRecord, check: Expectation) -> tuple[object, object, bool]:
    """(the expectation as shown, what happened as shown, whether it held)."""
    match check:
        case LayerBytes(up=up, expected=expected):
            actual = record.layer_bytes_up if up else record.layer_bytes_down
            return (*_sizes(expected, actual), actual == expected)
        case Seconds(expected=about, allowed=allowed, tolerance=tolerance):
            holds = abs(record.seconds - about) <= allowed + 1e-9
            took = exact_seconds(round(record.seconds, 3))
            if took == exact_seconds(about):   # the same when rounded: show the time to the microsecond
                took = exact_seconds(record.seconds, 6)
            return f"{exact_seconds(about)} ± {tolerance}", took, holds
        case Stored(expected=expected_sizes):
            actual_sizes = {host: record.storage[host]["stored_layer_bytes"] for host in expected_sizes
                            if host in record.storage}
            holds = all(actual_sizes.get(h) == size for h, size in expected_sizes.items())
            shown_expected: dict[str, str] = {}
            shown_actual: dict[str, str] = {}
            for host, size in expected_sizes.items():
                if host not in actual_sizes:
                    shown_expected[host] = format_size(size)
                    continue
                shown_expected[host], shown_actual[host] = _sizes(size, actual_sizes[host])
            return _hosts(shown_expected), _hosts(shown_actual), holds
        case Succeeds(expected=ok):
            return ok, record.ok, record.ok == ok
        case FailsWith(expected=code):
            return code, record.error, record.error == code
        case OutputContains(expected=text):
            return text, "\n".join(record.output), any(text in line for line in record.output)
        case RateLimitRemaining(expected=remaining):
            return remaining, record.rate_limit_remaining, record.rate_limit_remaining == remaining
        case Count(metric=metric, expected=count):
            actual_count = STEP_METRICS[metric](record)   # the layer counts
            return count, actual_count, actual_count == count
    assert_never(check)


def computed_answer(record: StepRecord, metric: str) -> Metric:
    """The simulator's own answer to a predict question about a step."""
    return STEP_METRICS[metric](record)
