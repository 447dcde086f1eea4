"""A worksheet as A4 PDF pages drawn with matplotlib: text flows down each page and onto the next,
the world diagram sits on the first page, and the answer key starts on a page of its own."""

from __future__ import annotations

import functools
import io
import textwrap
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from regsim.charts import style
from regsim.worksheet.diagram import draw_world
from regsim.worksheet.markdown import command_text
from regsim.worksheet.sheet import BYTES_HEADER, SheetQuestion, Worksheet, bytes_rows, world_lines

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.backends.backend_pdf import PdfPages
    from matplotlib.figure import Figure
    from matplotlib.textpath import TextToPath

WIDTH, HEIGHT = 8.27, 11.69          # A4, inches
MARGIN = 0.75
TEXT_WIDTH = WIDTH - 2 * MARGIN
SANS, MONO = "DejaVu Sans", "DejaVu Sans Mono"
CHAR_WIDTH = {SANS: 0.55, MONO: 0.61}   # average glyph width as a share of the font size
BOX = "☐"


@functools.cache
def _text_to_path() -> TextToPath:
    """matplotlib's own text layout, to measure a line in points (loaded on first use)."""
    from matplotlib.textpath import TextToPath

    return TextToPath()


class Flow:
    """Lines of text placed top to bottom; a new page when the next block does not fit."""

    def __init__(self, pdf: PdfPages, footer: str) -> None:
        self.pdf = pdf
        self.footer = footer
        self.pages = 0
        self.figure: Figure | None = None
        self.y = 0.0                  # inches from the top of the page

    # ----- pages -----

    def new_page(self) -> None:
        from matplotlib.figure import Figure

        self.finish_page()
        self.figure = Figure(figsize=(WIDTH, HEIGHT))
        self.pages += 1
        self.y = MARGIN
        self.figure.text(0.5, 0.35 / HEIGHT, f"{self.footer} · page {self.pages}", ha="center", va="bottom",
                         fontsize=7, color=style.GREY, family=SANS)

    def finish_page(self) -> None:
        if self.figure is not None:
            self.pdf.savefig(self.figure)  # type: ignore[no-untyped-call]  # matplotlib leaves it untyped
            self.figure = None

    def need(self, inches: float) -> None:
        if self.figure is None or self.y + inches > HEIGHT - MARGIN:
            self.new_page()

    # ----- content -----

    @staticmethod
    def wrap(text: str, size: float, family: str = SANS, width: float = TEXT_WIDTH, bold: bool = False) -> list[str]:
        """Words filled into lines no wider than `width` inches, as the font measures them."""
        from matplotlib.font_manager import FontProperties

        font = FontProperties(family=family, size=size, weight="bold" if bold else "normal")
        limit = width * 72   # points

        def fits(line: str) -> bool:
            return bool(_text_to_path().get_text_width_height_descent(line, font, ismath=False)[0] <= limit)

        lines: list[str] = []
        lead = " " * (len(text) - len(text.lstrip(" ")))   # kept: it aligns step numbers
        for word in text.split():
            if lines and fits(f"{lines[-1]} {word}"):
                lines[-1] = f"{lines[-1]} {word}"
            elif fits(word):
                lines.append(word)
            else:                            # a word longer than the line (a long reference): cut it
                columns = max(int(limit / (size * CHAR_WIDTH[family])), 10)
                lines.extend(textwrap.wrap(word, columns))
        if lines:
            lines[0] = lead + lines[0]
        return lines or [""]

    @staticmethod
    def line_height(size: float) -> float:
        return size * 1.4 / 72

    def text(self, text: str, size: float = 10, weight: str = "normal", style_: str = "normal",
             family: str = SANS, indent: float = 0.0, colour: str = "black", keep: float = 0.0) -> None:
        """A paragraph, wrapped; `keep` inches more are kept on the same page (a blank after a question)."""
        lines = self.wrap(text, size, family, TEXT_WIDTH - indent, bold=weight == "bold")
        self.need(len(lines) * self.line_height(size) + keep)
        for line in lines:
            self.put(line, size, weight, style_, family, indent, colour)

    def put(self, line: str, size: float, weight: str = "normal", style_: str = "normal", family: str = SANS,
            indent: float = 0.0, colour: str = "black", x: float | None = None) -> None:
        assert self.figure is not None
        left = MARGIN + indent if x is None else x
        self.figure.text(left / WIDTH, 1 - self.y / HEIGHT, line, fontsize=size, fontweight=weight,
                         fontstyle=style_, family=family, color=colour, va="top", ha="left")
        if x is None:
            self.y += self.line_height(size)

    def space(self, inches: float) -> None:
        self.y += inches

    def rule(self, indent: float = 0.0, length: float | None = None) -> None:
        """A line to write on."""
        from matplotlib.lines import Line2D

        assert self.figure is not None
        start = MARGIN + indent
        end = start + (length if length is not None else TEXT_WIDTH - indent)
        y = 1 - self.y / HEIGHT
        self.figure.add_artist(Line2D([start / WIDTH, end / WIDTH], [y, y], color=style.GREY, linewidth=0.6))

    def picture(self, height: float, draw: Callable[[Axes], None]) -> None:
        self.need(height)
        assert self.figure is not None
        ax = self.figure.add_axes((MARGIN / WIDTH, 1 - (self.y + height) / HEIGHT, TEXT_WIDTH / WIDTH,
                                   height / HEIGHT))
        draw(ax)
        self.y += height

    def table(self, header: Sequence[str], rows: Sequence[Sequence[str]], widths: Sequence[float],
              size: float = 7.5) -> None:
        """Columns of the given widths (inches); a cell's text wraps inside its column."""
        def row_lines(cells: Sequence[str]) -> list[list[str]]:
            return [self.wrap(cell, size, SANS, width - 0.08) for cell, width in zip(cells, widths, strict=True)]

        def put_row(cells: Sequence[str], weight: str) -> None:
            wrapped = row_lines(cells)
            height = max(len(lines) for lines in wrapped) * self.line_height(size) + 0.05
            if self.figure is None or self.y + height > HEIGHT - MARGIN:
                self.new_page()
                if weight == "normal":
                    put_row(header, "bold")
            top, x = self.y, MARGIN
            for lines, width in zip(wrapped, widths, strict=True):
                self.y = top
                for line in lines:
                    self.put(line, size, weight, x=x)
                    self.y += self.line_height(size)
                x += width
            self.y = top + height
            self.rule(length=sum(widths))
            self.y += 0.04

        put_row(header, "bold")
        for row in rows:
            put_row(row, "normal")


def _question(flow: Flow, question: SheetQuestion) -> None:
    lines = 1 + len(question.choices)
    flow.need(0.25 + lines * 0.22 + 0.6)     # the question, its choices and its answer line together
    flow.text(f"Q{question.number}. {question.text}", 10, "bold", keep=0.6)
    if question.about is not None and question.about.command:
        flow.text(f"About step {question.about.index}: {command_text(question.about)}", 8.5, style_="italic",
                  indent=0.25, colour="#333333")
    flow.space(0.04)
    for choice in question.choices:
        flow.text(f"{BOX}  {choice}", 10, indent=0.25)
    flow.space(0.3)
    label = "Why?" if question.choices else "Your answer:"
    flow.put(label, 9, colour="#333333", indent=0.25, x=MARGIN + 0.25)
    flow.y += 0.13
    flow.rule(indent=1.15)
    flow.space(0.25)


def _handout(flow: Flow, sheet: Worksheet) -> None:
    flow.new_page()
    flow.text(f"Worksheet: {sheet.title}", 17, "bold")
    flow.text(f"From regsim, {sheet.source}", 9, colour=style.GREY)
    flow.space(0.2)
    flow.put("Name:", 10, x=MARGIN)
    flow.put("Date:", 10, x=MARGIN + 4.1)
    flow.y += 0.15
    flow.rule(indent=0.5, length=3.3)
    flow.rule(indent=4.55, length=TEXT_WIDTH - 4.55)
    flow.space(0.3)
    flow.text(sheet.how.replace("`", "\""), 9.5, style_="italic", colour="#333333")   # no Markdown on paper
    flow.space(0.1)
    if sheet.subtitle:
        flow.text(sheet.subtitle, 10)
        flow.space(0.08)
    if sheet.goals:
        flow.text("By the end you can:", 10, "bold")
        for goal in sheet.goals:
            flow.text(f"•  {goal}", 10, indent=0.2)
        flow.space(0.08)
    flow.space(0.1)
    flow.text("The world", 13, "bold")
    height = 1.6 if len(sheet.scenario.clients) + len(sheet.scenario.registries) < 8 else 2.0
    flow.picture(height, lambda ax: draw_world(ax, sheet.scenario))
    flow.space(0.08)
    for line in world_lines(sheet.scenario):
        flow.text(line, 8.5, colour="#333333")
    for section in sheet.sections:
        flow.space(0.2)
        # The heading, its steps and its first question on one page, so a question sits under its context.
        first = section.questions[0] if section.questions else None
        flow.need(0.45 + 0.17 * len(section.steps) + (1.1 + 0.22 * len(first.choices) if first else 0.0))
        flow.text(section.title, 13, "bold")
        flow.space(0.04)
        for step in section.steps:
            if step.command:
                flow.text(f"{step.index:>2}  {command_text(step)}", 8.5, family=MONO, indent=0.1)
            elif step.say:
                flow.text(f"{step.index:>2}  {step.say}", 8.5, style_="italic", indent=0.1, colour="#333333")
        if section.steps:
            flow.space(0.12)
        for question in section.questions:
            _question(flow, question)


def _answer_key(flow: Flow, sheet: Worksheet) -> None:
    flow.new_page()
    flow.text(f"Answer key: {sheet.title}", 15, "bold")
    flow.text("For the teacher. The answers are what the simulator computes when it replays the scenario.", 9,
              colour=style.GREY)
    flow.space(0.15)
    if sheet.key_note:
        flow.text(sheet.key_note, 9.5)
        flow.space(0.12)
    for question in sheet.questions:
        flow.text(f"Q{question.number}. {question.text}", 8.5, colour=style.GREY, keep=0.3)
        flow.text(question.answer, 10, "bold", indent=0.3)
        if question.explain:
            flow.text(question.explain, 9, indent=0.3, colour="#333333")
        flow.space(0.08)
    flow.space(0.2)
    flow.need(1.0)
    flow.text("Bytes, step by step", 13, "bold")
    flow.text("Layer bytes each step moved, what it would have moved if whole images always travelled, and the "
              "difference saved.", 8.5, colour="#333333")
    flow.space(0.08)
    flow.table(BYTES_HEADER, bytes_rows(sheet.run), (0.4, 2.55, 0.65, 0.7, 0.75, 0.6, 0.55, 0.57))


def worksheet_pdf(sheet: Worksheet) -> bytes:
    """The handout pages, then the answer key; the same worksheet gives the same bytes."""
    from matplotlib.backends.backend_pdf import PdfPages

    buffer = io.BytesIO()
    with PdfPages(buffer, metadata=style.save_metadata("pdf", f"Worksheet: {sheet.title}")) as pdf:
        flow = Flow(pdf, f"regsim worksheet · {sheet.title}")
        _handout(flow, sheet)
        _answer_key(flow, sheet)
        flow.finish_page()
    return buffer.getvalue()
