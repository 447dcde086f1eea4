"""`regsim lint`: every problem in scenario and lesson files; a lesson's answers checked against a replay."""

from __future__ import annotations

from pathlib import Path

from regsim.lessons.grading import answer_for, correct_choice
from regsim.lessons.loader import ScenarioFinder, load_lesson
from regsim.lessons.model import Lesson, Question
from regsim.lessons.quantities import QuantityError, format_quantity, parse_quantity, within
from regsim.scenario.engine import Run, replay
from regsim.scenario.lint import lint_scenario_file
from regsim.scenario.problems import ContentError, Problem
from regsim.scenario.spec import Scenario


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
    """Every problem in every scenario (.yaml) and lesson (.md) file, and how many files were checked."""
    problems: list[Problem] = []
    checked = 0
    for path in _files(paths):
        checked += 1
        if not path.exists():
            problems.append(Problem(str(path), 1, 1, "no such file"))
        elif path.suffix == ".md":
            problems.extend(lint_lesson_file(path))
        else:
            problems.extend(lint_scenario_file(path))
    return problems, checked


def lint_lesson_file(path: str | Path) -> list[Problem]:
    """Every problem in one lesson file, as FILE:LINE:COL (an empty list when it is clean)."""
    finder = ScenarioFinder()
    try:
        lesson = load_lesson(path, finder=finder)
    except ContentError as error:
        return list(error.problems)
    assert lesson.scenario_path is not None
    scenario = finder.load(lesson.scenario_path)
    assert isinstance(scenario, Scenario)
    return check_answers(lesson, replay(scenario))


def check_answers(lesson: Lesson, run: Run) -> list[Problem]:
    """Problems only a replay shows: a computed answer on a step that runs nothing, a computed answer
    that matches no choice (or a choice marked correct that the simulator contradicts), a
    misconception that is in fact the simulator's answer."""
    problems: list[Problem] = []
    filename = str(lesson.path)

    def add(position: tuple[int, int], message: str) -> None:
        problems.append(Problem(filename, position[0], position[1], message))

    for question in lesson.questions:
        if not question.computed or question.step is None or question.metric is None:
            continue
        where = question.position("step" if any(m[0] == "step" for m in question.marks) else "answer")
        record = run.records[question.step - 1]
        if record.command is None:
            add(where, f"step {question.step} only narrates; a computed answer needs a step that runs a command")
            continue
        value = answer_for(question, run)
        shown = format_quantity(value, question.unit)
        if question.choices:
            try:
                index = correct_choice(question, run)
            except ValueError:
                matching = sum(1 for c in question.choices if _matches(c.text, value, question))
                add(question.position("choices"), f"the simulator's answer is {shown}, and "
                    + ("no choice says so" if not matching else f"{matching} choices say so; exactly one should"))
                continue
            marked = [i for i, c in enumerate(question.choices) if c.correct]
            if marked and marked != [index]:
                add(question.position(f"choices.{marked[0]}"), f"this choice is marked correct: true, but the "
                    f"simulator's answer is {question.choices[index].text!r}")
        for i, (wrong, _) in enumerate(question.misconceptions):
            if within(wrong, value, question.unit, question.tolerance):
                wrong_shown = format_quantity(wrong, question.unit)
                add(question.position(f"misconceptions.{i}"),
                    f"the misconception {wrong_shown} is what the simulator answers ({shown})")
    return problems


def _matches(text: str, value: float, question: Question) -> bool:
    try:
        return within(parse_quantity(text, question.unit), value, question.unit, question.tolerance)
    except QuantityError:
        return False
