"""`regsim chart --kind sharing --until N` draws the images the registries hold after step N."""

from __future__ import annotations

import csv

from regsim.cli import main


def images_in(path):  # type: ignore[no-untyped-def]
    with path.open(encoding="utf-8") as handle:
        return {row["image"] for row in csv.DictReader(handle)}


def test_sharing_until_lists_only_what_was_pushed_by_then(tmp_path, capsys):
    # shared-base pushes the base at step 3, team A's api at step 7 and team B's web at step 11.
    assert main(["chart", "shared-base", "--kind", "sharing", "--until", "3", "-o", str(tmp_path / "3.csv")]) == 0
    assert main(["chart", "shared-base", "--kind", "sharing", "--until", "7", "-o", str(tmp_path / "7.csv")]) == 0
    assert main(["chart", "shared-base", "--kind", "sharing", "-o", str(tmp_path / "all.csv")]) == 0
    assert images_in(tmp_path / "3.csv") == {"base/python:3.12"}
    assert images_in(tmp_path / "7.csv") == {"base/python:3.12", "team-a/api:1.0"}
    assert images_in(tmp_path / "all.csv") == {"base/python:3.12", "team-a/api:1.0", "team-b/web:1.0"}


def test_the_sharing_image_until_a_step_is_drawn_from_that_step(tmp_path):
    for name, until in (("3.png", ["--until", "3"]), ("all.png", [])):
        assert main(["chart", "shared-base", "--kind", "sharing", *until, "-o", str(tmp_path / name)]) == 0
    assert (tmp_path / "3.png").read_bytes() != (tmp_path / "all.png").read_bytes()
