"""A class's standing drawn (PNG, PDF: one slide-sized page) or tabled (CSV), in the charts' style."""

from __future__ import annotations

import csv
import io
import textwrap
from collections import Counter
from pathlib import Path

from regsim.charts import style
from regsim.lessons.progress import write_atomically
from regsim.web.standing import Standing

FORMATS = (".png", ".pdf", ".csv")
TITLE = "Where the class stands"


class ReportError(ValueError):
    """An output the report cannot be written to; the message says why."""


def render(standing: Standing, fmt: str) -> bytes:
    if fmt == "csv":
        return csv_text(standing).encode()
    from matplotlib.figure import Figure

    with style.rc_context():
        where_rows = len({row.lesson for row in standing.learners}) or 1
        fig = Figure(figsize=(style.FIGSIZE[0], 6.5 + 0.3 * where_rows), layout="constrained")
        fig.suptitle(f"{TITLE}: {len(standing.learners)} learner(s)")
        where, shares, notes = fig.subplots(3, 1, height_ratios=[1.2 + 0.3 * where_rows, 4, 1.4])
        _draw_where(where, standing)
        _draw_shares(shares, standing)
        _draw_misconceptions(notes, standing)
        buffer = io.BytesIO()
        fig.savefig(buffer, format=fmt, dpi=100, metadata=style.save_metadata(fmt, TITLE))
    return buffer.getvalue()


def _draw_where(ax: object, standing: Standing) -> None:
    from matplotlib.axes import Axes

    assert isinstance(ax, Axes)
    counts = Counter(row.lesson or "not started" for row in standing.learners)
    names = list(counts)
    ax.barh(range(len(names)), [counts[n] for n in names], height=0.6, color=style.ACTUAL)
    ax.set_yticks(range(len(names)), [textwrap.shorten(n, 40) for n in names])
    ax.invert_yaxis()
    ax.set_title("Learners on each lesson", loc="left")
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(axis="x")


def _draw_shares(ax: object, standing: Standing) -> None:
    from matplotlib.axes import Axes

    assert isinstance(ax, Axes)
    asked = [row for row in standing.questions if row.answered]
    ax.set_title("Right first answers, per question answered (share of those who answered)", loc="left")
    if not asked:
        ax.text(0.5, 0.5, "No answers yet", ha="center", va="center", transform=ax.transAxes, color=style.GREY)
        ax.set_xticks([])
        return
    ax.bar(range(len(asked)), [100 * row.share for row in asked], color=style.PULL)
    ax.set_xticks(range(len(asked)), [row.question for row in asked], rotation=60, ha="right", fontsize=8)
    ax.set_ylim(0, 100)
    ax.set_ylabel("% right first")
    for x, row in enumerate(asked):
        ax.text(x, 100 * row.share + 2, f"{row.right_first}/{row.answered}", ha="center", fontsize=8)


def _draw_misconceptions(ax: object, standing: Standing) -> None:
    from matplotlib.axes import Axes

    assert isinstance(ax, Axes)
    ax.axis("off")
    ax.set_title("Misconceptions picked most", loc="left")
    lines = [f"{n}. {m.pick!r} to {m.question} ({m.times}x): {textwrap.shorten(m.feedback, 150)}"
             for n, m in enumerate(standing.misconceptions, 1)] or ["No foreseen wrong answer picked yet."]
    ax.text(0, 1, "\n".join(textwrap.fill(line, 120, subsequent_indent="   ") for line in lines),
            va="top", ha="left", transform=ax.transAxes, fontsize=9)


def csv_text(standing: Standing) -> str:
    """One table: a row per learner, per question and per misconception, told apart by `kind`."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["kind", "name", "lesson", "page", "question", "answered", "right_first", "share", "text"])
    for row in standing.learners:
        writer.writerow(["learner", row.name, row.lesson, row.page or "", "", row.answered, "", "",
                         f"{row.finished} lesson(s) finished"])
    for q in standing.questions:
        writer.writerow(["question", "", q.lesson, "", q.question, q.answered, q.right_first,
                         f"{q.share:.2f}" if q.answered else "", q.text])
    for m in standing.misconceptions:
        writer.writerow(["misconception", m.pick, m.lesson, "", m.question, m.times, "", "", m.feedback])
    return out.getvalue()


def write_report(standing: Standing, path: Path) -> Path:
    fmt = path.suffix.lower()
    if fmt not in FORMATS:
        raise ReportError(f"{path}: the report is written as " + ", ".join(FORMATS))
    if not path.parent.is_dir():
        raise ReportError(f"{path}: no such folder {path.parent}")
    data = render(standing, fmt[1:])
    try:
        if fmt == ".csv":
            write_atomically(path, data.decode())
        else:
            path.write_bytes(data)
    except OSError as error:
        raise ReportError(f"cannot write {path}: {error.strerror or error}") from None
    return path
