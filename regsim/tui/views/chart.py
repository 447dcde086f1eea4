"""A run's charts at one position: the terminal drawing and the PNG/CSV export (no Textual).

Drawing in the terminal goes through `regsim.charts.terminal_lines`, which never loads
matplotlib; only `export_chart` does, and only when it writes the PNG.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Protocol, runtime_checkable

from regsim.charts import KINDS, terminal_lines
from regsim.charts.text import MIN_WIDTH
from regsim.scenario.contract import RunJSON
from regsim.scenario.engine import Run
from regsim.scenario.records import run_to_dict

EXPORT_DIR_VARIABLE = "REGSIM_EXPORT_DIR"
EXPORT_SUFFIXES = (".png", ".csv")


def export_directory() -> Path:
    """The folder an export suggests (the app asks before writing): $REGSIM_EXPORT_DIR when set, else
    `regsim` in the user's Documents folder when there is one, else the current directory."""
    configured = os.environ.get(EXPORT_DIR_VARIABLE)
    if configured:
        return Path(configured)
    documents = Path.home() / "Documents"
    return documents / "regsim" if documents.is_dir() else Path.cwd()


def export_folder_problem(folder: Path) -> str | None:
    """Why files cannot go into `folder`, or None (a missing folder is made when its parent exists)."""
    if folder.is_dir():
        return None
    if folder.exists():
        return f"{folder} is a file, not a folder"
    if not folder.parent.is_dir():
        return f"no such folder: {folder.parent}"
    return None


def next_kind(kind: str) -> str:
    return KINDS[(KINDS.index(kind) + 1) % len(KINDS)]


@dataclass
class ChartSource:
    """A run seen after `position` steps; `stem` names the exported files."""

    run: Run
    position: int
    stem: str

    @property
    def total(self) -> int:
        return len(self.run.records)

    @cached_property
    def _whole(self) -> RunJSON:
        return run_to_dict(self.run)

    @cached_property
    def _so_far(self) -> RunJSON:
        return run_to_dict(self.run, until=self.position)

    def run_dict(self, kind: str) -> tuple[RunJSON, int | None]:
        """The run dict and `until` for a chart of `kind` at this position.

        Step charts take the whole run cut at the position, so their titles say "after step n
        of N"; the sharing chart reads the images the world holds at the position.
        """
        if self.position == 0 or kind == "sharing":
            return self._so_far, None
        return self._whole, (self.position if self.position < self.total else None)

    def lines(self, kind: str, width: int) -> list[str]:
        data, until = self.run_dict(kind)
        return terminal_lines(data, kind, max(width, MIN_WIDTH), until)

    def file_stem(self, kind: str) -> str:
        after = f"-after-step-{self.position}" if self.position < self.total else ""
        return re.sub(r"[^A-Za-z0-9._-]+", "-", f"{self.stem}-{kind}{after}")


@runtime_checkable
class Charted(Protocol):
    """A screen that shows a run (the player, the sandbox, the chart itself): it can be charted."""

    def chart_source(self) -> ChartSource:
        """The run as shown now: up to the step on screen."""
        ...


def export_names(source: ChartSource, kind: str) -> list[str]:
    """The files an export of `kind` writes."""
    return [f"{source.file_stem(kind)}{suffix}" for suffix in EXPORT_SUFFIXES]


def export_chart(
    source: ChartSource,
    kind: str,
    directory: Path,
    progress: Callable[[int, int, str], object] = lambda done, total, name: None,
) -> list[Path]:
    """Write chart `kind` as PNG and CSV into `directory`; `progress` hears of each file.

    Raises regsim.charts.ChartError when a file cannot be written or the run has nothing to draw.
    """
    from regsim.charts import export  # the drawing (matplotlib) loads only here

    data, until = source.run_dict(kind)
    if not directory.exists() and directory.parent.is_dir():   # the folder the user chose (it was shown)
        directory.mkdir()
    written = []
    for done, suffix in enumerate(EXPORT_SUFFIXES):
        target = directory / f"{source.file_stem(kind)}{suffix}"
        progress(done, len(EXPORT_SUFFIXES), target.name)
        written.append(export(data, kind, target, until))
    progress(len(EXPORT_SUFFIXES), len(EXPORT_SUFFIXES), "")
    return written
