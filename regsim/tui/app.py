"""The regsim app: home, the player, the sandbox and charts; `run_app` starts it."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar

from textual.app import App
from textual.binding import Binding, BindingType
from textual.screen import Screen

from regsim.bundled import find_scenario, scenario_files
from regsim.scenario.engine import Player
from regsim.scenario.loader import Scenario, load_scenario
from regsim.scenario.problems import ContentError
from regsim.tui.commands import RegsimCommands
from regsim.tui.screens.chart import ChartScreen
from regsim.tui.screens.help import HelpScreen
from regsim.tui.screens.home import HomeScreen
from regsim.tui.screens.player import PlayerScreen
from regsim.tui.screens.problems import ProblemsScreen
from regsim.tui.screens.sandbox import SandboxScreen
from regsim.tui.views.catalog import ScenarioEntry, scenario_entries
from regsim.tui.views.chart import ChartSource
from regsim.tui.views.sandbox import SandboxSession

LIGHT, DARK = "textual-light", "textual-dark"


class RegsimApp(App[int]):
    """Home lists the scenarios; the player replays one, step by step; the sandbox takes commands."""

    CSS_PATH = "regsim.tcss"
    TITLE = "regsim"
    COMMANDS = App.COMMANDS | {RegsimCommands}
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
        self._catalog: list[ScenarioEntry] | None = None

    def catalog(self) -> list[ScenarioEntry]:
        """The scenario files, each read once: title, summary, or its problems."""
        if self._catalog is None:
            self._catalog = scenario_entries(self.files)
        return self._catalog

    def get_default_screen(self) -> Screen[None]:
        return HomeScreen(self.catalog())

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

    def open_sandbox(self, name: str | Path) -> bool:
        """A sandbox on a fresh world built from a scenario's setup (none of its steps run)."""
        path = find_scenario(str(name))
        try:
            scenario: Scenario = load_scenario(path)
            session = SandboxSession.from_scenario(scenario)
        except ContentError as error:
            problems = [str(problem) for problem in error.problems]
            self.push_screen(ProblemsScreen(f"{path} cannot be opened:", problems))
            return False
        except Exception as error:  # noqa: BLE001 - as for open_scenario
            reason = f"{type(error).__name__}: {error}"
            self.push_screen(
                ProblemsScreen(f"{path} could not be set up (a bug in regsim):", [reason])
            )
            return False
        self.push_screen(SandboxScreen(session))
        return True

    def open_sandbox_from_player(self, player: Player) -> None:
        """A sandbox on a copy of the world the player shows now."""
        self.push_screen(SandboxScreen(SandboxSession.from_player(player)))

    # ----- charts ----------------------------------------------------------------------------

    @staticmethod
    def chart_source(screen: Screen[object]) -> ChartSource | None:
        """The run a screen shows, up to where it is, for the chart screen; None without one."""
        if isinstance(screen, ChartScreen):
            return screen.source
        if isinstance(screen, PlayerScreen):
            player = screen.player
            return ChartSource(player.run, player.position, player.scenario.id)
        if isinstance(screen, SandboxScreen):
            run = screen.session.run
            return ChartSource(run, len(run.records), f"{run.scenario.id}-sandbox")
        return None

    def open_chart(self, kind: str = "transfer", screen: Screen[object] | None = None) -> None:
        """The chart screen for `screen`'s run (the current screen's by default)."""
        screen = screen or self.screen
        if isinstance(screen, ChartScreen):
            screen.kind = kind
            return
        source = self.chart_source(screen)
        if source is None:
            self.notify("Open a scenario or a sandbox first: charts show a run.", timeout=5)
            return
        self.push_screen(ChartScreen(source, kind))

    def export_chart(self, screen: Screen[object] | None = None) -> None:
        """Export the chart shown, or open the transfer chart of `screen`'s run and export it."""
        screen = screen or self.screen
        if isinstance(screen, ChartScreen):
            screen.action_export()
            return
        source = self.chart_source(screen)
        if source is None:
            self.notify("Open a scenario or a sandbox first: charts show a run.", timeout=5)
            return
        self.push_screen(ChartScreen(source, "transfer", export_on_mount=True))

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
