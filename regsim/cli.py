"""The `regsim` command line. Bad input exits 2 with one clear message; never a traceback."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from regsim import __version__

if TYPE_CHECKING:  # the layers these name load only when a command needs them
    from regsim.scenario.engine import Run
    from regsim.scenario.spec import Scenario

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """Bad input: reported on stderr with exit status 2."""


class ProblemsError(UsageError):
    """A user's file has problems: each printed as FILE:LINE:COL: message, exit status 2."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="regsim",
        description="Watch a container image registry work, one request at a time. "
        "With no command, opens the app on the bundled lessons and scenarios.",
    )
    parser.add_argument("--version", action="version", version=f"regsim {__version__}")
    parser.add_argument("--lessons", action="append", type=Path, metavar="DIR",
                        help="add a folder of your own lessons (with a scenarios/ folder beside or inside it)")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    play = commands.add_parser("play", help="replay a scenario in the terminal, step by step")
    play.add_argument("scenario", help="a scenario file, the id of a bundled scenario, "
                      "or a session recorded by `regsim serve --record` (.json)")
    play.add_argument("--json", action="store_true", help="print one JSON array, one object per step")
    play.add_argument("--check", action="store_true", help="exit 1 when an expect does not hold")

    lint = commands.add_parser("lint", help="check scenario (and lesson) files; every problem is listed")
    lint.add_argument("paths", nargs="+", help="files or folders")

    chart = commands.add_parser("chart", help="export a chart of a scenario's bytes (PNG, SVG, PDF or CSV)")
    chart.add_argument("scenario")
    chart.add_argument("-o", "--output", required=True, help="OUT.png, OUT.svg, OUT.pdf or OUT.csv")
    chart.add_argument("--kind", default="transfer", help="transfer (default), storage, sharing, network or rollout")
    chart.add_argument("--until", type=int, default=None, help="only the first N steps")

    worksheet = commands.add_parser(
        "worksheet", help="write a printable worksheet for a scenario or lesson (Markdown or PDF)",
        description="The scenario's world, each step's command and its questions with blanks to fill, "
        "then an answer key page with the simulator's answers and the bytes each step moved.")
    worksheet.add_argument("source", metavar="SCENARIO_OR_LESSON",
                           help="a scenario (file or id), or a lesson (.md file, id, or its number: 6)")
    worksheet.add_argument("-o", "--output", required=True, help="FILE.md or FILE.pdf")

    challenge = commands.add_parser(
        "challenge", help="play a challenge without the app: is its goal met after these commands?",
        description="Types each command into the challenge's world, then says whether the goal is met and "
        "why not. Exit 0: met; 1: not met; 2: a bad file or a line the sandbox cannot run.")
    challenge.add_argument("challenge", help="a challenge file, or the id of a bundled challenge")
    challenge.add_argument("--solve", metavar="COMMANDS",
                           help='the commands, separated by ";" (`as NAME` switches client); '
                           "without it, the challenge is described")

    open_ = commands.add_parser("open", help="open the app straight on one scenario (for a class)")
    open_.add_argument("scenario", help="a scenario file, the id of a bundled scenario, "
                       "or a session recorded by `regsim serve --record` (.json)")
    open_.add_argument("--class", dest="classroom", action="store_true",
                       help="class mode for a projector: large panes, clicker keys (PageDown, PageUp, "
                       "B or . to blank), each prediction put to the room before its step runs")
    open_.add_argument("--from", dest="start", metavar="STEP", default=None,
                       help="open with the steps before STEP done (a step number, or a step's id)")

    lessons = commands.add_parser("lessons", help="list the lessons and your progress")
    lessons.add_argument("--json", action="store_true")
    lessons.add_argument("--questions", action="store_true",
                         help="with --json: every question (kind, page, choices as shown, answer, feedback count) "
                         "and the course's balance (right choice longest, myth/fact split), to audit a course")

    progress = commands.add_parser(
        "progress", help="export, import or reset your progress",
        description="With no option, says where your progress is kept and lists the lessons you have begun.")
    group = progress.add_mutually_exclusive_group()
    group.add_argument("--export", type=Path, metavar="FILE",
                       help="copy your progress into FILE (to keep it, or to move to another machine)")
    group.add_argument("--import", dest="import_", type=Path, metavar="FILE",
                       help="replace your progress with an exported FILE (checked first; a bad file changes nothing)")
    group.add_argument("--reset", action="store_true",
                       help="forget all progress: every lesson starts again (asks first)")
    progress.add_argument("--yes", action="store_true", help="with --reset: do not ask")

    serve = commands.add_parser(
        "serve", help="serve the OCI Distribution API to real clients and explain every request"
    )
    from regsim.live.cli import (
        add_serve_arguments,  # argparse only: aiohttp loads when the server starts
    )

    add_serve_arguments(serve)
    watch = commands.add_parser(
        "watch", help="a proxy in front of a real registry that explains every request passing through"
    )
    from regsim.live.cli import add_watch_arguments

    add_watch_arguments(watch)

    web = commands.add_parser(
        "web", help="serve the app to a class's browsers, each learner with their own progress",
        description="Each browser gets its own app; learners give a name (and the class code) on their first "
        "visit and continue where they left off when they come back. The instructor's address, printed at "
        "start, shows where the class stands.")
    class_ = commands.add_parser("class", help="a class's report from the progress `regsim web` kept")
    from regsim.web.cli import add_class_arguments, add_web_arguments  # argparse only

    add_web_arguments(web)
    add_class_arguments(class_)

    scenarios = commands.add_parser("scenarios", help="list the bundled scenarios (and those of --lessons DIR)")
    scenarios.add_argument("--json", action="store_true")

    bench = commands.add_parser("bench", help="push a Docker-Hub-shaped synthetic registry and report time and memory")
    bench.add_argument("--images", type=int, default=100_000)
    bench.add_argument("--json", action="store_true")
    bench.add_argument("--engine", action="store_true", help="time the step engine on the bundled scenarios instead")
    bench.add_argument(
        "--tui", action="store_true",
        help="time the app's start-up, one rendered player step and one sandbox command instead",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command is None:
            return _app(args)
        handler = {
            "play": _play, "lint": _lint, "chart": _chart, "scenarios": _scenarios, "bench": _bench,
            "open": _open, "lessons": _lessons, "worksheet": _worksheet, "progress": _progress, "serve": _serve,
            "challenge": _challenge, "web": _web, "class": _class,
            "watch": _watch,
        }[args.command]
        return handler(args)
    except ProblemsError as error:
        print(error, file=sys.stderr)
        return EXIT_USAGE
    except UsageError as error:
        print(f"regsim: {error}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`regsim play … | head`): stop quietly, as command-line tools do.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK


def _load(name: str, folders: Sequence[Path] = ()) -> Scenario:
    from regsim.bundled import find_scenario
    from regsim.scenario.loader import load_scenario
    from regsim.scenario.problems import ContentError

    path = find_scenario(name, folders)
    if not path.exists():
        from regsim.bundled import scenario_files
        from regsim.scenario.problems import did_you_mean

        hint = did_you_mean(name, [p.stem for p in scenario_files(folders)])
        raise UsageError(f"{name}: no such scenario file or bundled scenario{hint}")
    try:
        return load_scenario(path)
    except ContentError as error:
        raise ProblemsError("\n".join(str(p) for p in error.problems)) from None


def _challenge(args: argparse.Namespace) -> int:
    from regsim.bundled import challenge_files, find_challenge
    from regsim.challenge.loader import load_challenge
    from regsim.challenge.session import ChallengeSession
    from regsim.challenge.text import outcome_lines, statement_lines, turn_line
    from regsim.scenario.problems import ContentError, did_you_mean

    folders = _lesson_dirs(args) or ()
    path = find_challenge(args.challenge, folders)
    if not path.exists():
        hint = did_you_mean(args.challenge, [p.stem for p in challenge_files(folders)])
        raise UsageError(f"{args.challenge}: no such challenge file or bundled challenge{hint}")
    try:
        challenge = load_challenge(path)
    except ContentError as error:
        raise ProblemsError("\n".join(str(p) for p in error.problems)) from None
    if args.solve is None:
        print("\n".join(statement_lines(challenge)))
        return EXIT_OK
    session = ChallengeSession(challenge)
    for line in (part.strip() for part in args.solve.split(";")):
        if not line:
            continue
        turn = session.enter(line)
        if turn.reply.kind == "problem":
            raise UsageError(f"{line!r}: {turn.reply.message}")
        print(turn_line(turn))
    print("\n".join(outcome_lines(session)))
    return EXIT_OK if session.verdict.met else EXIT_PROBLEMS


def _load_record(path: str) -> Run:
    from regsim.live.record import RecordError, load_record

    try:
        return load_record(path)
    except RecordError as error:
        raise UsageError(str(error)) from None


def _play(args: argparse.Namespace) -> int:
    from regsim.scenario.engine import check_expectations, replay
    from regsim.scenario.text import render_run

    if args.scenario.endswith(".json"):   # a session recorded by `regsim serve --record`
        run = _load_record(args.scenario)
        if args.check:
            raise UsageError(f"{args.scenario}: a recorded session has no expectations to --check")
    else:
        run = replay(_load(args.scenario, _lesson_dirs(args) or ()))
    if args.json:
        json.dump([record.to_dict() for record in run.records], sys.stdout, indent=1)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(render_run(run))
    if args.check:
        failures = check_expectations(run)
        for failure in failures:
            print(f"{run.scenario.path}:{failure.line}: {failure}", file=sys.stderr)
        if failures:
            return EXIT_PROBLEMS
        print(f"{run.scenario.path}: every expectation held ({len(run.records)} steps)", file=sys.stderr)
    return EXIT_OK


def _lint(args: argparse.Namespace) -> int:
    from regsim.lessons.lint import lint_paths
    from regsim.lessons.question_audit import CourseBalance

    balance = CourseBalance()
    found, checked = lint_paths([Path(p) for p in args.paths], balance)
    for problem in found:
        print(problem)
    if checked == 0:
        raise UsageError("no scenario or lesson files found in " + ", ".join(args.paths))
    if balance.choice_questions or balance.myth_statements:
        print(f"course: {balance.summary()}", file=sys.stderr)
    problems = [p for p in found if not p.warning]
    warned = f", {len(found) - len(problems)} warning(s)" if len(found) > len(problems) else ""
    if problems:
        print(f"{len(problems)} problem(s){warned} in {checked} file(s)", file=sys.stderr)
        return EXIT_PROBLEMS
    print(f"{checked} file(s) checked: no problems{warned}", file=sys.stderr)
    return EXIT_OK


def _chart(args: argparse.Namespace) -> int:
    from regsim.charts import ChartError, export
    from regsim.scenario.engine import replay
    from regsim.scenario.records import run_to_dict

    scenario = _load(args.scenario, _lesson_dirs(args) or ())
    run = replay(scenario)
    if args.until is not None and not 1 <= args.until <= len(run.records):
        raise UsageError(f"--until {args.until}: {scenario.id} has steps 1 to {len(run.records)}")
    data, until = run_to_dict(run), args.until
    if args.kind == "sharing" and until is not None:   # the images the registries hold after step `until`
        data, until = run_to_dict(run, until), None
    try:
        path = export(data, args.kind, Path(args.output), until=until)
    except ChartError as error:
        raise UsageError(str(error)) from None
    print(f"wrote {path}")
    return EXIT_OK


def _worksheet(args: argparse.Namespace) -> int:
    from regsim.worksheet import WorksheetError, build_worksheet, write_worksheet

    try:
        written = write_worksheet(build_worksheet(args.source, _lesson_dirs(args)), args.output)
    except WorksheetError as error:
        if error.located:   # a file's problems, as FILE:LINE:COL
            raise ProblemsError(str(error)) from None
        raise UsageError(str(error)) from None
    print("wrote " + ", ".join(str(path) for path in written))
    return EXIT_OK


def _lessons(args: argparse.Namespace) -> int:
    from regsim.lessons.commands import LessonUsageError, cmd_lessons

    try:
        return cmd_lessons(args.json, args.lessons, questions=args.questions)
    except LessonUsageError as error:
        raise UsageError(str(error)) from None


def _progress(args: argparse.Namespace) -> int:
    from regsim.lessons.commands import LessonUsageError, cmd_progress

    try:
        return cmd_progress(export=args.export, import_=args.import_, reset=args.reset, yes=args.yes)
    except LessonUsageError as error:
        raise UsageError(str(error)) from None


def _serve(args: argparse.Namespace) -> int:
    from regsim.live.cli import run_from_args

    if args.tui and not args.gc:
        try:
            from regsim.tui.live_app import run_live_app
        except ImportError as error:   # textual is part of the package; this is a broken install
            raise UsageError(f"serve: --tui needs the app ({error})") from None
        return run_from_args(args, show_live=run_live_app)
    return run_from_args(args)


def _watch(args: argparse.Namespace) -> int:
    from regsim.live.cli import watch_main

    show_live = None
    if args.tui:
        try:
            from regsim.tui.live_app import run_live_app
        except ImportError as error:
            raise UsageError(f"watch: --tui needs the app ({error})") from None
        show_live = run_live_app
    return watch_main(args.upstream, args.host, args.port, public=args.public, upstream_ca=args.upstream_ca,
                      record=args.record, tui=args.tui, show_live=show_live)


def _web(args: argparse.Namespace) -> int:
    from regsim.web.cli import WebUsageError, run_web

    try:
        return run_web(args, _lesson_dirs(args) or [])
    except WebUsageError as error:
        raise UsageError(str(error)) from None


def _class(args: argparse.Namespace) -> int:
    from regsim.web.cli import WebUsageError, run_class

    try:
        return run_class(args, _lesson_dirs(args) or [])
    except WebUsageError as error:
        raise UsageError(str(error)) from None


def _scenarios(args: argparse.Namespace) -> int:
    from regsim.bundled import scenario_files
    from regsim.scenario.loader import load_scenario
    from regsim.scenario.problems import ContentError

    items = []
    for path in scenario_files(_lesson_dirs(args) or ()):
        try:
            scenario = load_scenario(path)
        except ContentError as error:
            raise ProblemsError("\n".join(str(p) for p in error.problems)) from None
        items.append({"id": scenario.id, "title": scenario.title, "summary": scenario.blurb,
                      "steps": len(scenario.steps)})
    if args.json:
        json.dump(items, sys.stdout, indent=1)
        sys.stdout.write("\n")
    else:
        for item in items:
            print(f"{item['id']:<24} {item['title']}")
    return EXIT_OK


def _bench(args: argparse.Namespace) -> int:
    if args.tui:
        from regsim.tui.bench import player_step_ms, sandbox_command_ms, startup_seconds

        result = {"startup_seconds": round(startup_seconds(), 3), "player_step_ms": round(player_step_ms(), 1),
                  "sandbox_command_ms": round(sandbox_command_ms(), 1)}
    elif args.engine:
        from regsim.scenario.bench import engine_timings

        result = engine_timings()
    else:
        from regsim.model.sim.bench import run_bench

        if args.images < 1:
            raise UsageError("--images must be at least 1")
        result = run_bench(args.images)
    if args.json:
        json.dump(result, sys.stdout, indent=1)
        sys.stdout.write("\n")
    else:
        for key, value in result.items():
            print(f"{key:<26} {value}")
    return EXIT_OK


def _open(args: argparse.Namespace) -> int:
    from regsim.bundled import find_scenario

    if args.scenario.endswith(".json"):   # a session recorded by `regsim serve --record`
        run = _load_record(args.scenario)
        start = _start_step(run.scenario, args.start)
        from regsim.tui.app import run_app as open_run

        return open_run(run=run, classroom=args.classroom, start_at=start)
    folders = _lesson_dirs(args) or ()
    scenario = _load(args.scenario, folders)   # a missing or broken file is reported here, with exit 2
    start = _start_step(scenario, args.start)
    from regsim.tui.app import run_app

    return run_app(str(find_scenario(args.scenario, folders)), lesson_dirs=_lesson_dirs(args),
                   classroom=args.classroom, start_at=start)


def _start_step(scenario: Scenario, start: str | None) -> int:
    """`--from STEP`: a step number (1..steps) or a step's `id`, as the step's 1-based number."""
    if start is None:
        return 1
    steps = scenario.steps
    for step in steps:
        if step.id is not None and step.id == start:
            return step.index
    if start.isdigit() and 1 <= int(start) <= len(steps):
        return int(start)
    ids = [step.id for step in steps if step.id]
    named = f", or one of its step ids: {', '.join(ids)}" if ids else ""
    raise UsageError(f"--from {start}: {scenario.id} has steps 1 to {len(steps)}{named}")


def _lesson_dirs(args: argparse.Namespace) -> list[Path] | None:
    folders: list[Path] | None = args.lessons   # argparse: append, type=Path
    for folder in folders or ():
        if not folder.is_dir():
            raise UsageError(f"--lessons {folder}: no such folder")
    return folders


def _app(args: argparse.Namespace) -> int:
    from regsim.tui.app import run_app

    return run_app(lesson_dirs=_lesson_dirs(args))


if __name__ == "__main__":
    sys.exit(main())
