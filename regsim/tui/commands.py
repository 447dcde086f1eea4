"""The command palette (ctrl+p): open any lesson, quiz, scenario, sandbox or challenge; chart and export the run.

Each command posts the same message a screen would (`LessonChosen`, `ChartRequested`…) to the
screen the palette was opened over; the app (or the chart screen) answers it. Textual's own
commands (keys, theme, quit…) come from here too, after regsim's: Textual keeps its providers in a
set, so two providers would list their commands in an order that depends on memory addresses.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.message import Message

from regsim.bundled import challenge_files
from regsim.charts import KINDS
from regsim.tui.course import OffersCourse
from regsim.tui.messages import (
    ChallengeChosen,
    ChartRequested,
    LessonChosen,
    QuizChosen,
    SandboxChosen,
    ScenarioChosen,
)
from regsim.tui.views.chart import Charted

PaletteCommand = tuple[str, Callable[[], object], str]
EXPORT_HELP = "Write the chart as PNG and CSV (asks which folder first)"


class RegsimCommands(Provider):
    """Scenarios and sandboxes everywhere; charts and export where there is a run to chart."""

    def ask(self, message: Message) -> Callable[[], object]:
        """A command that posts `message` to the screen under the palette."""
        return partial(self.screen.post_message, message)

    def commands(self) -> list[PaletteCommand]:
        screen, app = self.screen, self.app
        found: list[PaletteCommand] = []
        if isinstance(screen, Charted):
            source = screen.chart_source()
            title = source.run.scenario.title
            for kind in KINDS:
                found.append(
                    (
                        f"Chart: {kind}",
                        self.ask(ChartRequested(source, kind)),
                        f"The {kind} chart of {title}, up to the step shown",
                    )
                )
            found.append(("Export chart", self.ask(ChartRequested(source, export=True)), EXPORT_HELP))
        if not isinstance(app, OffersCourse):
            return found
        lessons = app.course.lessons
        if lessons is not None:
            for lesson in lessons:
                found.append(
                    (
                        f"Lesson: {lesson.title}",
                        self.ask(LessonChosen(lesson.id)),
                        f"Lesson {lesson.order}, {len(lesson.pages)} pages, on the scenario {lesson.scenario}",
                    )
                )
            found.append(
                (
                    "Quiz: myth or fact",
                    self.ask(QuizChosen(None)),
                    "Every myth-or-fact statement of the lessons, with a running score",
                )
            )
            for lesson in lessons:
                if lesson.questions:
                    found.append(
                        (
                            f"Quiz: {lesson.title}",
                            self.ask(QuizChosen(lesson.id)),
                            f"The {len(lesson.questions)} questions of lesson {lesson.order}; "
                            "answers count in the lesson",
                        )
                    )
        entries = [entry for entry in app.course.scenarios if not entry.problems]
        for entry in entries:
            found.append(
                (f"Open scenario: {entry.title}", self.ask(ScenarioChosen(entry.path)), entry.summary)
            )
        for entry in entries:
            found.append(
                (
                    f"Sandbox: {entry.title}",
                    self.ask(SandboxChosen(entry.path)),
                    "Type your own commands against this scenario's setup",
                )
            )
        for path in challenge_files(app.lesson_dirs):
            found.append(
                (
                    f"Challenge: {path.stem}",
                    self.ask(ChallengeChosen(path)),
                    "Reach a goal world by typing commands in the sandbox",
                )
            )
        return found

    def textual_commands(self, discovered_only: bool = False) -> list[PaletteCommand]:
        """Textual's own commands, as its SystemCommandsProvider lists them."""
        found = sorted(self.app.get_system_commands(self.screen), key=lambda command: command[0])
        return [
            (name, callback, help_text)
            for name, help_text, callback, discover in found
            if discover or not discovered_only
        ]

    async def discover(self) -> Hits:
        for name, run, help_text in [*self.commands(), *self.textual_commands(True)]:
            yield DiscoveryHit(name, run, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, run, help_text in [*self.commands(), *self.textual_commands()]:
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), run, help=help_text)
