"""The learner's progress: one JSON file under the platform's user data folder, written atomically
after every change (a temporary file in the same folder, fsync, then os.replace), so a crash mid-write
leaves the previous file whole. A damaged file is kept aside and the learner starts fresh with a notice.

File shape (sorted keys, so the same progress always gives the same bytes):
    {"format": "regsim-progress", "version": 1,
     "learners": {"default": {"last": {"lesson": "tags", "page": 2} | null,
                              "lessons": {"tags": {"status": "started" | "finished",
                                                   "answers": {"q-id": {AnswerRecord fields}}}},
                              "challenges": {"move-latest": {"solved": bool, "solution_shown": bool}}}}}
    (`challenges` is present once a challenge was played; a solved one earns credit unless its
    solution was shown first.)
An answer's "wrong" list (the foreseen wrong answers picked, for a class's report) is left out when empty.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from regsim.lessons.grading import AnswerRecord

FORMAT, VERSION = "regsim-progress", 1
DEFAULT_LEARNER = "default"
STATUSES = ("started", "finished")
_ANSWER_FIELDS: dict[str, type | tuple[type, ...]] = {
    "question": str, "correct": bool, "credit": (int, float), "attempts": int, "hinted": bool, "revealed": bool,
}

_CHALLENGE_FIELDS = ("solved", "solution_shown")


class ProgressError(ValueError):
    """A progress file that cannot be imported (or written where asked); the message says why."""


def default_path() -> Path:
    import platformdirs

    return Path(platformdirs.user_data_dir("regsim")) / "progress.json"


def empty() -> dict[str, Any]:
    return {"format": FORMAT, "version": VERSION, "learners": {}}


def problems_in(data: Any) -> list[str]:
    """What is wrong with a progress document (empty when it is valid)."""
    if not isinstance(data, dict):
        return ["it is not a JSON object"]
    if data.get("format") != FORMAT:
        return [f"it has no \"format\": \"{FORMAT}\""]
    if data.get("version") != VERSION:
        return [f"version {data.get('version')!r} is not {VERSION}"]
    learners = data.get("learners")
    if not isinstance(learners, dict):
        return ["\"learners\" is not an object"]
    found: list[str] = []
    for name, learner in learners.items():
        if not isinstance(learner, dict) or not isinstance(learner.get("lessons", {}), dict):
            found.append(f"learner {name!r} is not an object with \"lessons\"")
            continue
        last = learner.get("last")
        if last is not None and not (isinstance(last, dict) and isinstance(last.get("lesson"), str)
                                     and isinstance(last.get("page"), int) and not isinstance(last.get("page"), bool)):
            found.append(f"learner {name!r}: \"last\" is not {{\"lesson\": ID, \"page\": N}}")
        challenges = learner.get("challenges", {})
        if not isinstance(challenges, dict) or any(
                not isinstance(c, dict) or any(not isinstance(c.get(k), bool) for k in _CHALLENGE_FIELDS)
                for c in challenges.values()):
            found.append(f"learner {name!r}: \"challenges\" is damaged")
        for lesson_id, lesson in learner.get("lessons", {}).items():
            where = f"learner {name!r}, lesson {lesson_id!r}"
            if not isinstance(lesson, dict) or lesson.get("status") not in STATUSES:
                found.append(f"{where}: status is not started or finished")
                continue
            answers = lesson.get("answers", {})
            if not isinstance(answers, dict):
                found.append(f"{where}: \"answers\" is not an object")
                continue
            for question_id, answer in answers.items():
                if not isinstance(answer, dict) or any(
                        not isinstance(answer.get(key), kind) or (kind is int and isinstance(answer.get(key), bool))
                        for key, kind in _ANSWER_FIELDS.items()):
                    found.append(f"{where}: the answer to {question_id!r} is damaged")
                elif not isinstance(wrong := answer.get("wrong", []), list) or not all(
                        isinstance(pick, str) for pick in wrong):
                    found.append(f"{where}: the wrong picks of {question_id!r} are not a list of texts")
    return found


class ProgressStore:
    """Progress for one learner (others in the same file are kept as they are)."""

    def __init__(self, path: Path | None = None, learner: str = DEFAULT_LEARNER) -> None:
        self.path = Path(path) if path is not None else default_path()
        self.learner = learner
        self.notice: str | None = None      # one line for the learner, when something went wrong
        self.data = self._read()

    # -- reading and writing -------------------------------------------------------------------
    def _read(self) -> dict[str, Any]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return empty()
        except OSError as error:
            self.notice = f"Could not read your progress ({error}); starting fresh for this session."
            return empty()
        try:
            data = json.loads(text)
            reasons = problems_in(data)
        except (ValueError, RecursionError):
            reasons = ["it is not valid JSON"]
            data = None
        if not reasons:
            return dict(data)
        aside = self._set_aside()
        kept = f"kept it as {aside}" if aside else "could not move it aside"
        self.notice = (f"Your progress file {self.path} was damaged ({reasons[0]}); regsim {kept} and you start "
                       "fresh.")
        return empty()

    def _set_aside(self) -> Path | None:
        n = 1
        while (candidate := self.path.with_name(f"{self.path.name}.damaged-{n}")).exists():
            n += 1
        try:
            os.replace(self.path, candidate)
        except OSError:
            return None
        return candidate

    def save(self) -> bool:
        """Write the store atomically; on failure the old file stays whole and `notice` says so."""
        try:
            write_atomically(self.path, dumps(self.data))
        except OSError as error:
            self.notice = f"Could not save your progress to {self.path}: {error.strerror or error}"
            return False
        return True

    # -- this learner ----------------------------------------------------------------------------
    def _learner(self) -> dict[str, Any]:
        learner: dict[str, Any] = self.data["learners"].setdefault(self.learner, {})
        learner.setdefault("lessons", {})
        learner.setdefault("last", None)
        return learner

    def _lesson(self, lesson_id: str) -> dict[str, Any]:
        lesson: dict[str, Any] = self._learner()["lessons"].setdefault(lesson_id, {"status": "started", "answers": {}})
        return lesson

    def lesson_ids(self) -> list[str]:
        return sorted(self.data["learners"].get(self.learner, {}).get("lessons", {}))

    def status(self, lesson_id: str) -> str:
        """not started | in progress | done"""
        lesson = self.data["learners"].get(self.learner, {}).get("lessons", {}).get(lesson_id)
        if lesson is None:
            return "not started"
        return "done" if lesson["status"] == "finished" else "in progress"

    def answers(self, lesson_id: str) -> dict[str, AnswerRecord]:
        lesson = self.data["learners"].get(self.learner, {}).get("lessons", {}).get(lesson_id, {})
        return {qid: AnswerRecord(**{k: a[k] for k in _ANSWER_FIELDS}, wrong=tuple(a.get("wrong", ())))
                for qid, a in lesson.get("answers", {}).items()}

    def earned(self, lesson_id: str) -> float:
        return round(sum(a.credit for a in self.answers(lesson_id).values()), 3)

    @property
    def last_position(self) -> tuple[str, int] | None:
        last = self.data["learners"].get(self.learner, {}).get("last")
        return (last["lesson"], last["page"]) if last else None

    def start_lesson(self, lesson_id: str) -> bool:
        """Mark a lesson started (a finished one stays finished) and make it the last position."""
        self._lesson(lesson_id)
        last = self._learner()["last"]
        if not last or last["lesson"] != lesson_id:
            self._learner()["last"] = {"lesson": lesson_id, "page": 0}
        return self.save()

    def finish_lesson(self, lesson_id: str) -> bool:
        self._lesson(lesson_id)["status"] = "finished"
        return self.save()

    def record_answer(self, lesson_id: str, record: AnswerRecord) -> bool:
        """Keep one question's answer (replacing an earlier one) and save at once."""
        self._lesson(lesson_id)["answers"][record.question] = record.to_dict()
        return self.save()

    def set_position(self, lesson_id: str, page: int) -> bool:
        self._lesson(lesson_id)
        self._learner()["last"] = {"lesson": lesson_id, "page": int(page)}
        return self.save()

    def challenge(self, challenge_id: str) -> dict[str, bool]:
        """A challenge's record: {"solved": …, "solution_shown": …} (both False when never played)."""
        found = self.data["learners"].get(self.learner, {}).get("challenges", {}).get(challenge_id, {})
        return {key: bool(found.get(key, False)) for key in _CHALLENGE_FIELDS}

    def challenge_credited(self, challenge_id: str) -> bool:
        record = self.challenge(challenge_id)
        return record["solved"] and not record["solution_shown"]

    def record_challenge(self, challenge_id: str, *, solved: bool = False, solution_shown: bool = False) -> bool:
        """Keep what happened in a challenge (solved, or its solution seen); nothing already kept is undone."""
        record = self._learner().setdefault("challenges", {}).setdefault(
            challenge_id, dict.fromkeys(_CHALLENGE_FIELDS, False))
        if solved and not record["solved"]:
            record["solved"] = True
            # The credit is earned when the goal is reached before the solution is seen.
            record["solution_shown"] = bool(record["solution_shown"]) or solution_shown
        elif solution_shown and not record["solved"]:
            record["solution_shown"] = True
        return self.save()

    # -- the whole file ----------------------------------------------------------------------------
    def export(self, path: Path) -> Path:
        """Write every learner's progress to `path` (atomically)."""
        try:
            write_atomically(Path(path), dumps(self.data))
        except OSError as error:
            raise ProgressError(f"cannot write {path}: {error.strerror or error}") from None
        return Path(path)

    def import_(self, path: Path) -> None:
        """Replace the progress with an exported file, after checking it; a bad file changes nothing."""
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ProgressError(f"{path}: no such file") from None
        except (OSError, UnicodeDecodeError) as error:
            raise ProgressError(f"{path}: cannot read it ({error})") from None
        except (ValueError, RecursionError):
            raise ProgressError(f"{path} is not a regsim progress file: it is not valid JSON") from None
        reasons = problems_in(data)
        if reasons:
            raise ProgressError(f"{path} is not a regsim progress file: {reasons[0]}")
        self.data = data
        if not self.save():
            raise ProgressError(self.notice or f"cannot write {self.path}")

    def reset(self) -> None:
        """Forget all progress (every learner in the file)."""
        self.data = empty()
        if not self.save():
            raise ProgressError(self.notice or f"cannot write {self.path}")


def dumps(data: dict[str, Any]) -> str:
    return json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def write_atomically(path: Path, text: str) -> None:
    """Write `text` to a temporary file beside `path`, flush it to disk, then rename it over `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
    try:   # make the rename itself durable where the platform allows it
        directory = os.open(path.parent, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(directory)
    except OSError:
        pass
    finally:
        os.close(directory)
