"""What a printed worksheet holds, drawn from a scenario (its steps and `ask`s) or a lesson (its pages
and questions): plain data that `markdown.py` and `pdf.py` lay out. No drawing here."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from regsim.bundled import content_dir, find_scenario
from regsim.lessons.grading import expected_text
from regsim.lessons.loader import lesson_dirs, load_lesson, load_lessons
from regsim.lessons.model import Lesson, Question
from regsim.scenario.engine import Run, replay
from regsim.scenario.loader import load_scenario
from regsim.scenario.problems import ContentError, did_you_mean
from regsim.scenario.prompt import masked_command
from regsim.scenario.records import StepRecord
from regsim.scenario.spec import Ask, Scenario
from regsim.scenario.text import ask_answer_text
from regsim.units import format_bandwidth, format_latency, format_seconds, format_size


class WorksheetError(Exception):
    """The scenario or lesson cannot be found or read: one message, or (`located`) a file's problems,
    one per line as FILE:LINE:COL."""

    def __init__(self, message: str, located: bool = False) -> None:
        super().__init__(message)
        self.located = located


@dataclass(frozen=True, slots=True)
class SheetStep:
    index: int
    actor: str | None
    command: str | None
    say: str | None


@dataclass(frozen=True, slots=True)
class SheetQuestion:
    number: int
    text: str
    kind: str                       # predict | choice | myth | numeric
    choices: tuple[str, ...] = ()
    about: SheetStep | None = None  # the step a prediction is about
    answer: str = ""
    explain: str | None = None


@dataclass(slots=True)
class Section:
    title: str
    steps: list[SheetStep] = field(default_factory=list)
    questions: list[SheetQuestion] = field(default_factory=list)


@dataclass(slots=True)
class Worksheet:
    title: str
    subtitle: str
    source: str                     # "scenario shared-base" or "lesson 6 (layers-travel-once)"
    goals: list[str]
    scenario: Scenario
    run: Run
    sections: list[Section]
    key_note: str = ""              # said on the answer key only (a scenario's summary often tells the outcome)

    @property
    def how(self) -> str:
        """How the sheet is used: beside the simulator, answering before each step runs."""
        where = (f"`regsim open {self.scenario.id}`" if self.source.startswith("scenario")
                 else f"the app's lesson {self.source.split()[1]}")
        return f"Follow along in {where}. Answer each question before the step it is about runs."

    @property
    def questions(self) -> list[SheetQuestion]:
        return [q for section in self.sections for q in section.questions]


def step_of(record: StepRecord) -> SheetStep:
    return SheetStep(record.index, record.actor, record.command, record.say)


def ask_answer(ask: Ask, record: StepRecord) -> str:
    """A scenario `ask`'s answer as the replay gives it, yes/no for a printed page."""
    return ask_answer_text(ask, record, yes="yes", no="no")


def scenario_sheet(scenario: Scenario) -> Worksheet:
    run = replay(scenario)
    section = Section("Steps")
    number = 0
    for spec, record in zip(scenario.steps, run.records, strict=True):
        step = step_of(record)
        section.steps.append(step)
        if spec.ask is not None:
            number += 1
            kind = "predict" if spec.ask.answer == "computed" else "choice" if spec.ask.choices else "numeric"
            section.questions.append(SheetQuestion(number, spec.ask.question, kind, tuple(spec.ask.choices),
                                                   step, ask_answer(spec.ask, record)))
    return Worksheet(scenario.title, "", f"scenario {scenario.id}", [], scenario, run, [section],
                     key_note=f"What the scenario shows: {scenario.blurb}" if scenario.blurb else "")


def _question(number: int, question: Question, run: Run) -> SheetQuestion:
    about = step_of(run.records[question.step - 1]) if question.step is not None else None
    choices = tuple(c.text for c in question.choices) or (("Myth", "Fact") if question.kind == "myth" else ())
    return SheetQuestion(number, question.text, question.kind, choices, about, expected_text(question, run),
                         question.explain)


def lesson_sheet(lesson: Lesson, scenario: Scenario) -> Worksheet:
    run = replay(scenario)
    sections: list[Section] = []
    shown = 0
    number = 0
    for page in lesson.pages:
        section = Section(page.title)
        if page.steps is not None:   # the steps this page shows for the first time
            first, last = max(page.steps[0], shown + 1), page.steps[1]
            section.steps = [step_of(run.records[i - 1]) for i in range(first, last + 1)]
            shown = max(shown, last)
        for question in page.questions:
            number += 1
            section.questions.append(_question(number, question, run))
        if section.steps or section.questions:
            sections.append(section)
    return Worksheet(lesson.title, f"Scenario: {scenario.title}.", f"lesson {lesson.order} ({lesson.id})",
                     list(lesson.goals),
                     scenario, run, sections)


def build_worksheet(name: str, extra_dirs: list[Path] | None = None) -> Worksheet:
    """A worksheet for a scenario (file or id) or a lesson (.md file, id, or its number in the course)."""
    folders = list(extra_dirs or [])
    try:
        if name.endswith(".md"):
            lesson = load_lesson(name, [d / "scenarios" for d in folders])
            assert lesson.scenario_path is not None
            return lesson_sheet(lesson, load_scenario(lesson.scenario_path))
        path = find_scenario(name, folders)
        if path.exists():
            return scenario_sheet(load_scenario(path))
        lessons = load_lessons(lesson_dirs(folders), strict=False)
        for lesson in lessons:
            if name in (lesson.id, str(lesson.order)):
                return lesson_sheet(lesson, lessons.scenario_for(lesson))
    except ContentError as error:
        raise WorksheetError("\n".join(str(p) for p in error.problems), located=True) from None
    known = [p.stem for p in content_dir("scenarios").glob("*.yaml")] + [lesson.id for lesson in lessons]
    raise WorksheetError(f"{name}: no such scenario or lesson{did_you_mean(name, known)}")


def world_lines(scenario: Scenario) -> list[str]:
    """The scenario's world in a few lines: registries, clients, the links that are not local."""
    lines = []
    for registry in scenario.registries:
        notes = []
        if registry.mirror_of:
            notes.append(f"a pull-through cache of {registry.mirror_of}")
        if registry.auth != "none":
            notes.append(f"{registry.auth} auth")
        if registry.replicas:
            notes.append("replicated to " + ", ".join(name for name, _ in registry.replicas))
        if registry.rate_limit is not None:
            notes.append(f"{registry.rate_limit.pulls} anonymous pulls per {format_seconds(registry.rate_limit.per)}")
        lines.append(f"Registry {registry.name}" + (f" ({'; '.join(notes)})" if notes else ""))
    for client in scenario.clients:
        mirrors = f" (uses the mirror {', '.join(client.mirrors)})" if client.mirrors else ""
        lines.append(f"Client {client.name}{mirrors}")
    for link in scenario.links:
        lines.append(f"Link {link.a} ↔ {link.b}: {format_bandwidth(link.bandwidth)}, "
                     f"{format_latency(link.latency)} round trip")
    if not scenario.links:
        lines.append("Every link is fast and local.")
    return lines


def bytes_rows(run: Run) -> list[tuple[str, ...]]:
    """The answer key's table: each step's layer bytes, what whole images would have moved, and time."""
    rows = []
    for record in run.records:
        if record.command is None:
            continue
        who = f"{record.actor}$ " if record.actor else ""
        sizes = (record.layer_bytes_up, record.layer_bytes_down, record.naive_layer_bytes, record.saved_bytes)
        shown = [format_size(size) if record.requests else "–" for size in sizes]   # "–": nothing was sent
        rows.append((str(record.index), f"{who}{masked_command(record.command)}", *shown,
                     format_seconds(record.seconds) if record.requests else "–",
                     "ok" if record.ok else (record.error or "failed")))
    return rows


BYTES_HEADER = ("step", "command", "layers up", "layers down", "whole images", "saved", "time", "result")
