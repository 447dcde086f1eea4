"""One look for every chart: Okabe–Ito colours, slide-sized fonts, reproducible files."""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any

from regsim.model.sim.network import NodeKind

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType

# Okabe & Ito (2008), "Color Universal Design": told apart by people with any common
# form of colour blindness. Charts still never rely on colour alone.
OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
}
GREY = "#8C8C8C"
LIGHT_GREY = "#D9D9D9"

ACTUAL = OKABE_ITO["blue"]
NAIVE = OKABE_ITO["vermillion"]
SAVED = OKABE_ITO["sky_blue"]
UPSTREAM = OKABE_ITO["reddish_purple"]   # bytes a mirror fetched from its upstream
PUSH = OKABE_ITO["blue"]
PULL = OKABE_ITO["bluish_green"]
STORED = OKABE_ITO["blue"]
LOGICAL = OKABE_ITO["orange"]
SHARED = OKABE_ITO["vermillion"]
IMAGE_COLOURS = (
    OKABE_ITO["blue"],
    OKABE_ITO["orange"],
    OKABE_ITO["bluish_green"],
    OKABE_ITO["reddish_purple"],
    OKABE_ITO["sky_blue"],
    OKABE_ITO["vermillion"],
    OKABE_ITO["black"],
)
# Node look per topology kind: shape first, colour second.
NODE_STYLE: dict[str, tuple[str, str]] = {
    NodeKind.CLIENT: ("o", OKABE_ITO["sky_blue"]),
    NodeKind.MIRROR: ("D", OKABE_ITO["orange"]),
    NodeKind.REGISTRY: ("s", OKABE_ITO["blue"]),
    NodeKind.REPLICA: ("h", OKABE_ITO["bluish_green"]),
    NodeKind.ROUTER: ("^", OKABE_ITO["yellow"]),
}
OTHER_NODE_STYLE = ("P", GREY)

FIGSIZE = (10.0, 5.6)  # inches: a 16:9 slide
PNG_DPI = 150  # 1500 x 840 pixels

RC: dict[RcKeyType, Any] = {
    # DejaVu Sans ships with matplotlib, so every machine lays out the same glyphs; an SVG names
    # the whole stack, so a viewer without DejaVu Sans shows the nearest sans-serif.
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans", "Bitstream Vera Sans", "Verdana", "Arial", "Helvetica"],
    "font.size": 12,
    "axes.titlesize": 13,
    "axes.labelsize": 12,
    "xtick.labelsize": 11,
    "ytick.labelsize": 11,
    "legend.fontsize": 11,
    "figure.titlesize": 15,
    "figure.titleweight": "bold",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.grid.axis": "y",
    "grid.color": LIGHT_GREY,
    "grid.linewidth": 0.8,
    "axes.axisbelow": True,
    "hatch.linewidth": 1.0,
    "svg.hashsalt": "regsim",  # fixed ids inside SVG files: same run, same bytes
    "svg.fonttype": "none",   # text stays text: a student can select, search and edit it
    "pdf.fonttype": 42,
}


def rc_context() -> AbstractContextManager[None]:
    """matplotlib's rc_context with the chart style (imports matplotlib)."""
    import matplotlib

    return matplotlib.rc_context(RC)


def save_metadata(fmt: str, title: str) -> dict[str, Any]:
    """File metadata with no dates and a fixed creator, so the bytes depend on the run alone."""
    if fmt == "svg":
        return {"Title": title, "Creator": "regsim", "Date": None}
    if fmt == "pdf":
        return {
            "Title": title,
            "Creator": "regsim",
            "Producer": "regsim",
            "CreationDate": None,
            "ModDate": None,
        }
    if fmt == "png":
        return {"Title": title, "Software": "regsim"}
    return {}
