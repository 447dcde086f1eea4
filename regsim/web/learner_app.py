"""One learner's app, as `regsim web` starts it for a browser session: the full app, its progress in the
learner's own file. textual-serve's environment (TEXTUAL_DRIVER) makes Textual draw for the browser.

The server starts the process before a learner arrives (a spare, so the next learner does not wait for
Python, Textual and the lessons to load): it reads the course first, then waits for one line on its
standard input naming the learner's files and the browser's size, and only then starts the app. That
line is read a byte at a time, so none of the browser's input that follows is taken from Textual.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any


def read_handoff() -> dict[str, Any] | None:
    """The server's one line, or None when it closed the pipe (the spare was not needed)."""
    line = bytearray()
    while not line.endswith(b"\n"):
        byte = os.read(0, 1)
        if not byte:
            return None
        line += byte
    handoff: dict[str, Any] = json.loads(line)
    return handoff


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="regsim-learner-app")
    parser.add_argument("--lessons", action="append", type=Path, default=[])
    args = parser.parse_args(argv)
    from regsim.bundled import scenario_files
    from regsim.lessons.loader import lesson_dirs
    from regsim.tui.app import RegsimApp
    from regsim.tui.course import read_lessons
    from regsim.tui.views.catalog import scenario_entries

    lessons, _ = read_lessons(lesson_dirs(args.lessons))
    scenarios = scenario_entries(scenario_files(args.lessons))
    import regsim.tui.screens.lesson  # noqa: F401 - the lesson page's widgets, loaded before the learner waits
    import regsim.tui.screens.quiz  # noqa: F401

    if lessons is not None and len(lessons):   # the first lesson's replay, kept by the lesson set
        lessons.run_for(min(lessons, key=lambda lesson: lesson.order))
    handoff = read_handoff()
    if handoff is None:
        return 0
    work = Path(handoff["work"])
    os.chdir(work)
    os.environ["REGSIM_EXPORT_DIR"] = str(work)   # chart exports stay in the learner's folder
    os.environ["COLUMNS"], os.environ["ROWS"] = str(handoff["width"]), str(handoff["height"])
    app = RegsimApp(lessons=lessons, scenarios=scenarios, lesson_dirs=args.lessons,
                    progress_path=handoff["progress"])
    app.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
