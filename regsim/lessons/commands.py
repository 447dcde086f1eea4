"""`regsim lessons [--json]` and `regsim progress [--export FILE | --import FILE | --reset]`.

Both print as a command line should: results on stdout, notices on stderr; bad input raises
LessonUsageError, whose message is what the CLI prints (exit status 2)."""

from __future__ import annotations

import json
import shutil
import sys
import textwrap
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TextIO

from regsim.lessons.catalog import lesson_summaries
from regsim.lessons.loader import LessonSet, lesson_dirs, load_lessons
from regsim.lessons.progress import ProgressError, ProgressStore
from regsim.lessons.question_audit import course_balance, question_entry
from regsim.scenario.problems import ContentError

MIN_WIDTH = 60     # `regsim lessons` fits the terminal, down to this many columns
TITLE_BESIDE = 24  # narrower than this beside the row, a title goes on lines of its own below it


class LessonUsageError(ValueError):
    """Bad input to a lessons command; the message is one clear line (one per problem in a lesson file)."""


def curriculum(dirs: Iterable[Path] | None = None) -> LessonSet:
    """The bundled lessons plus instructor folders (`regsim --lessons DIR`); problems become a usage error."""
    extra = [Path(d) for d in dirs or ()]
    for folder in extra:
        if not folder.is_dir():
            raise LessonUsageError(f"--lessons {folder}: no such folder")
    try:
        return load_lessons(lesson_dirs(extra))
    except ContentError as error:
        raise LessonUsageError("\n".join(str(p) for p in error.problems)) from None


def cmd_lessons(args_json: bool = False, dirs: Iterable[Path] | None = None, *, store: ProgressStore | None = None,
                out: TextIO | None = None, err: TextIO | None = None, questions: bool = False,
                width: int | None = None) -> int:
    """List the lessons (with the learner's progress); JSON when `args_json`. With `questions` (JSON
    only) the output is an object: `lessons`, each with its `question_list`, and `course`, the
    course-level balance (`regsim.lessons.question_audit`). The text fits `width` columns (by
    default the terminal's: $COLUMNS, else its size, else 100)."""
    out, err = out or sys.stdout, err or sys.stderr
    if questions and not args_json:
        raise LessonUsageError("--questions goes with --json: regsim lessons --json --questions")
    lessons = curriculum(dirs)
    store = store if store is not None else ProgressStore()
    if store.notice:
        print(store.notice, file=err)
    summaries = lesson_summaries(lessons, store)
    if args_json and questions:
        for item, lesson in zip(summaries, lessons, strict=True):
            run = lessons.run_for(lesson)
            item["question_list"] = [question_entry(q, lesson, run) for q in lesson.questions]
        json.dump({"lessons": summaries, "course": course_balance(lessons, lessons.run_for).to_dict()}, out, indent=1)
        out.write("\n")
        return 0
    if args_json:
        json.dump(summaries, out, indent=1)
        out.write("\n")
        return 0
    if not summaries:
        print("no lessons found", file=err)
        return 0
    # The title comes last and wraps under itself, so the table fits the terminal and no title is
    # cut; too narrow for that, each title goes on lines of its own under its row.
    width = max(MIN_WIDTH, width or shutil.get_terminal_size((100, 24)).columns)
    id_width = max(len(item["id"]) for item in summaries)
    states = []
    for item in summaries:
        progress = item["progress"]
        states.append(progress["status"] if progress["status"] == "not started" else (
            f"{progress['status']}, {progress['score']:g}/{progress['out_of']}"))
    state_width = max(len(state) for state in states)
    lead = 3 + 2 + id_width + 2 + 12 + 2 + state_width + 2
    below = width - lead < TITLE_BESIDE
    indent = 5 if below else lead
    for item, state in zip(summaries, states, strict=True):
        count = sum(item["questions"].values())
        lines = textwrap.wrap(item["title"], width - indent) or [""]
        row = f"{item['order']:>3}  {item['id']:<{id_width}}  {_count(count, 'question'):>12}  {state:<{state_width}}"
        print(row.rstrip() if below else f"{row}  {lines[0]}".rstrip(), file=out)
        for more in lines if below else lines[1:]:
            print(" " * indent + more, file=out)
    return 0


def cmd_progress(export: Path | None = None, import_: Path | None = None, reset: bool = False, *,
                 yes: bool = False, ask: Callable[[str], str] | None = None,
                 store: ProgressStore | None = None, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Show the learner's progress, or export it, import it, or reset it (one at a time)."""
    out, err = out or sys.stdout, err or sys.stderr
    if sum((export is not None, import_ is not None, bool(reset))) > 1:
        raise LessonUsageError("give only one of --export FILE, --import FILE or --reset")
    store = store if store is not None else ProgressStore()
    if store.notice:
        print(store.notice, file=err)
    try:
        if export is not None:
            store.export(Path(export))
            print(f"exported progress to {export}", file=out)
        elif import_ is not None:
            store.import_(Path(import_))
            print(f"imported progress from {import_} ({_count(len(store.lesson_ids()), 'lesson')} for "
                  f"{store.learner})", file=out)
        elif reset:
            if not yes and not _confirmed(store, ask):
                print("progress kept: nothing was reset", file=out)
                return 1
            store.reset()
            print(f"progress reset: every lesson is not started again ({store.path})", file=out)
        else:
            _show(store, out)
    except ProgressError as error:
        raise LessonUsageError(str(error)) from None
    return 0


def _show(store: ProgressStore, out: TextIO) -> None:
    print(f"progress file: {store.path}", file=out)
    ids = store.lesson_ids()
    if not ids:
        print("no progress yet: open a lesson with `regsim`", file=out)
        return
    order = _lesson_order()
    ids = sorted(ids, key=lambda lesson_id: (order.get(lesson_id, len(order)), lesson_id))
    id_width = max(len(lesson_id) for lesson_id in ids)
    for lesson_id in ids:
        answers = store.answers(lesson_id)
        earned = store.earned(lesson_id)
        points = f"{earned:g} point{'' if earned == 1 else 's'}"
        print(f"  {lesson_id:<{id_width}}  {store.status(lesson_id):<12} {points} from "
              f"{_count(len(answers), 'answered question')}", file=out)
    last = store.last_position
    if last:
        print(f"last position: {last[0]}, page {last[1] + 1}", file=out)


def _lesson_order() -> dict[str, int]:
    """Each bundled (and instructor) lesson's place in the course; {} when they cannot be read."""
    try:
        return {lesson.id: lesson.order for lesson in load_lessons(lesson_dirs(None))}
    except ContentError:
        return {}


def _count(number: int, thing: str) -> str:
    return f"{number} {thing}{'' if number == 1 else 's'}"


def _confirmed(store: ProgressStore, ask: Callable[[str], str] | None) -> bool:
    """Ask before forgetting every lesson's progress; without a terminal to ask on, --yes says it."""
    if ask is None:
        if not sys.stdin.isatty():
            raise LessonUsageError("--reset forgets the progress of every lesson: add --yes to confirm")
        ask = input
    begun = len(store.lesson_ids())
    reply = ask(f"Forget your progress in {_count(begun, 'lesson')} ({store.path})? [y/N] ")
    return reply.strip().lower() in ("y", "yes")
