"""A step of clients acting at once: `together: [{as: srv1, run: ...}, ...]`, or the short form
`{as: [srv1, srv2], run: ...}` (one command, many clients). A name may stand for a numbered range:
`srv[1-50]` or `srv1..srv50` is srv1, srv2, ... srv50.

The clients' commands run one after another and are then timed as if at once (regsim.model.sim.flows),
which is what pulls, logins and listings at once do: each reads what is there, and so do pushes to
different repositories. A write to a repository another client of the step also uses would race
(two pushes of one blob both find it missing and both upload it; a pull may get the old tag or the
new): run one after another, it would give one order's result, so a together step refuses it."""

from __future__ import annotations

import re
from typing import Any

from regsim.model.oci.errors import RegistryError
from regsim.model.oci.reference import parse_reference
from regsim.scenario.checker import Checker
from regsim.scenario.commands import Command, CommandError, parse_command
from regsim.scenario.problems import Path, did_you_mean

_RANGE = re.compile(r"^(?P<head>[^\[\]]*)\[(?P<first>\d+)-(?P<last>\d+)\](?P<tail>[^\[\]]*)$")
_SPAN = re.compile(r"^(?P<head>\D*)(?P<first>\d+)\.\.(?P=head)(?P<last>\d+)(?P<tail>)$")
_MOST = 1000   # a range larger than this is a typo, not a fleet


def expand_names(name: str) -> list[str]:
    """`srv[1-3]` or `srv1..srv3` -> srv1, srv2, srv3; any other name stands for itself."""
    found = _RANGE.match(name) or _SPAN.match(name)
    if found is None:
        return [name]
    first, last = int(found["first"]), int(found["last"])
    if last < first or last - first >= _MOST:
        return [name]
    return [f"{found['head']}{n}{found['tail']}" for n in range(first, last + 1)]


def read_together(check: Checker, item: dict[str, Any], path: Path, clients: list[str]) -> list[tuple[str, Command]]:
    """Each (client, command) of a step whose clients act at once; every problem with its position."""
    if "together" in item:
        if "run" in item or "as" in item:
            check.add(path, "a together step lists its clients and commands under together:, not beside it")
        parts = check.sequence(item["together"], (*path, "together"), "together")
        places: list[tuple[Path, Any]] = [((*path, "together", i), part) for i, part in enumerate(parts)]
        if not parts:
            check.add((*path, "together"), "together lists at least one {as: CLIENT, run: COMMAND}")
    else:
        places = [(path, item)]
    found: list[tuple[str, Command]] = []
    seen: set[str] = set()
    used: dict[str, set[str]] = {}      # repository -> the clients of the step that name it
    writes: list[tuple[Path, Command, str, list[str]]] = []
    for where, part in places:
        part = check.mapping(part, where, "a client's part")
        if where != path:
            check.keys(part, ("as", "run"), where, "a client's part")
        text = check.text(part.get("run"), (*where, "run"), "run")
        command: Command | None = None
        if text is not None:
            try:
                command = parse_command(text)
            except CommandError as error:
                check.add((*where, "run"), str(error))
        if command is not None and not command.needs_client:
            check.add((*where, "run"), "clients acting together run client commands (docker ...)")
            command = None
        names = part.get("as")
        listed = names if isinstance(names, list) else [names]
        if names is None or names == []:
            check.add(where, "say which clients act with as: (a name, a list, or a range like srv[1-50])")
        for j, name in enumerate(listed):
            at: Path = (*where, "as", j) if isinstance(names, list) else (*where, "as")
            for actor in expand_names(str(name)):
                if actor not in clients:
                    check.add(at, f"unknown client {actor!r}{did_you_mean(actor, clients)}")
                elif actor in seen:
                    check.add(at, f"{actor} is named twice in one together step: a client runs one command at a time")
                else:
                    seen.add(actor)
                    if command is not None:
                        found.append((actor, command))
        if command is not None:
            actors = [actor for name in listed for actor in expand_names(str(name))]
            for repository in _repositories(command):
                used.setdefault(repository, set()).update(actors)
                if command.writes:
                    writes.append(((*where, "run"), command, repository, actors))
    for where, command, repository, actors in writes:
        if len(used[repository] | set(actors)) > 1:
            check.add(where, f"{command.text.split()[0]} {command.family} to {repository} cannot run together with "
                      "another client that uses it: writes at once race (two pushes of one blob both upload "
                      "it), which regsim does not model; give it a step of its own")
    return found


def _repositories(command: Command) -> list[str]:
    """The repositories (HOST/NAME) a command names; a reference that does not parse is checked elsewhere."""
    found = []
    for text in command.references:
        try:
            ref = parse_reference(text)
        except RegistryError:
            continue
        found.append(f"{ref.host}/{ref.repository}")
    return found
