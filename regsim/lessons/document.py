"""A lesson file's shape: front matter, introduction, `## ` pages, and the fenced `sim` and `question`
blocks inside them, each with the line it starts on, so every problem can name FILE:LINE:COL."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from regsim.scenario.problems import ContentError, Located, Problem

BLOCK_KINDS = ("sim", "question", "challenge")
_FENCE = re.compile(r"^( {0,3})(`{3,}|~{3,})\s*([^`\s]*)")
_HEADING = re.compile(r"^##(?!#)(?:[ \t]+(.*?))?[ \t#]*$")


class BlockYaml:
    """YAML written inside a lesson file, with positions counted in the lesson file itself."""

    def __init__(self, text: str, filename: str, first_line: int, indent: int = 0) -> None:
        self.filename = filename
        self.first_line = first_line
        self.indent = indent
        self.problems: list[Problem] = []
        self.located: Located | None = None
        self.value: Any = None
        try:
            self.located = Located(text, filename)
        except ContentError as error:
            self.problems.extend(self._shift(p) for p in error.problems)
            return
        self.value = self.located.value
        self.problems.extend(self._shift(p) for p in self.located.duplicates)

    def _shift(self, problem: Problem) -> Problem:
        return Problem(problem.path, problem.line + self.first_line - 1, problem.column + self.indent,
                       problem.message)

    def at(self, path: tuple[Any, ...], key: bool = False) -> tuple[int, int]:
        if self.located is None or not self.located.marks:
            return self.first_line, 1 + self.indent
        line, column = self.located.at(path, key)
        return line + self.first_line - 1, column + self.indent

    def problem(self, path: tuple[Any, ...], message: str, key: bool = False) -> Problem:
        line, column = self.at(path, key)
        return Problem(self.filename, line, column, message)


@dataclass(slots=True)
class Block:
    kind: str            # sim | question | challenge
    fence_line: int      # the line of the opening fence
    yaml: BlockYaml


@dataclass(slots=True)
class Section:
    """The introduction (title "", line 0) or one page."""

    title: str
    line: int
    prose: list[str] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)

    @property
    def markdown(self) -> str:
        text = "\n".join(self.prose).strip("\n")
        return re.sub(r"\n{3,}", "\n\n", text).strip()


@dataclass(slots=True)
class Document:
    filename: str
    front: BlockYaml | None
    intro: Section
    pages: list[Section]
    problems: list[Problem]
    body_line: int = 1       # the first line after the front matter


def split_lines(text: str) -> list[str]:
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def parse_document(text: str, filename: str) -> Document:
    """Split a lesson file; structural problems (no front matter, unclosed blocks) are collected."""
    lines = split_lines(text.lstrip("\ufeff"))
    problems: list[Problem] = []
    front: BlockYaml | None = None
    start = 0
    if lines and lines[0].rstrip() == "---":
        end = next((i for i in range(1, len(lines)) if lines[i].rstrip() in ("---", "...")), None)
        if end is None:
            problems.append(Problem(filename, 1, 1, "the front matter starting here is never closed: "
                                    "end it with a line that is just ---"))
            start = 1       # still read the pages, so their problems are reported too
        else:
            front = BlockYaml("\n".join(lines[1:end]), filename, 2)
            problems.extend(front.problems)
            start = end + 1
    else:
        problems.append(Problem(filename, 1, 1, "a lesson starts with front matter: a line ---, then id, "
                                "title, order, scenario and goals, then a line ---"))
    intro = Section("", 0)
    pages: list[Section] = []
    current = intro
    i = start
    while i < len(lines):
        line = lines[i]
        fence = _FENCE.match(line)
        if fence:
            indent, marks, info = len(fence.group(1)), fence.group(2), fence.group(3)
            close = next((j for j in range(i + 1, len(lines))
                          if lines[j].strip().startswith(marks) and set(lines[j].strip()) == {marks[0]}
                          and len(lines[j].strip()) >= len(marks)), None)
            body = lines[i + 1: close if close is not None else len(lines)]
            if info in BLOCK_KINDS:
                if close is None:   # it swallows the rest of the file: report that alone
                    problems.append(Problem(filename, i + 1, indent + 1,
                                            f"this {marks}{info} block is never closed: end it with a line {marks}"))
                    break
                dedented = [b[indent:] if b[:indent].strip() == "" else b.lstrip() for b in body]
                current.blocks.append(Block(info, i + 1, BlockYaml("\n".join(dedented), filename, i + 2, indent)))
            else:
                current.prose.extend([line, *body] + ([lines[close]] if close is not None else []))
            i = (close if close is not None else len(lines)) + 1
            continue
        heading = _HEADING.match(line)
        if heading:
            title = (heading.group(1) or "").strip()
            if not title:
                problems.append(Problem(filename, i + 1, 1, "a page heading needs a title after ##"))
            current = Section(title, i + 1)
            pages.append(current)
        else:
            current.prose.append(line)
        i += 1
    return Document(filename, front, intro, pages, problems, min(start + 1, max(len(lines), 1)))
