"""Lesson files (lessons/*.md): read, check everything, report every problem as FILE:LINE:COL.

A lesson's scenario id is looked up, in order, beside the lesson file, in a `scenarios/` folder
inside the lesson's folder or next to it (an instructor's DIR/lessons + DIR/scenarios), in the
scenario folders given, and last among the bundled scenarios.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from regsim.bundled import challenge_files, content_dir, find_challenge
from regsim.choice_order import presentation_order
from regsim.lessons.document import Block, BlockYaml, Document, parse_document
from regsim.lessons.model import Lesson, Page, Question
from regsim.lessons.questions import PageContext, check_question
from regsim.lessons.steps import StepIndex, StepRefError
from regsim.scenario.engine import Run, replay
from regsim.scenario.loader import load_scenario
from regsim.scenario.problems import ContentError, Problem, did_you_mean, read_content_file
from regsim.scenario.spec import Scenario

LESSON_KEYS = ("id", "title", "order", "scenario", "goals")
SIM_KEYS = ("steps",)
CHALLENGE_BLOCK_KEYS = ("name",)
_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class ScenarioFinder:
    """Finds and loads scenarios by id for lessons, loading each file once."""

    def __init__(self, scenario_dirs: Iterable[Path] = ()) -> None:
        self.scenario_dirs = [Path(d) for d in scenario_dirs]
        self._loaded: dict[Path, Scenario | ContentError] = {}

    def search_dirs(self, lesson_path: Path) -> list[Path]:
        here = lesson_path.resolve().parent
        candidates = [here, here / "scenarios", here.parent / "scenarios", *self.scenario_dirs,
                      content_dir("scenarios")]
        unique: list[Path] = []
        for folder in candidates:
            if folder.is_dir() and folder.resolve() not in unique:
                unique.append(folder.resolve())
        return unique

    def find(self, scenario_id: str, lesson_path: Path) -> Path | None:
        for folder in self.search_dirs(lesson_path):
            for suffix in (".yaml", ".yml"):
                candidate = folder / f"{scenario_id}{suffix}"
                if candidate.is_file():
                    return candidate
        return None

    def known(self, lesson_path: Path) -> list[str]:
        return sorted({p.stem for d in self.search_dirs(lesson_path) for p in d.iterdir()
                       if p.suffix in (".yaml", ".yml")})

    def load(self, path: Path) -> Scenario | ContentError:
        if path not in self._loaded:
            try:
                self._loaded[path] = load_scenario(path)
            except ContentError as error:
                self._loaded[path] = error
        return self._loaded[path]


def load_lesson(path: str | Path, scenario_dirs: Iterable[Path] = (), *,
                finder: ScenarioFinder | None = None) -> Lesson:
    """Read and check one lesson file; ContentError lists every problem found."""
    file = Path(path)
    text = read_content_file(file, "lesson")
    return parse_lesson(text, file, finder or ScenarioFinder(scenario_dirs))


def parse_lesson(text: str, path: Path, finder: ScenarioFinder) -> Lesson:
    filename = str(path)
    doc = parse_document(text, filename)
    problems = list(doc.problems)
    front = _front_matter(doc, path, problems)
    scenario_path: Path | None = None
    steps: StepIndex | None = None
    scenario_id = front["scenario"]
    if scenario_id is not None and doc.front is not None:
        scenario_path = finder.find(scenario_id, path)
        if scenario_path is None:
            problems.append(doc.front.problem(("scenario",), f"unknown scenario {scenario_id!r}"
                                              f"{did_you_mean(scenario_id, finder.known(path))}"))
        else:
            loaded = finder.load(scenario_path)
            if isinstance(loaded, ContentError):
                problems.append(doc.front.problem(("scenario",), f"the scenario {scenario_id!r} has "
                                f"{len(loaded.problems)} problem(s), the first: {loaded.problems[0]}"))
            else:
                steps = StepIndex(loaded)
    for block in doc.intro.blocks:
        problems.append(Problem(filename, block.fence_line, 1, f"this {block.kind} block comes before the first "
                                "page: put it below a ## heading"))
    if not doc.pages:
        problems.append(Problem(filename, doc.body_line, 1, "a lesson needs at least one page: a line starting "
                                "with ## and the page's title"))
    pages = _pages(doc, steps, problems)
    seen: dict[str, int] = {}
    for question in (q for page in pages for q in page.questions):
        if not question.id:
            continue
        if question.id in seen:
            line, column = question.position("id")
            problems.append(Problem(filename, line, column, f"the question id {question.id!r} is used twice in "
                                    f"this lesson (first on line {seen[question.id]})"))
        else:
            seen[question.id] = question.position("id")[0]
    if problems:
        raise ContentError(sorted(set(problems), key=lambda p: (p.line, p.column, p.message)))
    pages = [dataclasses.replace(page, questions=tuple(presented(q, front["id"]) for q in page.questions))
             for page in pages]
    return Lesson(front["id"], front["title"], front["order"], scenario_id or "", tuple(front["goals"]),
                  doc.intro.markdown, tuple(pages), path, scenario_path)


def presented(question: Question, lesson_id: str) -> Question:
    """The question with its choices in the order every view shows them (`regsim.choice_order`: fixed
    per `lesson-id/question-id`, not the file's order, so the right answer is not always first). The
    positions of the choices in the file (`choices.N` marks, for lint messages) follow them."""
    if len(question.choices) < 2:
        return question
    order = presentation_order(f"{lesson_id}/{question.id}", [choice.text for choice in question.choices])
    shown_at = {old: new for new, old in enumerate(order)}
    marks = []
    for name, line, column in question.marks:
        head, _, index = name.partition(".")
        if head == "choices" and index.isdigit() and int(index) in shown_at:
            name = f"choices.{shown_at[int(index)]}"
        marks.append((name, line, column))
    return dataclasses.replace(question, choices=tuple(question.choices[i] for i in order), marks=tuple(marks))


def _front_matter(doc: Document, path: Path, problems: list[Problem]) -> dict[str, Any]:
    found: dict[str, Any] = {"id": path.stem, "title": path.stem, "order": 0, "scenario": None, "goals": []}
    front = doc.front
    if front is None or front.located is None:
        return found
    raw = front.value
    if not isinstance(raw, dict):
        problems.append(front.problem((), "the front matter is YAML key: value lines: id, title, order, scenario, "
                                      "goals"))
        return found
    for key in raw:
        if key not in LESSON_KEYS:
            problems.append(front.problem((key,), f"unknown key {key!r} in the front matter"
                                          f"{did_you_mean(str(key), LESSON_KEYS)}", key=True))
    for key in ("id", "title", "scenario"):
        value = raw.get(key)
        if value is None or isinstance(value, (bool, list, dict)) or not str(value).strip():
            where = (key,) if key in raw else ()
            problems.append(front.problem(where, f"{key} is required in the front matter" if key not in raw
                                          else f"{key} must be text"))
        else:
            found[key] = str(value).strip()
    if not _ID.match(found["id"]):
        suggestion = re.sub(r"[^a-z0-9]+", "-", found["id"].lower()).strip("-") or "my-lesson"
        problems.append(front.problem(("id",) if "id" in raw else (),
                                      f"id {found['id']!r} must be lowercase-with-dashes, such as {suggestion!r}"))
    order = raw.get("order")
    if not isinstance(order, int) or isinstance(order, bool) or order < 1:
        problems.append(front.problem(("order",) if "order" in raw else (),
                                      "order is required: the lesson's position in the curriculum (1, 2, ...)"
                                      if "order" not in raw else f"order is a whole number from 1, not {order!r}"))
    else:
        found["order"] = order
    goals = raw.get("goals")
    if not isinstance(goals, list) or not goals:
        problems.append(front.problem(("goals",) if "goals" in raw else (),
                                      "goals is a list of what the learner will be able to do (- Explain ...)"))
    else:
        for i, goal in enumerate(goals):
            if isinstance(goal, (str, int, float)) and not isinstance(goal, bool) and str(goal).strip():
                found["goals"].append(str(goal).strip())
            else:
                problems.append(front.problem(("goals", i), "a goal is one line of text"))
    return found


def _pages(doc: Document, steps: StepIndex | None, problems: list[Problem]) -> list[Page]:
    pages: list[Page] = []
    shown_until = 0
    for section in doc.pages:
        sims = [b for b in section.blocks if b.kind == "sim"]
        page_steps = None
        for extra in sims[1:]:
            problems.append(Problem(doc.filename, extra.fence_line, 1, "a page has at most one sim block (one step "
                                    "range); split the page, or widen the range"))
        if sims:
            page_steps = _sim_range(sims[0], steps, problems)
        if page_steps is not None and page_steps[0] < shown_until and steps is not None:
            # The player only steps forward: a page may go on from the last step shown, not rewind.
            problems.append(sims[0].yaml.problem(("steps",), (
                f"this page's steps go backwards: it starts at {steps.describe(page_steps[0])}, but an earlier "
                f"page already showed up to {steps.describe(shown_until)}; start at step {shown_until} or later")))
        if page_steps is not None:
            shown_until = max(shown_until, page_steps[1])
        questions: list[Question] = []
        context = PageContext(steps, page_steps, shown_until)
        for block in section.blocks:
            problems.extend(block.yaml.problems)
            if block.kind != "question":
                continue
            question, found = check_question(block.yaml, context)
            problems.extend(found)
            if question is not None:
                questions.append(question)
        named = [_challenge_block(block, Path(doc.filename), problems)
                 for block in section.blocks if block.kind == "challenge"]
        challenges = tuple(path for path in named if path is not None)
        pages.append(Page(section.title, section.markdown, page_steps, tuple(questions), section.line, challenges))
    return pages


def _challenge_block(block: Block, lesson_path: Path, problems: list[Problem]) -> str | None:
    """A ```challenge block names a challenge file (`name: ID`), looked up in the lesson's course folder
    (DIR/challenges/), then among the bundled ones; the path found, or None (with a problem)."""
    data: BlockYaml = block.yaml
    if data.located is None:
        return None
    raw = data.value
    if not isinstance(raw, dict) or not isinstance(raw.get("name"), str):
        problems.append(data.problem((), "a challenge block names a challenge: name: ID (a file in challenges/)"))
        return None
    for key in raw:
        if key not in CHALLENGE_BLOCK_KEYS:
            problems.append(data.problem((key,), f"unknown key {key!r} in a challenge block"
                                         f"{did_you_mean(str(key), CHALLENGE_BLOCK_KEYS)}", key=True))
    folders = [lesson_path.resolve().parent.parent, lesson_path.resolve().parent]
    path = find_challenge(raw["name"], folders)
    if not path.is_file():
        known = [p.stem for p in challenge_files(folders)]
        hint = did_you_mean(raw["name"], known)
        problems.append(data.problem(("name",), f"no challenge named {raw['name']!r}{hint}"))
        return None
    return str(path)


def _sim_range(block: Block, steps: StepIndex | None, problems: list[Problem]) -> tuple[int, int] | None:
    data: BlockYaml = block.yaml
    if data.located is None:
        return None
    raw = data.value
    if not isinstance(raw, dict) or "steps" not in raw:
        problems.append(data.problem((), "a sim block says which steps the page shows: steps: 3, steps: 1..4 or "
                                     "steps: first-id..last-id"))
        return None
    for key in raw:
        if key not in SIM_KEYS:
            problems.append(data.problem(
                (key,), f"unknown key {key!r} in a sim block{did_you_mean(str(key), SIM_KEYS)}", key=True))
    if steps is None:
        return None
    try:
        return steps.resolve_range(raw["steps"])
    except StepRefError as error:
        problems.append(data.problem(("steps",), str(error)))
        return None


class LessonSet:
    """The curriculum: lessons in order, each with the scenario it uses."""

    def __init__(self, lessons: Sequence[Lesson], scenarios: dict[str, Scenario],
                 problems: Sequence[Problem] = (), folder_of: dict[str, int] | None = None) -> None:
        # By `order`; at the same order, a bundled lesson (folder 0) before an instructor's.
        where = folder_of or {}
        self.lessons = tuple(sorted(lessons, key=lambda lesson: (lesson.order, where.get(lesson.id, 0), lesson.id)))
        self._scenarios = dict(scenarios)
        self._runs: dict[str, Run] = {}
        self.problems = tuple(problems)     # lessons left out (only when loaded with strict=False)

    def __iter__(self) -> Iterator[Lesson]:
        return iter(self.lessons)

    def __len__(self) -> int:
        return len(self.lessons)

    @property
    def ids(self) -> list[str]:
        return [lesson.id for lesson in self.lessons]

    def get(self, lesson_id: str) -> Lesson | None:
        return next((lesson for lesson in self.lessons if lesson.id == lesson_id), None)

    def scenario_for(self, lesson: Lesson | str) -> Scenario:
        return self._scenarios[lesson if isinstance(lesson, str) else lesson.id]

    def run_for(self, lesson: Lesson | str) -> Run:
        """The lesson's scenario replayed (once; later calls reuse it): what computed answers read."""
        key = lesson if isinstance(lesson, str) else lesson.id
        if key not in self._runs:
            self._runs[key] = replay(self.scenario_for(key))
        return self._runs[key]


def lesson_files(folder: Path) -> list[Path]:
    """The lesson files in a folder (and in its `lessons/` subfolder): *.md but not a README."""
    found = []
    for place in (folder, folder / "lessons"):
        if place.is_dir():
            found.extend(sorted(p for p in place.glob("*.md") if p.name.lower() != "readme.md"))
    return found


def lesson_dirs(extra: Iterable[Path] | None = None) -> list[Path]:
    """The bundled lessons, then any instructor folders (`regsim --lessons DIR`)."""
    return [content_dir("lessons"), *(Path(d) for d in extra or ())]


def load_lessons(dirs: Iterable[Path], scenario_dirs: Iterable[Path] = (), *, strict: bool = True) -> LessonSet:
    """Every lesson in `dirs`. A lesson in a later folder replaces an earlier one with the same id (so an
    instructor can copy a bundled lesson and change it). Strict: any problem raises ContentError listing
    every problem in every file; otherwise broken lessons are left out and kept in `problems`."""
    folders = [Path(d) for d in dirs]
    extra_scenarios = [*scenario_dirs, *(f / "scenarios" for f in folders)]
    finder = ScenarioFinder(extra_scenarios)
    problems: list[Problem] = []
    by_id: dict[str, tuple[Lesson, Scenario]] = {}
    folder_of: dict[str, int] = {}
    for rank, folder in enumerate(folders):
        if not folder.is_dir():
            problems.append(Problem(str(folder), 1, 1, "no such lessons folder"))
            continue
        in_this_folder: dict[str, Path] = {}
        for path in lesson_files(folder):
            try:
                lesson = load_lesson(path, finder=finder)
            except ContentError as error:
                problems.extend(error.problems)
                continue
            if lesson.id in in_this_folder:
                problems.append(Problem(str(path), 1, 1, f"the lesson id {lesson.id!r} is also used by "
                                        f"{in_this_folder[lesson.id]}"))
                continue
            in_this_folder[lesson.id] = path
            assert lesson.scenario_path is not None
            scenario = finder.load(lesson.scenario_path)
            assert isinstance(scenario, Scenario)
            by_id[lesson.id] = (lesson, scenario)
            folder_of[lesson.id] = rank
    if problems and strict:
        raise ContentError(problems)
    return LessonSet([lesson for lesson, _ in by_id.values()],
                     {lesson_id: scenario for lesson_id, (_, scenario) in by_id.items()}, problems, folder_of)
