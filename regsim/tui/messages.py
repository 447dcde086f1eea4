"""What a screen asks of the app: open a lesson, a quiz, a scenario, a sandbox or a chart.

Screens (and the command palette) post these; they bubble up to the app, whose `on_...` handlers
push the screen asked for. A screen never calls into the app, so it knows nothing of the others.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:  # the engine and the charts load when a screen that shows them does
    from regsim.scenario.engine import Player
    from regsim.tui.views.chart import ChartSource


class LessonChosen(Message):
    """Open a lesson at `page` (0-based; None: where the learner left it, else the start)."""

    def __init__(self, lesson_id: str, page: int | None = None) -> None:
        super().__init__()
        self.lesson_id = lesson_id
        self.page = page


class QuizChosen(Message):
    """Open the quiz of one lesson's questions, or (None) of every myth of the curriculum."""

    def __init__(self, lesson_id: str | None = None) -> None:
        super().__init__()
        self.lesson_id = lesson_id


class ScenarioChosen(Message):
    """Replay a scenario file (or bundled id) in the player."""

    def __init__(self, path: str | Path) -> None:
        super().__init__()
        self.path = path


class SandboxChosen(Message):
    """Open the sandbox on a scenario's setup (none of its steps run)."""

    def __init__(self, path: str | Path) -> None:
        super().__init__()
        self.path = path


class SandboxFromPlayer(Message):
    """Open the sandbox on a copy of the world the player shows now."""

    def __init__(self, player: Player) -> None:
        super().__init__()
        self.player = player


class ChartRequested(Message):
    """Chart `source` (a run up to a step) as `kind`; with `export`, write the files too.

    The chart screen answers this itself (another kind, or an export of the chart shown); from
    any other screen it reaches the app, which opens the chart screen."""

    def __init__(self, source: ChartSource, kind: str = "transfer", *, export: bool = False) -> None:
        super().__init__()
        self.source = source
        self.kind = kind
        self.export = export


class ChallengeChosen(Message):
    """Open a challenge file in the challenge screen (the sandbox with a goal beside it)."""

    def __init__(self, path: str | Path) -> None:
        super().__init__()
        self.path = path


class ChallengePlayed(Message):
    """A challenge's goal was reached, or its solution shown: what the learner's progress keeps."""

    def __init__(self, challenge_id: str, *, solved: bool = False, solution_shown: bool = False) -> None:
        super().__init__()
        self.challenge_id = challenge_id
        self.solved = solved
        self.solution_shown = solution_shown
