"""A real terminal: start `python -m regsim` in tmux, press keys, read the screen back.

The same steps show the app by hand (see the README):
    tmux new-session -d -s regsim -x 100 -y 30 'python -m regsim'
    tmux send-keys -t regsim Enter
    tmux capture-pane -p -t regsim
    tmux kill-session -t regsim
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from regsim.bundled import scenario_files
from regsim.scenario.loader import load_scenario

WIDTH, HEIGHT = 100, 30
ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.slow  # a fresh interpreter and the whole course read, per test


def tmux(*args: str) -> str:
    result = subprocess.run(["tmux", *args], capture_output=True, text=True, check=True)
    return result.stdout


@pytest.fixture
def session(tmp_path: Path) -> Iterator[str]:
    """A tmux session running the app at 100x30, with the user's own settings kept out."""
    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed")
    name = f"regsim-test-{uuid.uuid4().hex[:8]}"
    env = {
        "HOME": str(tmp_path),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "REGSIM_EXPORT_DIR": str(tmp_path),
        "TERM": "xterm-256color",
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(ROOT),
    }
    command = " ".join(
        [
            "env -i",
            *(f"{key}={value}" for key, value in env.items()),
            sys.executable,
            "-m regsim",
        ]
    )
    tmux(
        "-f", "/dev/null", "new-session", "-d", "-s", name, "-x", str(WIDTH), "-y", str(HEIGHT),
        "-c", str(ROOT), command,
    )  # fmt: skip
    try:
        yield name
    finally:
        subprocess.run(["tmux", "kill-session", "-t", name], check=False, capture_output=True)


def screen(name: str) -> str:
    """The pane's text; empty once the app has quit and the session with it."""
    result = subprocess.run(
        ["tmux", "capture-pane", "-p", "-t", name], check=False, capture_output=True, text=True
    )
    return result.stdout if result.returncode == 0 else ""


def wait_for(name: str, found: Callable[[str], bool], seconds: float = 20.0) -> str:
    """The screen once `found` says so; the last screen in the failure message otherwise."""
    deadline = time.monotonic() + seconds
    shown = ""
    while time.monotonic() < deadline:
        shown = screen(name)
        if found(shown):
            return shown
        time.sleep(0.1)
    raise AssertionError(f"the screen never showed what was expected:\n{shown}")


def home_with_lessons(session: str) -> str:
    return wait_for(
        session,
        lambda s: "watch a container image registry work" in s and "not started" in s,
    )


def test_the_app_starts_in_a_real_terminal_and_opens_lesson_1_and_the_first_scenario(
    session: str,
) -> None:
    """One start of the app (a fresh interpreter reading the whole course) for both ways in."""
    first = load_scenario(scenario_files()[0])
    home = home_with_lessons(session)
    assert "regsim" in home.splitlines()[0]
    assert len(home.splitlines()) <= HEIGHT

    # Enter on home opens the first lesson, and q comes back to Continue.
    tmux("send-keys", "-t", session, "Enter")
    lesson = wait_for(session, lambda s: "page 1 of" in s)
    assert "Lesson 1" in lesson
    tmux("send-keys", "-t", session, "Right")  # the page's prediction is open: it asks first
    wait_for(session, lambda s: "You have not made the prediction" in s)
    tmux("send-keys", "-t", session, "y")
    wait_for(session, lambda s: "page 2 of" in s)
    tmux("send-keys", "-t", session, "q")
    back = wait_for(session, lambda s: "Continue:" in s)
    assert "in progress" in back

    # g, Enter opens the first scenario in the player; q comes back, and q on home quits.
    tmux("send-keys", "-t", session, "g")
    wait_for(session, lambda s: first.title in s)
    tmux("send-keys", "-t", session, "Enter")
    player = wait_for(session, lambda s: f"step 0 of {len(first.steps)}" in s)
    assert f"Next: step 1 of {len(first.steps)}" in player
    tmux("send-keys", "-t", session, "n")
    wait_for(session, lambda s: f"step 1 of {len(first.steps)}" in s)
    tmux("send-keys", "-t", session, "q")  # back home
    wait_for(session, lambda s: "watch a container image registry work" in s)
    tmux("send-keys", "-t", session, "q")
    wait_for(session, lambda s: not s)  # quit: the session ends with the app


def test_a_retry_typed_at_once_after_a_wrong_answer_is_graded(session: str) -> None:
    """Keys sent in one burst, as a fast typist or a paste: each Enter commits what came before."""
    home_with_lessons(session)
    tmux("send-keys", "-t", session, "C-p")
    wait_for(session, lambda s: "Search for commands" in s or "Quiz: myth or fact" in s)
    tmux("send-keys", "-t", session, "lesson: retention")
    wait_for(session, lambda s: "retention and garbage collection" in s)
    tmux("send-keys", "-t", session, "Enter")
    wait_for(session, lambda s: "page 1 of 4" in s)
    for page in (2, 3, 4):
        tmux("send-keys", "-t", session, "S-Right", "Right")   # all the page's steps, then the next page
        shown = wait_for(
            session, lambda s, page=page: f"page {page} of 4" in s or "You have not made" in s
        )
        if "You have not made" in shown:  # an open prediction: leaving asks first
            tmux("send-keys", "-t", session, "y")
            wait_for(session, lambda s, page=page: f"page {page} of 4" in s)
    # The first digit typed on the page goes to the answer box, the rest after it.
    tmux("send-keys", "-t", session, "816.2MB", "Enter", "C-u", "42.2MB", "Enter")
    shown = wait_for(session, lambda s: "Right (0.5 point on a later try)" in s)
    assert "Type an answer first" not in shown
