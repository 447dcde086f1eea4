"""The `regsim` command line."""

from __future__ import annotations

import argparse
import sys

from regsim import __version__


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="regsim",
        description="Watch a container image registry work, one request at a time.",
    )
    parser.add_argument("--version", action="version", version=f"regsim {__version__}")
    parser.add_subparsers(dest="command", metavar="COMMAND")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
    return 0


if __name__ == "__main__":
    sys.exit(main())
