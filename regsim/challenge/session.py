"""A challenge being played: the sandbox over the challenge's world, its goal checked after every line.

The world and undo are the sandbox's (`regsim.scenario.sandbox`); this adds the goal and the limits,
`hint` (one more hint each time) and `show solution` (asked twice before the first time, since seeing
it forfeits the credit). Nothing here draws: the app's challenge screen and `regsim challenge --solve`
both read the same `Verdict`.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

from regsim.challenge.goals import Check
from regsim.challenge.limits import LimitCheck
from regsim.challenge.spec import Challenge
from regsim.scenario.engine import replay
from regsim.scenario.sandbox import Reply, SandboxSession

HINT_WORDS = ("hint",)
SOLUTION_WORDS = ("show solution", "solution")


@dataclass(frozen=True, slots=True)
class Verdict:
    """Each goal and each limit in the world now; the goal is met when every one holds."""

    goals: tuple[Check, ...]
    limits: tuple[LimitCheck, ...]

    @property
    def met(self) -> bool:
        return all(goal.held for goal in self.goals) and all(limit.held for limit in self.limits)

    def why_not(self) -> list[str]:
        """What still stands between the world and the goal, one line each (empty when met)."""
        lines = [f"{goal.text}: not yet ({goal.why})" for goal in self.goals if not goal.held]
        lines += [f"over the limit: {limit.text}" for limit in self.limits if not limit.held]
        return lines


@dataclass(frozen=True, slots=True)
class Turn:
    """What one typed line did: the sandbox's reply, the verdict after it, and whether it reached the goal."""

    reply: Reply
    verdict: Verdict
    reached: bool = False       # the goal is met now and was not before this line


class ChallengeSession:
    """The sandbox on a challenge's world, after the challenge's own setup steps ran."""

    def __init__(self, challenge: Challenge) -> None:
        self.challenge = challenge
        run = replay(challenge.scenario)
        done = len(run.records)
        self.sandbox = SandboxSession(challenge.scenario, copy.deepcopy(run.worlds[done]), challenge.start_as,
                                      run.records, run.worlds[:done])
        self.hints_shown = 0
        self.solution_shown = False
        self._solution_asked = False
        self.credited = False       # reached without having seen the solution: what progress keeps
        self.verdict = self.check()

    @property
    def commands(self) -> int:
        return len(self.sandbox.records)

    def check(self) -> Verdict:
        records = self.sandbox.records
        world = self.sandbox.world
        return Verdict(tuple(goal.check(world) for goal in self.challenge.goals),
                       tuple(LimitCheck(limit, limit.measure(records)) for limit in self.challenge.limits))

    def enter(self, text: str) -> Turn:
        """One typed line: `hint`, `show solution`, or anything the sandbox takes (undo included)."""
        line = " ".join(text.split())
        if line in HINT_WORDS:
            return Turn(self.hint(line), self.verdict)
        if line in SOLUTION_WORDS:
            return Turn(self.show_solution(line), self.verdict)
        self._solution_asked = False
        reply = self.sandbox.enter(text)
        if reply.kind == "help":       # the challenge's own words, after the sandbox's
            reply = Reply(reply.text, reply.kind, reply.message,
                          [*reply.lines, "hint (one more hint)", "show solution (one way to do it; no credit then)"])
        return self.after(reply)

    def undo(self) -> Turn:
        return self.after(self.sandbox.undo())

    def after(self, reply: Reply) -> Turn:
        was_met = self.verdict.met
        self.verdict = self.check()
        reached = self.verdict.met and not was_met
        if reached and not self.solution_shown:
            self.credited = True
        return Turn(reply, self.verdict, reached)

    def hint(self, text: str = "hint") -> Reply:
        hints = self.challenge.hints
        if not hints:
            return Reply(text, "hint", "This challenge has no hints; `show solution` shows the answer.")
        self.hints_shown = min(self.hints_shown + 1, len(hints))
        shown = [f"{i}. {hint}" for i, hint in enumerate(hints[: self.hints_shown], 1)]
        more = "" if self.hints_shown == len(hints) else " (type hint again for the next)"
        return Reply(text, "hint", f"Hint {self.hints_shown} of {len(hints)}{more}:", shown)

    def show_solution(self, text: str = "show solution") -> Reply:
        """The solution's lines; before the goal is reached, the first ask only warns of the cost."""
        if not self.credited and not self.solution_shown and not self._solution_asked:
            self._solution_asked = True
            return Reply(text, "hint", "Seeing the solution gives up this challenge's credit. "
                         "Type show solution again to see it.")
        self.solution_shown = True
        return Reply(text, "solution", "One solution (type its lines; undo first if you like):",
                     list(self.challenge.solution))

    def solve(self, lines: list[str]) -> list[Turn]:
        """Type every line in order (what `regsim challenge --solve` and the tests do)."""
        return [self.enter(line) for line in lines]
