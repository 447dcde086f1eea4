"""The learners' apps, forked from one process that has already loaded them (a fork server).

`regsim web` starts this module once: it imports Textual and the app, reads the lessons and scenarios,
then waits on a Unix socket. For each browser session the server sends the learner's files and the
browser's size, with the three pipe ends that become the app's stdin, stdout and stderr; this process
forks, and the child runs the full app on those pipes, its progress in the learner's own file
(textual-serve's environment, TEXTUAL_DRIVER, makes Textual draw for the browser). A learner so gets
a working app without waiting for Python to start or the course to load, and the apps share the
loaded code's memory pages until they write to them.

No thread is started here before a fork (a forked child keeps only the thread that forked).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import signal
import socket
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from regsim.lessons.loader import LessonSet
    from regsim.tui.views.catalog import ScenarioEntry

MESSAGE_LIMIT = 1 << 16


def run_learner_app(handoff: dict[str, Any], lessons: LessonSet | None, scenarios: list[ScenarioEntry],
                    lesson_dirs: list[Path]) -> None:
    from regsim.tui.app import RegsimApp

    work = Path(handoff["work"])
    os.chdir(work)
    os.environ["REGSIM_EXPORT_DIR"] = str(work)   # chart exports stay in the learner's folder
    os.environ["COLUMNS"], os.environ["ROWS"] = str(handoff["width"]), str(handoff["height"])
    app = RegsimApp(lessons=lessons, scenarios=scenarios, lesson_dirs=lesson_dirs, progress_path=handoff["progress"])
    app.run()


def _reap(*_: object) -> None:
    """Collect every app that ended (so its time counts in this process's children, as for any child)."""
    while True:
        try:
            pid, _status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def serve(channel: socket.socket, lesson_dirs: list[Path]) -> None:
    from regsim.bundled import scenario_files
    from regsim.lessons.loader import lesson_dirs as all_lesson_dirs
    from regsim.tui.course import read_lessons
    from regsim.tui.views.catalog import scenario_entries

    lessons, _ = read_lessons(all_lesson_dirs(lesson_dirs))
    scenarios = scenario_entries(scenario_files(lesson_dirs))
    import regsim.tui.app  # noqa: F401 - the app and the lesson page's widgets, loaded once for every learner
    import regsim.tui.screens.lesson  # noqa: F401
    import regsim.tui.screens.quiz  # noqa: F401

    if lessons is not None and len(lessons):   # the first lesson's replay, kept by the lesson set
        lessons.run_for(lessons.lessons[0])
    signal.signal(signal.SIGCHLD, _reap)
    gc.collect()
    gc.freeze()   # the loaded objects out of the collector's sight: its passes would copy their pages in every app
    channel.send(b"ready")
    while True:
        try:
            message, fds, _, _ = socket.recv_fds(channel, MESSAGE_LIMIT, 3)
        except (OSError, ValueError):
            return
        if not message:   # the server closed its end: no more learners
            return
        if len(fds) != 3:
            for fd in fds:
                os.close(fd)
            channel.send(b"0")
            continue
        pid = os.fork()
        if pid == 0:
            channel.close()
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            for target, fd in enumerate(fds):
                os.dup2(fd, target)
                os.close(fd)
            code = 0
            try:
                run_learner_app(json.loads(message), lessons, scenarios, lesson_dirs)
            except BaseException:   # noqa: BLE001 - the child never returns into the fork server's loop
                import traceback

                traceback.print_exc()
                code = 1
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        for fd in fds:
            os.close(fd)
        channel.send(str(pid).encode())


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m regsim.web.learner_app")
    parser.add_argument("--channel", type=int, required=True, help="the Unix socket's file descriptor")
    parser.add_argument("--lessons", action="append", type=Path, default=[])
    args = parser.parse_args(argv)
    serve(socket.socket(fileno=args.channel), args.lessons)
    return 0


if __name__ == "__main__":
    sys.exit(main())
