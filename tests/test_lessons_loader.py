"""Lesson files: a good lesson loads into pages, step ranges and questions; every mistake an
instructor can make is reported at its FILE:LINE:COL, all of them at once."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from regsim.bundled import content_dir
from regsim.cli import main
from regsim.lessons.lint import lint_lesson_file
from regsim.lessons.loader import lesson_files, load_lesson, load_lessons
from regsim.scenario.problems import ContentError

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "lessons"
GOOD = FIXTURES / "second-push.md"
CLASS = FIXTURES / "class-folder"
MANY = FIXTURES / "bad" / "many-mistakes.md"

FRONT = """\
---
id: sample
title: A sample lesson
order: 1
scenario: second-version
goals:
  - Learn one thing
---
"""   # eight lines: a page heading written right after it is on line 9


def write(tmp_path: Path, text: str, name: str = "sample.md") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def problems(path: Path) -> list[str]:
    with pytest.raises(ContentError) as caught:
        load_lesson(path)
    return [str(p) for p in caught.value.problems]


def only_problem(path: Path) -> str:
    found = problems(path)
    assert len(found) == 1, found
    return found[0]


# -- a good lesson --------------------------------------------------------------------------------

def test_a_lesson_loads_with_its_front_matter_intro_and_pages():
    lesson = load_lesson(GOOD)
    assert (lesson.id, lesson.title, lesson.order, lesson.scenario) == (
        "second-push", "The second push travels light", 2, "second-version")
    assert lesson.goals[0] == "Explain why a second push uploads only the new layer"
    assert lesson.intro == "Alice ships version 1 of her app, then a small fix as version 2."
    assert [page.title for page in lesson.pages] == ["Version one goes up", "The fix", "Bob catches up"]
    assert lesson.scenario_path == content_dir("scenarios") / "second-version.yaml"


def test_page_step_ranges_are_resolved_from_step_ids_to_numbers():
    lesson = load_lesson(GOOD)
    assert [page.steps for page in lesson.pages] == [(1, 4), (5, 6), (7, 8)]


def test_page_text_leaves_out_the_sim_and_question_blocks():
    page = load_lesson(GOOD).pages[0]
    assert page.markdown.startswith("Alice builds her image on a Python base")
    assert "```" not in page.markdown and "kind:" not in page.markdown


def test_questions_keep_their_kind_step_metric_and_unit():
    lesson = load_lesson(GOOD)
    predict = lesson.question("v2-push-layers")
    assert (predict.kind, predict.step, predict.metric, predict.unit, predict.computed) == (
        "predict", 7, "layers_pushed", "layers", True)
    assert predict.misconceptions[0][0] == 6
    assert lesson.question_counts() == {"predict": 1, "choice": 1, "myth": 1, "numeric": 2}


def test_a_computed_numeric_question_without_a_step_asks_about_the_last_step_its_page_shows():
    assert load_lesson(GOOD).question("bob-v2-bytes").step == 8


def test_a_choice_answer_names_the_choice_marked_correct():
    question = load_lesson(GOOD).question("tags-role")
    assert question.answer == "It names one manifest, and can be moved to another one later"
    assert [c.text for c in question.choices if c.correct] == [question.answer]
    assert sum(c.correct for c in question.choices) == 1


def test_lessons_come_in_curriculum_order_each_with_its_scenario():
    lessons = load_lessons([FIXTURES, CLASS])
    assert lessons.ids == ["class-intro", "second-push"]
    assert lessons.scenario_for("second-push").id == "second-version"
    assert len(lessons.scenario_for("class-intro").steps) == 5


def test_an_instructor_folder_finds_its_own_scenarios_beside_its_lessons():
    lesson = load_lesson(CLASS / "lessons" / "class-intro.md")
    assert lesson.scenario_path == CLASS / "scenarios" / "tiny-push.yaml"
    assert lesson.pages[0].steps == (1, 4)
    assert lesson.question("bob-layers").step == 5


def test_an_instructor_lesson_replaces_a_bundled_lesson_with_the_same_id(tmp_path):
    mine = tmp_path / "mine"
    mine.mkdir()
    text = GOOD.read_text(encoding="utf-8").replace("title: The second push travels light", "title: My version")
    (mine / "second-push.md").write_text(text, encoding="utf-8")
    lessons = load_lessons([FIXTURES, mine])
    assert lessons.get("second-push").title == "My version"


def test_an_instructor_lesson_takes_its_place_by_order_after_a_bundled_one_with_the_same_number(tmp_path):
    mine = tmp_path / "mine"
    mine.mkdir()
    for lesson_id, order in (("aa-mine-first", 1), ("zz-mine-late", 99)):
        text = (GOOD.read_text(encoding="utf-8").replace("id: second-push", f"id: {lesson_id}")
                .replace("order: 2", f"order: {order}"))
        (mine / f"{lesson_id}.md").write_text(text, encoding="utf-8")
    ids = load_lessons([content_dir("lessons"), mine]).ids
    bundled_first = load_lessons([content_dir("lessons")]).ids[0]
    # Order 1 is shared with the first bundled lesson: the bundled one comes first, even though
    # "aa-mine-first" sorts before it by id; order 99 comes after every bundled lesson.
    assert ids[:2] == [bundled_first, "aa-mine-first"]
    assert ids[-1] == "zz-mine-late"
    assert main(["--lessons", str(mine), "lessons", "--json"]) == 0


def test_two_lessons_with_one_id_in_one_folder_are_a_problem(tmp_path):
    (tmp_path / "a.md").write_text(GOOD.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "b.md").write_text(GOOD.read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        load_lessons([tmp_path])
    assert str(caught.value) == (
        f"{tmp_path / 'b.md'}:1:1: the lesson id 'second-push' is also used by {tmp_path / 'a.md'}"
    )


def test_a_broken_lesson_can_be_left_out_when_not_strict(tmp_path):
    (tmp_path / "good.md").write_text(GOOD.read_text(encoding="utf-8"), encoding="utf-8")
    write(tmp_path, "no front matter here\n", "broken.md")
    lessons = load_lessons([tmp_path], strict=False)
    assert lessons.ids == ["second-push"]
    assert str(lessons.problems[0]).startswith(f"{tmp_path / 'broken.md'}:1:1:")


def test_readme_files_are_not_lessons(tmp_path):
    (tmp_path / "README.md").write_text("# Our lessons\n", encoding="utf-8")
    assert lesson_files(tmp_path) == []


# -- each mistake, precisely ----------------------------------------------------------------------

def test_a_lesson_without_front_matter_is_told_how_to_start(tmp_path):
    path = write(tmp_path, "# Images\n\n## A page\nText.\n")
    assert only_problem(path) == (f"{path}:1:1: a lesson starts with front matter: a line ---, then id, title, "
                                  "order, scenario and goals, then a line ---")


def test_front_matter_that_never_closes_points_at_its_first_line(tmp_path):
    path = write(tmp_path, "---\nid: x\ntitle: X\n\n## A page\n")
    assert only_problem(path).startswith(f"{path}:1:1: the front matter starting here is never closed")


def test_missing_front_matter_keys_are_each_named(tmp_path):
    path = write(tmp_path, "---\nid: sample\n---\n\n## A page\nText.\n")
    found = problems(path)
    assert f"{path}:2:1: title is required in the front matter" in found
    assert f"{path}:2:1: scenario is required in the front matter" in found
    assert any(p.startswith(f"{path}:2:1: order is required") for p in found)
    assert any(p.startswith(f"{path}:2:1: goals is a list") for p in found)


def test_an_unknown_front_matter_key_suggests_the_right_one(tmp_path):
    path = write(tmp_path, FRONT.replace("scenario:", "scenaro:") + "\n## A page\nText.\n")
    found = problems(path)
    assert f"{path}:5:1: unknown key 'scenaro' in the front matter (did you mean 'scenario'?)" in found


def test_an_unknown_scenario_suggests_a_close_one(tmp_path):
    path = write(tmp_path, FRONT.replace("second-version", "second-verison") + "\n## A page\nText.\n")
    assert only_problem(path) == f"{path}:5:11: unknown scenario 'second-verison' (did you mean 'second-version'?)"


def test_an_order_that_is_not_a_whole_number(tmp_path):
    path = write(tmp_path, FRONT.replace("order: 1", "order: first") + "\n## A page\nText.\n")
    assert only_problem(path) == f"{path}:4:8: order is a whole number from 1, not 'first'"


def test_an_id_that_is_not_lowercase_with_dashes(tmp_path):
    path = write(tmp_path, FRONT.replace("id: sample", "id: My Lesson") + "\n## A page\nText.\n")
    assert only_problem(path) == f"{path}:2:5: id 'My Lesson' must be lowercase-with-dashes, such as 'my-lesson'"


def test_a_lesson_with_no_pages(tmp_path):
    path = write(tmp_path, FRONT + "Only an introduction.\n")
    assert only_problem(path) == (f"{path}:9:1: a lesson needs at least one page: a line starting with ## and the "
                                  "page's title")


def test_a_step_range_beyond_the_scenario(tmp_path):
    path = write(tmp_path, FRONT + "## Page\n```sim\nsteps: 2..12\n```\n")
    assert only_problem(path) == (f"{path}:11:8: step 12 is beyond the scenario 'second-version', which has steps "
                                  "1 to 8")


def test_an_unknown_step_id_in_a_sim_block_suggests_the_right_one(tmp_path):
    path = write(tmp_path, FRONT + "## Page\n```sim\nsteps: alice-builds-v1..bob-pulls-v3\n```\n")
    assert only_problem(path) == (f"{path}:11:8: unknown step id 'bob-pulls-v3' in the scenario 'second-version' "
                                  "(did you mean 'bob-pulls-v2'?)")


def test_a_step_range_that_runs_backwards(tmp_path):
    path = write(tmp_path, FRONT + "## Page\n```sim\nsteps: 5..2\n```\n")
    assert only_problem(path) == (f"{path}:11:8: the range '5..2' runs backwards (step 5 (alice-builds-v2) comes "
                                  "after step 2 (alice-tags-v1))")


def test_two_sim_blocks_on_one_page(tmp_path):
    path = write(tmp_path, FRONT + "## Page\n```sim\nsteps: 1\n```\n```sim\nsteps: 2\n```\n")
    assert only_problem(path).startswith(f"{path}:13:1: a page has at most one sim block")


def test_a_block_before_the_first_page(tmp_path):
    path = write(tmp_path, FRONT + "```sim\nsteps: 1\n```\n## Page\nText.\n")
    assert only_problem(path) == (f"{path}:9:1: this sim block comes before the first page: put it below a ## "
                                  "heading")


CHOICE = """\
## Page
```question
id: tags-role
kind: choice
prompt: What does a tag do?
choices:
  - text: It names one manifest
    correct: true
    feedback: Right.
  - text: It copies the image
    feedback: Tagging copies nothing.
```
"""   # after FRONT: the block's YAML is lines 11-19


def test_a_question_with_no_correct_choice(tmp_path):
    path = write(tmp_path, FRONT + CHOICE.replace("    correct: true\n", ""))
    assert only_problem(path) == f"{path}:14:1: no choice is marked correct: true; exactly one must be"


def test_a_question_with_two_correct_choices(tmp_path):
    path = write(tmp_path, FRONT + CHOICE.replace("    feedback: Tagging copies nothing.\n",
                                                  "    correct: true\n    feedback: Tagging copies nothing.\n"))
    assert only_problem(path) == (f"{path}:19:14: more than one choice is marked correct: true (also 'It names one "
                                  "manifest'); exactly one must be")


def test_a_wrong_choice_without_feedback(tmp_path):
    path = write(tmp_path, FRONT + CHOICE.replace("    feedback: Tagging copies nothing.\n", ""))
    assert only_problem(path) == (f"{path}:18:5: this wrong choice needs feedback: which misconception it shows "
                                  "and why it matters")


ANSWERED = """\
## Page
```question
id: tags-role
kind: choice
prompt: What does a tag do?
answer: It moves the image
choices:
  - text: It names one manifest
    feedback: Right.
  - text: It copies the image
    feedback: Tagging copies nothing.
```
"""


def test_an_answer_outside_the_choices(tmp_path):
    path = write(tmp_path, FRONT + ANSWERED)
    assert only_problem(path) == (f"{path}:14:9: the answer 'It moves the image' is not one of the choices "
                                  "(did you mean 'It copies the image'?)")


def test_an_answer_given_as_a_choice_text_marks_that_choice_correct(tmp_path):
    lesson = load_lesson(write(tmp_path, FRONT + ANSWERED.replace("It moves the image", "it names one manifest")))
    assert [c.text for c in lesson.questions[0].choices if c.correct] == ["It names one manifest"]
    assert lesson.questions[0].answer == "It names one manifest"


def test_a_myth_answer_must_be_myth_or_fact(tmp_path):
    path = write(tmp_path, FRONT + textwrap.dedent("""\
        ## Page
        ```question
        id: myth-copies
        kind: myth
        statement: Tagging copies the image.
        answer: maybe
        feedback: A tag is only a name.
        ```
        """))
    assert only_problem(path) == f"{path}:14:9: a myth question's answer is myth or fact, not 'maybe'"


PREDICT = """\
## Page
```sim
steps: 1..6
```
```question
id: v2-layers
kind: predict
step: alice-pushes-v2
prompt: How many layers go up?
answer: computed
metric: layers_pushed
```
"""   # after FRONT: the question's YAML is lines 14-19


def test_a_computed_answer_without_a_metric(tmp_path):
    path = write(tmp_path, FRONT + PREDICT.replace("metric: layers_pushed\n", ""))
    assert only_problem(path).startswith(f"{path}:18:9: a computed answer needs a metric: one of layers_pushed")


def test_a_computed_answer_with_a_misspelt_metric_suggests_the_right_one(tmp_path):
    path = write(tmp_path, FRONT + PREDICT.replace("metric: layers_pushed", "metric: layers_pushd"))
    assert only_problem(path).startswith(f"{path}:19:9: 'layers_pushd' is not a metric (did you mean "
                                         "'layers_pushed'?)")


def test_a_predict_question_without_a_step(tmp_path):
    path = write(tmp_path, FRONT + PREDICT.replace("step: alice-pushes-v2\n", ""))
    assert only_problem(path) == (f"{path}:14:1: a predict question needs step: the scenario step the learner "
                                  "predicts, before it runs")


def test_a_predict_question_about_a_step_the_page_has_already_run(tmp_path):
    path = write(tmp_path, FRONT + PREDICT.replace("step: alice-pushes-v2", "step: alice-pushes-v1"))
    assert only_problem(path) == (f"{path}:16:7: step 3 (alice-pushes-v1) has already run when this page is shown "
                                  "(the pages so far show steps up to 6): a predict question asks before its step runs")


def test_a_question_step_beyond_the_scenario(tmp_path):
    path = write(tmp_path, FRONT + PREDICT.replace("step: alice-pushes-v2", "step: 9"))
    assert only_problem(path) == (f"{path}:16:7: step 9 is beyond the scenario 'second-version', which has steps "
                                  "1 to 8")


def test_an_unknown_question_kind_and_key_suggest_the_right_ones(tmp_path):
    path = write(tmp_path, FRONT + PREDICT.replace("kind: predict", "kind: predcit").replace("prompt:", "promt:"))
    found = problems(path)
    assert (
        f"{path}:15:7: unknown kind 'predcit' (did you mean 'predict'?): one of predict, choice, myth, numeric" in found
    )
    assert f"{path}:17:1: unknown key 'promt' in a question (did you mean 'prompt'?)" in found


def test_two_questions_with_one_id(tmp_path):
    path = write(tmp_path, FRONT + PREDICT + PREDICT.replace("## Page", "## Another page").replace(
        "steps: 1..6", "steps: 7").replace("alice-pushes-v2", "bob-pulls-v2"))
    assert only_problem(path) == (
        f"{path}:26:5: the question id 'v2-layers' is used twice in this lesson (first on line 14)"
    )


def test_bad_yaml_inside_a_question_block_is_placed_in_the_lesson_file(tmp_path):
    path = write(tmp_path, FRONT + "## Page\n```question\nid: broken\nkind: [choice\nprompt: x\n```\n")
    assert only_problem(path) == f"{path}:13:7: not valid YAML: expected ',' or ']', but got ':'"


def test_a_question_block_that_never_closes(tmp_path):
    path = write(tmp_path, FRONT + "## Page\n```question\nid: open\nkind: myth\n")
    assert only_problem(path).startswith(f"{path}:10:1: this ```question block is never closed")


def test_a_size_that_does_not_parse(tmp_path):
    path = write(tmp_path, FRONT + textwrap.dedent("""\
        ## Page
        ```question
        id: big
        kind: numeric
        prompt: How big is the new layer?
        answer: 2.3 MBs
        misconceptions:
          "lots": Too vague.
        ```
        """))
    found = problems(path)
    assert found[0].startswith(f"{path}:14:9: '2.3 MBs' is not a size")
    assert found[1].startswith(f"{path}:16:3: 'lots' is not a number")


def test_an_unquoted_yes_or_no_is_explained(tmp_path):
    path = write(tmp_path, FRONT + CHOICE.replace("feedback: Tagging copies nothing.", "feedback: no"))
    assert only_problem(path) == (f"{path}:19:15: feedback must be text; YAML read it as false (yes, no, on, off, "
                                  "true and false do that), so put it in quotes")


# -- all at once, and through `regsim lint` -------------------------------------------------------

def test_every_problem_in_a_lesson_is_reported_at_once_in_line_order():
    with pytest.raises(ContentError) as caught:
        load_lesson(MANY)
    found = [(p.line, p.column) for p in caught.value.problems]
    assert found == [(7, 1), (12, 8), (19, 1), (22, 15), (26, 5), (29, 9), (38, 9), (39, 7), (46, 9)]
    assert all(str(p).startswith(f"{MANY}:") for p in caught.value.problems)


def test_regsim_lint_lists_lesson_problems_and_exits_1(capsys):
    assert main(["lint", str(MANY)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 9 and out[0] == (f"{MANY}:7:1: unknown key 'level' in the front matter (known: goals, id, "
                                        "order, scenario, title)")


def test_regsim_lint_passes_good_lessons(capsys):
    assert main(["lint", str(GOOD), str(CLASS)]) == 0
    assert capsys.readouterr().out == ""


def test_lint_checks_computed_choices_against_the_replayed_scenario(tmp_path):
    lesson = (CLASS / "lessons" / "class-intro.md").read_text(encoding="utf-8")
    mine = tmp_path / "lessons"
    mine.mkdir()
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "scenarios" / "tiny-push.yaml").write_text(
        (CLASS / "scenarios" / "tiny-push.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    path = mine / "class-intro.md"
    path.write_text(lesson.replace('text: "2"', 'text: "3"'), encoding="utf-8")
    assert load_lesson(path)     # fine on its own: only the replay shows the mistake
    assert [str(p) for p in lint_lesson_file(path)] == [
        f"{path}:23:1: the simulator's answer is 2 layers, and no choice says so"]


def test_lint_flags_a_misconception_that_is_the_simulators_answer(tmp_path):
    path = tmp_path / "second-push.md"
    path.write_text(GOOD.read_text(encoding="utf-8").replace('"6": Expecting six', '"1": Expecting six'),
                    encoding="utf-8")
    assert [str(p) for p in lint_lesson_file(path)] == [
        f"{path}:51:3: the misconception 1 layer is what the simulator answers (1 layer)"]


def test_lint_flags_a_computed_answer_on_a_step_that_only_narrates(tmp_path):
    shutil_copy(CLASS, tmp_path)
    path = tmp_path / "lessons" / "class-intro.md"
    path.write_text(path.read_text(encoding="utf-8").replace("steps: 1..4", "steps: 2..4").replace(
        "step: pull", "step: 1").replace("kind: predict", "kind: choice"), encoding="utf-8")
    assert [str(p) for p in lint_lesson_file(path)] == [
        f"{path}:21:7: step 1 only narrates; a computed answer needs a step that runs a command"]


def shutil_copy(source: Path, target: Path) -> None:
    import shutil

    shutil.copytree(source, target, dirs_exist_ok=True)


BUNDLED = sorted(content_dir("lessons").glob("*.md")) if content_dir("lessons").is_dir() else []


@pytest.mark.parametrize("path", [p for p in BUNDLED if p.name.lower() != "readme.md"], ids=lambda p: p.name)
def test_every_bundled_lesson_lints_clean_and_its_answers_match_its_replayed_scenario(path):
    assert [str(p) for p in lint_lesson_file(path)] == []


def test_the_lessons_package_loads_no_ui_or_charting_library():
    modules = ["regsim.lessons." + p.stem for p in (Path(__file__).parents[1] / "regsim" / "lessons").glob("*.py")]
    check = ("import importlib, sys\n"
             "for name in sys.argv[1:]: importlib.import_module(name)\n"
             "loaded = sorted({m.split('.')[0] for m in sys.modules} & {'textual', 'matplotlib', 'rich'})\n"
             "sys.exit('LOADED ' + ' '.join(loaded) if loaded else 0)\n")
    result = subprocess.run([sys.executable, "-c", check, *modules], capture_output=True, text=True, timeout=120,
                            check=False)
    assert result.returncode == 0, result.stderr
    assert len(modules) >= 10


@pytest.mark.parametrize(("answer", "unit", "value"), [
    ("6 layers", "layers", 6), ("2.3MB", "bytes", 2_300_000), ("800ms", "seconds", 0.8), ("3", None, 3)])
def test_a_numeric_answer_without_a_unit_is_read_in_the_unit_it_is_written_in(tmp_path, answer, unit, value):
    path = write(tmp_path, FRONT + f"## Page\n```question\nid: q\nkind: numeric\nprompt: How much?\n"
                                   f"answer: {answer}\n```\n")
    question = load_lesson(path).questions[0]
    assert (question.unit, question.answer) == (unit, value)


def test_a_lesson_set_replays_each_scenario_once_for_computed_answers():
    lessons = load_lessons([FIXTURES])
    run = lessons.run_for("second-push")
    assert run is lessons.run_for(lessons.get("second-push"))
    assert run.records[6].layers_pushed == 1
