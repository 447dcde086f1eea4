"""The model is pure: importing it pulls in no UI or charting library and prints nothing."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import regsim

MODEL_DIR = Path(regsim.__file__).parent / "model"


def module_name(path: Path) -> str:
    """`regsim/model/oci/digest.py` -> `regsim.model.oci.digest` (a package's `__init__` is the package)."""
    parts = path.relative_to(MODEL_DIR.parent.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


# Every module of the model, in every subpackage.
MODULES = sorted(module_name(p) for p in MODEL_DIR.rglob("*.py"))
FORBIDDEN = ("textual", "matplotlib", "rich")

CHECK = """
import importlib, sys
for name in sys.argv[1:]:
    importlib.import_module(name)
loaded = sorted({m.split(".")[0] for m in sys.modules} & {"textual", "matplotlib", "rich"})
if loaded:
    sys.exit("LOADED " + " ".join(loaded))
"""


def run_imports(*modules: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", CHECK, *modules],
        capture_output=True, text=True, cwd=MODEL_DIR.parent.parent, timeout=120, check=False,
    )


def test_model_package_has_modules_to_check():
    assert "regsim.model.registry.registry" in MODULES and "regsim.model.sim.world" in MODULES


def test_importing_the_model_package_and_every_module_together_loads_no_ui_and_prints_nothing():
    result = run_imports("regsim.model", *MODULES)
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert result.stderr == ""


@pytest.mark.slow   # a fresh process per module; the test above checks them all together in one
@pytest.mark.parametrize("module", MODULES)
def test_each_model_module_alone_loads_no_ui_and_prints_nothing(module):
    result = run_imports(module)
    assert result.returncode == 0, f"{module}: {result.stderr}"
    assert (result.stdout, result.stderr) == ("", "")
