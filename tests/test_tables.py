"""`docker images` and `docker system df -v` as docker pads them, made from the client's rows; the
step record keeps each table's cells, so the app lays them out again without reading text back."""

from __future__ import annotations

from regsim.scenario.engine import replay
from regsim.scenario.loader import parse_scenario
from regsim.tui.views.output import narrow_output

SHARED_BASE = """
version: 1
title: Two images on one base
summary: Bob builds two images that share a base layer, then lists them.
registries:
  - {name: registry.example}
clients: [bob]
layers: {base: 10MB, v1: 1MB, v2: 2500kB}
images:
  app:v1: [base, v1]
  app:v2: [base, v2]
steps:
  - {run: docker build -t app:v1 .}
  - {run: docker build -t app:v2 .}
  - {run: docker images}
  - {run: docker system df}
"""


def _id(output: list[str], line: int) -> str:
    return output[line].split()[2]


def test_docker_images_and_system_df_print_as_docker_pads_them_and_keep_their_cells() -> None:
    run = replay(parse_scenario(SHARED_BASE))
    images, df = run.records[2], run.records[3]
    v1, v2 = _id(images.output, 1), _id(images.output, 2)
    assert images.output == [
        f"{'REPOSITORY':<40} {'TAG':<12} {'IMAGE ID':<14} SIZE",
        f"{'app':<40} {'v1':<12} {v1:<14} 11MB",
        f"{'app':<40} {'v2':<12} {v2:<14} 12.5MB",
    ]
    assert [(t.line, t.header[0], len(t.rows)) for t in images.tables] == [(0, "REPOSITORY", 2)]
    assert df.output[:3] == [
        f"{'TYPE':<12} {'TOTAL':<6} {'SIZE':<10} {'SHARED':<10} LOGICAL (sum of images)",
        f"{'Images':<12} {2:<6} {'13.5MB':<10} {'10MB':<10} 23.5MB",
        "",
    ]
    assert df.output[3] == f"{'IMAGE ID':<14} {'SIZE':<10} {'SHARED SIZE':<12} UNIQUE SIZE"
    assert sorted(line.split()[1:] for line in df.output[4:]) == [["11MB", "10MB", "1MB"], ["12.5MB", "10MB", "2.5MB"]]
    assert [(t.line, t.header[0]) for t in df.tables] == [(0, "TYPE"), (3, "IMAGE ID")]
    assert "tables" not in images.to_dict()   # the JSON keeps the lines only


def test_a_narrow_panel_lays_each_table_out_again_from_its_cells() -> None:
    run = replay(parse_scenario(SHARED_BASE))
    df = run.records[3]
    narrow = narrow_output(df)
    assert narrow[0] == "TYPE    TOTAL  SIZE    SHARED  LOGICAL (sum of images)"
    assert narrow[1] == "Images  2      13.5MB  10MB    23.5MB"
    assert narrow[2] == ""
    assert narrow[3] == "IMAGE ID      SIZE    SHARED SIZE  UNIQUE SIZE"
    assert len(narrow) == len(df.output)
    build = run.records[0]
    assert narrow_output(build) == build.output   # no table: every line as printed
