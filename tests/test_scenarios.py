"""Every bundled scenario is a lesson a learner can trust: it lints clean, replays, and its questions make sense."""

from __future__ import annotations

import pytest

from regsim.bundled import scenario_files
from regsim.cli import main
from regsim.scenario.engine import computed_answer
from regsim.scenario.loader import load_scenario

FILES = scenario_files()
# a computed metric and the expect key that states the same quantity
SAME_AS_EXPECT = {"layers_pulled": "layers_pulled", "layers_pushed": "layers_pushed",
                  "layers_mounted": "layers_mounted", "layers_skipped": "layers_skipped",
                  "cache_hits": "cache_hits", "layer_bytes_down": "layers_down", "layer_bytes_up": "layers_up",
                  "ok": "ok", "error": "error"}


def test_there_are_at_least_twelve_bundled_scenarios() -> None:
    assert len(FILES) >= 12
    assert len({p.stem for p in FILES}) == len(FILES)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_a_bundled_scenario_lints_clean(path, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["lint", str(path)]) == 0
    out, err = capsys.readouterr()
    assert out == ""
    assert "no problems" in err


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_a_bundled_scenario_replays_with_every_expectation_holding(path, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["play", path.stem, "--check"]) == 0
    out, err = capsys.readouterr()
    assert "every expectation held" in err
    assert "Traceback" not in out + err


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_a_bundled_scenario_has_narration_and_checks(path) -> None:  # type: ignore[no-untyped-def]
    scenario = load_scenario(path)
    assert scenario.title.strip() and scenario.summary.strip()
    assert any(step.say for step in scenario.steps), "no step says anything to the learner"
    assert any(step.expect for step in scenario.steps), "no step has an expect, so --check checks nothing"
    assert any(step.command is not None for step in scenario.steps)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_every_question_in_a_bundled_scenario_can_be_answered(path, replayed) -> None:  # type: ignore[no-untyped-def]
    run = replayed(path)
    scenario = run.scenario
    for step, record in zip(scenario.steps, run.records, strict=True):
        ask = step.ask
        if ask is None:
            continue
        where = f"{path.name} step {step.index} (line {step.line})"
        assert ask.question.strip(), where
        if ask.answer == "computed":
            assert ask.metric is not None, where
            assert step.command is not None, where
            value = computed_answer(record, ask.metric)
            assert value is not None, where
            assert ask.metric in record.to_dict(), f"{where}: --json does not show {ask.metric}"
            assert record.to_dict()[ask.metric] == pytest.approx(value) if isinstance(value, float) else \
                record.to_dict()[ask.metric] == value, where
            # when the step also states the answer in its expect, the two agree
            key = SAME_AS_EXPECT.get(ask.metric)
            if key in step.expect:
                assert value == step.expect[key].expected, f"{where}: computed {value}, expect says {step.expect[key]}"
        else:
            assert ask.choices, f"{where}: a non-computed answer needs choices"
            assert str(ask.answer) in ask.choices, f"{where}: {ask.answer!r} is not one of {ask.choices}"
            assert len(set(ask.choices)) == len(ask.choices), f"{where}: a choice is listed twice"


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_every_step_of_a_bundled_scenario_that_moves_layers_moves_some_bytes_or_says_why(path, replayed) -> None:  # type: ignore[no-untyped-def]
    run = replayed(path)
    for record in run.records:
        # A kubelet under IfNotPresent starts from the node's copy with no request at all
        # (kubernetes pkg/kubelet/images/image_manager.go), and says so.
        from_node = any("already present on machine" in line for line in record.output)
        if record.verb in ("push", "pull") and record.ok and not from_node:
            assert record.requests, f"{path.name} step {record.index}: a successful {record.verb} with no requests"
        if not record.ok:
            assert record.error and record.message, f"{path.name} step {record.index}: a failure with no reason"


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_no_link_is_busy_longer_than_its_step_and_every_byte_sent_is_on_a_link(path, replayed) -> None:  # type: ignore[no-untyped-def]
    run = replayed(path)
    for record in run.records:
        where = f"{path.name} step {record.index}"
        step = record.to_dict()
        on_the_wire: dict[tuple[str, ...], int] = {}
        network = run.worlds[record.index - 1].network   # a request's bytes cross every link of its route
        for event in record.requests:
            if event.status:
                for key in network.route_taken(event.src, event.dst).keys:
                    on_the_wire[key] = on_the_wire.get(key, 0) + event.bytes
        links = {tuple(link["between"]): link for link in step["links"]}
        assert set(links) == set(on_the_wire), where
        for key, link in links.items():
            assert link["seconds"] <= step["seconds"] + 1e-6, f"{where}: {key} busy {link['seconds']} s"
            assert link["bytes"] == on_the_wire[key], f"{where}: {key}"
        assert step["background_seconds"] <= step["seconds"] + 1e-6, where


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_a_failed_step_never_claims_a_saving(path, replayed) -> None:  # type: ignore[no-untyped-def]
    run = replayed(path)
    for record in run.records:
        if not record.ok:
            step = record.to_dict()
            where = f"{path.name} step {record.index}"
            assert step["saved_layer_bytes"] == 0, where
            assert step["naive_layer_bytes_up"] == step["layer_bytes_up"], where
            assert step["naive_layer_bytes_down"] == step["layer_bytes_down"], where


def test_the_mirror_replay_shows_each_layer_crossing_the_wan_twice_for_the_whole_site(capsys):
    """The dedup saving is zero for a mirror; the point is on the links, and the replay shows it:
    ten north nodes pull ten copies across their WAN, the south site's WAN carries two (the cold
    mirror's copy into its store and the copy it streams on: distribution registry/proxy/proxyblobstore.go)."""
    assert main(["play", "mirror-near-site"]) == 0
    out = capsys.readouterr().out
    north, south = "dc ↔ north", "dc ↔ south"
    step_lines = [line for line in out.splitlines() if line.startswith("  links: ")]
    assert f"{north} 3.7GB" in step_lines[0]        # the north rollout: ten copies of 370MB
    assert f"{south} 739MB" in step_lines[1]        # the south canary through the cold mirror: two copies
    assert f"{south} 0B" in step_lines[2]           # the other nine stay on the LAN
    footer = out.splitlines()[-1]
    assert footer.startswith("Bytes per link: ") and f"{south} 739MB" in footer and f"{north} 3.7GB" in footer
