"""The options of ``status --cached``, apart from what the command does (``cli/cached.py``).

The full parser (``cli/arguments.py``) adds them to ``status``, so every command that parses
with it would otherwise load the cached reader with its view of the readings and the light
settings reader; ``status`` without ``--cached`` (``--json`` is what scripts and the peers'
benchmark call) uses none of them.
"""

from __future__ import annotations

import argparse
from typing import Final

FORMATS: Final = ("text", "json", "waybar", "i3blocks", "polybar", "tmux")


def add_cached_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``status --cached`` (on the full parser and on the quick one)."""
    from claude_meter.cli.history import parse_duration

    parser.add_argument(
        "--cached",
        action="store_true",
        help="print the last stored readings without any request (for status bars)",
    )
    parser.add_argument(
        "--format",
        choices=FORMATS,
        default=None,
        help="with --cached: text (default), json, waybar, i3blocks, polybar or tmux",
    )
    parser.add_argument(
        "--max-age",
        type=parse_duration,
        default=None,
        metavar="DURATION",
        help="with --cached: figures older than this (90m, 24h) are stale: exit status 3",
    )


def add_account_argument(parser: argparse.ArgumentParser) -> None:
    """``--account NAME``: one account only (the quick parser's; ``status`` has its own)."""
    parser.add_argument(
        "--account",
        metavar="NAME",
        help="one account only (see `claude-meter accounts`); default: every metered account",
    )


def quick_parser() -> argparse.ArgumentParser:
    """``status --cached`` parsed without building the whole command line (which imports
    the fake server's scenarios, and the app's models with them)."""
    from claude_meter.cli.arguments import Parser

    parser = Parser(prog="claude-meter status", description="The last stored readings.")
    parser.add_argument("--json", action="store_true", help="same as --format json")
    add_account_argument(parser)
    add_cached_arguments(parser)
    return parser
