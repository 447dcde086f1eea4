"""The step record: one definition of what a step did, shared by `play --json`, the app and the charts.

"Saved" is defined once, here: naive minus actual layer bytes, where *actual* is the layer
bytes that crossed the acting client's link and *naive* is what the step would have moved if
whole images always travelled (every layer of every image pushed or pulled). Naive counts only
a command that succeeded: a refused or failed push or pull moved what it moved and delivered
nothing, so its naive equals its actual and it saves nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from regsim.model.core.context import Lane
from regsim.model.core.events import (
    AccessChange,
    BlobRecord,
    How,
    Outcome,
    ReferrerHow,
    ReferrerRecord,
    RequestEvent,
    said_word,
)
from regsim.model.sim.world import World
from regsim.scenario.artifact_commands import ArtifactCommand
from regsim.scenario.commands import RegistryGc
from regsim.scenario.contract import (
    AccessJSON,
    BlobJSON,
    ClientTimeJSON,
    ImageLayerJSON,
    LinkUseJSON,
    ReferrerJSON,
    RequestJSON,
    RunJSON,
    StepJSON,
    StorageJSON,
)
from regsim.scenario.prompt import masked_command
from regsim.scenario.tables import Table

if TYPE_CHECKING:
    from regsim.scenario.engine import Run
    from regsim.scenario.spec import StepSpec


@dataclass(slots=True)
class StepRecord:
    index: int
    actor: str | None
    command: str | None
    verb: str
    say: str | None
    step_id: str | None
    ok: bool
    error: str | None
    message: str | None
    output: list[str]
    requests: list[RequestEvent]
    blobs: list[BlobRecord]
    layer_bytes_up: int = 0
    layer_bytes_down: int = 0
    naive_layer_bytes_up: int = 0
    naive_layer_bytes_down: int = 0
    config_bytes: int = 0
    manifest_bytes: int = 0
    layers_pushed: int = 0
    layers_mounted: int = 0
    layers_skipped: int = 0
    layers_pulled: int = 0
    cache_hits: int = 0
    seconds: float = 0.0             # from the step's start until its last request is done
    background_seconds: float = 0.0  # how long the registries' background work (replication) ran
    clock: float = 0.0
    links: list[LinkUseJSON] = field(default_factory=list)
    storage: dict[str, StorageJSON] = field(default_factory=dict)
    clients: list[ClientTimeJSON] = field(default_factory=list)   # a together step: when each client was done
    tables: list[Table] = field(default_factory=list)   # the tables among `output` (not in the JSON)
    referrers: list[ReferrerRecord] | None = None   # an artifact tool's step: what it pushed or listed
    access: AccessChange | None = None              # a registry grant or revoke that ran: what it changed

    @property
    def saved_bytes(self) -> int:
        """The one definition of saved: naive minus actual layer bytes."""
        return (self.naive_layer_bytes_up + self.naive_layer_bytes_down) - (self.layer_bytes_up + self.layer_bytes_down)

    @property
    def rate_limit_remaining(self) -> int | None:
        """The pulls left as the step's last rate-limited answer said (RateLimit-Remaining); None if none said."""
        for event in reversed(self.requests):
            remaining = event.rate_limit_remaining
            if remaining is not None:
                return remaining
        return None

    @property
    def background_work(self) -> str:
        """What ran in the background in this step: a registry replicating (HEAD, POST and PUT to a
        replica) and a mirror copying a blob it lacks into its storage (a GET upstream), or both."""
        kinds = {"copying into the mirror's cache" if event.method == "GET" else "replication"
                 for event in self.requests if event.lane == Lane.BACKGROUND}
        return " and ".join(sorted(kinds, reverse=True))

    @property
    def layer_bytes(self) -> int:
        return self.layer_bytes_up + self.layer_bytes_down

    @property
    def naive_layer_bytes(self) -> int:
        return self.naive_layer_bytes_up + self.naive_layer_bytes_down

    def to_dict(self) -> StepJSON:
        found = self._to_dict()
        if self.clients:
            found["clients"] = self.clients
        if self.referrers is not None:
            found["referrers"] = [referrer_json(referrer) for referrer in self.referrers]
        if self.access is not None:
            found["access"] = access_json(self.access)
        return found

    def _to_dict(self) -> StepJSON:
        return {
            "index": self.index,
            "id": self.step_id,
            "actor": self.actor,
            "command": masked_command(self.command) if self.command is not None else None,
            "verb": self.verb,
            "say": self.say,
            "ok": self.ok,
            "error": self.error,
            "message": self.message,
            "output": list(self.output),
            "requests": [request_json(event) for event in self.requests],
            "blobs": [blob_json(blob) for blob in self.blobs],
            "layer_bytes_up": self.layer_bytes_up,
            "layer_bytes_down": self.layer_bytes_down,
            "naive_layer_bytes_up": self.naive_layer_bytes_up,
            "naive_layer_bytes_down": self.naive_layer_bytes_down,
            "saved_layer_bytes": self.saved_bytes,
            "config_bytes": self.config_bytes,
            "manifest_bytes": self.manifest_bytes,
            "layers_pushed": self.layers_pushed,
            "layers_mounted": self.layers_mounted,
            "layers_skipped": self.layers_skipped,
            "layers_pulled": self.layers_pulled,
            "cache_hits": self.cache_hits,
            "seconds": round(self.seconds, 6),
            "background_seconds": round(self.background_seconds, 6),
            "clock_seconds": round(self.clock, 6),
            "links": self.links,
            "storage": self.storage,
        }


Metric = int | float | bool | str | None

# What an `expect:` or a computed answer can read off a step, by the name scenario and lesson files use.
STEP_METRICS: dict[str, Callable[[StepRecord], Metric]] = {
    "ok": lambda record: record.ok,
    "error": lambda record: record.error,
    "layers_pushed": lambda record: record.layers_pushed,
    "layers_pulled": lambda record: record.layers_pulled,
    "layers_mounted": lambda record: record.layers_mounted,
    "layers_skipped": lambda record: record.layers_skipped,
    "cache_hits": lambda record: record.cache_hits,
    "layer_bytes_up": lambda record: record.layer_bytes_up,
    "layer_bytes_down": lambda record: record.layer_bytes_down,
    "seconds": lambda record: record.seconds,
    "referrers_listed": lambda record: sum(1 for r in record.referrers or () if r.how == ReferrerHow.LISTED),
    "requests": lambda record: len(record.requests),
}


def request_json(event: RequestEvent) -> RequestJSON:
    found: RequestJSON = {"method": event.method, "path": event.path, "status": event.status, "bytes": event.bytes,
                          "from": event.src, "to": event.dst, "why": event.why, "outcome": said_word(event.outcome)}
    remaining = event.rate_limit_remaining
    if remaining is not None:
        found["rate_limit_remaining"] = remaining
    return found


def referrer_json(referrer: ReferrerRecord) -> ReferrerJSON:
    return {"subject": referrer.subject, "digest": referrer.digest, "artifact_type": referrer.artifact_type,
            "how": referrer.how, "via": referrer.via}


def access_json(change: AccessChange) -> AccessJSON:
    return {"registry": change.registry, "repository": change.repository, "user": change.user,
            "change": change.change, "actions": list(change.actions), "holds": list(change.holds)}


def blob_json(blob: BlobRecord) -> BlobJSON:
    return {"digest": blob.digest, "kind": blob.kind, "name": blob.name, "size": blob.size, "how": blob.how,
            "bytes": blob.moved, "source": blob.source}


def make_record(
    step: StepSpec,
    outcome: Outcome,
    events: list[RequestEvent],
    seconds: float,
    usage: dict[tuple[str, str], tuple[int, float]],
    world: World,
    background_seconds: float = 0.0,
    tables: list[Table] | None = None,
    peaks: dict[tuple[str, str], float] | None = None,
    *,
    heading: tuple[str, str, str] | None = None,
    clock: float | None = None,
    clients: list[ClientTimeJSON] | None = None,
) -> StepRecord:
    """A step's record. `heading` (actor, command, verb) names a step the spec does not say alone:
    several clients at once, or an operation a live session saw; `clock` is when it ended, if not
    the world's time; `clients`, when each client of a together step was done."""
    command = step.command
    named: tuple[str | None, str | None, str] = heading or (
        step.actor if command is not None and command.needs_client else None,
        command.text if command else None,
        command.family if command else "say",
    )
    record = StepRecord(
        index=step.index,
        actor=named[0],
        command=named[1],
        verb=named[2],
        say=step.say,
        step_id=step.id,
        ok=outcome.ok,
        error=outcome.error,
        message=outcome.message,
        output=list(outcome.output),
        requests=list(events),
        blobs=list(outcome.blobs),
        seconds=seconds,
        background_seconds=background_seconds,
        clock=world.now if clock is None else clock,
        tables=list(tables or ()),
        referrers=list(outcome.referrers) if isinstance(command, ArtifactCommand) else None,
        access=outcome.access,
        clients=list(clients or ()),
    )
    for blob in outcome.blobs:
        if blob.kind == "config":
            record.config_bytes += blob.moved
            continue
        if blob.kind == "manifest":
            record.manifest_bytes += blob.moved
            continue
        if outcome.direction == "up":
            record.naive_layer_bytes_up += blob.size
            record.layer_bytes_up += blob.moved
        else:
            record.naive_layer_bytes_down += blob.size
            record.layer_bytes_down += blob.moved
        if blob.how == How.SENT:
            record.layers_pushed += 1
        elif blob.how == How.MOUNTED:
            record.layers_mounted += 1
        elif blob.how in (How.EXISTS, How.LOCAL):
            record.layers_skipped += 1
        elif blob.how in (How.PULLED, How.MIRROR_HIT, How.MIRROR_MISS):
            record.layers_pulled += 1
            if blob.how == How.MIRROR_HIT:
                record.cache_hits += 1
    if not outcome.ok:
        # A failed command delivered no image, whole or not: it moved what it moved and saved nothing.
        record.naive_layer_bytes_up = record.layer_bytes_up
        record.naive_layer_bytes_down = record.layer_bytes_down
    record.links = [
        {"between": [a, b], "bytes": size, "seconds": round(busy, 6)} for (a, b), (size, busy) in sorted(usage.items())
    ]
    if peaks is not None:   # how full each link got at its busiest moment
        for link in record.links:
            link["peak_share"] = round(peaks.get((link["between"][0], link["between"][1]), 0.0), 6)
    for host, registry in sorted(world.registries.items()):
        record.storage[host] = {
            "stored_layer_bytes": registry.layer_bytes_stored(),
            "logical_layer_bytes": registry.logical_layer_bytes(),
            "freed_bytes": outcome.freed_bytes if isinstance(command, RegistryGc)
            and (command.host or world.operator_registry) == host else 0,
        }
    return record


def run_to_dict(run: Run, until: int | None = None) -> RunJSON:
    """A whole run as the charts read it: steps, topology, final images, units."""
    records = run.records if until is None else run.records[:until]
    world = run.worlds[len(records)]
    images: dict[str, dict[str, list[ImageLayerJSON]]] = {}
    manifests: dict[str, dict[str, str]] = {}
    names: dict[str, str] = {}
    for client in world.clients.values():
        names.update(client.layer_names)
    for host, registry in sorted(world.registries.items()):
        images[host] = {
            tag: [{"digest": d.digest, "layer": names.get(d.digest), "size": d.size} for d in layers]
            for tag, layers in registry.tagged_images().items()
        }
        manifests[host] = {
            f"{name}:{tag}": digest
            for name, repo in sorted(registry.repositories.items())
            for tag, digest in repo.tags.links().items()
            if f"{name}:{tag}" in images[host]
        }
    return {
        "scenario": run.scenario.id,
        "title": run.scenario.title,
        "summary": run.scenario.summary,
        "units": run.scenario.units,
        "steps": [record.to_dict() for record in records],
        "topology": {
            "nodes": [{"name": name, "kind": kind} for name, kind in world.network.nodes.items()],
            "links": [
                {"between": [a, b], "bandwidth_bps": link.bandwidth, "latency_s": link.latency}
                for a, b, link in world.network.listed_links()
            ],
        },
        "images": images,
        "manifests": manifests,
    }
