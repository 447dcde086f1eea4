"""A step's predict question and, once the step has run, its answer as the records give it."""

from __future__ import annotations

from regsim.scenario.engine import computed_answer
from regsim.scenario.records import StepRecord
from regsim.scenario.spec import Ask
from regsim.units import format_seconds, format_size


def answer_text(ask: Ask, record: StepRecord) -> str:
    """`answer: computed` is the simulator's own result for the metric; sizes and times read as such."""
    if ask.answer != "computed" or ask.metric is None:
        return str(ask.answer)
    value = computed_answer(record, ask.metric)
    if ask.metric.startswith("layer_bytes") and isinstance(value, (int, float)):
        return format_size(value)
    if ask.metric == "seconds" and isinstance(value, (int, float)):
        return format_seconds(value)
    if value is None:
        return "none"
    return str(value).lower() if isinstance(value, bool) else str(value)
