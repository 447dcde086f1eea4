"""The numbers behind every chart, computed from a run's step records and nothing else.

A chart, its CSV and its terminal rendering all draw from `chart_data`, so they cannot
disagree. "Saved" has one definition, the step record's: naive minus actual layer bytes.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping, Sequence

from regsim.charts.errors import ChartError
from regsim.charts.labels import step_verb
from regsim.charts.rows import (
    ChartRow,
    NetworkRow,
    RolloutRow,
    SharingRow,
    StepColumns,
    StorageRow,
    TransferRow,
)
from regsim.model.sim.network import NodeKind
from regsim.scenario.contract import ImageLayerJSON, RunJSON, StepJSON, StorageJSON
from regsim.scenario.prompt import masked_command
from regsim.units import UNIT_SYSTEMS, short_digest

KINDS: tuple[str, ...] = ("transfer", "storage", "sharing", "network", "rollout")

_WHAT = {
    "transfer": "layer bytes over the network, actual vs. whole images",
    "storage": "layer bytes stored per registry, deduplicated vs. logical",
    "sharing": "which images share which layers",
    "network": "bytes and seconds per network link",
    "rollout": "when each client acting at once was done",
}
# Topology kinds that hold blobs, in the order their storage panels are drawn.
STORING_KINDS = (NodeKind.REGISTRY, NodeKind.MIRROR, NodeKind.REPLICA)


def unit_system(run_or_units: object) -> str:
    """The run's `units` ("decimal" when it names none); ChartError for anything else."""
    units = run_or_units.get("units") if isinstance(run_or_units, dict) else run_or_units
    if units is None:
        return "decimal"
    if units not in UNIT_SYSTEMS:
        raise ChartError(f"units must be 'decimal' or 'binary', not {units!r}")
    return str(units)


def check_kind(kind: object) -> str:
    """`kind` when it is one of KINDS; ChartError listing them otherwise."""
    if kind not in KINDS:
        close = difflib.get_close_matches(str(kind), KINDS, n=1, cutoff=0.6)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise ChartError(f"unknown chart kind {kind!r}: {hint}use one of {', '.join(KINDS)}")
    return str(kind)


def run_steps(run: object) -> list[StepJSON]:
    """The run's step records; ChartError when `run` is not a run dict."""
    if not isinstance(run, dict) or not isinstance(run.get("steps"), list):
        raise ChartError(
            "a run must be a dict with a 'steps' list (what `regsim play --json` gives)"
        )
    steps: list[StepJSON] = run["steps"]
    return steps


def steps_until(run: RunJSON, until: int | None) -> list[StepJSON]:
    """Steps 1..until (all when until is None); ChartError when until is not a step number."""
    steps = run_steps(run)
    if until is None:
        return steps
    if isinstance(until, bool) or not isinstance(until, int) or not 1 <= until <= len(steps):
        if not steps:
            raise ChartError(f"until={until!r} is out of range: the run has no steps")
        raise ChartError(
            f"until={until!r} is out of range: give a step number from 1 to {len(steps)}"
        )
    return steps[:until]


def chart_title(run: RunJSON, kind: str, until: int | None = None) -> str:
    """'Shared base layers travel once: which images share which layers (after step 4 of 9)'."""
    title = run.get("title") or run.get("scenario") or "regsim run"
    text = f"{title}: {_WHAT[check_kind(kind)]}"
    total = len(run_steps(run))
    if until is not None and until < total and kind != "sharing":
        text += f" (after step {until} of {total})"
    return text


def _number(record: Mapping[str, object], key: str) -> int:
    value = record.get(key)
    if not value:
        return 0
    if isinstance(value, (int, float, str)):
        return int(value)
    raise ChartError(f"{key} is not a number: {value!r}")


def _step_columns(step: StepJSON) -> StepColumns:
    return {
        "step": step["index"],
        "actor": step.get("actor") or "",
        "command": masked_command(step.get("command")),
        "verb": step_verb(step),
    }


MIRROR_HOWS = ("mirror-hit", "mirror-miss")


def has_mirror_traffic(run: RunJSON) -> bool:
    """True when a client pulled a layer through a pull-through mirror in this run."""
    return any(blob.get("how") in MIRROR_HOWS for step in run_steps(run) for blob in step.get("blobs") or [])


def _mirror_bytes(step: StepJSON) -> tuple[int, int]:
    """(layer bytes clients received from a mirror, layer bytes the mirror fetched upstream).

    A layer a mirror holds is served from its own store; for one it lacks, the mirror reads it from
    its upstream twice, a copy into its store and a copy streamed to the client, and once more for
    each client asking while that copy is under way (distribution: registry/proxy/proxyblobstore.go,
    ServeBlob: `go storeLocal`, then `copyContent` from the remote). What the mirror fetched is what
    its blob GETs to its upstream carried, for the layers it served in the step."""
    served = 0
    mirrors: set[str] = set()
    layers: set[str] = set()
    for blob in step.get("blobs") or []:
        if blob.get("kind") == "layer" and blob.get("how") in MIRROR_HOWS:
            served += _number(blob, "bytes")
            mirrors.add(str(blob.get("source")))
            layers.add(str(blob.get("digest")))
    upstream = sum(
        _number(request, "bytes") for request in step.get("requests") or []
        if request.get("from") in mirrors and request.get("method") == "GET" and request.get("status") == 200
        and str(request.get("path", "")).rpartition("/")[2] in layers
    )
    return served, upstream


def transfer_rows(run: RunJSON, until: int | None = None) -> list[TransferRow]:
    """One row per step: layer bytes moved and the whole-image bytes, each and cumulative.

    `saved_bytes` is cumulative: the gap between the two running totals after the step. A run
    where clients pulled through a mirror also has the mirror's side: the layer bytes it served,
    what it fetched from its upstream (the WAN) for them, and, cumulative, what it saved the WAN.
    """
    rows: list[TransferRow] = []
    total_actual = total_naive = 0
    mirrored = has_mirror_traffic(run)
    total_served = total_upstream = 0
    for step in steps_until(run, until):
        actual = _number(step, "layer_bytes_up") + _number(step, "layer_bytes_down")
        naive = _number(step, "naive_layer_bytes_up") + _number(step, "naive_layer_bytes_down")
        total_actual += actual
        total_naive += naive
        columns = _step_columns(step)   # (spelt out: mypy cannot tell they hold no mirror_* key)
        row: TransferRow = {
            "step": columns["step"], "actor": columns["actor"], "command": columns["command"],
            "verb": columns["verb"],
            "actual_bytes": actual,
            "naive_bytes": naive,
            "cumulative_actual_bytes": total_actual,
            "cumulative_naive_bytes": total_naive,
            "saved_bytes": total_naive - total_actual,
        }
        if mirrored:
            served, upstream = _mirror_bytes(step)
            total_served += served
            total_upstream += upstream
            row["mirror_served_bytes"] = served
            row["mirror_upstream_bytes"] = upstream
            row["cumulative_mirror_upstream_bytes"] = total_upstream
            row["mirror_saved_bytes"] = total_served - total_upstream
        rows.append(row)
    return rows


def storing_nodes(run: RunJSON, steps: list[StepJSON] | None = None) -> list[str]:
    """Registries, mirrors and replicas: topology order first, then any only the steps name."""
    names: list[str] = []
    for node in (run.get("topology") or {}).get("nodes") or []:
        if node.get("kind") in STORING_KINDS and node.get("name") not in names:
            names.append(node["name"])
    for step in run_steps(run) if steps is None else steps:
        for name in step.get("storage") or {}:
            if name not in names:
                names.append(name)
    return names


def node_kinds(run: RunJSON) -> dict[str, str]:
    """Each topology node's kind by name."""
    nodes = (run.get("topology") or {}).get("nodes") or []
    return {node["name"]: node.get("kind", "node") for node in nodes}


def storage_columns(registry: str) -> tuple[str, str, str]:
    """The CSV column names for one registry's stored, logical and freed bytes."""
    return (
        f"stored_layer_bytes@{registry}",
        f"logical_layer_bytes@{registry}",
        f"freed_bytes@{registry}",
    )


def storage_csv_row(row: StorageRow) -> dict[str, object]:
    """The row as its CSV line: the step's columns, then each registry's three (`storage_columns`)."""
    flat: dict[str, object] = {key: row[key] for key in ("step", "actor", "command", "verb")}
    for name, storage in row["registries"].items():
        stored_key, logical_key, freed_key = storage_columns(name)
        flat |= {stored_key: storage["stored_layer_bytes"], logical_key: storage["logical_layer_bytes"],
                 freed_key: storage["freed_bytes"]}
    return flat


def storage_rows(run: RunJSON, until: int | None = None) -> list[StorageRow]:
    """One row per step: each registry's stored (deduplicated), logical and freed layer bytes.

    A step that reports no storage keeps the previous values; freed bytes come from the
    record's `freed_bytes`, or from a fall in stored bytes when the record has none.
    """
    steps = steps_until(run, until)
    registries = storing_nodes(run)
    last = {name: (0, 0) for name in registries}
    rows: list[StorageRow] = []
    for step in steps:
        held: dict[str, StorageJSON] = {}
        storage = step.get("storage") or {}
        for name in registries:
            record = storage.get(name)
            if record is None:
                stored, logical = last[name]
                freed = 0
            else:
                stored = _number(record, "stored_layer_bytes")
                logical = _number(record, "logical_layer_bytes")
                freed = _number(record, "freed_bytes") if "freed_bytes" in record else max(0, last[name][0] - stored)
            last[name] = (stored, logical)
            held[name] = {"stored_layer_bytes": stored, "logical_layer_bytes": logical, "freed_bytes": freed}
        rows.append({**_step_columns(step), "registries": held})
    return rows


def _layer_name(layer: ImageLayerJSON) -> str:
    if layer.get("layer"):
        return str(layer["layer"])
    return short_digest(str(layer.get("digest", "")))


def image_identity(run: RunJSON, registry: str, image: str) -> str:
    """What makes a tag one image: the manifest it names (`run["manifests"]`), else the tag itself.

    Two tags naming the same manifest in one registry are one image, not two.
    """
    manifests = (run.get("manifests") or {}).get(registry) or {}
    return str(manifests.get(image) or image)


def sharing_rows(run: RunJSON, until: int | None = None) -> list[SharingRow]:
    """One row per image→layer edge of the run's final state, with how many images share the layer.

    Sharing happens inside one registry's store: `shared_by` counts the distinct manifests of that
    registry using the layer: each image, and each platform of a multi-platform image (an index
    lists a layer once per platform manifest that has it). A replica or mirror holding the same layer stores its own
    copy, so its images are counted on its own rows, not added to the origin's.
    `run["images"]` is the state after the run's last step, so `until` is checked but not applied: a
    chart of the images after step n is drawn from `run_to_dict(run, until=n)` (as `regsim chart
    --kind sharing --until n` and the app do).
    """
    steps_until(run, until)
    images = run.get("images") or {}
    edges: list[tuple[str, str, str, ImageLayerJSON]] = []
    users: dict[tuple[str, str], set[str]] = {}   # the manifests (image, platform) using each layer
    for registry, tagged in images.items():
        for image, layers in (tagged or {}).items():
            uses: dict[str, int] = {}   # by digest: how many of the image's platform manifests list it
            for layer in layers or []:
                digest = str(layer.get("digest") or _layer_name(layer))
                uses[digest] = uses.get(digest, 0) + 1
                if uses[digest] == 1:
                    edges.append((registry, image, digest, layer))
                users.setdefault((registry, digest), set()).add(
                    f"{image_identity(run, registry, image)}#{uses[digest]}")
    return [
        {
            "registry": registry,
            "image": image,
            "layer": _layer_name(layer),
            "digest": digest,
            "size_bytes": _number(layer, "size"),
            "shared_by": len(users[(registry, digest)]),
        }
        for registry, image, digest, layer in edges
    ]


def _link_key(between: Sequence[str]) -> tuple[str, str]:
    a, b = (str(name) for name in between)
    return (a, b) if a <= b else (b, a)


def _whole(value: float | None) -> float | None:
    """50000000.0 as 50000000: bits per second are whole numbers, and a CSV reader sees them so."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def network_rows(run: RunJSON, until: int | None = None) -> list[NetworkRow]:
    """One row per link: declared links first, then links only the steps' traffic used."""
    steps = steps_until(run, until)
    rows: dict[tuple[str, str], NetworkRow] = {}
    for link in (run.get("topology") or {}).get("links") or []:
        a, b = (str(name) for name in link["between"])
        rows.setdefault(
            _link_key((a, b)),
            {
                "node_a": a,
                "node_b": b,
                "declared": True,
                "bandwidth_bps": _whole(link.get("bandwidth_bps")),
                "latency_s": link.get("latency_s"),
                "total_bytes": 0,
                "total_seconds": 0.0,
                "peak_share": None,
            },
        )
    for step in steps:
        for used in step.get("links") or []:
            a, b = (str(name) for name in used["between"])
            row = rows.setdefault(
                _link_key((a, b)),
                {
                    "node_a": a,
                    "node_b": b,
                    "declared": False,
                    "bandwidth_bps": None,
                    "latency_s": None,
                    "total_bytes": 0,
                    "total_seconds": 0.0,
                    "peak_share": None,
                },
            )
            row["total_bytes"] += _number(used, "bytes")
            row["total_seconds"] += float(used.get("seconds") or 0.0)
            peak = used.get("peak_share")   # absent from a recorded live session
            if peak is not None:
                row["peak_share"] = max(float(peak), row["peak_share"] or 0.0)
    for row in rows.values():
        # Summing floats leaves 0.30000000000000004-style tails; a microsecond is plenty.
        row["total_seconds"] = round(row["total_seconds"], 6)
    return list(rows.values())


def down_spans(run: RunJSON, until: int | None = None) -> dict[tuple[str, str], list[tuple[int, int | None]]]:
    """Each link a `network down A B` step cut: the steps it was down, from the cut to the
    `network up A B` that mended it (None: still down after the last step charted)."""
    spans: dict[tuple[str, str], list[tuple[int, int | None]]] = {}
    for step in steps_until(run, until):
        words = (step.get("command") or "").split()
        if len(words) != 4 or words[0] != "network" or words[1] not in ("down", "up") or step.get("ok") is False:
            continue
        key = _link_key(words[2:])
        index = int(step.get("index") or 0)
        runs = spans.setdefault(key, [])
        if words[1] == "down" and (not runs or runs[-1][1] is not None):
            runs.append((index, None))
        elif words[1] == "up" and runs and runs[-1][1] is None:
            runs[-1] = (runs[-1][0], index)
    return {key: runs for key, runs in spans.items() if runs}


def rollout_rows(run: RunJSON, until: int | None = None) -> list[RolloutRow]:
    """One row per client of every step where clients acted at once: when its command was done."""
    rows: list[RolloutRow] = []
    for step in steps_until(run, until):
        for client in step.get("clients") or []:
            rows.append({
                **_step_columns(step),
                "client": client["client"],
                "seconds": client["seconds"],
                "ok": client["ok"],
            })
    return rows


_ROWS: dict[str, Callable[[RunJSON, int | None], Sequence[ChartRow]]] = {
    "transfer": transfer_rows,
    "storage": storage_rows,
    "sharing": sharing_rows,
    "network": network_rows,
    "rollout": rollout_rows,
}


def chart_data(run: RunJSON, kind: str, until: int | None = None) -> Sequence[ChartRow]:
    """The rows behind chart `kind` (see KINDS), over steps 1..until (all when None)."""
    return _ROWS[check_kind(kind)](run, until)


def csv_rows(run: RunJSON, kind: str, until: int | None = None) -> Sequence[Mapping[str, object]]:
    """Chart `kind`'s rows as its CSV lines: the rows themselves, a storage row's registries as columns."""
    if check_kind(kind) == "storage":
        return [storage_csv_row(row) for row in storage_rows(run, until)]
    return chart_data(run, kind, until)
