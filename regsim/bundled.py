"""Where the bundled lessons and scenarios are: inside the installed package, or beside it in a checkout."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def content_dir(kind: str) -> Path:
    """`lessons` or `scenarios`: the wheel's copy, else the source checkout's folder."""
    installed = _PACKAGE / "_content" / kind
    if installed.is_dir():
        return installed
    return _PACKAGE.parent / kind


def scenario_files() -> list[Path]:
    return sorted(content_dir("scenarios").glob("*.yaml"))


def find_scenario(name: str) -> Path:
    """A path as given, or the bundled scenario with that id."""
    path = Path(name)
    if path.exists() or path.suffix in (".yaml", ".yml") or "/" in name:
        return path
    return content_dir("scenarios") / f"{name}.yaml"
