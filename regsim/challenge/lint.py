"""`regsim lint` on a challenge: the file's problems, then what only playing it shows (its own solution must
reach the goal, and typing nothing must not)."""

from __future__ import annotations

from pathlib import Path

from regsim.challenge.loader import load_challenge
from regsim.challenge.session import ChallengeSession
from regsim.scenario.problems import ContentError, Located, Problem


def lint_challenge_file(path: str | Path) -> list[Problem]:
    """Every problem in one challenge file, as FILE:LINE:COL (an empty list when it is clean)."""
    try:
        challenge = load_challenge(path)
    except ContentError as error:
        return list(error.problems)
    located = Located(Path(path).read_text(encoding="utf-8"), str(path))
    problems: list[Problem] = []
    if ChallengeSession(challenge).verdict.met:
        problems.append(located.problem(("goal",), "the goal is met before any command: the learner has "
                                        "nothing to do (change the setup steps or the goal)", key=True))
    session = ChallengeSession(challenge)
    for i, line in enumerate(challenge.solution):
        turn = session.enter(line)
        if turn.reply.kind == "problem":
            problems.append(located.problem(("solution", i), f"the sandbox refuses this line: {turn.reply.message}"))
            return problems
    if not session.verdict.met:
        why = "; ".join(session.verdict.why_not())
        problems.append(located.problem(("solution",), f"the solution does not reach the goal: {why}", key=True))
    return problems
