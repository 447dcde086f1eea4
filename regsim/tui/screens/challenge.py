"""A challenge: the sandbox with the goal drawn beside the learner's world, checked after every command."""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.content import Content
from textual.widget import Widget
from textual.widgets import Static

from regsim.challenge.session import ChallengeSession, Turn
from regsim.scenario.sandbox import Reply
from regsim.tui.messages import ChallengePlayed
from regsim.tui.screens.panes import Parts
from regsim.tui.screens.sandbox import SandboxScreen
from regsim.tui.widgets.step_panels import OutputPanel


class GoalPanel(Static):
    """The goal world: each goal and limit with ✓ or ✗ as the learner's world stands now."""

    def show(self, session: ChallengeSession) -> None:
        verdict = session.verdict
        challenge = session.challenge
        parts: list[str | tuple[str, str]] = []
        if verdict.met:
            parts += [("✓ Goal reached. ", "$text-success bold"), challenge.explain, "\n"]
        played = session.commands > 0    # why a goal does not hold yet matters once something was tried
        for goal in verdict.goals:
            parts += [("✓ " if goal.held else "✗ ", "$text-success" if goal.held else "$text-error"), goal.text]
            if played and not goal.held:
                parts += [(f"  ({goal.why})", "dim")]
            parts.append("\n")
        for limit in verdict.limits:
            shown = limit.text if played else limit.limit.describe()
            parts += [("✓ " if limit.held else "✗ ", "$text-success" if limit.held else "$text-error"),
                      (shown, "" if limit.held else "bold"), "\n"]
        if not verdict.met:
            parts += [(challenge.task, "dim")]
        self.update(Content.assemble(*parts))
        self.border_title = f"Goal · {challenge.title}"
        credit = ("credit earned" if session.credited else
                  "no credit: solution seen" if session.solution_shown else "hint · show solution")
        self.border_subtitle = credit
        self.set_class(verdict.met, "-met")


class ChallengeScreen(SandboxScreen):
    """Type commands until the world matches the goal; `hint`, `show solution` and undo work here."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+t", "hint", "Hint", priority=True, tooltip="One more hint (type `hint` too)"),
    ]

    HELP_NOTES: tuple[str, ...] = (
        "Type commands until every line of the goal shows ✓; the goal is checked after each command.",
        "`hint` (or ctrl+t) shows one more hint; `show solution` shows one way to do it, but then the "
        "challenge earns no credit.",
        "ctrl+z (or `undo`) takes back the last command, and its cost against the limits with it.",
        *SandboxScreen.HELP_NOTES,
    )

    def __init__(self, challenge: ChallengeSession) -> None:
        super().__init__(challenge.sandbox)
        self.challenge = challenge
        self.add_class("challenge")

    def story(self) -> list[Widget]:
        return [GoalPanel(id="goal"), OutputPanel(id="done")]

    def on_mount(self) -> None:
        super().on_mount()
        self.title = f"Challenge: {self.challenge.challenge.title}"
        self.query_one(GoalPanel).show(self.challenge)

    def status_parts(self) -> Parts:
        parts = super().status_parts()
        parts[0] = ("challenge", "bold")
        return parts

    def title_parts(self) -> Parts:
        return []   # the goal panel's title names the challenge

    def run_line(self, text: str) -> Reply:
        turn = self.challenge.enter(text)
        self.after_turn(turn)
        return turn.reply

    def action_undo(self) -> None:
        self.after_turn(self.challenge.undo())

    def action_leave(self) -> None:
        """A reached goal is kept in the progress: leaving then loses nothing, so it does not ask."""
        if self.challenge.verdict.met:
            self.dismiss()
        else:
            super().action_leave()

    def action_hint(self) -> None:
        self.after_turn(self.challenge.enter("hint"))

    def after_turn(self, turn: Turn) -> None:
        self.show_reply(turn.reply)
        self.query_one(GoalPanel).show(self.challenge)
        if turn.reply.kind == "solution":
            self.post_message(ChallengePlayed(self.challenge.challenge.id, solution_shown=True))
        if turn.reached:
            self.post_message(ChallengePlayed(self.challenge.challenge.id, solved=True,
                                              solution_shown=self.challenge.solution_shown))
            self.notify("Goal reached" + (": credit earned." if self.challenge.credited else "."), timeout=6)
