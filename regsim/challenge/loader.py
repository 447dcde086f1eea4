"""Challenge files: the scenario format's world and setup steps, plus a goal, limits, hints and a solution.

    version: 1
    title: Push only what is new
    task: Alice has built v2. Put it on the registry for Bob, and move as little as you can.
    start_as: alice
    registries: ...  clients: ...  layers: ...  images: ...   (as in a scenario)
    steps: ...                                               (run before the learner types)
    goal:
      - registry.example/team/app:v2 exists
    limits: {commands: 2, layer_bytes_up: 3MB}
    hints: [...]
    solution: [docker tag ..., docker push ...]
    explain: Why this works, shown when the goal is reached.

Every problem is reported with FILE:LINE:COL (the world's by the scenario loader, the rest here).
"""

from __future__ import annotations

from pathlib import Path as FilePath
from typing import Any

from regsim.challenge.goals import Goal, GoalError, parse_goal
from regsim.challenge.limits import COUNT_LIMITS, KEYS, SIZE_LIMITS, Limit
from regsim.challenge.spec import Challenge
from regsim.scenario.checker import Checker
from regsim.scenario.commands import CommandError, parse_command
from regsim.scenario.loader import parse_scenario
from regsim.scenario.problems import ContentError, Located, Path, Problem, did_you_mean, read_content_file
from regsim.scenario.spec import Scenario
from regsim.units import UnitError, parse_size

CHALLENGE_KEYS = ("task", "start_as", "goal", "limits", "hints", "solution", "explain")


def is_challenge_text(text: str) -> bool:
    """Whether a YAML file is a challenge (it has a top-level `goal:`), not a scenario."""
    return any(line.startswith("goal:") for line in text.splitlines())


def load_challenge(path: str | FilePath) -> Challenge:
    """Read and check a challenge file; ContentError lists every problem found."""
    file = FilePath(path)
    return parse_challenge(read_content_file(file, "challenge"), str(path), file.stem)


def parse_challenge(text: str, filename: str = "<challenge>", challenge_id: str = "challenge") -> Challenge:
    problems: list[Problem] = []
    scenario: Scenario | None = None
    try:
        scenario = parse_scenario(text, filename, challenge_id, extra_keys=CHALLENGE_KEYS, steps_required=False)
    except ContentError as error:
        problems.extend(error.problems)
    located = Located(text, filename)
    root = located.value
    if not isinstance(root, dict):
        raise ContentError(problems or [Problem(filename, 1, 1, "a challenge is a YAML mapping")])
    check = Checker(located)
    check.problems = []        # the scenario loader reported the YAML's own problems already
    task = check.text(root.get("task"), ("task",), "task (what the learner is asked to do)") or ""
    explain = check.text(root.get("explain"), ("explain",), "explain (why the goal's way works)") or ""
    clients = [c.name for c in scenario.clients] if scenario else []
    hosts = ([r.name for r in scenario.registries] + [n for r in scenario.registries for n, _ in r.replicas]
             if scenario else [])
    start_as = _start_as(check, root, clients)
    goals = _goals(check, root.get("goal"), clients, hosts, scenario is not None)
    limits = _limits(check, root.get("limits"), clients + hosts)
    hints = tuple(_lines(check, root.get("hints"), ("hints",), "hints", required=False))
    solution = tuple(_lines(check, root.get("solution"), ("solution",), "solution", required=True))
    for i, line in enumerate(solution):
        problem = _solution_line_problem(line, clients)
        if problem:
            check.add(("solution", i), problem)
    problems.extend(check.problems)
    if problems or scenario is None:
        raise ContentError(sorted(problems, key=lambda p: (p.line, p.column)))
    title = scenario.title
    return Challenge(challenge_id, title, task, scenario, goals, limits, hints, solution, explain, start_as,
                     filename)


def _start_as(check: Checker, root: dict[str, Any], clients: list[str]) -> str | None:
    if "start_as" not in root:
        return clients[0] if clients else None
    name = check.text(root["start_as"], ("start_as",), "start_as")
    if name is not None and clients and name not in clients:
        check.add(("start_as",), f"there is no client {name!r}{did_you_mean(name, clients)}")
    return name


def _goals(check: Checker, value: Any, clients: list[str], hosts: list[str], known: bool) -> tuple[Goal, ...]:
    items = check.sequence(value, ("goal",), "goal")
    if not items:
        if value is None:
            check.add((), "goal is required: a list of sentences such as `bob has registry.example/team/app:v2`")
        else:
            check.add(("goal",), "goal lists at least one sentence")
    goals = []
    for i, item in enumerate(items):
        where: Path = ("goal", i)
        text = check.text(item, where, "a goal")
        if text is None:
            continue
        try:
            goal = parse_goal(text)
        except GoalError as error:
            check.add(where, str(error))
            continue
        named_clients, named_hosts = goal.names()
        if known:
            for name in named_clients:
                if name not in clients:
                    check.add(where, f"there is no client {name!r}{did_you_mean(name, clients)}")
            for host in named_hosts:
                if host not in hosts:
                    check.add(where, f"there is no registry {host!r}{did_you_mean(host, hosts)}")
        goals.append(goal)
    return tuple(goals)


def _limits(check: Checker, value: Any, nodes: list[str]) -> tuple[Limit, ...]:
    found = check.mapping(value, ("limits",), "limits")
    check.keys(found, KEYS, ("limits",), "limits")
    limits = []
    for key, item in found.items():
        where: Path = ("limits", key)
        if key in COUNT_LIMITS:
            if not isinstance(item, int) or isinstance(item, bool) or item < 0:
                check.add(where, f"{key} is a count (0 or more)")
            else:
                limits.append(Limit(key, item))
        elif key in SIZE_LIMITS:
            try:
                limits.append(Limit(key, parse_size(item)))
            except UnitError as error:
                check.add(where, str(error))
        elif key == "sent_by":
            for host, size in check.mapping(item, where, "sent_by").items():
                if host not in nodes:
                    check.add((*where, host), f"there is no registry {host!r}{did_you_mean(str(host), nodes)}",
                              key=True)
                    continue
                try:
                    limits.append(Limit(key, parse_size(size), registry=str(host)))
                except UnitError as error:
                    check.add((*where, host), str(error))
        elif key == "link":
            limit = _link_limit(check, item, where, nodes)
            if limit is not None:
                limits.append(limit)
    return tuple(limits)


def _link_limit(check: Checker, item: Any, where: Path, nodes: list[str]) -> Limit | None:
    link = check.mapping(item, where, "link")
    check.keys(link, ("between", "at_most"), where, "link")
    between = link.get("between")
    if not isinstance(between, list) or len(between) != 2:
        check.add((*where, "between") if "between" in link else where,
                  "between names the link's two ends: [A, B]")
        return None
    for i, end in enumerate(between):
        if str(end) not in nodes:
            check.add((*where, "between", i), f"there is no client or registry {end!r}"
                      f"{did_you_mean(str(end), nodes)}")
    try:
        most = parse_size(link.get("at_most", ""))
    except UnitError as error:
        check.add((*where, "at_most") if "at_most" in link else where, f"at_most: {error}")
        return None
    return Limit("link", most, (str(between[0]), str(between[1])))


def _lines(check: Checker, value: Any, path: Path, what: str, required: bool) -> list[str]:
    items = check.sequence(value, path, what)
    if required and not items:
        check.add(path if value is not None else (), f"{what} is required: a list of lines")
    lines = []
    for i, item in enumerate(items):
        text = check.text(item, (*path, i), f"a line of {what}")
        if text is not None:
            lines.append(" ".join(text.split()))
    return lines


def _solution_line_problem(line: str, clients: list[str]) -> str | None:
    words = line.split()
    if words and words[0] == "as":
        if len(words) != 2 or words[1] not in clients:
            name = words[1] if len(words) > 1 else ""
            return f"`as NAME` names a client here: there is no client {name!r}{did_you_mean(name, clients)}"
        return None
    try:
        parse_command(line)
    except CommandError as error:
        return str(error)
    return None
