"""`regsim lint`: every problem in scenario and lesson files; a lesson's answers checked against a replay."""

from __future__ import annotations

from pathlib import Path

from regsim.challenge.lint import lint_challenge_file
from regsim.challenge.loader import is_challenge_text
from regsim.lessons.grading import answer_for, correct_choice
from regsim.lessons.honesty import honesty_problems
from regsim.lessons.loader import ScenarioFinder, load_lesson
from regsim.lessons.model import Lesson, Question
from regsim.lessons.quantities import QuantityError, format_quantity, parse_quantity, within
from regsim.lessons.question_audit import CourseBalance
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


def lint_paths(paths: list[Path], balance: CourseBalance | None = None) -> tuple[list[Problem], int]:
    """Every problem in every scenario (.yaml) and lesson (.md) file, and how many files were checked.

    The lessons checked together are one course: `balance` (when given) is filled with its numbers,
    and a share outside its bounds is one more problem, at the first lesson's folder."""
    problems: list[Problem] = []
    balance = balance if balance is not None else CourseBalance()
    lesson_paths: list[Path] = []
    checked = 0
    for path in _files(paths):
        checked += 1
        if not path.exists():
            problems.append(Problem(str(path), 1, 1, "no such file"))
        elif path.suffix == ".md":
            problems.extend(lint_lesson_file(path, balance))
            lesson_paths.append(path)
        elif is_challenge_file(path):
            problems.extend(lint_challenge_file(path))
        else:
            problems.extend(lint_scenario_file(path))
    if lesson_paths:
        problems.extend(balance_problems(balance, lesson_paths[0].parent))
    return problems, checked


def is_challenge_file(path: Path) -> bool:
    """A YAML file with a top-level `goal:` is a challenge; any other is a scenario."""
    try:
        return is_challenge_text(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        return False


def balance_problems(balance: CourseBalance, folder: Path) -> list[Problem]:
    """The course-level checks, each as one problem naming the numbers and the questions to change."""
    problems = []
    if not balance.longest_ok():
        places = ", ".join(f"{Path(path).name}:{line}" for path, line in balance.right_longest)
        problems.append(Problem(str(folder), 1, 1, f"course: the right choice is the longest (or tied) in "
                                f"{len(balance.right_longest)} of {balance.choice_questions} choice-type questions "
                                f"({balance.longest_share:.0%}); at most 40%, or learners score by picking the "
                                f"longest: lengthen wrong choices or shorten right ones in {places}"))
    if not balance.facts_ok():
        problems.append(Problem(str(folder), 1, 1, f"course: \"fact\" is the answer of {balance.facts} of "
                                f"{balance.myth_statements} myth-or-fact statements ({balance.fact_share:.0%}); "
                                "keep it between 40% and 60%, or always answering one way wins"))
    return problems


def lint_lesson_file(path: str | Path, balance: CourseBalance | None = None) -> list[Problem]:
    """Every problem in one lesson file, as FILE:LINE:COL (an empty list when it is clean); a clean
    lesson's questions are added to `balance`."""
    finder = ScenarioFinder()
    try:
        lesson = load_lesson(path, finder=finder)
    except ContentError as error:
        return list(error.problems)
    assert lesson.scenario_path is not None
    scenario = finder.load(lesson.scenario_path)
    assert isinstance(scenario, Scenario)
    run = replay(scenario)
    problems = check_answers(lesson, run)
    problems.extend(honesty_problems(lesson, run, Path(path).read_text(encoding="utf-8")))
    if balance is not None:
        balance.add(lesson, run)
    return sorted(problems, key=lambda p: (p.line, p.column, p.message))


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
