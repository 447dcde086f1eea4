"""The tables docker prints (`docker images`, `docker system df -v`), made from the client's rows.

A `Table` keeps its cells, so a narrow panel can lay it out again without reading the padded
text back; `docker_lines` pads it exactly as docker does, which is what `play` prints and what
the step record's `output` holds.
"""

from __future__ import annotations

from dataclasses import dataclass

from regsim.model.client.images import DiskUsage, ImageRow
from regsim.units import docker_short_id, docker_size


@dataclass(frozen=True, slots=True)
class Table:
    """A header and rows of cells; `widths[i]` is how wide docker pads column i (the last: not at all)."""

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    widths: tuple[int, ...]
    line: int = 0        # where the table starts in the step's output

    def docker_lines(self) -> list[str]:
        return [_padded(cells, self.widths) for cells in (self.header, *self.rows)]

    def at(self, line: int) -> Table:
        """The same table, starting at `line` of an output."""
        return Table(self.header, self.rows, self.widths, line)


def _padded(cells: tuple[str, ...], widths: tuple[int, ...]) -> str:
    *padded, last = cells
    return " ".join(f"{cell:<{width}}" for cell, width in zip(padded, widths, strict=True)) + f" {last}"


def images_table(rows: list[ImageRow]) -> Table:
    """`docker images`."""
    return Table(
        ("REPOSITORY", "TAG", "IMAGE ID", "SIZE"),
        tuple((row.repository, row.tag, docker_short_id(row.image_id), docker_size(row.size)) for row in rows),
        (40, 12, 14),
    )


def crictl_images_table(rows: list[ImageRow]) -> Table:
    """`crictl images`: names in full, 13 hex digits of the image ID, columns laid out by Go's
    tabwriter as cri-tools sets it up (minimum width 20, padding 3: cmd/crictl/util.go)."""
    cells = tuple((row.repository, row.tag, crictl_short_id(row.image_id), docker_size(row.size)) for row in rows)
    header = ("IMAGE", "TAG", "IMAGE ID", "SIZE")
    widths = tuple(max(20, *(len(r[i]) + 3 for r in (header, *cells))) - 1 for i in range(3))
    return Table(header, cells, (widths[0], widths[1], widths[2]))


def crictl_short_id(digest: str) -> str:
    """An image ID as crictl prints it: 13 hex digits (cri-tools cmd/crictl/util.go, truncatedIDLen)."""
    return digest.partition(":")[2][:13]


def disk_usage_tables(usage: DiskUsage) -> tuple[Table, Table]:
    """`docker system df -v`: the totals, then each image's size, shared and unique parts."""
    totals = Table(
        ("TYPE", "TOTAL", "SIZE", "SHARED", "LOGICAL (sum of images)"),
        (("Images", str(usage.images), docker_size(usage.disk), docker_size(usage.shared),
          docker_size(usage.logical)),),
        (12, 6, 10, 10),
    )
    per_image = Table(
        ("IMAGE ID", "SIZE", "SHARED SIZE", "UNIQUE SIZE"),
        tuple((docker_short_id(image.image_id), docker_size(image.size), docker_size(image.shared),
               docker_size(image.unique)) for image in usage.per_image),
        (14, 10, 12),
    )
    return totals, per_image


def table_lines(tables: tuple[Table, ...] | list[Table]) -> tuple[list[str], list[Table]]:
    """The output lines of tables one after another, a blank line between them, and each table
    placed at the line it starts on."""
    lines: list[str] = []
    placed: list[Table] = []
    for table in tables:
        if lines:
            lines.append("")
        placed.append(table.at(len(lines)))
        lines += table.docker_lines()
    return lines, placed
