"""A sandbox session written as a scenario file: the world of the scenario it started from, the
scenario steps already done, then each typed command as a step with `expect:` lines saying what it
did, so `regsim play --check` replays it to the same records and `regsim lint` accepts it as is."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml

from regsim.scenario.loader import TOP_KEYS
from regsim.scenario.problems import ContentError, Located, read_content_file
from regsim.scenario.records import StepRecord
from regsim.scenario.spec import Scenario
from regsim.units import parse_size

_COUNTS = ("layers_pushed", "layers_mounted", "layers_skipped", "layers_pulled", "cache_hits")
_UNITS = {"decimal": ("GB", "MB", "kB"), "binary": ("GiB", "MiB", "KiB")}


class SaveError(Exception):
    """The session cannot be written: one line saying why."""


def exact_size(size: int, units: str = "decimal") -> str:
    """A size in the scenario's units that reads back to exactly `size` bytes (`31MB`, `2.5MB`,
    else `31000001B`): an expectation in a saved file must hold to the byte."""
    for unit in _UNITS.get(units, _UNITS["decimal"]):
        one = parse_size(f"1{unit}")
        if size < one:
            continue
        for decimals in range(4):    # in the unit a person would use, or not at all
            text = f"{size / one:.{decimals}f}{unit}"
            if parse_size(text) == size:
                return text
        break
    return f"{size}B"


def expectations(record: StepRecord, before: dict[str, int], units: str) -> dict[str, Any]:
    """What a step did, as the `expect:` keys that check it (`before`: each registry's stored bytes)."""
    expect: dict[str, Any] = {"ok": record.ok}
    if not record.ok and record.error:
        expect["error"] = record.error
    if record.layer_bytes_up:
        expect["layers_up"] = exact_size(record.layer_bytes_up, units)
    if record.layer_bytes_down:
        expect["layers_down"] = exact_size(record.layer_bytes_down, units)
    for key in _COUNTS:
        if getattr(record, key):
            expect[key] = getattr(record, key)
    if record.rate_limit_remaining is not None:
        expect["rate_limit_remaining"] = record.rate_limit_remaining
    stored = {host: exact_size(usage["stored_layer_bytes"], units) for host, usage in record.storage.items()
              if usage["stored_layer_bytes"] != before.get(host, 0)}
    if stored:
        expect["stored"] = stored
    if record.seconds:
        # Replays are deterministic: the time to the millisecond, so the file reads as written.
        expect["seconds"] = {"about": round(record.seconds, 3), "within": "1ms"}
    return expect


def session_yaml(scenario: Scenario, done_before: int, records: list[StepRecord],
                 before: list[StepRecord] | None = None) -> str:
    """The scenario file for a session: `scenario`'s setup, its first `done_before` steps as written, then
    one step per record (a command typed in the sandbox). SaveError when the setup cannot be read back."""
    try:
        source = Located(read_content_file(scenario.path, "scenario"), scenario.path).value
    except ContentError as error:
        raise SaveError(f"the scenario this sandbox started from cannot be read: {error.problems[0]}") from None
    if not isinstance(source, dict) or source.get("version") != 1:
        raise SaveError(f"{scenario.path} is not a scenario file (a recorded session cannot be saved as one)")
    steps: list[Any] = list(source.get("steps") or [])[:done_before]
    stored = {host: usage["stored_layer_bytes"] for host, usage in (before[-1].storage.items() if before else ())}
    for record in records:
        step: dict[str, Any] = {}
        if record.actor is not None:
            step["as"] = record.actor
        step["run"] = record.command
        step["expect"] = expectations(record, stored, scenario.units)
        stored = {host: usage["stored_layer_bytes"] for host, usage in record.storage.items()}
        steps.append(step)
    # Only a scenario's own keys: a challenge file's goal, limits and hints are not a scenario's.
    document = {key: value for key, value in source.items() if key != "steps" and key in TOP_KEYS}
    document["title"] = f"Sandbox: {scenario.title}"
    after = f" after its first {done_before} steps" if done_before else ""
    document["summary"] = (f"{len(records)} command(s) typed in the sandbox of the scenario "
                           f"{scenario.id!r}{after}, each with what it did.")
    document["steps"] = steps
    header = (f"# Saved from the regsim sandbox ({scenario.id}). Each `expect:` records what the command did;\n"
              "# `regsim play --check FILE` replays the file and checks them.\n")
    body: str = yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100, default_flow_style=None)
    return header + body


def write_session(text: str, target: str | os.PathLike[str], overwrite: bool = False) -> Path:
    """Write a saved session to `target` (a .yaml or .yml file); SaveError with one line when it cannot."""
    path = Path(target).expanduser()
    if path.suffix not in (".yaml", ".yml"):
        raise SaveError(f"{target}: a scenario file name ends in .yaml (save {path.name}.yaml)")
    if path.is_dir():
        raise SaveError(f"{target} is a folder: name a file in it")
    if path.exists() and not overwrite:
        raise SaveError(f"{target} already exists: save to another name, or `save {target} --overwrite` "
                        "to replace it")
    if not path.parent.is_dir():
        raise SaveError(f"{target}: there is no folder {path.parent}")
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as error:
        raise SaveError(f"{target}: cannot write it ({error.strerror or error})") from None
    return path
