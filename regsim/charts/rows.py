"""The rows behind each chart kind, as `chart_data` gives them: the keys are the CSV's columns, in
the CSV's order (a storage row's registries become three columns each, see `storage_csv_row`)."""

from __future__ import annotations

from typing import NotRequired, TypedDict

from regsim.scenario.contract import StorageJSON


class StepColumns(TypedDict):
    """What every per-step row starts with: the step, who acted, what was typed (passwords masked)."""

    step: int
    actor: str
    command: str
    verb: str


class TransferRow(StepColumns):
    actual_bytes: int
    naive_bytes: int
    cumulative_actual_bytes: int
    cumulative_naive_bytes: int
    saved_bytes: int
    # Only in a run where clients pulled through a mirror: the mirror's side of the step.
    mirror_served_bytes: NotRequired[int]
    mirror_upstream_bytes: NotRequired[int]
    cumulative_mirror_upstream_bytes: NotRequired[int]
    mirror_saved_bytes: NotRequired[int]


class StorageRow(StepColumns):
    # Each storing registry's bytes after the step, in topology order (a step that reports none keeps
    # the step before's); the CSV writes each as `stored_layer_bytes@HOST`, `logical_…`, `freed_…`.
    registries: dict[str, StorageJSON]


class SharingRow(TypedDict):
    registry: str
    image: str
    layer: str
    digest: str
    size_bytes: int
    shared_by: int


class NetworkRow(TypedDict):
    node_a: str
    node_b: str
    declared: bool                  # listed in the scenario's links (else fast and local)
    bandwidth_bps: float | None
    latency_s: float | None
    total_bytes: int
    total_seconds: float
    peak_share: float | None        # None: no step timed the link (a recorded live session)
    # Only on a link drawn for several alike clients at once (client_groups.py); never in the CSV.
    links: NotRequired[int]


class RolloutRow(StepColumns):
    client: str
    seconds: float
    ok: bool


ChartRow = TransferRow | StorageRow | SharingRow | NetworkRow | RolloutRow
