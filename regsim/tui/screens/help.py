"""Help: every key of the screen it was opened from, with what it does."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.dom import DOMNode
from textual.screen import ModalScreen, Screen
from textual.widgets import Static


@dataclass(frozen=True, slots=True)
class KeyHelp:
    keys: str
    description: str
    detail: str


def node_keys(screen: Screen[object], node: DOMNode) -> list[KeyHelp]:
    """The keys `node` binds while `screen` is active, one line per action, in declaration order."""
    app = screen.app
    grouped: dict[str, tuple[list[str], Binding]] = {}
    for key, active in screen.active_bindings.items():
        binding = active.binding
        if active.node is not node or not binding.description:
            continue
        keys, _ = grouped.setdefault(binding.action, ([], binding))
        display = app.get_key_display(Binding(key, binding.action))
        if display.startswith("^") and len(display) > 1:
            display = f"ctrl+{display[1:]}"  # spelled out for learners: ctrl+z, not ^z
        if display not in keys:
            keys.append(display)
    declared = [  # regsim's own keys in declaration order, a base class's first; Textual's after
        b.action
        for cls in reversed(type(node).__mro__)
        if cls.__module__.startswith("regsim.")
        for b in cls.__dict__.get("BINDINGS", [])
        if isinstance(b, Binding)
    ]
    order = sorted(
        grouped, key=lambda action: declared.index(action) if action in declared else len(declared)
    )
    return [
        KeyHelp(", ".join(grouped[a][0]), grouped[a][1].description, grouped[a][1].tooltip)
        for a in order
    ]


class HelpScreen(ModalScreen[None]):
    """Lists the screen's own keys first, then the keys that work everywhere."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark,enter,q", "dismiss", "Close", key_display="esc")
    ]

    def __init__(self, screen: Screen[object]) -> None:
        super().__init__()
        self.heading = screen.title or type(screen).__name__.removesuffix("Screen")
        own = node_keys(screen, screen)
        focused = screen.focused
        if focused is not None and getattr(focused, "HELP_IN_SCREEN", False):
            own = node_keys(screen, focused) + own
        everywhere = node_keys(screen, screen.app)
        if screen.app.ENABLE_COMMAND_PALETTE and not any(
            "ctrl+p" in key.keys for key in everywhere
        ):
            everywhere.append(
                KeyHelp(
                    "ctrl+p",
                    "Commands",
                    "search every command by name: open any lesson, quiz or scenario, a sandbox…",
                )
            )
        self.sections = [("This screen", own), ("Everywhere", everywhere)]
        self.notes: list[str] = list(getattr(screen, "HELP_NOTES", ()))

    def compose(self) -> ComposeResult:
        width = max((len(k.keys) for _, keys in self.sections for k in keys), default=4) + 2
        lines = [Content.assemble(("Keys: ", "bold"), (self.heading, "bold"))]
        for title, keys in self.sections:
            lines += [Content(""), Content.assemble((title, "bold underline"))]
            for key in keys:
                lines.append(
                    Content.assemble(
                        (f"{key.keys:<{width}}", "$text-accent bold"),
                        (key.description, "bold"),
                        (f" — {key.detail}" if key.detail else "", "dim"),
                    )
                )
        if self.notes:
            lines.append(Content(""))
            lines += [Content.assemble(("· ", "dim"), note) for note in self.notes]
        lines += [
            Content(""),
            Content.assemble(("↑ ↓ PageUp PageDown scroll this help; esc closes it", "dim")),
        ]
        with VerticalScroll(id="help-box"):
            yield Static(Content("\n").join(lines), id="help-text")

    def on_mount(self) -> None:
        self.query_one("#help-box", VerticalScroll).focus()
