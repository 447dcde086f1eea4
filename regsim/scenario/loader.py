"""Scenario files (format v1): read, check everything, report every problem with FILE:LINE:COL.

Each section has its own reader: world_sections.py (registries, clients, network, users, repositories),
image_sections.py (layers, images), step_sections.py (steps); command_checks.py checks a command
against the world, and checker.py reads YAML values by path with their positions."""

from __future__ import annotations

from pathlib import Path as FilePath

from regsim.choice_order import in_presentation_order
from regsim.scenario.checker import Checker
from regsim.scenario.clients import mirror_warnings
from regsim.scenario.file_sections import read_files
from regsim.scenario.image_sections import read_images, read_layers
from regsim.scenario.problems import ContentError, Located, Problem, read_content_file
from regsim.scenario.router_sections import check_routers_linked, read_routers
from regsim.scenario.spec import Scenario
from regsim.scenario.step_sections import read_steps
from regsim.scenario.world_sections import (
    read_clients,
    read_links,
    read_registries,
    read_repositories,
    read_users,
)

TOP_KEYS = ("version", "title", "summary", "registries", "clients", "routers", "network", "users", "repositories",
            "layers", "images", "files", "steps")


def load_scenario(path: str | FilePath) -> Scenario:
    """Read and check a scenario file; ContentError lists every problem found."""
    file = FilePath(path)
    text = read_content_file(file, "scenario")
    return parse_scenario(text, str(path), file.stem)


def parse_scenario(text: str, filename: str = "<scenario>", scenario_id: str = "scenario",
                   extra_keys: tuple[str, ...] = (), steps_required: bool = True) -> Scenario:
    """`extra_keys`: top-level keys another format built on this one reads itself (a challenge's goal);
    such a format may leave `steps` out (`steps_required`)."""
    located = Located(text, filename)
    check = Checker(located)
    root = located.value
    if not isinstance(root, dict):
        raise ContentError([Problem(filename, 1, 1,
                                    "a scenario is a YAML mapping with version, title, summary and steps")])
    check.keys(root, TOP_KEYS + extra_keys, (), "the scenario")
    if root.get("version") != 1:
        check.add(("version",), "version: 1 is required (the only scenario format so far)")
    title = check.text(root.get("title"), ("title",), "title") or ""
    summary = check.text(root.get("summary"), ("summary",), "summary", required=False) or ""

    layers, binary = read_layers(check, root.get("layers"))

    registries = read_registries(check, root.get("registries"))
    host_names = [r.name for r in registries] + [name for r in registries for name, _ in r.replicas]
    clients = read_clients(check, root.get("clients"), host_names)
    node_names = host_names + [c.name for c in clients]
    routers = read_routers(check, root.get("routers"), node_names)
    links = read_links(check, root.get("network"), node_names + routers)
    check_routers_linked(check, routers, links)
    users = read_users(check, root.get("users"))
    repositories = read_repositories(check, root.get("repositories"), host_names, users)
    images = read_images(check, root.get("images"), layers)
    scenario = Scenario(filename, scenario_id, title, summary, registries, clients, links, users, repositories,
                        layers, images, [], "binary" if binary else "decimal", routers,
                        files=read_files(check, root.get("files")))
    steps = root.get("steps", None if steps_required else [])
    scenario.steps = read_steps(check, steps, scenario)
    scenario.warnings = mirror_warnings(located, root.get("clients"), scenario)
    for step in scenario.steps:      # a predict's choices in the order they are shown, not the file's
        if step.ask is not None and len(step.ask.choices) > 1:
            step.ask.choices = in_presentation_order(f"{scenario_id}/{step.id or step.index}", step.ask.choices)
    if check.problems:
        raise ContentError(sorted(check.problems, key=lambda p: (p.line, p.column)))
    return scenario
