"""`regsim web` and `regsim class report`: their arguments, their checks, and starting the work."""

from __future__ import annotations

import argparse
import ipaddress
import secrets
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from regsim.web.server import ClassSettings

DEFAULT_PORT = 8000


class WebUsageError(ValueError):
    """Bad arguments: one line for the user, exit status 2."""


def default_data() -> Path:
    import platformdirs

    return Path(platformdirs.user_data_dir("regsim")) / "class"


def add_web_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to listen on (default 127.0.0.1: this machine only); any other address "
                        "needs --class-code, or --open")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
    parser.add_argument("--class-code", metavar="CODE", help="the code learners type to join")
    parser.add_argument("--open", action="store_true", help="serve beyond this machine without a class code")
    parser.add_argument("--data", type=Path, metavar="DIR",
                        help=f"where the class's learners and progress are kept (default {default_data()})")
    _add_lessons(parser)
    parser.add_argument("--max-learners", type=int, default=40, metavar="N",
                        help="apps running at once (each is one process; default 40)")
    parser.add_argument("--idle-minutes", type=float, default=30, metavar="M",
                        help="close a session after M minutes without a key (default 30); progress is kept")


def add_class_arguments(parser: argparse.ArgumentParser) -> None:
    commands = parser.add_subparsers(dest="class_command", metavar="COMMAND", required=True)
    report = commands.add_parser("report", help="where the class stands, from its stored progress (PNG, PDF or CSV)")
    report.add_argument("--data", type=Path, metavar="DIR", help="the folder `regsim web --data` kept")
    report.add_argument("-o", "--output", type=Path, required=True, help="report.png, report.pdf or report.csv")
    _add_lessons(report)


def _add_lessons(parser: argparse.ArgumentParser) -> None:
    # SUPPRESS: absent here, `regsim --lessons DIR web` keeps the folders given before the command.
    parser.add_argument("--lessons", action="append", type=Path, metavar="DIR", default=argparse.SUPPRESS,
                        help="add a folder of your own lessons (with a scenarios/ folder beside or inside it)")


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def settings_from(args: argparse.Namespace, lesson_dirs: list[Path]) -> tuple[str, int, ClassSettings]:
    """The host, port and server settings the arguments ask for, checked."""
    from regsim.web.server import ClassSettings

    if not is_loopback(args.host) and args.class_code is None and not args.open:
        raise WebUsageError(f"web: --host {args.host} lets other machines in; give the class a --class-code "
                            "(or say --open to serve without one)")
    if args.class_code is not None and not args.class_code.strip():
        raise WebUsageError("web: --class-code is empty")
    if not 0 <= args.port <= 65535:
        raise WebUsageError(f"web: --port {args.port} is not a port (0 to 65535)")
    if args.max_learners < 1:
        raise WebUsageError("web: --max-learners must be at least 1")
    if not args.idle_minutes > 0:
        raise WebUsageError("web: --idle-minutes must be more than 0")
    data = args.data or default_data()
    try:
        data.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise WebUsageError(f"web: --data {data}: {error.strerror or error}") from None
    settings = ClassSettings(data=data, token=secrets.token_urlsafe(24), class_code=args.class_code,
                             lesson_dirs=lesson_dirs, max_learners=args.max_learners,
                             idle_seconds=args.idle_minutes * 60)
    return args.host, args.port, settings


def run_web(args: argparse.Namespace, lesson_dirs: list[Path]) -> int:
    import asyncio
    import logging

    from aiohttp import web

    from regsim.web.server import ClassServer, RedactingAccessLogger

    host, port, settings = settings_from(args, lesson_dirs)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    server = ClassServer(settings)
    shown = f"[{host}]" if ":" in host else host

    def announce(_: str) -> None:   # run_app calls it once the port is listening
        code = "with the class code you chose" if settings.class_code else "no class code"
        print(f"regsim web: learners open http://{shown}:{port}/ ({code}; at most {settings.max_learners} at once)\n"
              f"instructor: http://{shown}:{port}/instructor/{settings.token}  (keep this address to yourself)\n"
              f"progress is kept in {settings.data}; Ctrl+C stops the class", flush=True)

    try:
        web.run_app(server.application(), host=host, port=port, print=announce, access_log_class=RedactingAccessLogger,
                    handle_signals=True, loop=asyncio.new_event_loop())
    except OSError as error:
        raise WebUsageError(f"web: cannot listen on {host}:{port}: {error.strerror or error}") from None
    return 0


def run_class(args: argparse.Namespace, lesson_dirs: list[Path]) -> int:
    from regsim.lessons.loader import lesson_dirs as all_lesson_dirs
    from regsim.lessons.loader import load_lessons
    from regsim.web.report import ReportError, write_report
    from regsim.web.roster import Roster
    from regsim.web.standing import class_standing

    data = args.data or default_data()
    if not (data / "learners").is_dir():
        raise WebUsageError(f"class report: {data} holds no class (no learners/ folder): give the --data "
                            "folder `regsim web` used")
    lessons = load_lessons(all_lesson_dirs(lesson_dirs), strict=False)
    standing = class_standing(Roster(data).learners(), lessons)
    try:
        path = write_report(standing, args.output)
    except ReportError as error:
        raise WebUsageError(f"class report: {error}") from None
    print(f"wrote {path} ({len(standing.learners)} learner(s))", file=sys.stderr)
    return 0
