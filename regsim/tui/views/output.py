"""A command's output as a narrow panel shows it: its tables with the padding taken out.

`docker images` pads its columns to fixed widths (40 characters for the repository), so in a
lesson's side panel the table would run off the edge. Here each table keeps its columns, each
as wide as its longest cell, two spaces apart. No Textual here.
"""

from __future__ import annotations

import re

_GAP = re.compile(r" {2,}")
_HEADING = re.compile(r"[A-Z][A-Z ]*")  # REPOSITORY, IMAGE ID, SHARED SIZE


def column_starts(header: str) -> list[int] | None:
    """Where each column of a table header starts; None if the line is not a table header.

    A header has at least two columns, two or more spaces apart, each named in capitals."""
    starts = [0] + [gap.end() for gap in _GAP.finditer(header.rstrip())]
    if len(starts) < 2 or header.startswith(" "):
        return None
    names = [header[a:b].strip() for a, b in zip(starts, [*starts[1:], len(header)], strict=True)]
    if not all(_HEADING.match(name) for name in names):
        return None
    return starts


def _cells(line: str, starts: list[int]) -> list[str] | None:
    """The row's cells, cut where the header's columns start; None if a cell runs into the next."""
    if any(0 < start <= len(line) and line[start - 1] != " " for start in starts[1:]):
        return None
    ends = [*starts[1:], max(len(line), starts[-1])]
    return [line[a:b].strip() for a, b in zip(starts, ends, strict=True)]


def fit_tables(lines: list[str]) -> list[str]:
    """`lines` with every table's columns as narrow as their cells allow; other lines unchanged.

    A table is a header (see `column_starts`) and the lines after it up to a blank line. A table
    with a row that does not line up under its header is left as it is."""
    out: list[str] = []
    i = 0
    while i < len(lines):
        starts = column_starts(lines[i])
        if starts is None:
            out.append(lines[i])
            i += 1
            continue
        end = i + 1
        while end < len(lines) and lines[end].strip():
            end += 1
        rows = [_cells(line, starts) for line in lines[i:end]]
        if any(row is None for row in rows):
            out += lines[i:end]
        else:
            out += _aligned([row for row in rows if row is not None])
        i = end
    return out


def _aligned(rows: list[list[str]]) -> list[str]:
    widths = [max(len(row[c]) for row in rows) for c in range(len(rows[0]))]
    return [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]
