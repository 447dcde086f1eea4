"""The byte ledger: this step's and the run's layer bytes, actual against naive, from the records."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from regsim.scenario.records import StepRecord
from regsim.units import format_share, format_size, short_digest

_KIND_ORDER = {"layer": 0, "config": 1, "manifest": 2}


@dataclass(frozen=True, slots=True)
class ByteTotals:
    """Layer bytes that travelled, and what whole images would have moved (the records' naive)."""

    up: int = 0
    down: int = 0
    naive_up: int = 0
    naive_down: int = 0
    saved: int = 0

    @property
    def actual(self) -> int:
        return self.up + self.down

    @property
    def naive(self) -> int:
        return self.naive_up + self.naive_down

    @property
    def saved_per_cent(self) -> str:
        return format_share(self.saved, self.naive) if self.naive else "—"


@dataclass(frozen=True, slots=True)
class BlobLine:
    how: str
    kind: str
    label: str
    size: str
    source: str | None


@dataclass(frozen=True, slots=True)
class StorageLine:
    host: str
    stored: str
    logical: str
    freed: str | None


def step_totals(record: StepRecord) -> ByteTotals:
    return ByteTotals(
        record.layer_bytes_up,
        record.layer_bytes_down,
        record.naive_layer_bytes_up,
        record.naive_layer_bytes_down,
        record.saved_bytes,
    )


def run_totals(records: Sequence[StepRecord]) -> ByteTotals:
    """The same totals summed over every step done so far."""
    return ByteTotals(
        sum(r.layer_bytes_up for r in records),
        sum(r.layer_bytes_down for r in records),
        sum(r.naive_layer_bytes_up for r in records),
        sum(r.naive_layer_bytes_down for r in records),
        sum(r.saved_bytes for r in records),
    )


def blob_lines(record: StepRecord, names: Mapping[str, str] | None = None) -> list[BlobLine]:
    """Each blob of the step with how it fared; layers first, in the order the step met them.

    `names` (digest -> the scenario's layer name) labels layers the record itself leaves unnamed,
    such as the ones a client pulls without having built them.
    """
    names = names or {}
    ordered = sorted(record.blobs, key=lambda blob: _KIND_ORDER.get(blob.kind, 3))
    lines = []
    for blob in ordered:
        label = (
            (blob.name or names.get(blob.digest) or short_digest(blob.digest))
            if blob.kind == "layer"
            else blob.kind
        )
        lines.append(BlobLine(blob.how, blob.kind, label, format_size(blob.size), blob.source))
    return lines


def storage_lines(record: StepRecord) -> list[StorageLine]:
    return [
        StorageLine(
            host,
            format_size(sizes.get("stored_layer_bytes", 0)),
            format_size(sizes.get("logical_layer_bytes", 0)),
            format_size(sizes["freed_bytes"]) if sizes.get("freed_bytes") else None,
        )
        for host, sizes in record.storage.items()
    ]
