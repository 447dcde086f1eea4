"""What a student pastes into a report: every step named, failed ones marked, a mirror's WAN
saving shown, down links drawn, values on storage bars, SVG text that stays text."""

from __future__ import annotations

import functools
import xml.etree.ElementTree as ET

from regsim.bundled import find_scenario
from regsim.charts import chart_data, make_figure, render
from regsim.charts.data import down_spans
from regsim.charts.labels import step_label
from regsim.scenario.engine import replay
from regsim.scenario.loader import load_scenario
from regsim.scenario.records import run_to_dict
from regsim.units import format_share, format_size


@functools.cache
def run_of(name: str) -> dict:  # type: ignore[type-arg]
    return run_to_dict(replay(load_scenario(find_scenario(name))))  # type: ignore[return-value]


def shown_texts(fig) -> list[str]:  # type: ignore[no-untyped-def]
    from matplotlib.text import Text

    return [t.get_text() for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]


def test_a_long_run_names_every_step_and_marks_the_failed_one_in_red() -> None:
    run = run_of("garbage-collection")   # 15 steps; step 14 pulls a tag gc took away
    fig = make_figure(run, "transfer")  # type: ignore[arg-type]
    ax = fig.axes[0]
    ticks = {t.get_text(): t for t in ax.get_xticklabels()}
    assert list(ticks) == [step_label(step) for step in run["steps"]] and len(ticks) == 15
    failed = [step for step in run["steps"] if step["ok"] is False]
    assert failed and all(ticks[step_label(step)].get_text().endswith("✗") for step in failed)
    assert all(ticks[step_label(step)].get_color() != "black" for step in failed)
    assert "step failed (✗)" in [t.get_text() for t in ax.get_legend().get_texts()]


def test_a_mirrors_wan_bytes_and_saving_are_in_the_transfer_chart() -> None:
    # A pull-through cache reads a layer it lacks from upstream twice, a copy into its store and a
    # copy streamed to the client (distribution registry/proxy/proxyblobstore.go, ServeBlob), and
    # serves it from its store after that: however many nodes pull through the site's mirror after
    # the first, each layer crosses the WAN twice in all.
    run = run_of("mirror-near-site")
    rows = chart_data(run, "transfer")  # type: ignore[arg-type]
    last = rows[-1]
    layers = {(blob["source"], blob["digest"]): blob["size"] for step in run["steps"] for blob in step["blobs"]
              if blob["kind"] == "layer" and blob["how"] in ("mirror-hit", "mirror-miss")}
    upstream = 2 * sum(layers.values())
    assert last["cumulative_mirror_upstream_bytes"] == upstream
    served = sum(row["mirror_served_bytes"] for row in rows)
    assert served > upstream and last["mirror_saved_bytes"] == served - upstream
    texts = shown_texts(make_figure(run, "transfer"))  # type: ignore[arg-type]
    saved = served - upstream
    saving = f"WAN saved by the mirror: {format_size(saved)} ({format_share(saved, served)})"
    assert saving in texts and "saved: 0B (0%)" not in texts
    assert "fetched by the mirror from upstream (WAN)" in texts


def test_links_cut_by_a_step_are_drawn_and_say_when() -> None:
    expiry = run_of("cache-expiry")   # the cache's uplink goes down at step 6 and up at step 11
    assert down_spans(expiry) == {("cache.example", "registry.example"): [(6, 11)]}  # type: ignore[arg-type]
    assert any("down steps 6–10" in text for text in shown_texts(make_figure(expiry, "network")))  # type: ignore[arg-type]
    mirror = run_of("mirror-near-site")   # the south site's WAN is cut at step 7 and stays down
    assert down_spans(mirror) == {("dc", "south"): [(7, None)]}  # type: ignore[arg-type]
    texts = shown_texts(make_figure(mirror, "network"))  # type: ignore[arg-type]
    assert any("✗ down from step 7" in text for text in texts) and "link down at the end" in texts


def test_storage_bars_carry_their_values_in_the_clis_units() -> None:
    run = run_of("garbage-collection")
    rows = chart_data(run, "storage")  # type: ignore[arg-type]
    stored = rows[-1]["registries"]["registry.example"]["stored_layer_bytes"]
    freed = max(row["registries"]["registry.example"]["freed_bytes"] for row in rows)
    texts = shown_texts(make_figure(run, "storage"))  # type: ignore[arg-type]
    assert format_size(stored) in texts   # the same words `regsim play` prints
    assert any(f"gc freed {format_size(freed)}" in text for text in texts)


def test_svg_keeps_text_as_text() -> None:
    # (the same run giving the same SVG bytes is test_charts.py's to check, with the ids fixed)
    root = ET.fromstring(render(run_of("garbage-collection"), "transfer", "svg"))  # type: ignore[arg-type]
    words = " ".join("".join(node.itertext()) for node in root.iter("{http://www.w3.org/2000/svg}text"))
    assert "15 pull team/app:v3" in words and "layer bytes, cumulative (GB)" in words


def test_network_csv_writes_bandwidth_as_whole_bits_per_second() -> None:
    rows = chart_data(run_of("mirror-near-site"), "network")  # type: ignore[arg-type]
    assert {type(row["bandwidth_bps"]) for row in rows if row["declared"]} == {int}


def test_a_long_title_keeps_after_step_n_of_m_on_one_line() -> None:
    from regsim.charts.canvas import new_figure

    run = run_of("garbage-collection")
    for kind in ("transfer", "storage"):
        title = new_figure(run, kind, until=14).get_suptitle()  # type: ignore[arg-type]
        line = next(line for line in title.splitlines() if "after" in line)
        assert line.replace("\u00a0", " ").endswith("(after step 14 of 15)")
