"""A worksheet as Markdown: the handout, then the answer key after a page break."""

from __future__ import annotations

from regsim.scenario.prompt import prompt_line
from regsim.worksheet.sheet import BYTES_HEADER, SheetQuestion, SheetStep, Worksheet, bytes_rows, world_lines

BLANK = "_" * 40
PAGE_BREAK = '<div style="page-break-after: always"></div>'


def command_text(step: SheetStep) -> str:
    return prompt_line(step.actor, step.command)


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return lines


def _question(question: SheetQuestion) -> list[str]:
    lines = [f"**Q{question.number}.** {question.text}"]
    if question.about is not None and question.about.command:
        lines.append(f"*(About step {question.about.index}: `{command_text(question.about)}`)*")
    lines.append("")
    if question.choices:
        lines += [f"- [ ] {choice}" for choice in question.choices]
        lines.append("")
        lines.append(f"Why? {BLANK}")
    else:
        lines.append(f"Your answer: {BLANK}")
    lines.append("")
    return lines


def worksheet_markdown(sheet: Worksheet, diagram: str | None = None) -> str:
    """The handout (with `diagram`, an image file name, as the world's picture) and its answer key."""
    lines = [f"# Worksheet: {sheet.title}", "", f"*From regsim, {sheet.source}.*", "",
             f"Name: {'_' * 24}  Date: {'_' * 12}", "", f"*{sheet.how}*", ""]
    if sheet.subtitle:
        lines += [sheet.subtitle, ""]
    if sheet.goals:
        lines += ["By the end you can:", "", *(f"- {goal}" for goal in sheet.goals), ""]
    lines += ["## The world", ""]
    if diagram:
        lines += [f"![The registries, clients and links of this scenario]({diagram})", ""]
    lines += [f"- {line}" for line in world_lines(sheet.scenario)] + [""]
    for section in sheet.sections:
        lines += [f"## {section.title}", ""]
        if section.steps:
            lines += _table(("step", "command"), [
                (str(step.index), f"`{command_text(step)}`" if step.command else f"*{step.say or ''}*")
                for step in section.steps])
            lines.append("")
        for question in section.questions:
            lines += _question(question)
    lines += [PAGE_BREAK, "", f"# Answer key: {sheet.title}", ""]
    if sheet.key_note:
        lines += [sheet.key_note, ""]
    for question in sheet.questions:
        explain = f" {question.explain}" if question.explain else ""
        lines.append(f"- **Q{question.number}.** {question.answer}.{explain}")
    lines += ["", "## Bytes, step by step", "", *_table(BYTES_HEADER, bytes_rows(sheet.run)), ""]
    return "\n".join(lines)
