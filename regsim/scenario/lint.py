"""`regsim lint`: check scenario files (and lesson files, once there are lessons) and list every problem."""

from __future__ import annotations

from pathlib import Path

from regsim.scenario.loader import load_scenario
from regsim.scenario.problems import ContentError, Problem


def _files(paths: list[Path]) -> list[Path]:
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*") if p.suffix in (".yaml", ".yml", ".md")
                                and p.name.lower() != "readme.md"))
        else:
            found.append(path)
    return found


def lint_paths(paths: list[Path]) -> tuple[list[Problem], int]:
    """Every problem in every file, and how many files were checked."""
    problems: list[Problem] = []
    checked = 0
    for path in _files(paths):
        if not path.exists():
            problems.append(Problem(str(path), 1, 1, "no such file"))
            checked += 1
            continue
        if path.suffix == ".md":
            lint_lesson = _lesson_linter()
            if lint_lesson is None:
                continue
            problems.extend(lint_lesson(path))
            checked += 1
            continue
        checked += 1
        try:
            load_scenario(path)
        except ContentError as error:
            problems.extend(error.problems)
    return problems, checked


def _lesson_linter():  # type: ignore[no-untyped-def]
    try:
        from regsim.lessons.lint import lint_lesson_file
    except ImportError:
        return None
    return lint_lesson_file
