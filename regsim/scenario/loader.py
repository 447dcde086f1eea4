"""Scenario files (format v1): read, check everything, report every problem with FILE:LINE:COL."""

from __future__ import annotations

from pathlib import Path as FilePath
from typing import Any

from regsim.choice_order import in_presentation_order
from regsim.model.client.daemon import Runtime
from regsim.model.oci.descriptor import Platform
from regsim.model.oci.errors import RegistryError
from regsim.model.oci.reference import DOCKER_HUB, check_name
from regsim.scenario.clients import (
    RETIRED_DEFAULT,
    command_runtime_problem,
    docker_hub_problems,
    pulls_from_docker_hub,
    read_runtime,
    unused_mirrors_warning,
)
from regsim.scenario.commands import (
    Build,
    Command,
    CommandError,
    SetLink,
    check_reference,
    parse_command,
)
from regsim.scenario.problems import (
    ContentError,
    Located,
    Path,
    Problem,
    did_you_mean,
    read_content_file,
)
from regsim.scenario.spec import (
    Ask,
    ClientSpec,
    LinkSpec,
    RegistrySpec,
    RepositorySpec,
    Scenario,
    StepSpec,
    find_recipe,
    recipe_key,
)
from regsim.units import UnitError, parse_bandwidth, parse_duration, parse_size

TOP_KEYS = ("version", "title", "summary", "registries", "clients", "network", "users", "repositories",
            "layers", "images", "steps")
REGISTRY_KEYS = ("name", "auth", "mirror_of", "ttl", "replicas", "rate_limit")
CLIENT_KEYS = ("name", "runtime", "mirrors", "hosts", "platform")
STEP_KEYS = ("id", "say", "as", "run", "expect", "ask")
EXPECT_KEYS = ("ok", "error", "layers_up", "layers_down", "layers_pushed", "layers_mounted", "layers_skipped",
               "layers_pulled", "cache_hits", "seconds", "stored", "output_contains")
SIZE_EXPECTS = ("layers_up", "layers_down")
COUNT_EXPECTS = ("layers_pushed", "layers_mounted", "layers_skipped", "layers_pulled", "cache_hits")
ASK_METRICS = ("layers_pulled", "layers_pushed", "layers_mounted", "layers_skipped", "cache_hits",
               "layer_bytes_down", "layer_bytes_up", "seconds", "ok", "error")
ACTIONS = ("pull", "push", "delete")


class _Checker:
    def __init__(self, located: Located) -> None:
        self.located = located
        self.problems: list[Problem] = list(located.duplicates)

    def add(self, path: Path, message: str, key: bool = False) -> None:
        self.problems.append(self.located.problem(path, message, key))

    def mapping(self, value: Any, path: Path, what: str) -> dict[str, Any]:
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.add(path, f"{what} must be a mapping (key: value lines)")
            return {}
        return value

    def sequence(self, value: Any, path: Path, what: str) -> list[Any]:
        if value is None:
            return []
        if not isinstance(value, list):
            self.add(path, f"{what} must be a list (lines starting with -)")
            return []
        return value

    def keys(self, value: dict[str, Any], allowed: tuple[str, ...], path: Path, what: str) -> None:
        for key in value:
            if key not in allowed:
                self.add((*path, key), f"unknown key {key!r} in {what}{did_you_mean(str(key), allowed)}", key=True)

    def text(self, value: Any, path: Path, what: str, required: bool = True) -> str | None:
        if value is None:
            if required:
                self.add(path, f"{what} is required")
            return None
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            self.add(path, f"{what} must be text")
            return None
        return str(value)


def load_scenario(path: str | FilePath) -> Scenario:
    """Read and check a scenario file; ContentError lists every problem found."""
    file = FilePath(path)
    text = read_content_file(file, "scenario")
    return parse_scenario(text, str(path), file.stem)


def parse_scenario(text: str, filename: str = "<scenario>", scenario_id: str = "scenario") -> Scenario:
    located = Located(text, filename)
    check = _Checker(located)
    root = located.value
    if not isinstance(root, dict):
        raise ContentError([Problem(filename, 1, 1,
                                    "a scenario is a YAML mapping with version, title, summary and steps")])
    check.keys(root, TOP_KEYS, (), "the scenario")
    if root.get("version") != 1:
        check.add(("version",), "version: 1 is required (the only scenario format so far)")
    title = check.text(root.get("title"), ("title",), "title") or ""
    summary = check.text(root.get("summary"), ("summary",), "summary") or ""

    layers: dict[str, int] = {}
    for name, size in check.mapping(root.get("layers"), ("layers",), "layers").items():
        try:
            layers[str(name)] = parse_size(size)
        except UnitError as error:
            check.add(("layers", name), str(error))
            layers[str(name)] = 0   # still a known layer: one problem, not one per image using it
    binary = any(isinstance(s, str) and "iB" in s for s in (root.get("layers") or {}).values()) if isinstance(
        root.get("layers"), dict) else False

    registries = _registries(check, root.get("registries"))
    host_names = [r.name for r in registries] + [name for r in registries for name, _ in r.replicas]
    clients = _clients(check, root.get("clients"), host_names)
    node_names = host_names + [c.name for c in clients]
    links = _links(check, root.get("network"), node_names)
    users = _users(check, root.get("users"))
    repositories = _repositories(check, root.get("repositories"), host_names, users)
    images = _images(check, root.get("images"), layers)
    scenario = Scenario(filename, scenario_id, title, summary, registries, clients, links, users, repositories,
                        layers, images, [], "binary" if binary else "decimal")
    scenario.steps = _steps(check, root.get("steps"), scenario)
    scenario.warnings = _mirror_warnings(located, root.get("clients"), scenario)
    for step in scenario.steps:      # a predict's choices in the order they are shown, not the file's
        if step.ask is not None and len(step.ask.choices) > 1:
            step.ask.choices = in_presentation_order(f"{scenario_id}/{step.id or step.index}", step.ask.choices)
    if check.problems:
        raise ContentError(sorted(check.problems, key=lambda p: (p.line, p.column)))
    return scenario


def _registries(check: _Checker, value: Any) -> list[RegistrySpec]:
    found: list[RegistrySpec] = []
    items = check.sequence(value, ("registries",), "registries")
    for i, item in enumerate(items):
        path: Path = ("registries", i)
        item = check.mapping(item, path, "a registry")
        if not item:
            continue
        # `default:` gets its own message (RETIRED_DEFAULT) and is never offered as a "did you mean".
        check.keys({k: v for k, v in item.items() if k != "default"}, REGISTRY_KEYS, path, "a registry")
        name = check.text(item.get("name"), (*path, "name"), "the registry's name")
        if name is None:
            continue
        spec = RegistrySpec(name)
        if "default" in item:
            check.add((*path, "default"), RETIRED_DEFAULT, key=True)
        auth = item.get("auth", "none")
        if auth not in ("none", "basic", "token"):
            check.add((*path, "auth"), f"auth must be none, basic or token, not {auth!r}")
        else:
            spec.auth = auth
        if item.get("mirror_of") is not None:
            spec.mirror_of = str(item["mirror_of"])
        if "ttl" in item:
            try:
                spec.ttl = parse_duration(item["ttl"])
            except UnitError as error:
                check.add((*path, "ttl"), str(error))
        for j, replica in enumerate(check.sequence(item.get("replicas"), (*path, "replicas"), "replicas")):
            rpath = (*path, "replicas", j)
            if isinstance(replica, str):
                spec.replicas.append((replica, 0))
                continue
            replica = check.mapping(replica, rpath, "a replica")
            check.keys(replica, ("name", "lag"), rpath, "a replica")
            rname = check.text(replica.get("name"), (*rpath, "name"), "the replica's name")
            lag = replica.get("lag", 0)
            if not isinstance(lag, int) or isinstance(lag, bool) or lag < 0:
                check.add((*rpath, "lag"), "lag is a whole number of steps (0 or more)")
                lag = 0
            if rname:
                spec.replicas.append((rname, lag))
        if item.get("rate_limit") is not None:
            limit = check.mapping(item["rate_limit"], (*path, "rate_limit"), "rate_limit")
            check.keys(limit, ("pulls", "per"), (*path, "rate_limit"), "rate_limit")
            pulls = limit.get("pulls")
            if not isinstance(pulls, int) or isinstance(pulls, bool) or pulls < 1:
                check.add((*path, "rate_limit", "pulls"), "pulls is a whole number of pulls (1 or more)")
            else:
                try:
                    spec.rate_limit = (pulls, parse_duration(limit.get("per", "6h")))
                except UnitError as error:
                    check.add((*path, "rate_limit", "per"), str(error))
        found.append(spec)
    names = [r.name for r in found]
    for i, spec in enumerate(found):
        if names.count(spec.name) > 1:
            check.add(("registries", i, "name"), f"registry {spec.name!r} is listed twice")
        if spec.mirror_of is not None and spec.mirror_of not in names:
            check.add(("registries", i, "mirror_of"),
                      f"mirror_of names {spec.mirror_of!r}, which is not a registry here"
                      f"{did_you_mean(spec.mirror_of, names)}")
    return found


def _clients(check: _Checker, value: Any, hosts: list[str]) -> list[ClientSpec]:
    found: list[ClientSpec] = []
    for i, item in enumerate(check.sequence(value, ("clients",), "clients")):
        path: Path = ("clients", i)
        if isinstance(item, str):
            item = {"name": item}
        item = check.mapping(item, path, "a client")
        check.keys(item, CLIENT_KEYS, path, "a client")
        name = check.text(item.get("name"), (*path, "name"), "the client's name")
        if name is None:
            continue
        spec = ClientSpec(name)
        spec.runtime, spec.hosts, found_problems = read_runtime(item, path, hosts)
        for where, message in found_problems:
            check.add(where, message)
        for j, mirror in enumerate(check.sequence(item.get("mirrors"), (*path, "mirrors"), "mirrors")):
            if mirror not in hosts:
                check.add((*path, "mirrors", j),
                          f"mirror {mirror!r} is not a registry here{did_you_mean(str(mirror), hosts)}")
            spec.mirrors.append(str(mirror))
        if "platform" in item:
            try:
                spec.platform = str(Platform.parse(str(item["platform"])))
            except ValueError as error:
                check.add((*path, "platform"), str(error))
        if name in hosts or name in [c.name for c in found]:
            check.add((*path, "name"), f"the name {name!r} is already taken")
        found.append(spec)
    return found


def _mirror_warnings(located: Located, value: Any, scenario: Scenario) -> list[Problem]:
    """A docker client's `mirrors:` that no step can use: it never pulls a Docker Hub name."""
    warnings = []
    items = value if isinstance(value, list) else []
    where = {item.get("name"): i for i, item in enumerate(items) if isinstance(item, dict)}
    for spec in scenario.clients:
        i = where.get(spec.name)
        if spec.runtime != Runtime.DOCKER or not spec.mirrors or i is None:
            continue
        if not any(step.actor == spec.name and step.command is not None and pulls_from_docker_hub(step.command)
                   for step in scenario.steps):
            warnings.append(located.problem(("clients", i, "mirrors"), unused_mirrors_warning(spec.name),
                                            key=True, warning=True))
    return warnings


def _links(check: _Checker, value: Any, nodes: list[str]) -> list[LinkSpec]:
    found: list[LinkSpec] = []
    for i, item in enumerate(check.sequence(value, ("network",), "network")):
        path: Path = ("network", i)
        item = check.mapping(item, path, "a link")
        check.keys(item, ("between", "bandwidth", "latency"), path, "a link")
        between = item.get("between")
        if not isinstance(between, list) or len(between) != 2:
            check.add((*path, "between"), "between lists exactly two names: [a, b]")
            continue
        ok = True
        for j, name in enumerate(between):
            if name not in nodes:
                check.add((*path, "between", j),
                          f"{name!r} is not a client or registry here{did_you_mean(str(name), nodes)}")
                ok = False
        if ok and between[0] == between[1]:
            check.add((*path, "between"), "a link joins two different names")
            ok = False
        try:
            bandwidth = parse_bandwidth(item.get("bandwidth", "10Gbit/s"))
        except UnitError as error:
            check.add((*path, "bandwidth"), str(error))
            ok = False
        try:
            latency = parse_duration(item.get("latency", "0.2ms"))
        except UnitError as error:
            check.add((*path, "latency"), str(error))
            ok = False
        if ok:
            found.append(LinkSpec(str(between[0]), str(between[1]), bandwidth, latency))
    return found


def _users(check: _Checker, value: Any) -> dict[str, str]:
    users: dict[str, str] = {}
    for name, item in check.mapping(value, ("users",), "users").items():
        path: Path = ("users", name)
        item = check.mapping(item, path, "a user")
        check.keys(item, ("password",), path, "a user")
        password = check.text(item.get("password"), (*path, "password"), "the user's password")
        if password is not None:
            users[str(name)] = password
    return users


def _repositories(check: _Checker, value: Any, hosts: list[str], users: dict[str, str]) -> list[RepositorySpec]:
    found: list[RepositorySpec] = []
    for key, item in check.mapping(value, ("repositories",), "repositories").items():
        path: Path = ("repositories", key)
        host, _, name = str(key).partition("/")
        if host not in hosts:
            check.add(path, f"{key!r} must start with a registry here{did_you_mean(host, hosts)}", key=True)
            continue
        try:
            check_name(name)
        except RegistryError as error:
            check.add(path, error.reason, key=True)
            continue
        item = check.mapping(item, path, "a repository")
        check.keys(item, ("visibility", "grants", "immutable_tags"), path, "a repository")
        spec = RepositorySpec(host, name)
        visibility = item.get("visibility", "public")
        if visibility not in ("public", "private"):
            check.add((*path, "visibility"), f"visibility is public or private, not {visibility!r}")
        else:
            spec.visibility = visibility
        spec.immutable_tags = item.get("immutable_tags") is True
        for user, actions in check.mapping(item.get("grants"), (*path, "grants"), "grants").items():
            if user not in users:
                check.add((*path, "grants", user), f"unknown user {user!r}{did_you_mean(str(user), users)}", key=True)
            actions = check.sequence(actions, (*path, "grants", user), "the granted actions")
            for j, action in enumerate(actions):
                if action not in ACTIONS:
                    check.add((*path, "grants", user, j), f"{action!r} is not pull, push or delete")
            spec.grants[str(user)] = tuple(a for a in actions if a in ACTIONS)
        found.append(spec)
    return found


def _images(check: _Checker, value: Any, layers: dict[str, int]) -> dict[str, Any]:
    raw = check.mapping(value, ("images",), "images")
    images: dict[str, Any] = {}

    def layer_list(items: Any, path: Path) -> list[tuple[str, int]]:
        result = []
        for j, layer in enumerate(check.sequence(items, path, "the layers")):
            if str(layer) not in layers:
                check.add((*path, j), f"unknown layer {layer!r}{did_you_mean(str(layer), layers)}")
            else:
                result.append((str(layer), layers[str(layer)]))
        return result

    def resolve(name: str, trail: tuple[str, ...]) -> Any:
        if name in images:
            return images[name]
        item = raw.get(name)
        path: Path = ("images", name)
        if isinstance(item, list):
            images[name] = layer_list(item, path)
        elif isinstance(item, dict) and "platforms" in item:
            check.keys(item, ("platforms",), path, "a multi-platform image")
            platforms = {}
            for platform, items in check.mapping(item["platforms"], (*path, "platforms"), "platforms").items():
                try:
                    Platform.parse(str(platform))
                except ValueError as error:
                    check.add((*path, "platforms", platform), str(error), key=True)
                    continue
                platforms[str(platform)] = layer_list(items, (*path, "platforms", platform))
            images[name] = platforms
        elif isinstance(item, dict):
            check.keys(item, ("base", "layers"), path, "an image")
            base = item.get("base")
            below: list[tuple[str, int]] = []
            if base is not None:
                if not isinstance(base, str):
                    check.add((*path, "base"), "base names another image under images:")
                elif base not in raw:
                    check.add((*path, "base"), f"unknown base image {base!r}{did_you_mean(str(base), raw)}")
                elif base in trail:
                    check.add((*path, "base"), f"{name!r} is built on itself (through {' -> '.join(trail)})")
                else:
                    found = resolve(str(base), (*trail, name))
                    if isinstance(found, list):
                        below = found
                    else:
                        check.add((*path, "base"), "a base must be a single-platform image")
            images[name] = below + layer_list(item.get("layers"), (*path, "layers"))
        else:
            check.add(path, "an image is a list of layers, {base: IMAGE, layers: [...]}, or {platforms: {...}}")
            images[name] = []
        return images[name]

    for name in raw:
        resolve(str(name), ())
    return images


def _steps(check: _Checker, value: Any, scenario: Scenario) -> list[StepSpec]:
    steps: list[StepSpec] = []
    items = check.sequence(value, ("steps",), "steps")
    if value is None:
        check.add(("steps",), "steps is required: a list of things to do")
    clients = [c.name for c in scenario.clients]
    hosts = [r.name for r in scenario.registries] + [n for r in scenario.registries for n, _ in r.replicas]
    ids: set[str] = set()
    runtimes = {c.name: c.runtime for c in scenario.clients}
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
        if "run" in item:
            text = check.text(item["run"], (*path, "run"), "run")
            if text is not None:
                try:
                    step.command = parse_command(text)
                except CommandError as error:
                    check.add((*path, "run"), str(error))
        elif "say" not in item:
            check.add(path, "a step needs run (a command) or say (narration)")
        command = step.command
        if "as" in item:
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
        if command is not None:
            _check_command(check, (*path, "run"), command, scenario, hosts, clients)
            for message in docker_hub_problems(command, hosts):
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


def _check_command(check: _Checker, path: Path, command: Command, scenario: Scenario, hosts: list[str],
                   clients: list[str]) -> None:
    for message in command_problems(command, scenario.images, hosts, clients):
        check.add(path, message)


def command_problems(command: Command, images: dict[str, Any], hosts: list[str], clients: list[str]) -> list[str]:
    """What stops a parsed command from running in a world with these hosts, clients and recipes.

    The scenario loader and the sandbox both ask this before anything runs.
    """
    problems: list[str] = []
    try:
        for reference in command.references:
            host = check_reference(reference)
            # A Docker Hub name that stays on the client (build, tag, rmi) needs no docker.io registry;
            # one sent to a registry is checked by clients.docker_hub_problems.
            if host == DOCKER_HUB:
                continue
            if host not in hosts:
                problems.append(f"{reference!r} goes to {host!r}, which is not a registry here"
                                f"{did_you_mean(host or '', hosts)}")
    except CommandError as error:
        return [str(error)]
    match command:
        case Build(target=target) if find_recipe(images, target) is None:
            problems.append(f"no image recipe named {target!r} under images:"
                            f"{did_you_mean(recipe_key(target), images)}")
        case SetLink(a=a, b=b):
            for name in (a, b):
                if name not in hosts + clients:
                    problems.append(f"{name!r} is not a client or registry here{did_you_mean(name, hosts + clients)}")
    for host in command.hosts:
        if host not in hosts:
            problems.append(f"{host!r} is not a registry here{did_you_mean(host, hosts)}")
    return problems


def _expect(check: _Checker, value: Any, path: Path, hosts: list[str]) -> dict[str, Any]:
    expect = check.mapping(value, path, "expect")
    check.keys(expect, EXPECT_KEYS, path, "expect")
    result: dict[str, Any] = {}
    for key, item in expect.items():
        where = (*path, key)
        if key == "ok":
            if not isinstance(item, bool):
                check.add(where, "ok is true or false")
            else:
                result[key] = item
        elif key == "error":
            result[key] = None if item is None else str(item)
        elif key in SIZE_EXPECTS:
            try:
                result[key] = parse_size(item)
            except UnitError as error:
                check.add(where, str(error))
        elif key in COUNT_EXPECTS:
            if not isinstance(item, int) or isinstance(item, bool) or item < 0:
                check.add(where, f"{key} is a count (0 or more)")
            else:
                result[key] = item
        elif key == "seconds":
            if isinstance(item, (int, float)) and not isinstance(item, bool):
                result[key] = (float(item), max(0.1 * float(item), 0.05))
            elif isinstance(item, dict) and isinstance(item.get("about"), (int, float)):
                check.keys(item, ("about", "within"), where, "seconds")
                result[key] = (float(item["about"]), float(item.get("within", 0.1 * float(item["about"]))))
            else:
                check.add(where, "seconds is a number or {about: N, within: M}")
        elif key == "stored":
            stored = check.mapping(item, where, "stored")
            result[key] = {}
            for host, size in stored.items():
                if host not in hosts:
                    check.add((*where, host), f"{host!r} is not a registry here{did_you_mean(str(host), hosts)}",
                              key=True)
                    continue
                try:
                    result[key][host] = parse_size(size)
                except UnitError as error:
                    check.add((*where, host), str(error))
        elif key == "output_contains":
            result[key] = str(item)
    return result


def _ask(check: _Checker, value: Any, path: Path) -> Ask | None:
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
