"""Many clients drawn as few: in a network chart, clients with the same links (the same other
ends, speeds and latencies) become one node named compactly (`node1 … node50 (50)`), once a
column holds more names than the page can show one under another. The CSV keeps every link."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from regsim.charts.rows import NetworkRow
from regsim.model.sim.network import NodeKind
from regsim.scenario.together_text import compact_names

MOST_CLIENTS_NAMED = 22   # more clients than this in one column and their names run into each other


def group_clients(kinds: Mapping[str, str], rows: Sequence[NetworkRow],
                  cut: Mapping[tuple[str, str], object]) -> tuple[dict[str, str], list[NetworkRow]]:
    """The node kinds and link rows to draw: unchanged when the clients fit, else with each set of
    alike clients (two or more, none of whose links a step cut) as one node whose links carry
    the members' bytes summed, the longest time and the highest share, and `links`, how many."""
    clients = [name for name, kind in kinds.items() if kind == NodeKind.CLIENT]
    if len(clients) <= MOST_CLIENTS_NAMED:
        return dict(kinds), list(rows)
    ends: dict[str, list[NetworkRow]] = {name: [] for name in clients}
    for row in rows:
        for near, far in ((row["node_a"], row["node_b"]), (row["node_b"], row["node_a"])):
            if near in ends and far not in ends:
                ends[near].append(row)
    alike: dict[tuple[tuple[str, bool, float | None, float | None], ...], list[str]] = {}
    for name in clients:
        links = ends[name]
        if any((row["node_a"], row["node_b"]) in cut or (row["node_b"], row["node_a"]) in cut for row in links):
            continue
        signature = tuple(sorted(
            (_other(row, name), row["declared"], row["bandwidth_bps"], row["latency_s"]) for row in links
        ))
        alike.setdefault(signature, []).append(name)
    renamed = {name: f"{compact_names(members)} ({len(members)})"
               for members in alike.values() if len(members) > 1 for name in members}
    if not renamed:
        return dict(kinds), list(rows)
    drawn_kinds: dict[str, str] = {}
    for name, kind in kinds.items():
        drawn_kinds.setdefault(renamed.get(name, name), kind)
    drawn: dict[tuple[str, str], NetworkRow] = {}
    for row in rows:
        a, b = (renamed.get(end, end) for end in (str(row["node_a"]), str(row["node_b"])))
        merged = drawn.get((a, b))
        if merged is None:
            drawn[(a, b)] = {**row, "node_a": a, "node_b": b, "links": 1}
            continue
        merged["links"] += 1
        merged["total_bytes"] += row["total_bytes"]
        merged["total_seconds"] = max(merged["total_seconds"], row["total_seconds"])
        if row["peak_share"] is not None:
            merged["peak_share"] = max(row["peak_share"], merged["peak_share"] or 0.0)
    return drawn_kinds, list(drawn.values())


def _other(row: NetworkRow, name: str) -> str:
    return str(row["node_b"] if row["node_a"] == name else row["node_a"])
