"""A step of clients acting at once, written for a person: its clients compactly (`srv1 … srv50`),
each command once with the clients that run it, and when each client was done, grouped by time."""

from __future__ import annotations

import re
from collections.abc import Sequence

from regsim.scenario.contract import ClientTimeJSON
from regsim.scenario.prompt import masked_command
from regsim.scenario.spec import StepSpec
from regsim.units import format_seconds

_NUMBERED = re.compile(r"^(?P<head>.*?)(?P<number>\d+)$")
_LONGEST = 48   # characters: past this a list of names ends in "…"


def compact_names(names: Sequence[str]) -> str:
    """Names in the order given, a run of consecutive numbers as its first and last
    (`srv1 … srv10, srv12`); a list longer than about a line's half ends in `…`."""
    runs: list[list[str]] = []
    last: tuple[str, int] | None = None
    for name in names:
        found = _NUMBERED.match(name)
        this = (found["head"], int(found["number"])) if found else None
        if runs and last is not None and this is not None and this == (last[0], last[1] + 1):
            runs[-1].append(name)
        else:
            runs.append([name])
        last = this
    pieces = [run[0] if len(run) == 1 else f"{run[0]}, {run[1]}" if len(run) == 2 else f"{run[0]} … {run[-1]}"
              for run in runs]
    text = ""
    for i, piece in enumerate(pieces):
        joined = piece if not text else f"{text}, {piece}"
        if len(joined) > _LONGEST and i < len(pieces) - 1:
            return f"{joined}, …" if not text else f"{text}, …"
        text = joined
    return text


def clients_label(names: Sequence[str]) -> str:
    """Who acts in a step: up to three names as they are, more as a compact list and how many."""
    if len(names) <= 3:
        return ", ".join(names)
    return f"{compact_names(names)} ({len(names)} at once)"


def step_prompts(step: StepSpec) -> list[tuple[str | None, str]]:
    """Who runs which command in a step: (the client or clients, the command), each command once.

    A step of one client gives its client (None for a command no client runs)."""
    if not step.together:
        if step.command is None:
            return []
        return [(step.actor if step.command.needs_client else None, masked_command(step.command.text))]
    by_command: dict[str, list[str]] = {}
    for actor, command in step.together:
        by_command.setdefault(masked_command(command.text), []).append(actor)
    return [(clients_label(actors), text) for text, actors in by_command.items()]


def finish_groups(clients: Sequence[ClientTimeJSON]) -> list[str]:
    """When each client of a together step was done, soonest first: clients whose times read the
    same (`56.6 s`) share a line, e.g. `srv1 … srv10 after 56.6 s`."""
    groups: dict[str, list[str]] = {}
    for client in sorted(clients, key=lambda c: c["seconds"]):
        groups.setdefault(format_seconds(client["seconds"]), []).append(client["client"])
    order = {client["client"]: i for i, client in enumerate(clients)}
    return [f"{compact_names(sorted(names, key=order.__getitem__))} after {seconds}"
            for seconds, names in groups.items()]
