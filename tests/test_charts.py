"""Charts of a run: the numbers behind them, the files they write, and what goes wrong plainly.

The fixture is a hand-made run of the "shared base layers" scenario: alice pushes app:v1
(debian 29 MB + python 48 MB + app 2 MB) and v2 (only its 2 MB app layer is new), bob pulls
both through mirror.example, carol pulls v2 directly, v1 is deleted and garbage collected.
Expected numbers are recomputed here from the step records, not taken from regsim.charts.
"""

from __future__ import annotations

import copy
import csv
import io
import json
import os
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections import defaultdict
from itertools import accumulate, pairwise
from pathlib import Path

import pytest

from regsim.bundled import scenario_files
from regsim.charts import (
    KINDS,
    SUFFIXES,
    ChartError,
    chart_data,
    chart_title,
    csv_rows,
    export,
    make_figure,
    terminal_lines,
)
from regsim.charts.labels import short_command
from regsim.scenario.prompt import masked_command
from regsim.units import format_size

FIXTURE = Path(__file__).parent / "fixtures" / "run_sample.json"
MB = 1_000_000


@pytest.fixture
def run() -> dict:
    return json.loads(FIXTURE.read_text())


def moved(step: dict) -> int:
    return step["layer_bytes_up"] + step["layer_bytes_down"]


def naive(step: dict) -> int:
    return step["naive_layer_bytes_up"] + step["naive_layer_bytes_down"]


def step_by_command(run: dict, command: str) -> dict:
    (step,) = [s for s in run["steps"] if s["command"] == command]
    return step


# --- the fixture itself ---------------------------------------------------------------


def test_fixture_numbers_agree_with_each_other(run):
    layer_size = {
        layer["digest"]: layer["size"]
        for tagged in run["images"].values()
        for layers in tagged.values()
        for layer in layers
    }
    for step in run["steps"]:
        sent = sum(b["bytes"] for b in step["blobs"] if b["kind"] == "layer" and b["how"] == "sent")
        if step["verb"] == "push":
            assert step["layer_bytes_up"] == sent
        received = sum(
            b["bytes"]
            for b in step["blobs"]
            if b["kind"] == "layer" and b["how"] in ("pulled", "mirror-miss", "mirror-hit")
        )
        if step["verb"] == "pull":
            assert step["layer_bytes_down"] == received
        for link in step["links"]:
            assert link["bytes"] == moved(step) + step["config_bytes"] + step["manifest_bytes"]
            assert 0 < link["seconds"] <= step["seconds"]
        for blob in step["blobs"]:
            if blob["digest"] in layer_size:
                assert blob["size"] == layer_size[blob["digest"]]
        for record in step["storage"].values():
            assert record["stored_layer_bytes"] >= 0 and record["logical_layer_bytes"] >= 0
    nodes = {node["name"] for node in run["topology"]["nodes"]}
    assert {s["actor"] for s in run["steps"] if s["actor"]} <= nodes
    assert [s["index"] for s in run["steps"]] == list(range(1, len(run["steps"]) + 1))


# --- the numbers behind each chart ------------------------------------------------------


def test_transfer_rows_add_up_the_step_records(run):
    rows = chart_data(run, "transfer")
    steps = run["steps"]
    assert [r["step"] for r in rows] == [s["index"] for s in steps]
    assert [r["actual_bytes"] for r in rows] == [moved(s) for s in steps]
    assert [r["naive_bytes"] for r in rows] == [naive(s) for s in steps]
    assert [r["cumulative_actual_bytes"] for r in rows] == list(accumulate(map(moved, steps)))
    assert [r["cumulative_naive_bytes"] for r in rows] == list(accumulate(map(naive, steps)))
    assert [r["saved_bytes"] for r in rows] == [
        n - a for n, a in zip(accumulate(map(naive, steps)), accumulate(map(moved, steps)), strict=True)
    ]
    assert [r["verb"] for r in rows] == [s["verb"] for s in steps]


def test_second_push_sends_only_the_new_layer(run):
    step = step_by_command(run, "docker push registry.example/team/app:v2")
    (row,) = [r for r in chart_data(run, "transfer") if r["step"] == step["index"]]
    assert row["actual_bytes"] == 2 * MB
    assert row["naive_bytes"] == (29 + 48 + 2) * MB


def test_whole_run_saves_what_the_shared_layers_did_not_resend(run):
    last = chart_data(run, "transfer")[-1]
    expected = sum(map(naive, run["steps"])) - sum(map(moved, run["steps"]))
    assert last["saved_bytes"] == expected == 154 * MB
    lines = terminal_lines(run, "transfer", 100)
    assert "saved: 154MB (39%)" in lines


def test_storage_rows_follow_each_registry_after_each_step(run):
    rows = chart_data(run, "storage")
    assert len(rows) == len(run["steps"])
    for row, step in zip(rows, run["steps"], strict=True):
        for registry, record in step["storage"].items():
            assert row["registries"][registry] == record
    # the CSV writes each registry's three numbers as columns of their own
    header = list(csv_rows(run, "storage")[0])
    assert header[:7] == ["step", "actor", "command", "verb", "stored_layer_bytes@registry.example",
                          "logical_layer_bytes@registry.example", "freed_bytes@registry.example"]


def test_garbage_collection_frees_the_layer_only_v1_used(run):
    gc = step_by_command(run, "registry gc")
    rows = chart_data(run, "storage")
    before, after = rows[gc["index"] - 2], rows[gc["index"] - 1]
    before, after = before["registries"]["registry.example"], after["registries"]["registry.example"]
    freed = after["freed_bytes"]
    assert freed == 2 * MB
    assert before["stored_layer_bytes"] - freed == after["stored_layer_bytes"]


def test_storage_without_freed_bytes_counts_the_drop_in_stored_bytes(run):
    for step in run["steps"]:
        for record in step["storage"].values():
            del record["freed_bytes"]
    gc = step_by_command(run, "registry gc")
    row = chart_data(run, "storage")[gc["index"] - 1]
    assert row["registries"]["registry.example"]["freed_bytes"] == 2 * MB


def test_sharing_rows_are_the_image_layer_edges_with_their_share_counts(run):
    images_using = defaultdict(set)
    edges = []
    for registry, tagged in run["images"].items():
        for image, layers in tagged.items():
            for layer in layers:
                images_using[registry, layer["digest"]].add(image)
                edges.append((registry, image, layer["digest"], layer["size"]))
    rows = chart_data(run, "sharing")
    assert [(r["registry"], r["image"], r["digest"], r["size_bytes"]) for r in rows] == edges
    for row in rows:
        assert row["shared_by"] == len(images_using[row["registry"], row["digest"]])
    # sharing is within one registry's store: the mirror's cached copies are its own
    by_layer = {(r["registry"], r["layer"]): r["shared_by"] for r in rows}
    assert by_layer == {
        ("registry.example", "debian"): 1, ("registry.example", "python"): 1,
        ("registry.example", "app-v2"): 1,
        ("mirror.example", "debian"): 2, ("mirror.example", "python"): 2,
        ("mirror.example", "app-v1"): 1, ("mirror.example", "app-v2"): 1,
    }


@pytest.fixture
def bundled_run(replayed):  # type: ignore[no-untyped-def]
    """The --json dict of a bundled scenario's run (replayed once for the session)."""
    from regsim.scenario.records import run_to_dict

    return lambda name: run_to_dict(replayed(name))


def test_a_replicas_copy_of_an_image_is_not_counted_as_sharing(bundled_run):
    geo = bundled_run("geo-replication")
    rows = chart_data(geo, "sharing")
    shared = {(r["registry"], r["layer"]): r["shared_by"] for r in rows}
    for registry in ("registry.example", "eu.registry.example"):
        assert shared[registry, "app-0.9"] == shared[registry, "app-1.0"] == 1
        assert shared[registry, "debian"] == 2            # 0.9 and 1.0 on the same registry
    texts = [t.get_text() for t in make_figure(geo, "sharing").axes[0].texts]
    assert texts.count("app-0.9 · 2.5MB") == 2           # one circle per registry's store, neither shared
    assert texts.count("debian · 49MB · shared by 2") == 2
    assert {"in registry.example", "in eu.registry.example"} <= set(texts)
    lines = terminal_lines(geo, "sharing", 90)
    assert "in eu.registry.example" in lines and "in registry.example" in lines
    assert not any("shared by 4" in line for line in lines)


def test_two_tags_of_one_manifest_are_one_image_sharing_nothing_with_itself(bundled_run):
    ci = bundled_run("ci-pipeline")
    rows = chart_data(ci, "sharing")
    assert {r["image"] for r in rows} == {
        "team/app:sha-abc123", "team/app:1.4.0", "team/app:sha-def456", "team/app:1.4.1"
    }
    shared = {r["layer"]: r["shared_by"] for r in rows}
    assert shared["debian"] == 2 and shared["code-abc123"] == 1
    texts = [t.get_text() for t in make_figure(ci, "sharing").axes[0].texts]
    assert "registry.example/team/app:1.4.0, :sha-abc123" in texts
    assert "debian · 49MB · shared by 2" in texts


@pytest.mark.parametrize("path", scenario_files(), ids=lambda p: p.stem)
def test_the_world_tree_and_the_sharing_chart_count_the_same_images(path, replayed):
    from regsim.scenario.records import run_to_dict
    from regsim.tui.views.world import sharing_counts

    run = replayed(path)
    rows = chart_data(run_to_dict(run), "sharing")
    world = run.worlds[-1]
    for row in rows:
        tree = sharing_counts(world.registries[row["registry"]])
        assert row["shared_by"] == tree[row["digest"]], (row["registry"], row["layer"])


def test_network_rows_sum_each_links_bytes_and_seconds_over_the_steps(run):
    totals = defaultdict(lambda: [0, 0.0])
    for step in run["steps"]:
        for link in step["links"]:
            key = frozenset(link["between"])
            totals[key][0] += link["bytes"]
            totals[key][1] += link["seconds"]
    rows = chart_data(run, "network")
    assert len(rows) == len(totals)
    for row in rows:
        total_bytes, total_seconds = totals[frozenset((row["node_a"], row["node_b"]))]
        assert row["total_bytes"] == total_bytes
        assert row["total_seconds"] == pytest.approx(total_seconds)
    declared = [r for r in rows if r["declared"]]
    assert [(r["node_a"], r["node_b"]) for r in declared] == [
        tuple(link["between"]) for link in run["topology"]["links"]
    ]


def test_until_stops_every_step_chart_at_that_step(run):
    assert len(chart_data(run, "transfer", until=4)) == 4
    assert len(chart_data(run, "storage", until=4)) == 4
    assert chart_data(run, "transfer", until=4)[-1]["cumulative_actual_bytes"] == 81 * MB
    network = {(r["node_a"], r["node_b"]): r["total_bytes"] for r in chart_data(run, "network", 4)}
    assert network[("mirror.example", "registry.example")] == 0
    assert "(after step 4 of 9)" in chart_title(run, "transfer", 4)


def test_sizes_read_in_the_scenarios_units():
    assert format_size(79 * MB) == "79MB"
    assert format_size(154 * MB) == "154MB"
    assert format_size(1469) == "1.47kB"
    assert format_size(999) == "999B"
    assert format_size(999_999) == "1MB"
    assert format_size(79 * MB, "binary") == "75.3MiB"
    assert format_size(2**30, "binary") == "1GiB"


def test_a_binary_run_speaks_mebibytes(run):
    run["units"] = "binary"
    assert "saved: 147MiB (39%)" in terminal_lines(run, "transfer", 100)
    fig = make_figure(run, "transfer")
    assert fig.axes[0].get_ylabel() == "layer bytes, cumulative (MiB)"


def test_step_labels_drop_the_host_and_never_show_a_password():
    assert short_command("docker push registry.example/team/app:v1") == "push team/app:v1"
    assert short_command("docker build -t app:v1 .") == "build app:v1"
    assert short_command("crictl pull registry.example/team/app:v1") == "pull team/app:v1"
    assert short_command("registry gc --delete-untagged") == "registry gc"
    login = "docker login registry.example -u alice -p wonderland"
    assert short_command(login) == "login registry.example"
    assert "wonderland" not in masked_command(login)
    assert "wonderland" not in masked_command("docker login r.example --password=wonderland")


# --- figures -----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_every_figure_is_slide_sized_titled_and_legible(run, kind):
    from matplotlib.text import Text

    fig = make_figure(run, kind)
    width, height = fig.get_size_inches()
    assert width == 10 and height >= 5.6
    assert run["title"] in fig.get_suptitle()
    texts = [t for t in fig.findobj(Text) if t.get_text().strip() and t.get_visible()]
    assert texts and min(t.get_fontsize() for t in texts) >= 11


def test_transfer_figure_tells_pushes_from_pulls_by_shape_and_legend(run):
    fig = make_figure(run, "transfer")
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "push (bytes up)" in labels and "pull (bytes down)" in labels
    assert "saved: 154MB (39%)" in labels
    ticks = [t.get_text() for t in ax.get_xticklabels()]
    assert "2 push team/app:v1" in ticks and "7 pull team/app:v2" in ticks


def test_storage_figure_marks_the_garbage_collection(run):
    fig = make_figure(run, "storage")
    annotations = [t.get_text() for ax in fig.axes for t in ax.texts]
    assert "gc freed 2MB" in annotations


def test_sharing_figure_names_the_shared_layers(run):
    texts = [t.get_text() for t in make_figure(run, "sharing").axes[0].texts]
    assert "debian · 29MB · shared by 2" in texts        # v1 and v2 in the mirror's store
    assert "debian · 29MB" in texts                      # registry.example keeps only v2 after gc
    assert "app-v1 · 2MB" in texts
    assert not any("shared by 3" in text for text in texts)


def test_replication_traffic_is_drawn_on_the_link_it_crossed(bundled_run):
    geo = bundled_run("geo-replication")
    copied = sum(       # every request of the copies: HEADs and upload POSTs as well as the PUTs
        request["bytes"]
        for step in geo["steps"]
        for request in step["requests"]
        if request["from"] == "registry.example" and request["to"] == "eu.registry.example"
    )
    assert copied > 372 * MB                              # 0.9 in full, then 1.0's new layer
    (row,) = [
        r for r in chart_data(geo, "network")
        if {r["node_a"], r["node_b"]} == {"registry.example", "eu.registry.example"}
    ]
    assert row["total_bytes"] == copied
    assert 0 < row["total_seconds"] <= sum(step["seconds"] for step in geo["steps"])
    texts = [t.get_text() for t in make_figure(geo, "network").axes[0].texts]
    # each blob: HEAD, POST, then its PUT (Harbor's order), each a 90 ms round trip
    assert any(t.startswith("373MB in 3.8 s\n1 Gbit/s, 90 ms") for t in texts)


def test_the_full_uplink_of_a_fleet_is_labelled_where_the_eye_lands(bundled_run):
    # Fifty nodes behind one NAT: the 1 Gbit/s uplink between two routers, full, is the lesson.
    # Its label had no clear place beside the routers' markers and was left out; it now moves
    # above or below its link until it has one.
    fig = make_figure(bundled_run("kubernetes-nodes"), "network")
    shown = [t.get_text() for t in fig.axes[0].texts if t.get_visible()]
    assert any("1 Gbit/s, 20 ms latency\nat most 100% in use" in text for text in shown)


def test_network_figure_labels_each_link_with_bytes_and_seconds(run):
    texts = [t.get_text() for t in make_figure(run, "network").axes[0].texts]
    assert any(t.startswith("81MB in 7.1 s\n100 Mbit/s, 80 ms") for t in texts)
    assert "79MB in 637 ms" in texts


# --- files ---------------------------------------------------------------------------------


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


@pytest.mark.parametrize("kind", KINDS)
def test_every_format_is_written_and_reads_back(run, kind, tmp_path):
    png = png_size(export(run, kind, tmp_path / "chart.png").read_bytes())
    assert png[0] >= 800 and png[1] >= 400

    root = ET.parse(export(run, kind, tmp_path / "chart.svg")).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    title = root.find("{http://www.w3.org/2000/svg}title").text
    assert title == chart_title(run, kind) and run["title"] in title

    assert export(run, kind, tmp_path / "chart.pdf").read_bytes().startswith(b"%PDF")

    text = export(run, kind, tmp_path / "chart.csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    expected = csv_rows(run, kind)
    assert len(rows) == len(expected)
    if expected:   # a run with no step of clients acting at once has no rollout rows
        assert list(rows[0]) == list(expected[0])
    if kind in ("transfer", "storage"):
        assert len(rows) == len(run["steps"])
    for row, want in zip(rows, expected, strict=True):
        for key, value in want.items():
            if isinstance(value, bool):
                assert row[key] == str(value).lower()
            elif isinstance(value, int):
                assert int(row[key]) == value
            elif isinstance(value, float):
                assert float(row[key]) == pytest.approx(value)


def test_transfer_csv_names_its_columns_with_units(run, tmp_path):
    header = export(run, "transfer", tmp_path / "t.csv").read_text().splitlines()[0]
    assert header.split(",") == [
        "step",
        "actor",
        "command",
        "verb",
        "actual_bytes",
        "naive_bytes",
        "cumulative_actual_bytes",
        "cumulative_naive_bytes",
        "saved_bytes",
        # the sample run pulls through a mirror: what it served, fetched upstream, and saved the WAN
        "mirror_served_bytes",
        "mirror_upstream_bytes",
        "cumulative_mirror_upstream_bytes",
        "mirror_saved_bytes",
    ]


@pytest.mark.slow   # two fresh processes render twelve files each
def test_the_same_run_gives_the_same_bytes_in_every_process(tmp_path):
    # Each format once, each from a different kind: the network layout (the one place a hash seed
    # could reach) in the two vector formats, whose files also carry ids and dates.
    script = (
        "import json, sys; from regsim.charts import export\n"
        "run = json.load(open(sys.argv[1]))\n"
        "for kind, suffix in (('network', 'svg'), ('network', 'pdf'), ('transfer', 'png'), ('sharing', 'csv')):\n"
        "    export(run, kind, f'{sys.argv[2]}/{kind}.{suffix}')\n"
    )
    outputs = []
    for seed in ("1", "2"):
        out = tmp_path / seed
        out.mkdir()
        env = dict(os.environ, PYTHONHASHSEED=seed)
        env.pop("SOURCE_DATE_EPOCH", None)
        subprocess.run([sys.executable, "-c", script, str(FIXTURE), str(out)], check=True, env=env)
        outputs.append({p.name: p.read_bytes() for p in sorted(out.iterdir())})
    assert len(outputs[0]) == 4
    for name, data in outputs[0].items():
        assert outputs[1][name] == data, f"{name} differs between two runs"


def test_two_exports_in_one_process_are_identical(run, tmp_path):
    for suffix in ("svg", "csv"):
        first = export(run, "storage", tmp_path / f"a.{suffix}").read_bytes()
        second = export(run, "storage", tmp_path / f"b.{suffix}").read_bytes()
        assert first == second


# --- errors ------------------------------------------------------------------------------


def assert_nothing_written(directory: Path) -> None:
    assert list(directory.iterdir()) == []


def test_an_unknown_kind_lists_the_valid_ones(run, tmp_path):
    with pytest.raises(
        ChartError, match="unknown chart kind 'pie': use one of transfer, storage, sharing, network"
    ):
        export(run, "pie", tmp_path / "chart.png")
    with pytest.raises(ChartError, match="unknown chart kind"):
        chart_data(run, "pie")
    assert_nothing_written(tmp_path)


@pytest.mark.parametrize("name", ["chart.jpg", "chart", "chart.svg.bak"])
def test_an_unsupported_suffix_lists_the_supported_ones(run, tmp_path, name):
    assert SUFFIXES == (".png", ".svg", ".pdf", ".csv")
    with pytest.raises(ChartError, match=r"\.png, \.svg, \.pdf, \.csv"):
        export(run, "transfer", tmp_path / name)
    assert_nothing_written(tmp_path)


@pytest.mark.parametrize("until", [0, 10, -1, "3", True, 2.0])
def test_until_must_be_a_step_of_the_run(run, tmp_path, until):
    with pytest.raises(ChartError, match="give a step number from 1 to 9"):
        export(run, "transfer", tmp_path / "chart.csv", until=until)
    with pytest.raises(ChartError, match="from 1 to 9"):
        terminal_lines(run, "storage", 80, until=until)
    assert_nothing_written(tmp_path)


def test_a_path_that_cannot_be_written_is_refused(run, tmp_path):
    (tmp_path / "a-file").write_text("")
    (tmp_path / "a-dir.png").mkdir()
    cases = {
        tmp_path / "missing" / "chart.png": "does not exist",
        tmp_path / "a-file" / "chart.png": "is not a directory",
        tmp_path / "a-dir.png": "it is a folder",
    }
    for path, reason in cases.items():
        with pytest.raises(ChartError, match=reason):
            export(run, "transfer", path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-dir.png", "a-file"]
    assert list((tmp_path / "a-dir.png").iterdir()) == []


def test_a_failed_write_leaves_no_partial_file_and_keeps_the_old_one(run, tmp_path, monkeypatch):
    target = tmp_path / "chart.svg"
    target.write_text("old chart")

    def full_disk(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", full_disk)
    with pytest.raises(ChartError, match="cannot write .*chart.svg: No space left on device"):
        export(run, "transfer", target)
    assert [p.name for p in tmp_path.iterdir()] == ["chart.svg"]
    assert target.read_text() == "old chart"


def test_an_empty_run_still_gets_csv_headers_but_no_step_chart(tmp_path):
    empty = {
        "title": "Nothing yet",
        "steps": [],
        "topology": {"nodes": [], "links": []},
        "images": {},
        "units": "decimal",
    }
    for kind in KINDS:
        header = export(empty, kind, tmp_path / f"{kind}.csv").read_text().splitlines()
        assert len(header) == 1 and header[0].startswith(("step,", "registry,", "node_a,"))
    with pytest.raises(ChartError, match="no steps"):
        export(empty, "transfer", tmp_path / "transfer.svg")
    assert not (tmp_path / "transfer.svg").exists()
    assert make_figure(empty, "sharing").get_suptitle().startswith("Nothing yet")


def test_chart_error_is_a_value_error():
    assert issubclass(ChartError, ValueError)


# --- terminal ------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("width", [40, 80, 132])
def test_terminal_lines_fit_the_width(run, kind, width):
    lines = terminal_lines(run, kind, width)
    assert lines and all(len(line) <= width for line in lines)


def test_terminal_transfer_draws_one_bar_per_step(run):
    lines = terminal_lines(run, "transfer", 80, until=4)
    bars = [line for line in lines if "│" in line]
    assert len(bars) == 4
    assert bars[1].startswith(" 2↑push team/app:v1") and bars[1].endswith("79MB of 79MB")
    assert bars[3].endswith("81MB of 158MB")


def test_terminal_storage_shows_the_gc_step(run):
    lines = terminal_lines(run, "storage", 100)
    assert any("gc freed 2MB" in line for line in lines)
    assert lines.count("registry.example (registry)") == 1


def test_terminal_lines_refuse_a_narrow_width(run):
    with pytest.raises(ChartError, match="at least 40 columns"):
        terminal_lines(run, "transfer", 20)


# --- import hygiene ------------------------------------------------------------------------


def test_importing_charts_does_not_load_matplotlib():
    code = (
        "import sys, regsim.charts\n"
        "loaded = [m for m in ('matplotlib', 'networkx') if m in sys.modules]\n"
        "assert not loaded, loaded\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_a_run_is_not_changed_by_charting_it(run, tmp_path):
    before = copy.deepcopy(run)
    for kind in KINDS:
        chart_data(run, kind)
        terminal_lines(run, kind, 80)
    export(run, "network", tmp_path / "n.csv")
    assert run == before


@pytest.mark.parametrize("name", ["shared-base", "ci-pipeline", "second-version"])
def test_the_saved_label_covers_neither_line(name, bundled_run):
    """The bold "saved" label sits in the gap between the actual and the naive line."""
    import numpy as np
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig = make_figure(bundled_run(name), "transfer")
    ax = fig.axes[0]
    FigureCanvasAgg(fig)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    (label,) = [t for t in ax.texts if t.get_text().startswith("saved:")]
    box = label.get_window_extent(renderer)
    for line in ax.get_lines():
        xs, ys = line.get_xdata(), line.get_ydata()
        if len(xs) < 2:
            continue
        # Points every few pixels along the line, in screen coordinates.
        dense_x = np.concatenate([np.linspace(a, b, 200) for a, b in pairwise(xs)])
        dense_y = np.concatenate([np.linspace(a, b, 200) for a, b in pairwise(ys)])
        points = ax.transData.transform(np.column_stack([dense_x, dense_y]))
        inside = [(px, py) for px, py in points if box.x0 < px < box.x1 and box.y0 < py < box.y1]
        assert not inside, f"{line.get_label()} runs through the label in {name}"


@pytest.mark.parametrize("name", ["geo-replication", "mirror-near-site", "rate-limits", "private-pull"])
def test_no_two_link_labels_of_the_network_chart_overlap(name, bundled_run):
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig = make_figure(bundled_run(name), "network")
    FigureCanvasAgg(fig)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    ax = fig.axes[0]
    boxes = [t.get_window_extent(renderer) for t in ax.texts]
    for i, first in enumerate(boxes):
        for second in boxes[i + 1:]:
            assert not first.overlaps(second), (ax.texts[boxes.index(first)].get_text(), name)


def test_a_layer_two_platforms_of_one_image_use_is_shared_by_two() -> None:
    """An OCI image index names one manifest per platform (image-spec image-index.md), and each
    platform manifest lists its layers; a layer both list is one blob the registry stores once
    (distribution's linked blob store), used by two manifests, so the chart says shared by 2."""
    from regsim.scenario.engine import replay
    from regsim.scenario.loader import parse_scenario
    from regsim.scenario.records import run_to_dict

    text = (
        "version: 1\ntitle: t\nregistries:\n  - name: registry.example\nclients:\n  - name: ci\n"
        "layers:\n  base-amd64: 3MB\n  base-arm64: 3MB\n  assets: 20MB\n"
        "images:\n  web:1.0:\n    platforms:\n      linux/amd64: [base-amd64, assets]\n"
        "      linux/arm64: [base-arm64, assets]\n"
        "steps:\n  - as: ci\n    run: docker build -t registry.example/team/web:1.0 .\n"
        "  - as: ci\n    run: docker push registry.example/team/web:1.0\n"
    )
    rows = chart_data(run_to_dict(replay(parse_scenario(text, "two-platforms.yaml"))), "sharing")
    assert {row["layer"]: row["shared_by"] for row in rows} == {"base-amd64": 1, "assets": 2, "base-arm64": 1}
