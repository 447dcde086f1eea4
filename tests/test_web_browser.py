"""`regsim web` in a real browser: Debian's Chromium, driven by Playwright (never a downloaded browser).

One server (`regsim web` as a learner's instructor starts it, on loopback) and one browser for the
module; each learner is a browser context of their own (their own cookies). What a learner sees is
read from the app's own output: the terminal bytes the page receives over its websocket.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CODE = "blue-42"
WAIT = 20.0   # seconds: an app's start on a busy 2-core machine, with room to spare
ANSI = re.compile(r"\x1b\[[0-9;?<>=]*[ -/]*[@-~]|\x1b[()][0-9A-Za-z]|\x1b[=>78]")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium is not installed (.ci/live-tools installs Debian's "
                       "chromium; it could not here)"),
]


@dataclass
class Classroom:
    url: str
    instructor: str
    data: Path
    process: subprocess.Popen[str] = field(repr=False)


@pytest.fixture(scope="module")
def classroom(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Classroom]:
    data = tmp_path_factory.mktemp("class")
    with socket.socket() as probe:   # a free loopback port
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    environment = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "regsim", "web", "--port", str(port), "--data", str(data), "--class-code", CODE,
         "--max-learners", "2"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=environment)
    assert process.stdout is not None
    lines = []
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline and not any("instructor:" in line for line in lines):
        lines.append(process.stdout.readline())
    instructor = next((line.split()[1] for line in lines if line.startswith("instructor:")), None)
    assert instructor is not None, "".join(lines)
    try:
        yield Classroom(f"http://127.0.0.1:{port}/", instructor, data, process)
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright  # a test extra: missing, the test fails

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        yield chromium
        chromium.close()


class Screen:
    """A learner's tab, and the text their app has drawn since the page last (re)loaded."""

    def __init__(self, browser: Any, classroom: Classroom) -> None:
        self.context = browser.new_context(viewport={"width": 1280, "height": 800})
        self.page = self.context.new_page()
        self.page.set_default_timeout(WAIT * 1000)
        self.classroom = classroom
        self.frames: list[bytes] = []
        self.page.on("websocket", self._watch)

    def _watch(self, websocket: Any) -> None:
        self.frames = []
        websocket.on("framereceived", lambda frame: self.frames.append(
            frame if isinstance(frame, bytes) else frame.encode()))

    @property
    def text(self) -> str:
        return ANSI.sub("", b"".join(self.frames).decode("utf-8", "replace"))

    def join(self, name: str, code: str = CODE) -> str:
        """Fill the join form; what the page says after it."""
        self.page.goto(self.classroom.url)
        self.page.fill("#name", name)
        self.page.fill("#code", code)
        self.page.click("button[type=submit]")
        return str(self.page.inner_text("body"))

    def wait_for(self, *words: str) -> None:
        deadline = time.monotonic() + WAIT
        while not all(word in self.text for word in words):
            assert time.monotonic() < deadline, f"never on screen: {words}\n{self.text[-2000:]}"
            self.page.wait_for_timeout(50)

    def press(self, *keys: str) -> None:
        self.page.focus(".xterm-helper-textarea")   # the terminal's keyboard (a click would hit the app)
        for key in keys:
            self.page.keyboard.press(key)

    def reload(self) -> None:
        self.frames = []
        self.page.reload()


LESSON_1 = "What an image is"
FIRST_QUESTION = "How many bytes of layers will Alice's build send over the network?"


def test_a_class_in_the_browser(browser: Any, classroom: Classroom) -> None:
    # A learner joins, opens lesson 1 and answers its first question (building moves no bytes).
    ada = Screen(browser, classroom)
    ada.join("Ada")
    ada.wait_for(LESSON_1, "not started")
    ada.press("Enter")
    ada.wait_for("Lesson 1 · page 1", FIRST_QUESTION, "Score 0 of 5")
    ada.press("0", "Enter")
    ada.wait_for("Score 1 of 5")

    # A reload starts a fresh app: the lesson shows as begun, and reopening it shows the answer kept.
    ada.reload()
    ada.wait_for(LESSON_1, "in progress", "Continue: ")
    ada.press("Enter")
    ada.wait_for("Lesson 1 · page 1", "Score 1 of 5")

    # Another learner, in another browser context, starts from nothing.
    grace = Screen(browser, classroom)
    grace.join("Grace")
    grace.wait_for(LESSON_1, "not started")
    assert "in progress" not in grace.text and "Continue: " not in grace.text

    # A third browser: a wrong class code is refused; the right one meets the cap of two learners.
    third = Screen(browser, classroom)
    assert "not this class" in third.join("Alan", code="blue-41")
    assert "The class is full" in third.join("Alan")

    # The instructor's page counts both, with the right first answer, and draws the class.
    page = third.context.new_page()
    response = page.goto(classroom.instructor)
    assert response is not None and response.status == 200
    body = page.inner_text("body")
    assert "2 learner(s), 2 online" in body and "Ada" in body and "Grace" in body
    assert re.search(r"build-traffic\s+How many bytes.*\s+1 of 1 \(100%\)", body)
    page.wait_for_function("document.querySelector('img').naturalWidth > 0", timeout=WAIT * 1000)
    for screen in (ada, grace, third):
        screen.context.close()
