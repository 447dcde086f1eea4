"""`regsim web` without a browser: who may join and under which name, what the instructor sees, the
report, and the HTTP routes that start no app (aiohttp's test client, in this process).

The browser itself (a learner's app, reloads, the session cap) is tests/test_web_browser.py.
"""

from __future__ import annotations

import csv
import io
import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from regsim.cli import main
from regsim.lessons.grading import QuizState
from regsim.lessons.progress import ProgressStore, problems_in
from regsim.web.report import ReportError, csv_text, write_report
from regsim.web.roster import COOKIE, JoinRefused, Roster, clean_name
from regsim.web.server import ClassServer, ClassSettings, RedactingAccessLogger, Session
from regsim.web.standing import class_standing
from tests.tui_fixtures import small_course  # noqa: F401 - a fixture

if TYPE_CHECKING:
    from regsim.lessons.loader import LessonSet
    from regsim.tui.course import Course

TOKEN = "instructor-secret-token"


@pytest.fixture
def lessons(small_course: Course) -> LessonSet:  # noqa: F811
    assert small_course.lessons is not None
    return small_course.lessons


def answer(roster: Roster, name: str, lessons: LessonSet, question_id: str, *responses: Any) -> None:
    """A learner answering as the app does: the question's state, saved to their own progress."""
    learner = next((known for known in roster.learners() if known.name == name), None) or roster.join(name, None)[0]
    lesson = lessons.get("what-is-an-image")
    assert lesson is not None
    question = lesson.question(question_id)
    assert question is not None
    store = ProgressStore(learner.progress)
    store.start_lesson(lesson.id)
    state = QuizState(question, lessons.run_for(lesson))
    for response in responses:
        state.answer(response)
    store.record_answer(lesson.id, state.record())


# ----- names and keys ----------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["../../etc/passwd", "a/b", "x\\y", ".hidden", "", "   ", "a" * 41, "名前\x00"])
def test_a_name_with_path_characters_or_too_long_is_refused(name: str) -> None:
    with pytest.raises(JoinRefused):
        clean_name(name)


def test_a_name_is_one_learner_whatever_its_case_and_no_file_holds_what_was_typed(tmp_path: Path) -> None:
    roster = Roster(tmp_path)
    ada, cookie = roster.join("  Ada   Lovelace ", None)
    assert ada.name == "Ada Lovelace"
    assert ada.progress.parent == tmp_path / "progress" and "ada" not in ada.progress.name.casefold()
    assert roster.verify(cookie) == ada
    assert roster.join("ada lovelace", cookie)[0] == ada            # the same browser comes back
    with pytest.raises(JoinRefused, match="already taken"):
        roster.join("ADA LOVELACE", None)                            # another browser, the same name
    other, _ = roster.join("Grace", None)
    forged = f"{other.id}.{cookie.partition('.')[2]}"                # Ada's key on Grace's id
    assert roster.verify(forged) is None
    assert roster.verify("../progress/x.key") is None and roster.verify(None) is None
    assert [learner.name for learner in roster.learners()] == ["Ada Lovelace", "Grace"]


# ----- what the instructor sees ------------------------------------------------------------------

def test_the_standing_counts_right_first_answers_and_the_misconceptions_picked_most(
        tmp_path: Path, lessons: LessonSet) -> None:
    roster = Roster(tmp_path)
    answer(roster, "Ada", lessons, "build-traffic", "16.5MB")        # a predict locks on its one answer
    answer(roster, "Alan", lessons, "build-traffic", "0")
    answer(roster, "Grace", lessons, "build-traffic", "16.5MB")
    answer(roster, "Ada", lessons, "fact-containers-leave-image", "myth", "fact")
    answer(roster, "Grace", lessons, "what-is-inside",
           "A running process that keeps the program's memory and state",
           "A stack of read-only layers, plus a config and a manifest that lists them by digest")
    standing = class_standing(roster.learners(), lessons, online={roster.learners()[0].id})
    shares = {row.question: (row.right_first, row.answered) for row in standing.questions}
    assert shares["build-traffic"] == (1, 3)
    assert shares["fact-containers-leave-image"] == (0, 1) and shares["what-is-inside"] == (0, 1)
    assert shares["second-image-disk"] == (0, 0)
    picked = [(m.question, m.pick, m.times) for m in standing.misconceptions]
    assert picked == [("build-traffic", "16.5MB (16,500,000 bytes)", 2), ("fact-containers-leave-image", "myth", 1),
                      ("what-is-inside", "A running process that keeps the program's memory and state", 1)]
    assert standing.misconceptions[0].feedback.startswith("That is the whole image")
    assert standing.misconceptions[2].feedback.startswith("That is a container, not an image")
    ada_learner = roster.learners()[0]
    kept = ProgressStore(ada_learner.progress).answers("what-is-an-image")   # read back as the app reads it
    assert kept["fact-containers-leave-image"].wrong == ("myth",) and kept["build-traffic"].wrong == (
        "16.5MB (16,500,000 bytes)",)
    document = json.loads(ada_learner.progress.read_text())
    document["learners"]["default"]["lessons"]["what-is-an-image"]["answers"]["build-traffic"]["wrong"] = "16.5MB"
    assert problems_in(document) == ["learner 'default', lesson 'what-is-an-image': the wrong picks of "
                                     "'build-traffic' are not a list of texts"]
    ada = standing.learners[0]
    assert (ada.name, ada.lesson, ada.page, ada.answered, ada.online) == ("Ada", "What an image is", 1, 2, True)
    table = list(csv.reader(io.StringIO(csv_text(standing))))
    assert table[0][:3] == ["kind", "name", "lesson"] and sum(row[0] == "learner" for row in table) == 3
    assert ["misconception", "16.5MB (16,500,000 bytes)", "What an image is", "", "build-traffic", "2"] in [
        row[:6] for row in table]


def test_the_report_is_written_as_csv_and_refuses_another_format_or_a_folder_with_no_class(
        tmp_path: Path, lessons: LessonSet, capsys: pytest.CaptureFixture[str]) -> None:
    roster = Roster(tmp_path / "class")
    answer(roster, "Ada", lessons, "build-traffic", "0")
    standing = class_standing(roster.learners(), lessons)
    assert "learner,Ada,What an image is,1,,1," in write_report(standing, tmp_path / "report.csv").read_text()
    with pytest.raises(ReportError, match="written as .png, .pdf, .csv"):
        write_report(standing, tmp_path / "report.txt")
    assert main(["class", "report", "--data", str(tmp_path / "none"), "-o", str(tmp_path / "r.csv")]) == 2
    assert "holds no class" in capsys.readouterr().err


def test_web_refuses_a_non_loopback_host_without_a_class_code(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["web", "--host", "0.0.0.0", "--port", "1"]) == 2
    err = capsys.readouterr().err
    assert "--class-code" in err and "Traceback" not in err
    assert main(["web", "--max-learners", "0"]) == 2
    assert main(["web", "--lessons", "no-such-folder"]) == 2
    assert "--lessons no-such-folder: no such folder" in capsys.readouterr().err


# ----- the routes that start no app --------------------------------------------------------------

@pytest.fixture
async def client(tmp_path: Path, lessons: LessonSet) -> Any:
    settings = ClassSettings(data=tmp_path, token=TOKEN, class_code="blue-42", preload=False)
    server = ClassServer(settings, lessons)
    async with TestClient(TestServer(server.application(), access_log_class=RedactingAccessLogger)) as client:
        client.class_server = server
        yield client


async def test_the_join_page_refuses_a_wrong_code_and_a_bad_name_and_admits_a_right_one(client: Any) -> None:
    refused = await client.post("/join", data={"name": "Ada", "code": "blue-41"})
    assert refused.status == 403 and "not this class" in await refused.text()
    assert COOKIE not in refused.cookies
    bad = await client.post("/join", data={"name": "../ada", "code": "blue-42"})
    assert bad.status == 409 and "letters, digits" in await bad.text()
    joined = await client.post("/join", data={"name": "Ada", "code": "blue-42"}, allow_redirects=False)
    assert joined.status == 302 and joined.headers["Location"] == "/"
    page = await client.get("/")
    assert page.status == 200 and "textual-terminal" in await page.text()


async def test_progress_is_exported_and_a_bad_import_changes_nothing(client: Any, tmp_path: Path) -> None:
    await client.post("/join", data={"name": "Ada", "code": "blue-42"})
    exported = await client.get("/progress/export")
    assert exported.status == 200 and "attachment" in exported.headers["Content-Disposition"]
    document = json.loads(await exported.text())
    assert document["format"] == "regsim-progress" and document["learners"] == {}
    bad = await client.post("/progress/import", data={"file": io.BytesIO(b'{"format": "other"}')})
    assert bad.status == 400 and "not a regsim progress file" in await bad.text()
    document["learners"] = {"default": {"last": {"lesson": "what-is-an-image", "page": 2}, "lessons": {}}}
    upload = {"file": io.BytesIO(json.dumps(document).encode())}
    good = await client.post("/progress/import", data=upload, allow_redirects=False)
    assert good.status == 302
    (learner,) = client.class_server.roster.learners()
    assert ProgressStore(learner.progress).last_position == ("what-is-an-image", 2)


async def test_the_instructor_page_needs_the_token_and_the_log_never_holds_it(
        client: Any, caplog: pytest.LogCaptureFixture) -> None:
    assert (await client.get("/instructor/wrong-token")).status == 404
    await client.post("/join", data={"name": "Ada", "code": "blue-42"})
    with caplog.at_level(logging.INFO):
        page = await client.get(f"/instructor/{TOKEN}")
        text = await page.text()
    assert page.status == 200 and "1 learner(s), 0 online" in text and "<td>Ada</td>" in text
    assert f'src="{TOKEN}/class.png"' in text   # drawn in tests/test_web_browser.py
    assert TOKEN not in caplog.text


class FakeApp:
    """A session's app, without a process: records that it was ended."""

    ended = False

    async def end(self) -> None:
        self.ended = True


async def test_a_session_idle_past_the_limit_is_closed_and_a_busy_one_is_not(tmp_path: Path) -> None:
    server = ClassServer(ClassSettings(data=tmp_path, token=TOKEN, idle_seconds=60, preload=False))
    roster = Roster(tmp_path)
    (idle_learner, _), (busy_learner, _) = roster.join("Ada", None), roster.join("Grace", None)
    idle = Session(idle_learner, FakeApp(), FakeWebSocket(), last_active=1000.0)   # type: ignore[arg-type]
    busy = Session(busy_learner, FakeApp(), FakeWebSocket(), last_active=1050.0)   # type: ignore[arg-type]
    server.sessions = {idle_learner.id: idle, busy_learner.id: busy}
    assert await server.close_idle(now=1061.0) == 1
    assert idle.service.ended and not busy.service.ended
    assert list(server.sessions) == [busy_learner.id]


class FakeWebSocket:
    async def close(self) -> None:
        pass


async def test_the_app_socket_refuses_a_page_from_another_site(client: Any) -> None:
    await client.post("/join", data={"name": "Ada", "code": "blue-42"})
    response = await client.get("/ws", headers={"Origin": "http://elsewhere.example"})
    assert response.status == 403
    assert not client.class_server.sessions
