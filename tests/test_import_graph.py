"""Imports flow one way: model <- scenario <- lessons, charts <- live, worksheet <- tui <- cli, and
inside the model oci <- core <- registry <- client <- sim.

An ast walk over every module of `regsim/` collects every import, including those inside
functions (only imports under `if TYPE_CHECKING:` are exempt: they never run). Two checks:
no module imports a package above its own layer, and the module graph has no cycle. A failure
names the offending edge (file and line), so the fix is obvious.
"""

from __future__ import annotations

import ast
import functools
from dataclasses import dataclass
from pathlib import Path

import networkx as nx

import regsim

ROOT = Path(regsim.__file__).resolve().parent

# Lower rank = lower layer. A module may import its own layer and any lower one.
# Siblings on one rank (lessons and charts) may not import each other.
LAYERS: dict[str, float] = {
    "regsim.units": 0,
    "regsim.bundled": 0,
    "regsim.choice_order": 0,
    "regsim.model": 1,
    # The model's own layers, as distribution's and containerd's: the protocol's vocabulary; what
    # every side speaks (a request's context and records, copying); the registry; the clients
    # (a pull-through cache's session is made by the world, not by the registry); the simulation.
    "regsim.model.oci": 1.1,
    "regsim.model.core": 1.2,
    "regsim.model.registry": 1.3,
    "regsim.model.client": 1.4,
    "regsim.model.sim": 1.5,
    "regsim.scenario": 2,
    "regsim.challenge": 2.5,    # above the scenario engine it plays, below lessons that name challenges
    "regsim.lessons": 3,
    "regsim.charts": 3,
    "regsim.worksheet": 4,
    "regsim.live": 4,
    "regsim.tui": 5,
    "regsim.web": 6,
    "regsim.cli": 7,
    "regsim.__main__": 8,
    "regsim": 0,
}


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    path: Path
    line: int

    def __str__(self) -> str:
        return f"{self.path.relative_to(ROOT.parent)}:{self.line}: {self.source} imports {self.target}"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def layer_of(module: str) -> str:
    best = "regsim"
    for prefix in LAYERS:
        if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > len(best):
            best = prefix
    return best


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _runtime_imports(tree: ast.AST) -> list[tuple[ast.Import | ast.ImportFrom, int]]:
    found: list[tuple[ast.Import | ast.ImportFrom, int]] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for other in node.orelse:   # the else branch runs
                visit(other)
            return
        if isinstance(node, ast.Import | ast.ImportFrom):
            found.append((node, node.lineno))
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def test_imports_inside_functions_and_in_the_else_of_type_checking_are_seen():
    tree = ast.parse(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    import regsim.tui\n"
        "else:\n    import regsim.cli\n"
        "def f():\n    import regsim.web\n"
    )
    seen = {alias.name for node, _ in _runtime_imports(tree) if isinstance(node, ast.Import) for alias in node.names}
    assert seen == {"regsim.cli", "regsim.web"}


@functools.cache   # the four tests read one walk
def collect_edges() -> tuple[Edge, ...]:
    modules = {module_name(p): p for p in ROOT.rglob("*.py")}
    edges: list[Edge] = []
    for source, path in sorted(modules.items()):
        package = source if path.name == "__init__.py" else source.rpartition(".")[0]
        for node, line in _runtime_imports(ast.parse(path.read_text(), str(path))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            else:
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")
                    anchor = anchor[: len(anchor) - (node.level - 1)]
                    base = ".".join([*anchor, base] if base else anchor)
                for alias in node.names:
                    full = f"{base}.{alias.name}"
                    targets.append(full if full in modules else base)
            for target in targets:
                if target == "regsim" or target.startswith("regsim."):
                    while target not in modules and "." in target:
                        target = target.rpartition(".")[0]
                    if target != source:
                        edges.append(Edge(source, target, path, line))
    return tuple(edges)


def test_the_walk_sees_the_packages_it_checks():
    names = {edge.source for edge in collect_edges()}
    for package in ("regsim.model", "regsim.scenario", "regsim.tui", "regsim.cli"):
        assert any(name.startswith(package) for name in names), package


def test_no_module_imports_a_layer_above_its_own():
    upward = []
    for edge in collect_edges():
        source, target = layer_of(edge.source), layer_of(edge.target)
        if source == target:
            continue
        if LAYERS[target] >= LAYERS[source]:
            upward.append(str(edge))
    assert not upward, "imports against the layers:\n" + "\n".join(upward)


def test_the_module_graph_has_no_cycle():
    edges = collect_edges()
    graph = nx.DiGraph()
    where: dict[tuple[str, str], Edge] = {}
    for edge in edges:
        graph.add_edge(edge.source, edge.target)
        where.setdefault((edge.source, edge.target), edge)
    cycles = []
    for component in nx.strongly_connected_components(graph):
        if len(component) > 1:
            cycle = nx.find_cycle(graph.subgraph(component))
            cycles.append("\n".join(f"  {where[(a, b)]}" for a, b in cycle))
    assert not cycles, "import cycles:\n" + "\n\n".join(cycles)

