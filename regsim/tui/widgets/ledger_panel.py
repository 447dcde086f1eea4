"""The byte ledger panel: this step's layer bytes against naive, the run so far, and each blob."""

from __future__ import annotations

from collections.abc import Sequence

from textual.content import Content
from textual.widgets import Static

from regsim.model.units import format_size
from regsim.scenario.records import StepRecord
from regsim.tui.views.ledger import ByteTotals, blob_lines, run_totals, step_totals, storage_lines

# How a blob fared -> the style of its word (theme variables, so light and dark both read well).
HOW_STYLES = {
    "sent": "$text-primary bold",
    "pulled": "$text-primary bold",
    "exists": "$text-secondary bold",
    "local": "$text-secondary bold",
    "mounted": "$text-accent bold",
    "mirror-hit": "$text-success bold",
    "mirror-miss": "$text-warning bold",
}


def _totals(title: str, totals: ByteTotals) -> list[Content]:
    return [
        Content.assemble((title, "bold")),
        Content.assemble("  actual ", (format_size(totals.actual), "bold"), "  naive ", format_size(totals.naive)),
        Content.assemble("  saved ", (format_size(totals.saved), "$text-success bold"), f" ({totals.saved_per_cent})"),
        Content.assemble(("  up ", "dim"), format_size(totals.up), ("  down ", "dim"), format_size(totals.down)),
    ]


def ledger_content(record: StepRecord | None, so_far: Sequence[StepRecord]) -> Content:
    if record is None:
        return Content.assemble(("No step done yet: layer bytes appear here after each step.", "dim"))
    lines = _totals(f"This step ({record.index})", step_totals(record))
    lines += _totals(f"So far ({len(so_far)} steps)", run_totals(so_far))
    blobs = blob_lines(record)
    if blobs:
        lines.append(Content.assemble(("Blobs", "bold")))
    pad = max((len(blob.how) for blob in blobs), default=0)
    for blob in blobs:
        layer = blob.kind == "layer"
        source = f" from {blob.source}" if blob.source else ""
        lines.append(Content.assemble(
            "  ", (f"{blob.how:<{pad}}", HOW_STYLES.get(blob.how, "")), f" {blob.size:>6} ",
            (blob.label, "" if layer else "dim"), (source, "dim"),
        ))
    stores = storage_lines(record)
    if stores:
        lines.append(Content.assemble(("Registry storage", "bold")))
    for store in stores:
        lines.append(Content.assemble(f"  {store.host}"))
        lines.append(Content.assemble(
            ("  stored ", "dim"), (store.stored, "bold"), ("  logical ", "dim"), store.logical,
            *((("  freed ", "dim"), (store.freed, "$text-success bold")) if store.freed else ()),
        ))
    return Content("\n").join(lines)


class LedgerPanel(Static):
    """Shows the ledger of the current record; empty before the first step."""

    def show(self, record: StepRecord | None, so_far: Sequence[StepRecord]) -> None:
        self.update(ledger_content(record, so_far))
