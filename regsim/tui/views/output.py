"""A command's output as a narrow panel shows it: its tables with the padding taken out.

`docker images` pads its columns to fixed widths (40 characters for the repository), so in a
lesson's side panel the table would run off the edge. The step record keeps each table's cells
(`StepRecord.tables`); here each table is laid out again, each column as wide as its longest
cell, two spaces apart. Every other line stays as the command printed it. No Textual here.
"""

from __future__ import annotations

from regsim.scenario.records import StepRecord
from regsim.scenario.tables import Table

GAP = "  "


def narrow_lines(table: Table) -> list[str]:
    """The table with each column as wide as its longest cell."""
    rows = [table.header, *table.rows]
    widths = [max(len(row[column]) for row in rows) for column in range(len(table.header))]
    return [GAP.join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in rows]


def narrow_output(record: StepRecord) -> list[str]:
    """The record's output lines, each of its tables laid out as narrow as its cells allow."""
    lines = list(record.output)
    for table in sorted(record.tables, key=lambda t: t.line, reverse=True):   # later ones first: indices hold
        lines[table.line:table.line + 1 + len(table.rows)] = narrow_lines(table)
    return lines
