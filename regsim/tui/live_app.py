"""The Live app: `regsim serve --tui` runs the registry and its Live screen in one process.

The aiohttp server starts inside the app's own asyncio loop (in `on_mount`), so every request
is handled, recorded and shown by the same loop that draws the screen: no thread, no lock.
Blob bytes are hashed and written in the server's worker threads, off the loop.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual.binding import Binding, BindingType

from regsim.tui.base_app import RegsimBaseApp
from regsim.tui.screens.live import LiveScreen

if TYPE_CHECKING:
    from regsim.live.source import LiveSource


class LiveApp(RegsimBaseApp):
    """One screen: the live registry's requests, explained, with the world and the byte ledger."""

    TITLE = "regsim live"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q,ctrl+c", "quit", "Stop", tooltip="Stop the registry and leave"),
    ]

    def __init__(self, server: LiveSource) -> None:
        super().__init__()
        self.server = server
        self.start_error: str | None = None  # why the server could not start (the app exits 2)
        self._serving = False

    async def on_mount(self) -> None:
        try:
            await self.server.start()
        except (OSError, ValueError) as error:
            self.start_error = getattr(error, "strerror", None) or str(error)
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
        await self.stop_server()  # the app closed some other way: the socket must not outlive it


def run_live_app(server: LiveSource) -> tuple[int, str | None]:
    """Serve with the Live screen until q: the exit status, and why the server could not start
    (None when it did)."""
    app = LiveApp(server)
    result = app.run()
    if app.start_error is not None:
        return 2, app.start_error
    return (result if isinstance(result, int) else (app.return_code or 0)), None
