"""The scenario's world as a small picture for a handout: registries above, clients below, and the
links between them (a listed link with its bandwidth and latency). No traffic: it would give answers away."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from regsim.charts import style
from regsim.scenario.spec import Scenario
from regsim.units import format_bandwidth, format_latency

if TYPE_CHECKING:
    from matplotlib.axes import Axes


def _row(names: list[str]) -> dict[str, float]:
    """x positions from 0 to 1, evenly spread and centred."""
    if not names:
        return {}
    step = 1.0 / len(names)
    return {name: step * (i + 0.5) for i, name in enumerate(names)}


def world_edges(scenario: Scenario) -> list[tuple[str, str, str]]:
    """(a, b, label) for each line to draw: listed links with their numbers, else who talks to whom."""
    edges: dict[frozenset[str], tuple[str, str, str]] = {}
    hosts = [r.name for r in scenario.registries] + [name for r in scenario.registries for name, _ in r.replicas]
    for registry in scenario.registries:
        if registry.mirror_of:
            edges[frozenset((registry.name, registry.mirror_of))] = (registry.name, registry.mirror_of, "")
        for replica, _ in registry.replicas:
            edges[frozenset((registry.name, replica))] = (registry.name, replica, "")
    for client in scenario.clients:
        for target in client.mirrors:
            edges[frozenset((client.name, target))] = (client.name, target, "")
    for step in scenario.steps:   # who talks to whom: the hosts a client's commands name
        if step.actor is None or step.command is None:
            continue
        for host in hosts:
            if re.search(rf"(^|[\s/@]){re.escape(host)}(/|\s|$)", step.command.text):
                edges.setdefault(frozenset((step.actor, host)), (step.actor, host, ""))
    for link in scenario.links:
        label = f"{format_bandwidth(link.bandwidth)}, {format_latency(link.latency)}"
        edges[frozenset((link.a, link.b))] = (link.a, link.b, label)
    return list(edges.values())


def draw_world(ax: Axes, scenario: Scenario) -> None:
    """Draw into `ax` (its limits are set here, axes hidden)."""
    registries = [r.name for r in scenario.registries]
    registries += [name for r in scenario.registries for name, _ in r.replicas]
    places = {name: (x, 0.78) for name, x in _row(registries).items()}
    places |= {name: (x, 0.22) for name, x in _row([c.name for c in scenario.clients]).items()}
    edges = world_edges(scenario)
    # Beyond a few listed links their labels would cover each other: the list under the picture has them.
    named = sum(1 for _, _, label in edges if label) <= 3
    for a, b, label in edges:
        if a not in places or b not in places:
            continue
        (xa, ya), (xb, yb) = places[a], places[b]
        ax.plot([xa, xb], [ya, yb], color=style.GREY if not label else style.OKABE_ITO["blue"],
                linewidth=0.8 if not label else 1.6, linestyle=":" if not label else "-", zorder=1)
        if label and named:
            ax.text((xa + xb) / 2, (ya + yb) / 2, label, fontsize=7, ha="center", va="center", zorder=3,
                    bbox={"boxstyle": "round,pad=0.2", "facecolor": "white", "edgecolor": "none"})
    for name in registries:
        x, y = places[name]
        ax.text(x, y, name, fontsize=8, ha="center", va="center", zorder=4,
                bbox={"boxstyle": "square,pad=0.4", "facecolor": "#E8F1F8", "edgecolor": style.OKABE_ITO["blue"]})
    for client in scenario.clients:
        x, y = places[client.name]
        ax.text(x, y, client.name, fontsize=8, ha="center", va="center", zorder=4,
                bbox={"boxstyle": "round,pad=0.4", "facecolor": "#FFF4DC", "edgecolor": style.OKABE_ITO["orange"]})
    ax.text(0.0, 0.97, "registries", fontsize=7, color=style.GREY, va="top")
    ax.text(0.0, 0.03, "clients", fontsize=7, color=style.GREY, va="bottom")
    if any(label for _, _, label in edges):
        ax.text(1.0, 0.03, "solid: a link listed below · dotted: fast and local", fontsize=6.5, color=style.GREY,
                va="bottom", ha="right")
    ax.set_xlim(-0.02, 1.02)
    ax.set_ylim(0, 1)
    ax.set_axis_off()


def world_png(scenario: Scenario) -> bytes:
    """The diagram alone, as PNG (for a Markdown worksheet); the same scenario gives the same bytes."""
    import io

    from matplotlib.figure import Figure

    figure = Figure(figsize=(6.5, 1.8), dpi=150)
    draw_world(figure.add_axes((0.02, 0.02, 0.96, 0.96)), scenario)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", metadata=style.save_metadata("png", f"The world of {scenario.title}"))
    return buffer.getvalue()
