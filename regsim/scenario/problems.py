"""Problems found in a user's file, each with FILE:LINE:COL, reported all at once."""

from __future__ import annotations

import difflib
import os
import pathlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import yaml


@dataclass(frozen=True, slots=True)
class Problem:
    path: str
    line: int      # 1-based
    column: int    # 1-based
    message: str
    warning: bool = False   # a warning is printed by `regsim lint` but stops nothing from running

    def __str__(self) -> str:
        kind = "warning: " if self.warning else ""
        return f"{self.path}:{self.line}:{self.column}: {kind}{self.message}"


class ContentError(Exception):
    """A file a user wrote has problems; `problems` lists every one of them."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """` (did you mean 'x'?)` when a close candidate exists, else a list of what is known."""
    known = sorted(set(candidates))
    close = difflib.get_close_matches(word, known, n=1, cutoff=0.6)
    if close:
        return f" (did you mean {close[0]!r}?)"
    if known and len(known) <= 8:
        return f" (known: {', '.join(known)})"
    return ""


Path = tuple[Any, ...]


# libyaml parses about ten times faster than the pure-Python reader and gives the same nodes and
# marks; the pure-Python one stays for error messages (and for a PyYAML built without libyaml).
_FAST_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _compose_and_construct(text: str, loader_class: type[yaml.SafeLoader]) -> tuple[yaml.Node | None, Any]:
    """The document's node tree (with marks) and its plain value, from one parse."""
    loader = loader_class(text)
    try:
        node = loader.get_single_node()
        return node, (loader.construct_document(node) if node is not None else None)
    finally:
        loader.dispose()


class Located:
    """YAML text parsed into plain values, with the line and column of every value by its path."""

    def __init__(self, text: str, filename: str) -> None:
        self.filename = filename
        self.marks: dict[Path, tuple[int, int]] = {}
        self.key_marks: dict[Path, tuple[int, int]] = {}
        self.duplicates: list[Problem] = []
        try:
            node, self.value = _compose_and_construct(text, _FAST_LOADER)
        except yaml.YAMLError:
            pass
        else:
            if node is not None:
                self._walk(node, ())
            return
        try:   # libyaml words some errors differently: the pure-Python parser gives the message
            node, self.value = _compose_and_construct(text, yaml.SafeLoader)
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
            line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
            reason = getattr(error, "problem", None) or str(error)
            if "mapping values are not allowed" in reason:
                reason += (": a value with ': ' (colon, space) in it needs quotes around it, "
                           "or `>-` and the text on the next lines")
            elif "found character '\\t'" in reason:
                reason += ": indent with spaces, not tabs"
            raise ContentError([Problem(filename, line, column, f"not valid YAML: {reason}")]) from None
        if node is not None:
            self._walk(node, ())

    def _walk(self, node: yaml.Node, path: Path) -> None:
        self.marks[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
        if isinstance(node, yaml.MappingNode):
            seen: set[str] = set()
            for key_node, value_node in node.value:
                key = key_node.value
                if key in seen:
                    line, col = key_node.start_mark.line + 1, key_node.start_mark.column + 1
                    self.duplicates.append(Problem(self.filename, line, col, f"{key!r} is given twice"))
                seen.add(key)
                self.key_marks[(*path, key)] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
                self._walk(value_node, (*path, key))
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                self._walk(item, (*path, index))

    def at(self, path: Path, key: bool = False) -> tuple[int, int]:
        """The position of a value (or of its key), falling back to the nearest enclosing value."""
        path = tuple(str(p) if not isinstance(p, int) else p for p in path)
        if key and path in self.key_marks:
            return self.key_marks[path]
        while path:
            if path in self.marks:
                return self.marks[path]
            path = path[:-1]
        return self.marks.get((), (1, 1))

    def problem(self, path: Path, message: str, key: bool = False, warning: bool = False) -> Problem:
        line, column = self.at(path, key)
        return Problem(self.filename, line, column, message, warning)


def read_content_file(path: str | os.PathLike[str], kind: str) -> str:
    """The text of a scenario or lesson file (`kind`); ContentError with one plain-word problem
    at FILE:1:1 when it cannot be read."""
    def problem(message: str) -> ContentError:
        return ContentError([Problem(os.fspath(path), 1, 1, message)])

    try:
        return pathlib.Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise problem(f"no such {kind} file") from None
    except IsADirectoryError:
        raise problem(f"this is a folder: name one {kind} file in it "
                      "(`regsim lint FOLDER` checks every file in a folder)") from None
    except UnicodeDecodeError as error:
        raise problem(f"cannot read the file: it is not UTF-8 text ({error.reason})") from None
    except OSError as error:
        raise problem(f"cannot read the file: {error.strerror or error}") from None
