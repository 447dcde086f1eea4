"""A challenge in words: its statement, each typed line's result, and the verdict (the CLI prints these;
the app's challenge screen shows the same lines)."""

from __future__ import annotations

from regsim.challenge.session import ChallengeSession, Turn, Verdict
from regsim.challenge.spec import Challenge
from regsim.scenario.prompt import prompt_line
from regsim.units import format_size


def statement_lines(challenge: Challenge) -> list[str]:
    """The title, the task, the goal and the limits, as a learner reads them before starting."""
    lines = [challenge.title, "", challenge.task, "", "Goal:"]
    lines += [f"  - {goal.text}" for goal in challenge.goals]
    if challenge.limits:
        lines.append("Limits:")
        lines += [f"  - {limit.describe()}" for limit in challenge.limits]
    if challenge.start_as:
        lines += ["", f"You act as {challenge.start_as} (`as NAME` switches)."]
    return lines


def turn_line(turn: Turn) -> str:
    """One typed line and what it did, on one line: `alice$ docker push …  ok, 2.3MB up`."""
    reply = turn.reply
    record = reply.record
    if reply.kind == "ran" and record is not None:
        result = "ok" if record.ok else f"failed: {record.error or record.message or 'error'}"
        moved = [f"{format_size(size)} {way}" for size, way in
                 ((record.layer_bytes_up, "up"), (record.layer_bytes_down, "down")) if size]
        return f"{prompt_line(record.actor, record.command)}  ({', '.join([result, *moved])})"
    return f"> {reply.text}  ({reply.message})" if reply.message else f"> {reply.text}"


def verdict_lines(verdict: Verdict) -> list[str]:
    """Each goal and limit with ✓ or ✗ and the fact that decides it."""
    lines = [f"{'✓' if goal.held else '✗'} {goal.text}  ({goal.why})" for goal in verdict.goals]
    lines += [f"{'✓' if limit.held else '✗'} {limit.text}" for limit in verdict.limits]
    return lines


def outcome_lines(session: ChallengeSession) -> list[str]:
    """Met or not, the checks, and (when met) the explanation."""
    verdict = session.verdict
    count = session.commands
    head = (f"Goal met in {count} command{'s' if count != 1 else ''}." if verdict.met
            else "Goal not met yet:")
    lines = [head, *(f"  {line}" for line in verdict_lines(verdict))]
    if verdict.met:
        lines += ["", session.challenge.explain]
    return lines
