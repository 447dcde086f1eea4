"""A scenario's steps: what each one says or runs, as which client, and what it expects or asks."""

from __future__ import annotations

from typing import Any

from regsim.model.oci.errors import ErrorCode
from regsim.scenario.checker import Checker
from regsim.scenario.clients import command_runtime_problem, docker_hub_problems
from regsim.scenario.command_checks import command_problems, grant_problems
from regsim.scenario.commands import Command, CommandError, RegistryGrant, parse_command
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
from regsim.scenario.problems import Path, did_you_mean
from regsim.scenario.spec import Ask, Scenario, StepSpec
from regsim.scenario.together_sections import expand_names, read_together
from regsim.units import UnitError, format_seconds, parse_duration, parse_size

STEP_KEYS = ("id", "say", "as", "run", "together", "expect", "ask")
EXPECT_KEYS = ("ok", "error", "layers_up", "layers_down", "layers_pushed", "layers_mounted", "layers_skipped",
               "layers_pulled", "cache_hits", "seconds", "stored", "output_contains", "rate_limit_remaining",
               "referrers_listed", "requests")
# What `error:` can name: the registry's codes (the spec's and distribution's), and the client's own
# failures, which never reach a registry (the codes the model's `Outcome.fail` calls use).
# UNKNOWN is containerd's (gRPC code Unknown) when no host of a hosts.toml answers.
CLIENT_ERROR_CODES = ("NETWORK_UNREACHABLE", "UNKNOWN", "NOT_FOUND_LOCALLY", "DIGEST_REFERENCE",
                      "PLATFORM_INVALID", "NO_RECIPE", "NO_CLIENT", "NETWORK_INVALID", "NOT_RUNNABLE",
                      "ErrImageNeverPull", "InvalidImageName",   # the kubelet's reasons (model/client/kubelet.py)
                      # cosign verify's two refusals (model/client/cosign.py), a file or chart not found
                      "NO_SIGNATURES", "NO_MATCHING_SIGNATURES", "NO_FILE", "CHART_INVALID")
ERROR_CODES = tuple(code.name for code in ErrorCode) + CLIENT_ERROR_CODES
SIZE_EXPECTS = ("layers_up", "layers_down")
COUNT_EXPECTS = ("layers_pushed", "layers_mounted", "layers_skipped", "layers_pulled", "cache_hits",
                 "rate_limit_remaining", "referrers_listed", "requests")
ASK_METRICS = ("layers_pulled", "layers_pushed", "layers_mounted", "layers_skipped", "cache_hits",
               "layer_bytes_down", "layer_bytes_up", "seconds", "ok", "error", "referrers_listed", "requests")


def read_steps(check: Checker, value: Any, scenario: Scenario) -> list[StepSpec]:
    steps: list[StepSpec] = []
    items = check.sequence(value, ("steps",), "steps")
    if value is None:
        check.add(("steps",), "steps is required: a list of things to do")
    clients = [c.name for c in scenario.clients]
    hosts = [r.name for r in scenario.registries] + [n for r in scenario.registries for n, _ in r.replicas]
    ids: set[str] = set()
    runtimes = {c.name: c.runtime for c in scenario.clients}
    origins = [r.name for r in scenario.registries if r.mirror_of is None]
    for i, item in enumerate(items):
        path: Path = ("steps", i)
        line = check.located.at(path)[0]
        step = StepSpec(i + 1, line)
        if isinstance(item, str):
            item = {"run": item}
        item = check.mapping(item, path, "a step")
        check.keys(item, STEP_KEYS, path, "a step")
        if "id" in item:
            step.id = check.text(item["id"], (*path, "id"), "id")
            if step.id in ids:
                check.add((*path, "id"), f"step id {step.id!r} is used twice")
            ids.add(step.id or "")
        if "say" in item:
            step.say = check.text(item["say"], (*path, "say"), "say")
        names = item.get("as")
        together = "together" in item or isinstance(names, list) or (
            isinstance(names, str) and expand_names(names) != [names])
        if together:
            step.together = read_together(check, item, path, clients)
            if step.together:
                step.actor, step.command = step.together[0]
            where: Path = (*path, "together" if "together" in item else "run")
            for part in {id(c): c for _, c in step.together}.values():
                _check_command(check, where, part, scenario, hosts, clients)
                for message in docker_hub_problems(part, hosts, origins):
                    check.add(where, message)
            for name, part in step.together:
                mismatch = command_runtime_problem(part, runtimes[name], name)
                if mismatch is not None:
                    check.add(where, mismatch)
        elif "run" in item:
            text = check.text(item["run"], (*path, "run"), "run")
            if text is not None:
                try:
                    step.command = parse_command(text)
                except CommandError as error:
                    check.add((*path, "run"), str(error))
        elif "say" not in item:
            check.add(path, "a step needs run (a command) or say (narration)")
        command = step.command
        if "as" in item and not together:
            actor = check.text(item["as"], (*path, "as"), "as")
            if actor not in clients:
                check.add((*path, "as"), f"unknown client {actor!r}{did_you_mean(str(actor), clients)}")
            else:
                step.actor = actor
        if command is not None and command.needs_client and step.actor is None:
            if len(clients) == 1:
                step.actor = clients[0]
            elif "as" not in item:
                listed = ", ".join(clients) or "no clients are listed"
                check.add(path, f"say which client runs this with as: ({listed})")
        if command is not None and not together:
            _check_command(check, (*path, "run"), command, scenario, hosts, clients)
            for message in docker_hub_problems(command, hosts, origins):
                check.add((*path, "run"), message)
            if step.actor is not None:
                mismatch = command_runtime_problem(command, runtimes[step.actor], step.actor)
                if mismatch is not None:
                    check.add((*path, "run"), mismatch)
        if "expect" in item:
            step.expect = _expect(check, item["expect"], (*path, "expect"), hosts)
        if "ask" in item:
            step.ask = _ask(check, item["ask"], (*path, "ask"))
            if step.ask is not None and step.ask.answer == "computed" and command is None:
                check.add((*path, "ask"), "a computed answer needs a step that runs a command")
        steps.append(step)
    return steps


def _check_command(check: Checker, path: Path, command: Command, scenario: Scenario, hosts: list[str],
                   clients: list[str]) -> None:
    for message in command_problems(command, scenario.images, hosts, clients, scenario.files, scenario.routers,
                                    scenario.links):
        check.add(path, message)
    if isinstance(command, RegistryGrant):
        for message in grant_problems(command, scenario):
            check.add(path, message)



def _expect(check: Checker, value: Any, path: Path, hosts: list[str]) -> dict[str, Expectation]:
    expect = check.mapping(value, path, "expect")
    check.keys(expect, EXPECT_KEYS, path, "expect")
    result: dict[str, Expectation] = {}
    for key, item in expect.items():
        where = (*path, key)
        if key == "ok":
            if not isinstance(item, bool):
                check.add(where, "ok is true or false")
            else:
                result[key] = Succeeds(item)
        elif key == "error":
            if item is not None and str(item) not in ERROR_CODES:
                check.add(where, f"unknown error code {item!r}{did_you_mean(str(item), ERROR_CODES)}")
            else:
                result[key] = FailsWith(None if item is None else str(item))
        elif key in SIZE_EXPECTS:
            try:
                result[key] = LayerBytes(key == "layers_up", parse_size(item))
            except UnitError as error:
                check.add(where, str(error))
        elif key in COUNT_EXPECTS:
            if not isinstance(item, int) or isinstance(item, bool) or item < 0:
                check.add(where, f"{key} is a count (0 or more)")
            elif key == "rate_limit_remaining":
                result[key] = RateLimitRemaining(item)
            else:
                result[key] = Count(key, item)
        elif key == "seconds":
            seconds = _seconds(check, item, where)
            if seconds is not None:
                result[key] = Seconds(*seconds)
        elif key == "stored":
            stored = check.mapping(item, where, "stored")
            sizes: dict[str, int] = {}
            for host, size in stored.items():
                if host not in hosts:
                    check.add((*where, host), f"{host!r} is not a registry here{did_you_mean(str(host), hosts)}",
                              key=True)
                    continue
                try:
                    sizes[host] = parse_size(size)
                except UnitError as error:
                    check.add((*where, host), str(error))
            result[key] = Stored(sizes)
        elif key == "output_contains":
            result[key] = OutputContains(str(item))
    return result


def _seconds(check: Checker, item: Any, where: Path) -> tuple[float, float, str] | None:
    """`seconds: 6.5` (within 10%), or `{about: 6.5, within: 0.5}`: `within` is absolute seconds
    (a number or a time such as `500ms`) or a share of `about` (`"20%"`). Kept as (about, allowed
    error in seconds, the tolerance as written)."""
    usage = "seconds is a number, or {about: N, within: M} (M in seconds, or a share such as \"20%\")"
    if isinstance(item, (int, float)) and not isinstance(item, bool):
        return float(item), max(0.1 * float(item), 0.05), "10%"
    if not isinstance(item, dict):
        check.add(where, usage)
        return None
    check.keys(item, ("about", "within"), where, "seconds")
    about = item.get("about")
    if isinstance(about, bool) or not isinstance(about, (int, float)) or about < 0:
        check.add((*where, "about") if "about" in item else where, usage)
        return None
    within = item.get("within", "10%")
    if isinstance(within, str) and within.strip().endswith("%"):
        try:
            percent = float(within.strip()[:-1])
        except ValueError:
            percent = -1.0
        if percent < 0:
            check.add((*where, "within"), f"within {within!r} is not a share such as \"20%\"")
            return None
        return float(about), float(about) * percent / 100.0, f"{percent:g}%"
    try:
        allowed = parse_duration(within)
    except UnitError:
        check.add((*where, "within"), f"within {within!r} is not seconds (a number, or a time such as 500ms) "
                  "or a share such as \"20%\"")
        return None
    return float(about), allowed, format_seconds(allowed)


def _ask(check: Checker, value: Any, path: Path) -> Ask | None:
    ask = check.mapping(value, path, "ask")
    check.keys(ask, ("question", "answer", "metric", "choices"), path, "ask")
    question = check.text(ask.get("question"), (*path, "question"), "the question")
    if "answer" not in ask:
        check.add(path, "ask needs an answer (or answer: computed with a metric)")
        return None
    answer = ask["answer"]
    choices = [str(c) for c in check.sequence(ask.get("choices"), (*path, "choices"), "choices")]
    metric = ask.get("metric")
    if answer == "computed":
        if metric not in ASK_METRICS:
            check.add((*path, "metric"), f"a computed answer needs a metric: one of {', '.join(ASK_METRICS)}")
    elif choices and str(answer) not in choices:
        check.add((*path, "answer"), f"the answer {answer!r} is not one of the choices")
    return Ask(question or "", answer, metric, choices)
