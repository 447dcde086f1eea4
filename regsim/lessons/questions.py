"""Checking one ```question block: every problem with its FILE:LINE:COL, and the Question it describes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from regsim.lessons.document import BlockYaml
from regsim.lessons.model import COMPUTED, KINDS, UNITS, Choice, Question
from regsim.lessons.quantities import (
    METRIC_UNITS,
    METRICS,
    QuantityError,
    parse_quantity,
    parse_tolerance,
    within,
)
from regsim.lessons.steps import StepIndex, StepRefError
from regsim.scenario.problems import Problem, did_you_mean

QUESTION_KEYS = ("id", "kind", "step", "prompt", "statement", "answer", "metric", "unit", "tolerance", "hint",
                 "explain", "feedback", "misconceptions", "choices")
CHOICE_KEYS = ("text", "correct", "feedback")
TEXT_KEYS = ("prompt", "statement", "hint", "explain", "feedback")


@dataclass(slots=True)
class PageContext:
    """What a question on a page can lean on: the scenario's steps and what the pages have shown."""

    steps: StepIndex | None          # None when the scenario could not be found (step checks are skipped)
    page_steps: tuple[int, int] | None
    shown_until: int                 # the furthest step the earlier pages (or this page's start) have run


class _Check:
    def __init__(self, block: BlockYaml) -> None:
        self.block = block
        self.problems: list[Problem] = []

    def add(self, path: tuple[Any, ...], message: str, key: bool = False) -> None:
        self.problems.append(self.block.problem(path, message, key))

    def text(self, value: Any, path: tuple[Any, ...], what: str) -> str | None:
        if value is None:
            return None
        if isinstance(value, bool):
            self.add(path, f"{what} must be text; YAML read it as {str(value).lower()} (yes, no, on, off, true and "
                     "false do that), so put it in quotes")
            return str(value).lower()   # reported once here; not again as missing
        if not isinstance(value, (str, int, float)):
            self.add(path, f"{what} must be text")
            return None
        return str(value).strip()


def check_question(block: BlockYaml, context: PageContext) -> tuple[Question | None, list[Problem]]:
    """The question in `block`, or None when it is too broken to use; plus every problem found."""
    check = _Check(block)
    raw = block.value
    if block.located is None:
        return None, []      # bad YAML: the block already reported it
    if not isinstance(raw, dict):
        check.add((), "a question block is YAML key: value lines (id, kind, prompt, answer, ...)")
        return None, check.problems
    for key in raw:
        if key not in QUESTION_KEYS:
            check.add((key,), f"unknown key {key!r} in a question{did_you_mean(str(key), QUESTION_KEYS)}", key=True)
    texts = {key: check.text(raw.get(key), (key,), key) for key in TEXT_KEYS}
    question_id = check.text(raw.get("id"), ("id",), "id")
    if not question_id:
        check.add(("id",) if "id" in raw else (), "a question needs an id, unique within the lesson")
    kind = raw.get("kind")
    if kind not in KINDS:
        if kind is None:
            check.add((), f"a question needs a kind: {', '.join(KINDS)}")
        else:
            check.add(("kind",), f"unknown kind {kind!r}{did_you_mean(str(kind), KINDS)}: one of {', '.join(KINDS)}")
        return None, check.problems
    if kind == "myth":
        if not texts["statement"]:
            check.add(("statement",) if "statement" in raw else (), "a myth question needs a statement to judge")
        if not texts["feedback"]:
            check.add(("feedback",) if "feedback" in raw else (),
                      "a myth question needs feedback: why it is a myth or a fact, and why that matters")
    elif not texts["prompt"]:
        check.add(("prompt",) if "prompt" in raw else (), f"a {kind} question needs a prompt")

    step = _step(check, raw, kind, context)
    choices = _choices(check, raw, kind)
    unit = _unit(check, raw, kind, choices)
    metric, answer = _answer(check, raw, kind, choices, unit)
    if answer == COMPUTED and step is None and "step" not in raw and kind != "predict":
        if context.page_steps is not None and kind == "numeric":
            step = context.page_steps[1]
        else:
            check.add(("answer",), "a computed answer needs a step: give step: (a step id or number)"
                      + (", or put the question on a page with a sim block" if kind == "numeric" else ""))
    numeric = kind == "numeric" or (kind == "predict" and not choices)
    tolerance = _tolerance(check, raw, numeric, unit)
    misconceptions = _misconceptions(check, raw, numeric, unit, answer, tolerance)
    if choices and answer not in (None, COMPUTED):
        choices = tuple(Choice(c.text, c.text == answer, c.feedback) for c in choices)

    marks = [(str(key), *block.at((key,), key=isinstance(value, (list, dict)))) for key, value in raw.items()]
    marks += [(f"choices.{i}", *block.at(("choices", i))) for i in range(len(choices))]
    if isinstance(raw.get("misconceptions"), dict):
        marks += [(f"misconceptions.{i}", *block.at(("misconceptions", key), key=True))
                  for i, key in enumerate(raw["misconceptions"])]
    question = Question(
        id=question_id or "", kind=kind, prompt=texts["prompt"] or ("Myth or fact?" if kind == "myth" else ""),
        statement=texts["statement"], choices=choices, answer=answer, metric=metric, unit=unit,
        tolerance=tolerance, step=step, hint=texts["hint"], explain=texts["explain"], feedback=texts["feedback"],
        misconceptions=misconceptions, line=block.first_line, marks=tuple(marks),
    )
    return question, check.problems


def _step(check: _Check, raw: dict[str, Any], kind: str, context: PageContext) -> int | None:
    if "step" not in raw:
        if kind == "predict":
            check.add((), "a predict question needs step: the scenario step the learner predicts, before it runs")
        return None
    if context.steps is None:
        return None
    try:
        number = context.steps.resolve(raw["step"])
    except StepRefError as error:
        check.add(("step",), str(error))
        return None
    if kind == "predict" and number <= context.shown_until:
        check.add(("step",), f"{context.steps.describe(number)} has already run when this page is shown (the "
                  f"pages so far show steps up to {context.shown_until}): a predict question asks before its step runs")
    return number


def _choices(check: _Check, raw: dict[str, Any], kind: str) -> tuple[Choice, ...]:
    if "choices" not in raw:
        if kind == "choice":
            check.add((), "a choice question needs choices: a list of {text, correct, feedback}")
        return ()
    if kind in ("myth", "numeric"):
        what = "answer: myth or fact" if kind == "myth" else "a number; use kind: choice for options"
        check.add(("choices",), f"a {kind} question has no choices ({what})", key=True)
        return ()
    items = raw["choices"]
    if not isinstance(items, list):
        check.add(("choices",), "choices is a list: each item - text: ..., correct: true, feedback: ...")
        return ()
    found: list[Choice] = []
    for i, item in enumerate(items):
        path = ("choices", i)
        if isinstance(item, (str, int, float)) and not isinstance(item, bool):
            found.append(Choice(str(item)))
            continue
        if not isinstance(item, dict):
            check.add(path, "a choice is text, or text: ..., correct: true, feedback: ...")
            continue
        for key in item:
            if key not in CHOICE_KEYS:
                check.add((*path, key), f"unknown key {key!r} in a choice{did_you_mean(str(key), CHOICE_KEYS)}",
                          key=True)
        text = check.text(item.get("text"), (*path, "text"), "a choice's text")
        if not text:
            check.add((*path, "text") if "text" in item else path, "a choice needs text")
            continue
        correct = item.get("correct", False)
        if not isinstance(correct, bool):
            check.add((*path, "correct"), "correct is true or false")
            correct = False
        found.append(Choice(text, correct, check.text(item.get("feedback"), (*path, "feedback"), "feedback")))
    if len(items) < 2:
        check.add(("choices",), "a question with choices needs at least two of them")
    texts = [c.text.casefold() for c in found]
    for i, choice in enumerate(found):
        if texts.index(choice.text.casefold()) != i:
            check.add(("choices", i), f"the choice {choice.text!r} is listed twice")
    return tuple(found)


def _unit(check: _Check, raw: dict[str, Any], kind: str, choices: tuple[Choice, ...]) -> str | None:
    metric_unit = METRIC_UNITS.get(str(raw.get("metric")))
    if "unit" in raw:
        unit = raw["unit"]
        if kind in ("myth", "choice"):
            check.add(("unit",), f"a {kind} question has no unit", key=True)
            return None
        if unit not in UNITS:
            check.add(("unit",), f"unknown unit {unit!r}{did_you_mean(str(unit), UNITS)}: one of {', '.join(UNITS)}")
            return metric_unit
        if metric_unit and unit != metric_unit:
            check.add(("unit",), f"{raw['metric']} is counted in {metric_unit}, not {unit}")
            return metric_unit
        return str(unit)
    if metric_unit:
        return metric_unit
    answer = raw.get("answer")
    if kind in ("numeric", "predict") and not choices and isinstance(answer, str) and answer != COMPUTED:
        for guess in (None, "layers", "bytes", "seconds"):    # "6 layers", "2.3MB", "800ms"
            try:
                parse_quantity(answer, guess)
            except QuantityError:
                continue
            return guess
        return "bytes"     # nothing reads it: most likely a mistyped size, and its message lists the units
    return None


def _answer(check: _Check, raw: dict[str, Any], kind: str, choices: tuple[Choice, ...],
            unit: str | None) -> tuple[str | None, Any]:
    answer = raw.get("answer")
    metric = raw.get("metric")
    if answer == COMPUTED:
        if metric not in METRICS:
            where = ("metric",) if "metric" in raw else ("answer",)
            shown = f"{metric!r} is not a metric" if metric is not None else "a computed answer needs a metric"
            check.add(where, f"{shown}{did_you_mean(str(metric), METRICS) if metric else ''}: one of "
                      f"{', '.join(METRICS)}")
            metric = None
        if kind == "myth":
            check.add(("answer",), "a myth question's answer is myth or fact, not computed")
            return None, None
        for i, choice in enumerate(choices):
            try:
                parse_quantity(choice.text, unit)
            except QuantityError as error:
                check.add(("choices", i), f"with a computed answer every choice is a number the simulator could "
                          f"produce: {error}")
            if not choice.feedback and not choice.correct:
                check.add(("choices", i), "this choice needs feedback (the simulator decides which choice is right, "
                          "so each one could be a wrong answer): which misconception it shows and why it matters")
        if sum(c.correct for c in choices) > 1:
            check.add(("choices",), "more than one choice is marked correct: true; exactly one can be", key=True)
        return metric, COMPUTED
    if metric is not None:
        check.add(("metric",), "metric only goes with answer: computed", key=True)
    if kind == "myth":
        if answer is None:
            check.add((), "a myth question needs answer: myth or fact")
            return None, None
        if str(answer).strip().lower() not in ("myth", "fact"):
            check.add(("answer",), f"a myth question's answer is myth or fact, not {answer!r}")
            return None, None
        return None, str(answer).strip().lower()
    if choices:
        return None, _choice_answer(check, raw, choices)
    if kind == "choice":
        return None, None
    if answer is None:
        check.add((), f"a {kind} question needs an answer: a number, a size such as 2MB, or computed")
        return None, None
    try:
        return None, parse_quantity(answer, unit)
    except QuantityError as error:
        check.add(("answer",), str(error))
        return None, None


def _choice_answer(check: _Check, raw: dict[str, Any], choices: tuple[Choice, ...]) -> str | None:
    marked = [i for i, c in enumerate(choices) if c.correct]
    if "answer" in raw:
        given = raw["answer"]
        matches = [i for i, c in enumerate(choices) if c.text.casefold() == str(given).strip().casefold()]
        if not matches:
            check.add(("answer",), f"the answer {given!r} is not one of the choices"
                      f"{did_you_mean(str(given), [c.text for c in choices])}")
            return None
        if marked and marked != matches:
            check.add(("answer",), f"the answer {given!r} is not the choice marked correct: true "
                      f"({choices[marked[0]].text!r})")
        correct = matches[0]
    elif not marked:
        check.add(("choices",), "no choice is marked correct: true; exactly one must be", key=True)
        return None
    elif len(marked) > 1:
        for i in marked[1:]:
            check.add(("choices", i, "correct"), f"more than one choice is marked correct: true (also "
                      f"{choices[marked[0]].text!r}); exactly one must be")
        return None
    else:
        correct = marked[0]
    for i, choice in enumerate(choices):
        if i != correct and not choice.feedback:
            check.add(("choices", i), "this wrong choice needs feedback: which misconception it shows and why "
                      "it matters")
    return choices[correct].text


def _tolerance(check: _Check, raw: dict[str, Any], numeric: bool, unit: str | None) -> float | str | None:
    if "tolerance" not in raw:
        return None
    if not numeric:
        check.add(("tolerance",), "tolerance only applies to numeric answers", key=True)
        return None
    try:
        return parse_tolerance(raw["tolerance"], unit)
    except QuantityError as error:
        check.add(("tolerance",), str(error))
        return None


def _misconceptions(check: _Check, raw: dict[str, Any], numeric: bool, unit: str | None, answer: Any,
                    tolerance: float | str | None) -> tuple[tuple[Any, str], ...]:
    if "misconceptions" not in raw:
        return ()
    if not numeric:
        check.add(("misconceptions",), "misconceptions are for numeric answers; give each choice its feedback "
                  "instead", key=True)
        return ()
    items = raw["misconceptions"]
    if not isinstance(items, dict):
        check.add(("misconceptions",), "misconceptions maps a wrong answer to why it is wrong: \"3\": ...")
        return ()
    found = []
    for value, why in items.items():
        path = ("misconceptions", value)
        try:
            number = parse_quantity(value, unit)
        except QuantityError as error:
            check.add(path, str(error), key=True)
            continue
        text = check.text(why, path, "a misconception's feedback")
        if not text:
            check.add(path, "say which misconception this answer shows and why it matters")
            continue
        if isinstance(answer, (int, float)) and within(number, answer, unit, tolerance):
            check.add(path, f"{value!r} is the right answer, not a misconception", key=True)
        found.append((number, text))
    return tuple(found)
