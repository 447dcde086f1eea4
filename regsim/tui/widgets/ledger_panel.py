"""The byte ledger panel: this step's layer bytes against naive, the run so far, and each blob."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar

from textual.content import Content
from textual.style import Style
from textual.widgets import Static

from regsim.scenario.records import StepRecord
from regsim.tui.views.ledger import ByteTotals, blob_lines, run_totals, step_totals, storage_lines
from regsim.units import format_size

# How a blob fared; each word is coloured by the component class `ledger--HOW` in regsim.tcss.
HOWS = ("sent", "pulled", "exists", "local", "mounted", "mirror-hit", "mirror-miss")
HowStyle = Callable[[str], Style | str]


def _totals(title: str, totals: ByteTotals) -> list[Content]:
    return [
        Content.assemble((title, "bold")),
        Content.assemble(
            "  actual ", (format_size(totals.actual), "bold"), "  naive ", format_size(totals.naive)
        ),
        Content.assemble(
            "  saved ",
            (format_size(totals.saved), "$text-success bold"),
            f" ({totals.saved_per_cent})",
        ),
        Content.assemble(
            ("  up ", "dim"), format_size(totals.up), ("  down ", "dim"), format_size(totals.down)
        ),
    ]


def ledger_content(
    record: StepRecord | None,
    so_far: Sequence[StepRecord],
    names: Mapping[str, str] | None = None,
    how_style: HowStyle = lambda how: "bold",
) -> Content:
    """The ledger as text; `how_style` colours each blob's word (the panel passes its tcss styles)."""
    if record is None:
        return Content.assemble(
            ("No step done yet.\nLayer bytes appear here\nafter each step.", "dim")
        )
    lines = _totals(f"This step ({record.index})", step_totals(record))
    steps = f"{len(so_far)} step{'' if len(so_far) == 1 else 's'}"
    lines += _totals(f"So far ({steps})", run_totals(so_far))
    blobs = blob_lines(record, names)
    if blobs:
        lines.append(Content.assemble(("Blobs", "bold")))
    pad = max((len(blob.how) for blob in blobs), default=0)
    size_pad = max((len(blob.size) for blob in blobs), default=0)
    source: str | None = None
    for blob in blobs:
        if blob.source != source and blob.source:
            lines.append(Content.assemble(("  from ", "dim"), blob.source))
        source = blob.source
        lines.append(
            Content.assemble(
                "  ",
                (f"{blob.how:<{pad}}", how_style(blob.how)),
                f" {blob.size:>{size_pad}} ",
                (blob.label, "" if blob.kind == "layer" else "dim"),
            )
        )
    stores = storage_lines(record)
    if stores:
        lines.append(Content.assemble(("Registry storage", "bold")))
    for store in stores:
        lines.append(Content.assemble(f"  {store.host}"))
        lines.append(
            Content.assemble(
                ("  stored ", "dim"),
                (store.stored, "bold"),
                ("  logical ", "dim"),
                store.logical,
                *(
                    (("  freed ", "dim"), (store.freed, "$text-success bold"))
                    if store.freed
                    else ()
                ),
            )
        )
    return Content("\n").join(lines)


class LedgerPanel(Static):
    """Shows the ledger of the current record; empty before the first step."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {f"ledger--{how}" for how in HOWS}

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._shown: tuple[StepRecord | None, Sequence[StepRecord], Mapping[str, str] | None] = (
            None,
            [],
            None,
        )
        self._drawn = False

    def on_mount(self) -> None:
        self.app.theme_changed_signal.subscribe(
            self, lambda _theme: self.call_after_refresh(self._draw)
        )

    def show(
        self,
        record: StepRecord | None,
        so_far: Sequence[StepRecord],
        names: Mapping[str, str] | None = None,
    ) -> None:
        before, earlier, old_names = self._shown
        if self._drawn and record is before and names == old_names and len(so_far) == len(earlier) and all(
            a is b for a, b in zip(so_far, earlier, strict=True)
        ):
            return  # the same records (the sandbox's `as`, help, a problem): no redraw, no new layout
        self._shown = (record, so_far, names)
        self._draw()

    def _draw(self) -> None:
        self._drawn = True
        self.update(ledger_content(*self._shown, how_style=self._how_style))

    def _how_style(self, how: str) -> Style | str:
        if how not in HOWS:
            return "bold"
        return self.get_visual_style(f"ledger--{how}", partial=True)
