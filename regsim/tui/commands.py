"""The command palette (ctrl+p): open any lesson, quiz, scenario or sandbox; chart and export the run."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, cast

from textual.command import DiscoveryHit, Hit, Hits, Provider

from regsim.charts import KINDS

if TYPE_CHECKING:
    from regsim.tui.app import RegsimApp

PaletteCommand = tuple[str, Callable[[], object], str]


class RegsimCommands(Provider):
    """Scenarios and sandboxes everywhere; charts and export where there is a run to chart."""

    @property
    def regsim(self) -> RegsimApp:
        return cast("RegsimApp", self.screen.app)

    def commands(self) -> list[PaletteCommand]:
        app, screen = self.regsim, self.screen
        found: list[PaletteCommand] = []
        source = app.chart_source(screen)
        if source is not None:
            title = source.run.scenario.title
            for kind in KINDS:
                found.append(
                    (
                        f"Chart: {kind}",
                        partial(app.open_chart, kind, screen),
                        f"The {kind} chart of {title}, up to the step shown",
                    )
                )
            found.append(
                (
                    "Export chart",
                    partial(app.export_chart, screen),
                    "Write the chart as PNG and CSV (to $REGSIM_EXPORT_DIR or the current directory)",
                )
            )
        if app.lessons is not None:
            for lesson in app.lessons:
                found.append(
                    (
                        f"Lesson: {lesson.title}",
                        partial(app.open_lesson, lesson.id),
                        f"Lesson {lesson.order}, {len(lesson.pages)} pages, on the scenario {lesson.scenario}",
                    )
                )
            found.append(
                (
                    "Quiz: myth or fact",
                    partial(app.open_quiz, None),
                    "Every myth-or-fact statement of the lessons, with a running score",
                )
            )
            for lesson in app.lessons:
                if lesson.questions:
                    found.append(
                        (
                            f"Quiz: {lesson.title}",
                            partial(app.open_quiz, lesson.id),
                            f"The {len(lesson.questions)} questions of lesson {lesson.order}; answers count in the lesson",
                        )
                    )
        for entry in app.catalog():
            if entry.problems:
                continue
            found.append(
                (
                    f"Open scenario: {entry.title}",
                    partial(app.open_scenario, entry.path),
                    entry.summary,
                )
            )
        for entry in app.catalog():
            if entry.problems:
                continue
            found.append(
                (
                    f"Sandbox: {entry.title}",
                    partial(app.open_sandbox, entry.path),
                    "Type your own commands against this scenario's setup",
                )
            )
        return found

    async def discover(self) -> Hits:
        for name, run, help_text in self.commands():
            yield DiscoveryHit(name, run, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, run, help_text in self.commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), run, help=help_text)
