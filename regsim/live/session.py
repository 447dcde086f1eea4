"""A live session as steps: the requests grouped per client operation, each a `StepRecord`.

Both the Live screen (as requests arrive) and `load_record` (a saved session, replayed by the
player) read a session through `SessionSteps`. An operation starts at a client's `GET /v2/`
(once the operation before it did anything beyond pinging and logging in) and ends when the
next one starts: a push runs from its `GET /v2/` to its manifest PUT, a pull from its
`GET /v2/` to its last blob GET. Requests from a client that never pings (a script, curl)
are split after a push's tag PUT and before a pull that follows uploads.

The byte ledger of a step comes from the entries' `ledger` annotations (record version 2):
a stored manifest names each blob and how it got there (sent, mounted, already there), a
fetched manifest names the blobs a pull needs, and a blob GET says which of them travelled.
So *naive* is what whole-image transfers would have moved: every layer of every manifest
pushed, or fetched, whether or not it travelled; but a manifest fetched without one of its
layers (`skopeo inspect`, a bare `curl`) is an inspection, with nothing naive. A version-1
record has no annotations: its steps list the requests and their bytes, with an empty ledger.

The world after each step is rebuilt by replaying every stored manifest (and each delete)
into an in-memory model `Registry` holding sized blobs, so the player's world tree follows
the session step by step. It starts empty: content the root held before the session appears
only as the session's manifests name it. A `regsim watch` record carries the bytes of fetched
manifests too, so what a pull saw of the upstream is replayed as well.
"""

from __future__ import annotations

import base64
import contextlib
import copy
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache

from regsim.live.entry import BlobLedger, LiveEntryJSON, ManifestLedger
from regsim.model.core.events import BlobKind, BlobRecord, Direction, How, Outcome, RequestEvent, read_said
from regsim.model.oci.blob import Blob
from regsim.model.oci.errors import RegistryError
from regsim.model.oci.routes import RouteMatch, RouteName, match_path, request_path
from regsim.model.registry.registry import Registry
from regsim.model.sim.network import NodeKind
from regsim.model.sim.world import World
from regsim.scenario.commands import Recorded
from regsim.scenario.records import StepRecord, make_record
from regsim.scenario.spec import StepSpec
from regsim.units import elided_digest, format_size


class LiveOperation(StrEnum):
    """What a client did in one step of a live session, as the step's verb says it."""

    PUSH = "push"
    PULL = "pull"
    INSPECT = "inspect"      # a manifest (and perhaps the config) fetched, not one layer
    DELETE = "delete"
    UPLOAD = "upload"        # blobs no manifest names yet
    TAGS = "tags"
    LOGIN = "login"          # only /v2/ and the token service
    REQUEST = "request"      # anything else


# How a blob a stored manifest names got into its repository (the server's ledger says).
ARRIVALS = (How.SENT, How.MOUNTED, How.EXISTS)


@dataclass
class Operation:
    """The requests of one client operation so far (one client process: its address and user agent,
    over the connections it opened)."""

    client: str
    entries: list[LiveEntryJSON] = field(default_factory=list)
    agent: str = ""
    repositories: set[str] = field(default_factory=set)

    @property
    def has_content(self) -> bool:
        """Anything beyond pinging the registry and fetching a token."""
        return any(_route(e) not in (RouteName.PING, RouteName.TOKEN) for e in self.entries)

    @property
    def pushed(self) -> bool:
        return any(_route(e) == RouteName.MANIFEST and e["method"] == "PUT" for e in self.entries)

    @property
    def tag_pushed(self) -> bool:
        return any(_route(e) == RouteName.MANIFEST and e["method"] == "PUT" and e["status"] == 201
                   and ":" not in _reference(e) for e in self.entries)

    @property
    def downloaded(self) -> bool:
        return any(_route(e) == RouteName.BLOB and e["method"] == "GET" and e["status"] in (200, 206)
                   for e in self.entries)


@lru_cache(maxsize=4096)
def _match(path: str) -> RouteMatch | None:
    """The route of a path (the properties below ask about every entry again as an operation grows)."""
    return match_path(path)


def _path(entry: LiveEntryJSON) -> str:
    return request_path(str(entry["path"]))


def _route(entry: LiveEntryJSON) -> RouteName | None:
    """The request's route in the API's table (None for a path the API does not have)."""
    found = _match(str(entry["path"]))
    return found.route.name if found is not None else None


def _is_upload(route: RouteName | None) -> bool:
    """Opening an upload, or sending its bytes."""
    return route in (RouteName.UPLOADS, RouteName.UPLOAD)


def _repository(entry: LiveEntryJSON) -> str:
    found = _match(str(entry["path"]))
    return found.name if found is not None else ""


def _reference(entry: LiveEntryJSON) -> str:
    found = _match(str(entry["path"]))
    return found.reference if found is not None else ""


def _digest(entry: LiveEntryJSON) -> str:
    """A blob request's digest."""
    found = _match(str(entry["path"]))
    return found.digest if found is not None else ""


def _event(entry: LiveEntryJSON) -> RequestEvent:
    return RequestEvent(
        str(entry["method"]), str(entry["path"]), int(entry["status"]), int(entry.get("bytes", 0)),
        str(entry.get("from", "")), str(entry.get("to", "")), str(entry.get("why", "")),
        read_said(str(entry.get("outcome", ""))), upload=bool(entry.get("upload", False)),
    )


def _arrived(entry: LiveEntryJSON) -> BlobLedger | None:
    """The ledger of a blob that arrived in a repository (an upload closed, or a mount), if this is one."""
    ledger = entry.get("ledger")
    if ledger is None or "blob" not in ledger or "manifest" in ledger:
        return None
    return ledger


def _manifest_ledger(entry: LiveEntryJSON) -> ManifestLedger | None:
    """The ledger of a manifest stored or fetched, if the entry has one."""
    ledger = entry.get("ledger")
    return ledger if ledger is not None and "blob" not in ledger and "manifest" in ledger else None


def _image(repository: str, reference: str) -> str:
    return f"{repository}@{elided_digest(reference)}" if ":" in reference else f"{repository}:{reference}"


def _count(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one}" if n == 1 else f"{n} {many or one + 's'}"


def _busy_seconds(entries: list[LiveEntryJSON]) -> float:
    """How long the operation had a request under way: the union of its requests' spans (the
    client's idle time between them, a person typing the next command, does not count)."""
    spans = sorted((float(e.get("t", 0.0)), float(e.get("t", 0.0)) + float(e.get("ms", 0.0)) / 1000)
                   for e in entries)
    total, start, end = 0.0, *spans[0]
    for begin, finish in spans[1:]:
        if begin > end:
            total += end - start
            start, end = begin, finish
        else:
            end = max(end, finish)
    return total + end - start


class SessionSteps:
    """Feed it a session's requests (as `LiveEntry.to_dict()` gives them); read steps and worlds."""

    def __init__(self, registry_host: str, *, keep_worlds: bool = True) -> None:
        self.host = registry_host
        self.world = World(registry_host)
        self.registry = Registry(registry_host)
        self.world.add_registry(self.registry, NodeKind.LIVE_REGISTRY)
        self.keep_worlds = keep_worlds
        self.records: list[StepRecord] = []
        self.steps: list[StepSpec] = []
        self.worlds: list[World] = [copy.deepcopy(self.world)] if keep_worlds else []
        self.open: dict[int, Operation] = {}     # by a number of its own, in the order they began
        self._connections: dict[str, int] = {}   # a client connection -> the operation it serves
        self._next = 0
        self._sizes: dict[str, int] = {}        # blob digest -> size, as the session learnt it

    # ----- feeding ---------------------------------------------------------------------------

    def feed(self, entry: LiveEntryJSON) -> StepRecord | None:
        """Add one request; returns the record of an operation this request closed, if any.

        A client process pings once, first: a ping starts an operation. It closes the operations
        of the same address and user agent when none of their requests is in flight (`busy`, the
        server's count of that client's unfinished requests), so a push beside a pull stays two
        operations. A request on a connection already seen continues its operation; one on a new
        connection (skopeo opens one per request) joins the open operation of the same address and
        agent that works on the same repository, else the latest one. Records of version 2 (no
        connection, agent or busy count) group by address alone."""
        client = str(entry.get("from", ""))
        connection = str(entry.get("conn") or client)
        agent = str(entry.get("agent", ""))
        route = _route(entry)
        repository = _repository(entry)
        closed = None
        if route == RouteName.PING:
            same = [k for k, op in self.open.items() if op.client == client and op.agent == agent]
            if not entry.get("busy"):
                for done in [k for k in same if self.open[k].has_content]:
                    closed = self._close(done)
            # a login (ping and token) that came first is part of the operation it led to
            key = next((k for k in same if k in self.open and not self.open[k].has_content), None)
        else:
            key = self._connections.get(connection)
            if key not in self.open:
                key = self._joined(client, agent, repository)
        current = self.open.get(key) if key is not None else None
        if current is not None and key is not None and self._starts_new(current, entry, route):
            closed = self._close(key)
            current = None
        if current is None:
            key, self._next = self._next, self._next + 1
            current = self.open[key] = Operation(client, agent=agent)
        assert key is not None
        self._connections[connection] = key
        current.entries.append(entry)
        if repository:
            current.repositories.add(repository)
        self._apply(entry, route)
        return closed

    def _joined(self, client: str, agent: str, repository: str) -> int | None:
        """The open operation a new connection's request continues, if one fits."""
        same = [key for key, op in self.open.items() if op.client == client and op.agent == agent]
        going = [key for key in same if not self.open[key].tag_pushed]   # a push ends with its tag
        if repository:
            fitting = [key for key in going if repository in self.open[key].repositories]
            if fitting:
                return fitting[-1]
        if going:
            return going[-1]
        return same[-1] if same else None

    def feed_all(self, entries: Iterable[LiveEntryJSON]) -> None:
        for entry in entries:
            self.feed(entry)

    def finish(self) -> list[StepRecord]:
        """Close every open operation; the records, in order."""
        for key in list(self.open):
            self._close(key)
        return self.records

    @staticmethod
    def _starts_new(current: Operation, entry: LiveEntryJSON, route: RouteName | None) -> bool:
        if route == RouteName.PING:
            return current.has_content
        if route == RouteName.TOKEN:
            return False
        if current.tag_pushed:   # a push ends with its tag PUT; more child manifests may follow it
            return not (route == RouteName.MANIFEST and entry["method"] == "PUT")
        return current.downloaded and _is_upload(route)

    # ----- the replayed world ------------------------------------------------------------------

    def _blob(self, digest: str, size: int) -> None:
        self._sizes[digest] = size
        self.registry.blobs.setdefault(digest, Blob(digest, size))

    def _apply(self, entry: LiveEntryJSON, route: RouteName | None) -> None:
        """Make the model registry hold what this request changed (sized blobs, the same manifests)."""
        status = int(entry["status"])
        if not 200 <= status < 300:
            return
        method = entry["method"]
        name = _repository(entry)
        arrived = _arrived(entry)
        ledger = _manifest_ledger(entry)
        if arrived is not None:
            self._blob(arrived["blob"], int(arrived["size"]))
            self.registry.store.repository(name).blobs.link(arrived["blob"])
        elif (route == RouteName.MANIFEST and method in ("PUT", "GET") and ledger is not None
              and ("text" in ledger or "base64" in ledger)):
            # a GET carries its bytes only from `regsim watch`, which sees the upstream's manifests no other way
            raw = ledger["text"].encode() if "text" in ledger else base64.b64decode(ledger["base64"])
            repo = self.registry.store.repository(name)
            for blob in ledger.get("blobs", []):
                self._blob(blob["digest"], int(blob["size"]))
                repo.blobs.link(blob["digest"])
            for child in ledger.get("children", []):
                if child not in repo.manifests:
                    return   # a child pushed before the session: the index cannot be replayed
            # Not replayable (a child stored before the session): the world skips it.
            with contextlib.suppress(RegistryError):
                self.registry.put_manifest(None, name, _reference(entry), raw, ledger.get("media_type"))
        elif route == RouteName.MANIFEST and method == "GET" and ledger is not None and "blobs" in ledger:
            for blob in ledger["blobs"]:
                self._sizes[blob["digest"]] = int(blob["size"])
        elif route == RouteName.MANIFEST and method == "DELETE":
            with contextlib.suppress(RegistryError, KeyError):
                self.registry.remove_manifest(name, _reference(entry))
        elif route == RouteName.BLOB and method == "DELETE":
            linked = self.registry.repositories.get(name)
            if linked is not None:
                linked.blobs.unlink(_digest(entry))

    # ----- records -----------------------------------------------------------------------------

    def _close(self, key: int) -> StepRecord:
        operation = self.open.pop(key)
        record = self.build(operation, len(self.records) + 1)
        self.records.append(record)
        self.steps.append(self._spec(record))
        if self.keep_worlds:
            self.worlds.append(copy.deepcopy(self.world))
        return record

    def pending(self) -> list[StepRecord]:
        """Records of the operations still open (the Live screen shows the newest as it grows)."""
        return [self.build(op, len(self.records) + i + 1) for i, op in enumerate(self.open.values())]

    @staticmethod
    def _spec(record: StepRecord) -> StepSpec:
        command = Recorded(record.command, record.verb) if record.command else None
        return StepSpec(index=record.index, line=0, actor=record.actor, command=command,
                        say=record.say)

    def build(self, operation: Operation, index: int) -> StepRecord:
        entries = operation.entries
        outcome = Outcome()
        events = [_event(e) for e in entries]
        verb, command = self._describe(operation, outcome)
        last = max(float(e.get("t", 0.0)) + float(e.get("ms", 0.0)) / 1000 for e in entries)
        failed = self._failure(operation)
        if failed is not None:
            outcome.ok = False
            outcome.error = failed.get("outcome") or f"HTTP {failed['status']}"
            why = str(failed.get("why", ""))
            outcome.message = why
            status = str(failed["status"])
            said = why[len(status):].lstrip(" :") if why.startswith(status) else why   # "→ 416: 416: …" once
            outcome.output.append(f"{failed['method']} {_path(failed)} → {status}: {said}")
        spec = StepSpec(index=index, line=0, actor=operation.client,
                        command=Recorded(command, verb))
        return make_record(spec, outcome, events, _busy_seconds(entries), {}, self.world,
                           heading=(operation.client, command, verb), clock=last)

    @staticmethod
    def _failure(operation: Operation) -> LiveEntryJSON | None:
        """The request that made the operation fail, if one did (404 on HEAD and 401 are questions)."""
        entries = operation.entries
        puts = [e for e in entries if _route(e) == RouteName.MANIFEST and e["method"] == "PUT"]
        if puts:
            return puts[-1] if puts[-1]["status"] >= 400 else None
        for entry in entries:
            status = int(entry["status"])
            if status >= 400 and status != 401 and not (entry["method"] == "HEAD" and status == 404):
                return entry
        return None

    def _describe(self, operation: Operation, outcome: Outcome) -> tuple[LiveOperation, str]:
        """The operation's verb and a command line for it; fills the outcome's blobs and output."""
        entries = operation.entries
        ok = [e for e in entries if 200 <= int(e["status"]) < 300]
        puts = [e for e in ok if _route(e) == RouteName.MANIFEST and e["method"] == "PUT"]
        if puts:
            return self._push(puts, outcome)
        gets = [e for e in ok if _route(e) == RouteName.MANIFEST and e["method"] == "GET"]
        if gets or any(_route(e) == RouteName.BLOB and e["method"] == "GET" for e in ok):
            return self._pull(entries, gets, outcome)
        deletes = [e for e in ok if e["method"] == "DELETE"]
        if deletes:
            for entry in deletes:
                outcome.output.append(f"deleted {_path(entry)[len('/v2/'):]}")
            return LiveOperation.DELETE, f"delete {_repository(deletes[0])}"
        arrivals = [(e, arrived) for e in ok if (arrived := _arrived(e)) is not None and arrived["blob"]]
        uploads = [e for e, _ in arrivals]
        if uploads:
            total = sum(int(arrived["size"]) for _, arrived in arrivals)
            outcome.output.append(f"{_count(len(uploads), 'blob')} stored in {_repository(uploads[0])} "
                                  f"({format_size(total)}); no manifest names them yet")
            return LiveOperation.UPLOAD, f"upload {_repository(uploads[0])}"
        tags = [e for e in ok if _route(e) == RouteName.TAGS]
        if tags:
            outcome.output.append(f"listed the tags of {_repository(tags[0])}")
            return LiveOperation.TAGS, f"list-tags {_repository(tags[0])}"
        heads = [e for e in entries if _route(e) == RouteName.MANIFEST]
        if heads:
            target = _image(_repository(heads[0]), _reference(heads[0]))
            outcome.output.append(f"inspected {target}")
            return LiveOperation.INSPECT, f"inspect {target}"
        if all(_route(e) in (RouteName.PING, RouteName.TOKEN) for e in entries):
            outcome.output.append("checked the registry (and logged in)"
                                  if any(_route(e) == RouteName.TOKEN for e in entries)
                                  else "checked the registry")
            return LiveOperation.LOGIN, "login"
        return LiveOperation.REQUEST, " ".join(f"{e['method']} {_path(e)}" for e in entries[:1])

    def _push(self, puts: list[LiveEntryJSON], outcome: Outcome) -> tuple[LiveOperation, str]:
        outcome.direction = Direction.UP
        target = ""
        for entry in puts:
            ledger = _manifest_ledger(entry)
            name, reference = _repository(entry), _reference(entry)
            size = ledger["size"] if ledger is not None else entry.get("bytes", 0)
            outcome.blobs.append(BlobRecord(ledger["manifest"] if ledger is not None else reference,
                                            BlobKind.MANIFEST, int(size), How.SENT))
            counts = {How.SENT: 0, How.EXISTS: 0, How.MOUNTED: 0}
            for blob in ledger.get("blobs", []) if ledger is not None else []:
                how = How(blob["how"]) if blob.get("how") in ARRIVALS else How.EXISTS
                outcome.blobs.append(BlobRecord(blob["digest"], blob["kind"], int(blob["size"]), how,
                                                source=blob.get("source")))
                if blob["kind"] == BlobKind.LAYER:
                    counts[how] += 1
            image = _image(name, reference)
            if ":" not in reference or not target:
                target = image
            if ledger is not None and "blobs" in ledger:
                parts = [f"{_count(counts[How.SENT], 'layer')} uploaded", f"{counts[How.EXISTS]} existed"]
                if counts[How.MOUNTED]:
                    parts.append(f"{counts[How.MOUNTED]} mounted")
                outcome.output.append(f"pushed {image}: " + ", ".join(parts))
            elif ledger is not None and (children := ledger.get("children")):
                outcome.output.append(f"pushed {image}: an index of {_count(len(children), 'manifest')}")
            else:
                outcome.output.append(f"pushed {image}")
        return LiveOperation.PUSH, f"push {target}"

    def _pull(
        self, entries: list[LiveEntryJSON], gets: list[LiveEntryJSON], outcome: Outcome
    ) -> tuple[LiveOperation, str]:
        outcome.direction = Direction.DOWN
        fetched = {_digest(e): int(e.get("bytes", 0)) for e in entries
                   if _route(e) == RouteName.BLOB and e["method"] == "GET" and e["status"] in (200, 206)}
        seen_manifests: set[str] = set()
        seen_blobs: set[str] = set()
        target = ""
        inspected = 0
        for entry in gets:
            ledger = _manifest_ledger(entry)
            digest = ledger["manifest"] if ledger is not None else ""
            if digest in seen_manifests:
                continue
            seen_manifests.add(digest)
            name, reference = _repository(entry), _reference(entry)
            size = ledger["size"] if ledger is not None else entry.get("bytes", 0)
            outcome.blobs.append(BlobRecord(digest or reference, BlobKind.MANIFEST, int(size), How.PULLED))
            if ledger is None or "blobs" not in ledger:
                if not target:
                    target = _image(name, reference)
                continue
            image = _image(name, reference)
            if ":" not in reference or not target:
                target = image
            layers = {blob["digest"] for blob in ledger["blobs"] if blob["kind"] == BlobKind.LAYER}
            if layers and not _fetched_layers(ledger, fetched):
                # Its manifest (and perhaps its config) but not one layer: a look at the image
                # (`skopeo inspect`), not a pull, so no layer counts as held or as naive.
                for blob in ledger["blobs"]:
                    seen_blobs.add(blob["digest"])
                    if blob["kind"] != BlobKind.LAYER and blob["digest"] in fetched:
                        outcome.blobs.append(BlobRecord(blob["digest"], blob["kind"], int(blob["size"]), How.PULLED))
                outcome.output.append(f"inspected {image}: its manifest"
                                      + (" and config" if any(b["kind"] == BlobKind.CONFIG and b["digest"] in fetched
                                                              for b in ledger["blobs"]) else "")
                                      + ", no layer")
                inspected += 1
                continue
            pulled = held = 0
            for blob in ledger["blobs"]:
                seen_blobs.add(blob["digest"])
                how = How.PULLED if blob["digest"] in fetched else How.LOCAL
                outcome.blobs.append(BlobRecord(blob["digest"], blob["kind"], int(blob["size"]), how))
                if blob["kind"] == BlobKind.LAYER:
                    pulled += how == How.PULLED
                    held += how == How.LOCAL
            outcome.output.append(f"pulled {image}: {_count(pulled, 'layer')} downloaded, {held} already held")
        for digest, size in fetched.items():   # blobs no fetched manifest named (a bare blob GET)
            if digest not in seen_blobs:
                outcome.blobs.append(BlobRecord(digest, BlobKind.LAYER, self._sizes.get(digest, size), How.PULLED))
        if not gets:
            outcome.output.append(f"downloaded {_count(len(fetched), 'blob')} ({format_size(sum(fetched.values()))})")
            target = next((_repository(e) for e in entries if _route(e) == RouteName.BLOB), "")
        if inspected and inspected == len(seen_manifests):
            outcome.direction = None
            return LiveOperation.INSPECT, f"inspect {target}"
        return LiveOperation.PULL, f"pull {target}"


def _fetched_layers(ledger: ManifestLedger, fetched: dict[str, int]) -> list[str]:
    """The layers a fetched manifest names that the client downloaded."""
    return [blob["digest"] for blob in ledger.get("blobs", ())
            if blob["kind"] == BlobKind.LAYER and blob["digest"] in fetched]
