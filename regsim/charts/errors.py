"""The one error charts raise: a bad kind, format, step range or output path, said plainly."""

from __future__ import annotations


class ChartError(ValueError):
    """A chart cannot be drawn or written; the message says why and what would work."""
