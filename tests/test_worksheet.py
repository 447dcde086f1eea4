"""`regsim worksheet`: a printable handout (steps, questions with blanks) and a separate answer key with the
answers the simulator computes and the bytes table."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from regsim.bundled import content_dir, find_scenario
from regsim.cli import main
from regsim.scenario.engine import computed_answer, replay
from regsim.scenario.loader import load_scenario
from regsim.worksheet import build_worksheet
from regsim.worksheet.markdown import PAGE_BREAK


def handout_and_key(path: Path) -> tuple[str, str]:
    handout, key = path.read_text(encoding="utf-8").split(PAGE_BREAK)
    return handout, key


def test_a_scenario_worksheet_has_every_step_each_question_with_a_blank_and_a_separate_key(tmp_path, capsys):
    target = tmp_path / "shared-base.md"
    assert main(["worksheet", "shared-base", "-o", str(target)]) == 0
    assert "shared-base-world.png" in capsys.readouterr().out
    assert (tmp_path / "shared-base-world.png").read_bytes()[:4] == b"\x89PNG"
    handout, key = handout_and_key(target)
    scenario = load_scenario(find_scenario("shared-base"))
    run = replay(scenario)
    for step in scenario.steps:
        if step.command is not None:
            assert step.command.text in handout
    asked = [(s, r) for s, r in zip(scenario.steps, run.records, strict=True) if s.ask is not None]
    assert len(asked) == 2
    for number, (step, record) in enumerate(asked, start=1):
        assert f"**Q{number}.** {step.ask.question}" in handout
        assert f"(About step {step.index}:" in handout
        assert step.ask.metric is not None
        answer = computed_answer(record, step.ask.metric)
        assert f"**Q{number}.** {answer if step.ask.metric == 'layers_mounted' else '12MB'}." in key
    assert handout.count("Your answer: ____") == 2
    assert "Answer key" not in handout and "| step | command | layers up |" in key
    # The answers are on the key only: 12MB is what bob uploads (step 11), 5 the layers mounted at step 7.
    assert "12MB" not in handout and "| 11 | bob$ docker push registry.example/team-b/web:1.0 | 12MB |" in key


def test_a_lesson_worksheet_by_number_id_or_file_is_the_same(tmp_path):
    by_number = build_worksheet("6")
    assert by_number.source == "lesson 6 (layers-travel-once)"
    path = next(content_dir("lessons").glob("06-*.md"))
    for name in ("layers-travel-once", str(path)):
        other = build_worksheet(name)
        assert [q.text for q in other.questions] == [q.text for q in by_number.questions]
    kinds = [q.kind for q in by_number.questions]
    assert "myth" in kinds and "predict" in kinds
    myth = next(q for q in by_number.questions if q.kind == "myth")
    assert myth.choices == ("Myth", "Fact") and myth.answer in ("Myth", "Fact")


def test_a_lesson_page_lists_only_the_steps_it_shows_first(tmp_path):
    sheet = build_worksheet("6")
    shown = [step.index for section in sheet.sections for step in section.steps]
    assert shown == sorted(set(shown)) == list(range(1, len(sheet.run.records) + 1))


def test_a_pdf_worksheet_is_pages_with_the_key_apart_and_the_same_bytes_each_time(tmp_path):
    first, second = tmp_path / "a.pdf", tmp_path / "b.pdf"
    assert main(["worksheet", "6", "-o", str(first)]) == 0
    assert main(["worksheet", "6", "-o", str(second)]) == 0
    data = first.read_bytes()
    assert data.startswith(b"%PDF") and data == second.read_bytes()
    pages = len(re.findall(rb"/Type /Page\b", data))
    assert pages >= 2   # the handout, then the answer key on a page of its own


@pytest.mark.parametrize(("argv", "message"), [
    (["worksheet", "no-such-thing", "-o", "x.pdf"], "no-such-thing: no such scenario or lesson"),
    (["worksheet", "shared-bse", "-o", "x.pdf"], "(did you mean 'shared-base'?)"),
    (["worksheet", "shared-base", "-o", "x.docx"], "a worksheet is written as .md or .pdf"),
])
def test_a_worksheet_that_cannot_be_made_is_one_line_and_exit_2(tmp_path, monkeypatch, capsys, argv, message):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


def test_a_broken_scenario_is_reported_at_its_line(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 1\ntitle: Bad\nsteps:\n  - run: docker fly\n", encoding="utf-8")
    assert main(["worksheet", str(bad), "-o", str(tmp_path / "x.md")]) == 2
    assert f"{bad}:4:" in capsys.readouterr().err


def test_a_scenario_summary_that_tells_the_outcome_is_kept_for_the_key(tmp_path):
    # geo-replication's summary says the early pull gets MANIFEST_UNKNOWN, which its question asks about.
    target = tmp_path / "geo.md"
    assert main(["worksheet", "geo-replication", "-o", str(target)]) == 0
    handout, key = handout_and_key(target)
    summary = load_scenario(find_scenario("geo-replication")).summary
    assert "MANIFEST_UNKNOWN" in summary and summary not in handout and summary in key
    assert "- [ ] MANIFEST_UNKNOWN" in handout
