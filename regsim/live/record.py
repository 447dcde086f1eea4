"""A recorded live session (`regsim serve --record FILE`) as a `Run` the player replays.

    run = load_record("session.json")        # RecordError (a ValueError) with one line if it is not one
    player = Player.from_run(run)

Each step is one client operation (see `regsim.live.session`): a push from its `GET /v2/` to
its manifest PUT, a pull from its `GET /v2/` to its last blob GET, with the lines a learner
reads ("pushed team/app:v1: 2 layers uploaded, 1 existed"), the layer bytes that travelled
beside the naive whole-image bytes, and the registry's storage after the step.

`run.worlds[i]` is the world after i steps, rebuilt by replaying the session's manifests into
an in-memory registry of sized blobs (records of version 2). A version-1 record carries no
manifests: its worlds all repeat the same empty registry, and its ledger is empty.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from regsim.live.entry import RECORD_KIND, RECORD_VERSION
from regsim.live.session import SessionSteps
from regsim.scenario.engine import Run
from regsim.scenario.spec import Scenario

_REQUIRED = {"method": str, "path": str, "status": int}


class RecordError(ValueError):
    """A file that is not a live record regsim can replay; the message is one line."""


def _fail(path: Path, reason: str) -> RecordError:
    return RecordError(f"{path}: {reason}")


def _parse(path: Path, text: str) -> Any:
    """One JSON value, or JSON lines (a header, then one request a line: what `--record` writes).

    A last line cut short (the server was killed while writing it) is left out."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as whole:
        lines = text.splitlines()
        try:
            header = json.loads(lines[0]) if lines else None
        except json.JSONDecodeError:
            header = None
        if not isinstance(header, dict) or "requests" in header:
            raise _fail(path, f"not a regsim live record: not JSON ({whole.msg} at line {whole.lineno})") from None
        requests: list[Any] = []
        for number, line in enumerate(lines[1:], 2):
            if not line.strip():
                continue
            try:
                requests.append(json.loads(line))
            except json.JSONDecodeError as error:
                if number == len(lines):
                    break   # the last line, cut short
                raise _fail(path, f"line {number} is not JSON ({error.msg} at column {error.colno})") from None
        return {**header, "requests": requests}
    if isinstance(value, dict) and "requests" not in value and isinstance(value.get("version"), int) \
            and value["version"] >= 3:
        value["requests"] = []   # JSON lines with the header alone: a session without requests
    return value


def read_record(path: str | Path) -> dict[str, Any]:
    """The record's JSON, checked: its kind, version and every request's method, path and status."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise _fail(path, "no such file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise _fail(path, f"cannot be read ({getattr(error, 'strerror', None) or error})") from None
    value = _parse(path, text)
    if not isinstance(value, dict):
        raise _fail(path, "not a regsim live record: the JSON is not an object")
    kind = value.get("kind")
    if kind != RECORD_KIND:
        raise _fail(path, f"not a regsim live record: kind is {kind!r}, expected {RECORD_KIND!r} "
                          "(a file written by regsim serve --record)")
    version = value.get("version")
    if not isinstance(version, int) or not 1 <= version <= RECORD_VERSION:
        raise _fail(path, f"record version {version!r} is not one this regsim reads (1 to {RECORD_VERSION})")
    requests = value.get("requests")
    if not isinstance(requests, list):
        raise _fail(path, "the record has no list of requests")
    for number, request in enumerate(requests, 1):
        if not isinstance(request, dict):
            raise _fail(path, f"request {number} is not an object")
        for key, kind_of in _REQUIRED.items():
            if not isinstance(request.get(key), kind_of):
                raise _fail(path, f"request {number} has no {key} ({kind_of.__name__})")
        if request.get("ledger") is not None and not isinstance(request["ledger"], dict):
            raise _fail(path, f"request {number}: ledger is not an object")
    return value


def load_record(path: str | Path) -> Run:
    """The recorded session as a Run: one step per client operation, and the world after each."""
    path = Path(path)
    value = read_record(path)
    registry = str(value.get("registry") or "registry")
    steps = SessionSteps(registry, keep_worlds=True)
    try:
        steps.feed_all(value["requests"])
        records = steps.finish()
    except (KeyError, TypeError, ValueError) as error:
        raise _fail(path, f"a request of the record is malformed ({type(error).__name__}: {error})") from None
    started = value.get("started", "")
    requests = len(value["requests"])
    scenario = Scenario(
        path=str(path), id=f"record-{path.stem}",
        title=f"Recorded live session: {path.name}",
        summary=f"{requests} requests to {registry}" + (f", recorded {started}" if started else "")
                + f", grouped into {len(records)} client operations.",
        registries=[], clients=[], links=[], users={}, repositories=[], layers={}, images={},
        steps=steps.steps,
    )
    return Run(scenario, records, steps.worlds)
