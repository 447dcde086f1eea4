"""Where the bundled lessons and scenarios are: inside the installed package, or beside it in a checkout."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def content_dir(kind: str) -> Path:
    """`lessons`, `scenarios` or `challenges`: the wheel's copy, else the source checkout's folder."""
    installed = _PACKAGE / "_content" / kind
    if installed.is_dir():
        return installed
    return _PACKAGE.parent / kind


def scenario_dirs(lesson_dirs: Iterable[Path] = ()) -> list[Path]:
    """Where scenarios are found by id: each instructor folder's `scenarios/` (`regsim --lessons DIR`),
    then the bundled ones (so an instructor's scenario of the same id is the one used)."""
    return [*(Path(d) / "scenarios" for d in lesson_dirs), content_dir("scenarios")]


def scenario_files(lesson_dirs: Iterable[Path] = ()) -> list[Path]:
    """Every scenario file: the bundled ones, then each instructor folder's (one per id: the
    instructor's when both have it)."""
    by_id: dict[str, Path] = {}
    for folder in reversed(scenario_dirs(lesson_dirs)):
        for path in sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")]):
            by_id[path.stem] = path
    bundled = content_dir("scenarios")
    return sorted(by_id.values(), key=lambda p: (p.parent != bundled, p.stem))


def find_scenario(name: str, lesson_dirs: Iterable[Path] = ()) -> Path:
    """A path as given, or the scenario with that id (an instructor's first, then the bundled one)."""
    path = Path(name)
    if path.exists() or path.suffix in (".yaml", ".yml") or "/" in name:
        return path
    for folder in scenario_dirs(lesson_dirs):
        for suffix in (".yaml", ".yml"):
            if (folder / f"{name}{suffix}").is_file():
                return folder / f"{name}{suffix}"
    return content_dir("scenarios") / f"{name}.yaml"


def challenge_files(folders: Iterable[Path] = ()) -> list[Path]:
    """Every challenge file: each folder's `challenges/` (an instructor's), then the bundled ones."""
    places = [*(Path(d) / "challenges" for d in folders), content_dir("challenges")]
    return [path for place in places for path in sorted(place.glob("*.yaml"))]


def find_challenge(name: str, folders: Iterable[Path] = ()) -> Path:
    """A path as given, or the challenge with that id (an instructor's first, then the bundled one)."""
    path = Path(name)
    if path.exists() or path.suffix in (".yaml", ".yml") or "/" in name:
        return path
    for found in challenge_files(folders):
        if found.stem == name:
            return found
    return content_dir("challenges") / f"{name}.yaml"
