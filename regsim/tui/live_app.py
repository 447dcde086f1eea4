"""The Live app: `regsim serve --tui` runs the registry and its Live screen in one process.

The aiohttp server starts inside the app's own asyncio loop (in `on_mount`), so every request
is handled, recorded and shown by the same loop that draws the screen: no thread, no lock.
Blob bytes are hashed and written in the server's worker threads, off the loop.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual.app import App
from textual.binding import Binding, BindingType

from regsim.tui.screens.help import HelpScreen
from regsim.tui.screens.live import LiveScreen

if TYPE_CHECKING:
    from regsim.live.server import LiveServer

LIGHT, DARK = "textual-light", "textual-dark"


class LiveApp(App[int]):
    """One screen: the live registry's requests, explained, with the world and the byte ledger."""

    CSS_PATH = str(Path(__file__).with_name("regsim.tcss"))
    TITLE = "regsim live"
    HORIZONTAL_BREAKPOINTS: ClassVar[list[tuple[int, str]]] = [(0, "-narrow"), (110, "-wide"), (150, "-huge")]
    VERTICAL_BREAKPOINTS: ClassVar[list[tuple[int, str]]] = [(0, "-short"), (32, "-tall")]
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("question_mark", "help", "Help", key_display="?", tooltip="Every key of this screen"),
        Binding("t", "toggle_theme", "Light/dark", show=False, tooltip="Switch between light and dark"),
        Binding("q,ctrl+c", "quit", "Stop", tooltip="Stop the registry and leave"),
    ]

    def __init__(self, server: LiveServer) -> None:
        super().__init__()
        self.server = server
        self._serving = False

    async def on_mount(self) -> None:
        try:
            await self.server.start()
        except (OSError, ValueError) as error:
            self.server.start_error = getattr(error, "strerror", None) or str(error)  # type: ignore[attr-defined]
            self.exit(2)
            return
        self._serving = True
        await self.push_screen(LiveScreen(self.server))

    async def stop_server(self) -> None:
        if self._serving:
            self._serving = False
            await self.server.stop()

    async def action_quit(self) -> None:
        await self.stop_server()
        self.exit(0)

    async def on_unmount(self) -> None:
        await self.stop_server()   # the app closed some other way: the socket must not outlive it

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    def action_toggle_theme(self) -> None:
        self.theme = LIGHT if self.current_theme.dark else DARK


def run_live_app(server: LiveServer) -> int:
    """Serve with the Live screen until q; the exit code (2 when the server could not start)."""
    app = LiveApp(server)
    result = app.run()
    if getattr(server, "start_error", None) is not None:
        return 2
    return result if isinstance(result, int) else (app.return_code or 0)
