"""The ``claude-meter`` command line: for scripts, status bars and a first look.

It imports no Qt. Exit statuses: 0 numbers were read; 1 the invocation or configuration is
unusable; 2 the person must sign in; 3 the server or network refused for now; 4 the answer was
not understood.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import NoReturn, TextIO

from claude_meter import __version__

USAGE_ERROR = 1


class _Parser(argparse.ArgumentParser):
    """argparse exits 2 on bad usage, which is our "sign in" status; use 1 instead."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(USAGE_ERROR, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="claude-meter",
        description="The server's own numbers for Claude's plan limits.",
    )
    parser.add_argument("--version", action="version", version=f"claude-meter {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    status = commands.add_parser(
        "status",
        help="print the usage windows of every organization once",
        description="Read the usage report once and print it.",
    )
    status.add_argument("--json", action="store_true", help="one JSON object (a stable interface)")
    status.add_argument(
        "--source",
        choices=("auto", "web", "claude-code"),
        default="auto",
        help="where credentials come from (default: auto)",
    )
    _add_demo_arguments(status)

    fake = commands.add_parser(
        "fake-server",
        help="run the fake claude.ai server the demo uses",
        description="Serve a fake claude.ai and api.anthropic.com on this computer, for "
        "trying ClaudeMeter and for tests.",
    )
    fake.add_argument("--scenario", default="normal", metavar="NAME", help=_scenario_help())
    fake.add_argument("--host", default="127.0.0.1", help="loopback address to listen on")
    fake.add_argument("--port", type=int, default=0, help="port (default: any free port)")
    fake.add_argument("--tls", action="store_true", help="serve HTTPS with a fresh certificate")
    return parser


def _add_demo_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--demo",
        action="store_true",
        help="read from the embedded fake claude.ai instead of your account",
    )
    parser.add_argument(
        "--scenario", default="normal", metavar="NAME", help="demo scenario; " + _scenario_help()
    )


def _scenario_help() -> str:
    from claude_meter.fake.scenarios import SCENARIOS

    return "one of: " + ", ".join(SCENARIOS)


def main(argv: Sequence[str] | None = None, *, stdout: TextIO | None = None) -> int:
    """Run the command line; returns the exit status."""
    out = stdout or sys.stdout
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "status":
        from claude_meter.cli.status import run_status

        return run_status(
            json_output=args.json,
            source=args.source,
            demo=args.demo,
            scenario=args.scenario,
            env=os.environ,
            out=out,
            err=sys.stderr,
        )
    if args.command == "fake-server":
        from claude_meter.cli.fake_server import run_fake_server

        return run_fake_server(
            scenario=args.scenario, host=args.host, port=args.port, tls=args.tls, out=out
        )
    parser.print_help(out)
    return 0
