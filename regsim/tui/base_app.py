"""What the main app and the Live app share: the stylesheet, the size classes, help and the theme key."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from textual.app import App
from textual.binding import Binding, BindingType

from regsim.tui.screens.help import HelpScreen

LIGHT, DARK = "textual-light", "textual-dark"
STYLESHEET = Path(__file__).with_name("regsim.tcss")


class RegsimBaseApp(App[int]):
    """One stylesheet for every screen; `?` lists the keys of the screen shown; `t` switches
    between light and dark. The size classes (-narrow, -wide, -huge; -short, -tall) let the
    stylesheet lay the panes out for 80x24 as well as for a projector."""

    CSS_PATH = str(STYLESHEET)
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide"), (150, "-huge")]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (32, "-tall")]
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "question_mark", "help", "Help", key_display="?", tooltip="Every key of this screen"
        ),
        Binding(
            "t", "toggle_theme", "Light/dark", show=False, tooltip="Switch between light and dark"
        ),
    ]

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    def action_toggle_theme(self) -> None:
        self.theme = LIGHT if self.current_theme.dark else DARK
