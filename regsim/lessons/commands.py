"""`regsim lessons [--json]` and `regsim progress [--export FILE | --import FILE | --reset]`.

Both print as a command line should: results on stdout, notices on stderr; bad input raises
LessonUsageError, whose message is what the CLI prints (exit status 2)."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

from regsim.lessons.catalog import lesson_summaries
from regsim.lessons.loader import LessonSet, lesson_dirs, load_lessons
from regsim.lessons.progress import ProgressError, ProgressStore
from regsim.lessons.question_audit import course_balance, question_entry
from regsim.scenario.problems import ContentError


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
                out: TextIO | None = None, err: TextIO | None = None, questions: bool = False) -> int:
    """List the lessons (with the learner's progress); JSON when `args_json`. With `questions` (JSON
    only) the output is an object: `lessons`, each with its `question_list`, and `course`, the
    course-level balance (`regsim.lessons.question_audit`)."""
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
    id_width = max(len(item["id"]) for item in summaries)
    title_width = min(max(len(item["title"]) for item in summaries), 60)
    for item in summaries:
        progress = item["progress"]
        title = item["title"] if len(item["title"]) <= title_width else item["title"][: title_width - 1] + "…"
        state = progress["status"] if progress["status"] == "not started" else (
            f"{progress['status']}, {progress['score']:g}/{progress['out_of']}")
        count = sum(item["questions"].values())
        print(f"{item['order']:>3}  {item['id']:<{id_width}}  {title:<{title_width}}  {count:>2} questions  {state}",
              file=out)
    return 0


def cmd_progress(export: Path | None = None, import_: Path | None = None, reset: bool = False, *,
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
            print(f"imported progress from {import_} ({len(store.lesson_ids())} lesson(s) for {store.learner})",
                  file=out)
        elif reset:
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
    for lesson_id in ids:
        answers = store.answers(lesson_id)
        print(f"  {lesson_id:<28} {store.status(lesson_id):<12} {store.earned(lesson_id):g} point(s) from "
              f"{len(answers)} answered question(s)", file=out)
    last = store.last_position
    if last:
        print(f"last position: {last[0]}, page {last[1] + 1}", file=out)
