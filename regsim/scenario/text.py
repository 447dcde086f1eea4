"""A replay as plain text, the way a learner reads it in a terminal or a handout."""

from __future__ import annotations

from regsim.scenario.engine import Failure, Run, check_expectations, computed_answer
from regsim.scenario.prompt import prompt_line
from regsim.scenario.records import StepRecord
from regsim.scenario.spec import Ask
from regsim.units import format_seconds, format_share, format_size, short_path


def render_step(record: StepRecord, total: int, failures: list[Failure] | None = None) -> str:
    lines = [f"── step {record.index} of {total} " + "─" * 40]
    if record.say:
        lines.append(record.say)
    if record.command:
        lines.append(f"  {prompt_line(record.actor, record.command)}")
    for line in record.output:
        lines.append(f"    {line}")
    if record.requests:
        lines.append("  requests:")
        for event in record.requests:
            arrow = f"{event.src} → {event.dst}"
            status = "---" if event.status == 0 else str(event.status)
            size = format_size(event.bytes) if event.bytes else ""
            remaining = event.rate_limit_remaining
            left = "" if remaining is None else f"  RateLimit-Remaining: {remaining}"
            lines.append(f"    {event.method:<6} {short_path(event.path):<58} {status:>3} {size:>7}  "
                         f"{event.outcome:<12} {arrow}{left}")
    if record.naive_layer_bytes or record.layer_bytes:
        saved = record.saved_bytes
        share = f" ({format_share(saved, record.naive_layer_bytes)})" if record.naive_layer_bytes else ""
        lines.append(f"  layer bytes: {format_size(record.layer_bytes)} moved, "
                     f"{format_size(record.naive_layer_bytes)} if whole images travelled; "
                     f"saved {format_size(saved)}{share}")
    links = [link for link in record.links if link["bytes"] or link["seconds"]]
    if len(links) > 1:  # where the bytes went: a mirror's LAN and WAN, a replica's link, ...
        lines.append("  links: " + "; ".join(
            f"{link['between'][0]} ↔ {link['between'][1]} {format_size(link['bytes'])} "
            f"in {format_seconds(link['seconds'])}" for link in links))
    if record.requests:
        background = ""
        if record.background_seconds:
            background = (f" (background {record.background_work} ran for {format_seconds(record.background_seconds)}; "
                          "no client waited for it)")
        lines.append(f"  time: {format_seconds(record.seconds)}{background}")
    if record.clients:   # clients acting at once: the first and the last one done
        done = sorted(record.clients, key=lambda c: c["seconds"])
        lines.append(f"  {len(done)} clients at once: first done {done[0]['client']} after "
                     f"{format_seconds(done[0]['seconds'])}, last {done[-1]['client']} after "
                     f"{format_seconds(done[-1]['seconds'])}")
    if not record.ok:
        lines.append(f"  ✗ {record.error}: {record.message}")
    for failure in failures or ():
        lines.append(f"  ✗ expectation not met (line {failure.line}): {failure.key} is {failure.actual}, "
                     f"not {failure.expected}")
    return "\n".join(lines) + "\n"


def render_run(run: Run) -> str:
    summary = f"{run.scenario.summary}\n" if run.scenario.summary else ""
    header = f"{run.scenario.title}\n{summary}\n"
    failures = check_expectations(run) if run.scenario.steps else []   # a recorded session has no expects
    body = "\n".join(render_step(record, len(run.records), [f for f in failures if f.step == record.index])
                     for record in run.records)
    moved = sum(r.layer_bytes for r in run.records)
    naive = sum(r.naive_layer_bytes for r in run.records)
    share = f" ({format_share(naive - moved, naive)})" if naive else ""
    footer = (f"\nIn all: {format_size(moved)} of layers moved; whole images would have moved "
              f"{format_size(naive)}; saved {format_size(naive - moved)}{share}.\n")
    per_link: dict[tuple[str, str], int] = {}
    for record in run.records:
        for link in record.links:
            key = (link["between"][0], link["between"][1])
            per_link[key] = per_link.get(key, 0) + link["bytes"]
    if len([total for total in per_link.values() if total]) > 1:
        footer += "Bytes per link: " + "; ".join(
            f"{a} ↔ {b} {format_size(total)}" for (a, b), total in sorted(per_link.items(), key=lambda kv: -kv[1])
            if total) + ".\n"
    if failures:
        footer += (f"✗ {len(failures)} expectation(s) did not hold (`regsim play --check` exits 1 on them; "
                   "`regsim lint` lists them).\n")
    return header + body + footer


def ask_answer_text(ask: Ask, record: StepRecord, *, yes: str = "true", no: str = "false") -> str:
    """A scenario `ask`'s answer as the replay gives it: `answer: computed` is the simulator's own
    result for the metric, with sizes and times in the words the app uses; a yes/no metric reads
    as `yes` or `no` (the app says true/false, a printed worksheet yes/no)."""
    if ask.answer != "computed" or ask.metric is None:
        return str(ask.answer)
    value = computed_answer(record, ask.metric)
    if ask.metric.startswith("layer_bytes") and isinstance(value, (int, float)):
        return format_size(value)
    if ask.metric == "seconds" and isinstance(value, (int, float)):
        return format_seconds(value)
    if value is None:
        return "none"
    return (yes if value else no) if isinstance(value, bool) else str(value)
