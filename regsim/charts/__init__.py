"""Charts of a scenario run: transfer, storage, sharing and network.

Every chart is a pure function of a run dict (what `regsim play --json` describes: steps,
topology, images, units). `chart_data` gives the numbers (typed rows, rows.py), `csv_rows` the
same as the CSV's lines, `make_figure` the matplotlib
Figure, `export` a PNG/SVG/PDF/CSV file, `terminal_lines` a plain-text rendering.
Importing this package does not import matplotlib; drawing does.
"""

from regsim.charts.data import KINDS, chart_data, chart_title, csv_rows
from regsim.charts.draw import make_figure
from regsim.charts.errors import ChartError
from regsim.charts.export import SUFFIXES, export, render
from regsim.charts.text import terminal_lines

__all__ = [
    "KINDS",
    "SUFFIXES",
    "ChartError",
    "chart_data",
    "chart_title",
    "csv_rows",
    "export",
    "make_figure",
    "render",
    "terminal_lines",
]
