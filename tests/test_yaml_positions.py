"""Scenario and lesson YAML is read by libyaml when PyYAML has it (about ten times faster than
the pure-Python reader); the lines and columns in every FILE:LINE:COL message, and the wording
of a YAML error, must be the same as the pure-Python reader's."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from regsim.scenario.problems import ContentError, Located

BUNDLED = sorted((Path(__file__).parent.parent / "scenarios").glob("*.yaml"))
TEXT = 'title: "héllo wörld — ✓"\nsteps:\n  - say: "ü"\n  - run: docker pull app:v1\n    "ñ": {y: 2}\n'


def pure_marks(text: str) -> dict[tuple[object, ...], tuple[int, int]]:
    """The position of every value by its path, read by the pure-Python reader."""
    marks: dict[tuple[object, ...], tuple[int, int]] = {}

    def walk(node: yaml.Node, path: tuple[object, ...]) -> None:
        marks[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                walk(value, (*path, key.value))
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                walk(item, (*path, index))

    walk(yaml.compose(text, Loader=yaml.SafeLoader), ())
    return marks


@pytest.mark.parametrize("text", [TEXT, *(p.read_text(encoding="utf-8") for p in BUNDLED[:4])])
def test_every_position_is_the_pure_python_readers(text: str) -> None:
    located = Located(text, "x.yaml")
    assert located.marks == pure_marks(text)
    assert located.value == yaml.safe_load(text)


def test_a_yaml_error_is_worded_as_the_pure_python_reader_words_it() -> None:
    # libyaml says "mapping values are not allowed in this context"; the hint is added to PyYAML's words.
    with pytest.raises(ContentError) as caught:
        Located("title: a: b\n", "x.yaml")
    (problem,) = caught.value.problems
    assert str(problem).startswith("x.yaml:1:9: not valid YAML: mapping values are not allowed here: a value with")
