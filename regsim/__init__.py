"""regsim: watch a container image registry work, one request at a time."""

__version__ = "0.1.0"
