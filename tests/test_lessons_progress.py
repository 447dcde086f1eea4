"""Learner progress: saved after every answer, atomically; a damaged file never crashes the app;
export, import and reset; and what `regsim lessons` and `regsim progress` print."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest

from regsim.lessons import progress as progress_module
from regsim.lessons.catalog import lesson_summaries
from regsim.lessons.commands import LessonUsageError, cmd_lessons, cmd_progress
from regsim.lessons.grading import AnswerRecord
from regsim.lessons.loader import load_lessons
from regsim.lessons.progress import ProgressError, ProgressStore

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "lessons"


@pytest.fixture(autouse=True)
def private_data_dir(tmp_path, monkeypatch):
    """Never the real user data folder: platformdirs looks under XDG_DATA_HOME first."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    return tmp_path / "xdg"


@pytest.fixture
def path(tmp_path) -> Path:
    return tmp_path / "data" / "progress.json"


def right(question: str, attempts: int = 1, hinted: bool = False) -> AnswerRecord:
    return AnswerRecord(question, True, 1.0 if attempts == 1 else 0.5, attempts, hinted, False)


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name != "progress.json")


def test_progress_lives_in_the_platforms_user_data_folder(private_data_dir):
    assert ProgressStore().path == private_data_dir / "regsim" / "progress.json"


def test_a_learner_with_no_progress_file_starts_with_nothing(path):
    store = ProgressStore(path)
    assert (store.notice, store.lesson_ids(), store.last_position) == (None, [], None)
    assert store.status("second-push") == "not started"
    assert not path.exists()


def test_progress_round_trips_through_the_file(path):
    store = ProgressStore(path)
    store.start_lesson("second-push")
    store.record_answer("second-push", right("tags-role", attempts=2, hinted=True))
    store.record_answer("second-push", AnswerRecord("myth-whole-images", False, 0.0, 0, False, True))
    store.set_position("second-push", 2)
    store.finish_lesson("second-push")
    again = ProgressStore(path)
    assert again.status("second-push") == "done"
    assert again.answers("second-push") == store.answers("second-push")
    assert again.answers("second-push")["tags-role"] == right("tags-role", attempts=2, hinted=True)
    assert again.earned("second-push") == 0.5
    assert again.last_position == ("second-push", 2)


def test_every_answer_is_on_disk_as_soon_as_it_is_given(path):
    store = ProgressStore(path)
    store.record_answer("second-push", right("tags-role"))
    saved = json.loads(path.read_text(encoding="utf-8"))
    assert saved["learners"]["default"]["lessons"]["second-push"]["answers"]["tags-role"]["credit"] == 1.0
    assert ProgressStore(path).status("second-push") == "in progress"


def test_the_file_is_the_same_bytes_whatever_order_answers_came_in(tmp_path):
    one, two = ProgressStore(tmp_path / "a.json"), ProgressStore(tmp_path / "b.json")
    for store, order in ((one, ("q1", "q2")), (two, ("q2", "q1"))):
        for question in order:
            store.record_answer("lesson", right(question))
    assert (tmp_path / "a.json").read_bytes() == (tmp_path / "b.json").read_bytes()


def test_two_learners_in_one_file_keep_their_own_progress(path):
    ProgressStore(path, learner="ana").record_answer("second-push", right("tags-role"))
    ProgressStore(path, learner="ben").start_lesson("class-intro")
    assert ProgressStore(path, learner="ana").lesson_ids() == ["second-push"]
    assert ProgressStore(path, learner="ben").lesson_ids() == ["class-intro"]


# -- atomic writes ---------------------------------------------------------------------------------

def test_a_crash_while_saving_leaves_the_previous_file_whole(path, monkeypatch):
    store = ProgressStore(path)
    store.record_answer("second-push", right("tags-role"))
    before = path.read_bytes()

    def crash(*args, **kwargs):
        raise RuntimeError("power cut")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(RuntimeError, match="power cut"):
        store.record_answer("second-push", right("bob-v2-bytes"))
    assert path.read_bytes() == before
    assert leftovers(path.parent) == []          # the half-written temporary file is cleaned up
    monkeypatch.undo()
    assert list(ProgressStore(path).answers("second-push")) == ["tags-role"]


def test_a_failed_save_keeps_the_old_file_and_tells_the_learner(path, monkeypatch):
    store = ProgressStore(path)
    store.record_answer("second-push", right("tags-role"))
    before = path.read_bytes()

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", full_disk)
    assert store.record_answer("second-push", right("bob-v2-bytes")) is False
    assert store.notice == f"Could not save your progress to {path}: No space left on device"
    assert path.read_bytes() == before and leftovers(path.parent) == []
    monkeypatch.undo()
    assert store.record_answer("second-push", right("myth-whole-images"))     # the next save catches up
    assert sorted(ProgressStore(path).answers("second-push")) == ["bob-v2-bytes", "myth-whole-images", "tags-role"]


def test_a_temporary_file_left_by_a_killed_process_is_ignored(path):
    ProgressStore(path).record_answer("second-push", right("tags-role"))
    (path.parent / ".progress.json.abc123.tmp").write_text('{"half": ', encoding="utf-8")
    store = ProgressStore(path)
    assert store.notice is None and list(store.answers("second-push")) == ["tags-role"]


def test_the_write_goes_through_a_temporary_file_in_the_same_folder(path, monkeypatch):
    renames = []
    real_replace = os.replace

    def spy(source, target):
        renames.append((Path(source).parent, Path(target)))
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", spy)
    ProgressStore(path).start_lesson("second-push")
    assert renames == [(path.parent, path)]


# -- a damaged file ---------------------------------------------------------------------------------

def test_a_damaged_file_is_kept_aside_and_the_learner_starts_fresh(path):
    path.parent.mkdir(parents=True)
    path.write_text('{"format": "regsim-progress", "learn', encoding="utf-8")
    store = ProgressStore(path)
    aside = path.with_name("progress.json.damaged-1")
    assert store.notice == (f"Your progress file {path} was damaged (it is not valid JSON); regsim kept it as "
                            f"{aside} and you start fresh.")
    assert aside.read_text(encoding="utf-8") == '{"format": "regsim-progress", "learn'
    assert store.lesson_ids() == [] and not path.exists()
    assert store.record_answer("second-push", right("tags-role"))
    assert ProgressStore(path).notice is None


def test_a_second_damaged_file_does_not_overwrite_the_first_backup(path):
    path.parent.mkdir(parents=True)
    for text in ("garbage one", "garbage two"):
        path.write_text(text, encoding="utf-8")
        ProgressStore(path)
    assert path.with_name("progress.json.damaged-1").read_text(encoding="utf-8") == "garbage one"
    assert path.with_name("progress.json.damaged-2").read_text(encoding="utf-8") == "garbage two"


def test_json_of_the_wrong_shape_counts_as_damaged(path):
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"format": "regsim-progress", "version": 1, "learners": {
        "default": {"lessons": {"x": {"status": "finished", "answers": {"q": {"credit": "lots"}}}}}}}),
        encoding="utf-8")
    store = ProgressStore(path)
    assert "learner 'default', lesson 'x': the answer to 'q' is damaged" in store.notice
    assert path.with_name("progress.json.damaged-1").exists()


# -- export, import, reset -------------------------------------------------------------------------

def test_export_then_reset_then_import_restores_everything(path, tmp_path):
    store = ProgressStore(path)
    store.record_answer("second-push", right("tags-role"))
    store.finish_lesson("second-push")
    backup = store.export(tmp_path / "backup.json")
    store.reset()
    assert ProgressStore(path).status("second-push") == "not started"
    store.import_(backup)
    assert ProgressStore(path).status("second-push") == "done"
    assert backup.read_bytes() == path.read_bytes()


def test_importing_a_file_that_is_not_progress_changes_nothing(path, tmp_path):
    store = ProgressStore(path)
    store.record_answer("second-push", right("tags-role"))
    before = path.read_bytes()
    bad = tmp_path / "notes.json"
    bad.write_text('{"lessons": []}', encoding="utf-8")
    with pytest.raises(ProgressError, match=r"notes.json is not a regsim progress file: it has no \"format\""):
        store.import_(bad)
    (tmp_path / "broken.json").write_text("{", encoding="utf-8")
    with pytest.raises(ProgressError, match="it is not valid JSON"):
        store.import_(tmp_path / "broken.json")
    with pytest.raises(ProgressError, match="no such file"):
        store.import_(tmp_path / "missing.json")
    assert path.read_bytes() == before and store.status("second-push") == "in progress"


# -- what the commands print -----------------------------------------------------------------------

def run_cmd(command, *args, **kwargs) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = command(*args, out=out, err=err, **kwargs)
    return code, out.getvalue(), err.getvalue()


def test_lessons_json_lists_questions_by_kind_and_the_learners_progress(path):
    store = ProgressStore(path)
    store.record_answer("second-push", right("tags-role"))
    store.record_answer("second-push", right("myth-whole-images", attempts=3))
    code, out, _ = run_cmd(cmd_lessons, True, [FIXTURES], store=store)
    listed = {item["id"]: item for item in json.loads(out)}
    assert code == 0
    mine = listed["second-push"]
    assert (mine["title"], mine["scenario"], mine["order"]) == ("The second push travels light", "second-version", 2)
    assert mine["questions"] == {"predict": 1, "choice": 1, "myth": 1, "numeric": 2}
    assert mine["progress"] == {"status": "in progress", "score": 1.5, "out_of": 5, "percent": 30, "answered": 2}


def test_lesson_summaries_say_not_started_and_done(path):
    lessons = load_lessons([FIXTURES, FIXTURES / "class-folder"])
    store = ProgressStore(path)
    store.finish_lesson("class-intro")
    status = {item["id"]: item["progress"]["status"] for item in lesson_summaries(lessons, store)}
    assert status == {"class-intro": "done", "second-push": "not started"}


def test_lessons_with_a_missing_folder_is_one_clear_error(path, tmp_path):
    with pytest.raises(LessonUsageError, match=f"^--lessons {tmp_path / 'nowhere'}: no such folder$"):
        cmd_lessons(False, [tmp_path / "nowhere"], store=ProgressStore(path))


def test_lessons_with_a_broken_lesson_names_file_line_and_column(path):
    with pytest.raises(LessonUsageError) as caught:
        cmd_lessons(False, [FIXTURES / "bad"], store=ProgressStore(path))
    assert str(caught.value).splitlines()[0] == (f"{FIXTURES / 'bad' / 'many-mistakes.md'}:7:1: unknown key 'level' "
                                                 "in the front matter (known: goals, id, order, scenario, title)")


def test_lessons_text_shows_each_lesson_with_its_status(path):
    code, out, _ = run_cmd(cmd_lessons, False, [FIXTURES], store=ProgressStore(path), width=100)
    assert code == 0
    line = next(line for line in out.splitlines() if "second-push" in line)
    assert line.endswith("5 questions  not started  The second push travels light")


def test_a_damaged_progress_file_is_a_notice_on_stderr_not_a_crash(path):
    path.parent.mkdir(parents=True)
    path.write_text("}{", encoding="utf-8")
    code, _, err = run_cmd(cmd_lessons, True, [FIXTURES], store=ProgressStore(path))
    assert code == 0 and "was damaged" in err and "progress.json.damaged-1" in err


def test_progress_command_exports_imports_and_resets(path, tmp_path):
    store = ProgressStore(path)
    store.record_answer("second-push", right("tags-role"))
    target = tmp_path / "mine.json"
    assert run_cmd(cmd_progress, export=target, store=store)[1] == f"exported progress to {target}\n"
    assert run_cmd(cmd_progress, reset=True, yes=True, store=store)[1].startswith("progress reset")
    assert ProgressStore(path).lesson_ids() == []
    code, out, _ = run_cmd(cmd_progress, import_=target, store=store)
    assert (code, out) == (0, f"imported progress from {target} (1 lesson for default)\n")
    code, out, _ = run_cmd(cmd_progress, store=ProgressStore(path))
    assert "second-push" in out and "in progress" in out and "1 point from 1 answered question\n" in out


def test_progress_reset_asks_first_and_a_no_keeps_everything(path):
    store = ProgressStore(path)
    store.record_answer("second-push", right("tags-role"))
    asked: list[str] = []
    code, out, _ = run_cmd(cmd_progress, reset=True, store=store, ask=lambda q: asked.append(q) or "n")
    assert code == 1 and out == "progress kept: nothing was reset\n"
    assert "Forget your progress in 1 lesson" in asked[0] and ProgressStore(path).lesson_ids() == ["second-push"]
    code, out, _ = run_cmd(cmd_progress, reset=True, store=store, ask=lambda q: "y")
    assert code == 0 and ProgressStore(path).lesson_ids() == []


def test_progress_reset_without_a_terminal_needs_yes(path, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    with pytest.raises(LessonUsageError, match="add --yes to confirm"):
        cmd_progress(reset=True, store=ProgressStore(path), out=io.StringIO())


def test_progress_lists_lessons_in_course_order_in_aligned_columns(path):
    store = ProgressStore(path)
    for lesson_id in ("when-not-to-use-a-registry", "what-is-an-image", "push-and-pull-under-the-hood"):
        store.start_lesson(lesson_id)
    _, out, _ = run_cmd(cmd_progress, store=store)
    rows = [line for line in out.splitlines() if line.startswith("  ")]
    assert [row.split()[0] for row in rows] == [
        "what-is-an-image", "push-and-pull-under-the-hood", "when-not-to-use-a-registry"]
    assert len({row.index("in progress") for row in rows}) == 1  # one column, however long the id
    assert all("0 points from 0 answered questions" in row for row in rows)


def test_lessons_table_fits_the_terminal_and_cuts_no_title(path, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")   # the width comes from the terminal, as `ls` takes it
    for width, (_, out, _) in ((80, run_cmd(cmd_lessons, False, None, store=ProgressStore(path))),
                               (100, run_cmd(cmd_lessons, False, None, store=ProgressStore(path), width=100))):
        assert max(len(line) for line in out.splitlines()) <= width
        assert "…" not in out and "request by request" in out
        assert "     Under the hood: a push and a pull, request by request" in out.splitlines() or width == 100


def test_progress_command_takes_one_action_at_a_time(path, tmp_path):
    with pytest.raises(LessonUsageError, match="give only one of --export FILE, --import FILE or --reset"):
        cmd_progress(export=tmp_path / "a.json", reset=True, store=ProgressStore(path))


def test_importing_a_bad_file_through_the_command_is_one_clear_line(path, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("[]", encoding="utf-8")
    with pytest.raises(LessonUsageError) as caught:
        cmd_progress(import_=bad, store=ProgressStore(path))
    assert str(caught.value) == f"{bad} is not a regsim progress file: it is not a JSON object"


def test_progress_module_never_touches_the_real_user_data_folder(private_data_dir):
    assert str(progress_module.default_path()).startswith(str(private_data_dir))
