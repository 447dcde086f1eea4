"""A scenario's `files:`: files on the clients' disks that artifact tools push (an SBOM, a chart).

`files: {sbom.spdx.json: 40kB, mychart-0.1.0.tgz: 4kB}`: each file's name and size. The content
is a stand-in of that size, its digest derived from the name and size (as a layer's is), so
`oras attach … sbom.spdx.json` or `helm push mychart-0.1.0.tgz …` sends the same blob every run.
"""

from __future__ import annotations

from typing import Any

from regsim.scenario.checker import Checker
from regsim.units import UnitError, parse_size


def read_files(check: Checker, value: Any) -> dict[str, int]:
    """Each file's size in bytes."""
    files: dict[str, int] = {}
    for name, size in check.mapping(value, ("files",), "files").items():
        try:
            files[str(name)] = parse_size(size)
        except UnitError as error:
            check.add(("files", name), str(error))
            files[str(name)] = 0   # still a known file: one problem, not one per step using it
    return files
