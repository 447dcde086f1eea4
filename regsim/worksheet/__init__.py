"""Printable worksheets (`regsim worksheet`): a scenario's or lesson's steps and questions with blanks to
fill, then an answer key with the simulator's answers and the bytes table. Markdown or PDF (matplotlib).

Above both `lessons` and `charts` (it reads a lesson's questions and draws with the charts' style)."""

from __future__ import annotations

import os
from pathlib import Path

from regsim.charts.errors import ChartError
from regsim.charts.export import write_atomically
from regsim.worksheet.sheet import Worksheet, WorksheetError, build_worksheet

__all__ = ["Worksheet", "WorksheetError", "build_worksheet", "write_worksheet"]

FORMATS = (".md", ".pdf")


def write_worksheet(sheet: Worksheet, target: str | os.PathLike[str]) -> list[Path]:
    """Write `sheet` as FILE.md (with FILE-world.png beside it) or FILE.pdf; the files written.
    WorksheetError with one line when the name or the folder will not do."""
    path = Path(target)
    if path.suffix not in FORMATS:
        raise WorksheetError(f"{target}: a worksheet is written as .md or .pdf")
    try:
        if path.suffix == ".pdf":
            from regsim.worksheet.pdf import worksheet_pdf

            write_atomically(path, worksheet_pdf(sheet))
            return [path]
        from regsim.worksheet.diagram import world_png
        from regsim.worksheet.markdown import worksheet_markdown

        picture = path.with_name(f"{path.stem}-world.png")
        write_atomically(picture, world_png(sheet.scenario))
        write_atomically(path, worksheet_markdown(sheet, picture.name).encode("utf-8"))
        return [path, picture]
    except ChartError as error:
        raise WorksheetError(str(error)) from None
