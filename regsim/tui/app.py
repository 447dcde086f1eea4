"""The regsim app: home (the bundled scenarios) and the player; `run_app` starts it."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar

from textual.app import App
from textual.binding import Binding, BindingType
from textual.screen import Screen

from regsim.bundled import find_scenario, scenario_files
from regsim.scenario.engine import Player
from regsim.scenario.loader import load_scenario
from regsim.scenario.problems import ContentError
from regsim.tui.screens.help import HelpScreen
from regsim.tui.screens.home import HomeScreen
from regsim.tui.screens.player import PlayerScreen
from regsim.tui.screens.problems import ProblemsScreen

LIGHT, DARK = "textual-light", "textual-dark"


class RegsimApp(App[int]):
    """Home lists the scenarios; the player replays one, step by step."""

    CSS_PATH = "regsim.tcss"
    TITLE = "regsim"
    HORIZONTAL_BREAKPOINTS: ClassVar[list[tuple[int, str]]] = [
        (0, "-narrow"),
        (110, "-wide"),
        (150, "-huge"),
    ]
    VERTICAL_BREAKPOINTS: ClassVar[list[tuple[int, str]]] = [(0, "-short"), (32, "-tall")]
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "question_mark", "help", "Help", key_display="?", tooltip="Every key of this screen"
        ),
        Binding(
            "t", "toggle_theme", "Light/dark", show=False, tooltip="Switch between light and dark"
        ),
        Binding("q", "quit", "Quit", tooltip="Leave regsim"),
    ]

    def __init__(
        self, scenario_path: str | Path | None = None, files: Sequence[Path] | None = None
    ) -> None:
        super().__init__()
        self.scenario_path = scenario_path
        self.files = list(files) if files is not None else scenario_files()

    def get_default_screen(self) -> Screen[None]:
        return HomeScreen(self.files)

    def on_mount(self) -> None:
        if self.scenario_path is not None:
            self.open_scenario(self.scenario_path)

    def open_scenario(self, name: str | Path) -> bool:
        """Replay a scenario file (or bundled id) and show it in the player; problems in a modal."""
        path = find_scenario(str(name))
        try:
            player = Player(load_scenario(path))
        except ContentError as error:
            problems = [str(problem) for problem in error.problems]
            self.push_screen(ProblemsScreen(f"{path} cannot be opened:", problems))
            return False
        except Exception as error:  # noqa: BLE001 - a class must not lose the app to one bad replay
            reason = f"{type(error).__name__}: {error}"
            self.push_screen(
                ProblemsScreen(f"{path} could not be replayed (a bug in regsim):", [reason])
            )
            return False
        self.push_screen(PlayerScreen(player))
        return True

    def action_help(self) -> None:
        if isinstance(self.screen, HelpScreen):
            return
        self.push_screen(HelpScreen(self.screen))

    def action_toggle_theme(self) -> None:
        self.theme = LIGHT if self.current_theme.dark else DARK


def run_app(scenario_path: str | None = None) -> int:
    """Run the app; with a path (or a bundled scenario id) it opens straight in the player."""
    app = RegsimApp(scenario_path)
    result = app.run()
    return result if isinstance(result, int) else (app.return_code or 0)
