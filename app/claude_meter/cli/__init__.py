"""The ``claude-meter`` command line: for scripts, status bars and a first look.

With no command it starts the tray app (``--demo``: against the embedded fake claude.ai).
The commands import no Qt. Exit statuses: 0 numbers were read; 1 the invocation or configuration is
unusable; 2 the person must sign in; 3 the server or network refused for now; 4 the answer was
not understood.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import io
import os
import sys
from collections.abc import Sequence
from typing import Final, NoReturn, TextIO

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
    parser.add_argument(
        "--demo",
        dest="tray_demo",
        action="store_true",
        help="start the tray app against the embedded fake claude.ai (no account needed)",
    )
    parser.add_argument("--debug", action="store_true", help="log more, to standard error")
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
        help="where credentials come from (default: auto: the claude.ai sessions, then Claude "
        "Code's sign-in; with the setting challenge_fallback, auto also reads through Claude "
        "Code's sign-in when claude.ai answers with a browser check, and says so)",
    )
    _add_browser_arguments(status)
    _add_demo_arguments(status)
    from claude_meter.cli.cached import add_cached_arguments

    add_cached_arguments(status)
    statusline = commands.add_parser(
        "statusline",
        help="Claude Code's status line: reads its JSON on stdin, no request",
        description="For Claude Code's statusLine setting: the session and weekly figures "
        "Claude Code sends, with what ClaudeMeter read recently. Never fails Claude Code.",
    )
    statusline.add_argument("--format", metavar="TEMPLATE", help="what to show (see README)")
    statusline.add_argument(
        "--install", action="store_true", help="add it to Claude Code's settings.json"
    )
    statusline.add_argument(
        "--uninstall", action="store_true", help="take it out again, restoring what was there"
    )
    statusline.add_argument(
        "--then", metavar="COMMAND", help="a previous status line command to run after it"
    )
    _add_history_command(commands)
    _add_credential_commands(commands)
    autostart = commands.add_parser(
        "autostart",
        help="start ClaudeMeter at login: on, off, or status",
        description="Add or remove the login item (XDG autostart file, LaunchAgent, or the "
        "Windows Run value); the settings window's switch does the same.",
    )
    autostart.add_argument("action", choices=("on", "off", "status"))

    _add_bridge_commands(commands)

    fake = commands.add_parser(
        "fake-server",
        help="run the fake claude.ai server the demo uses",
        description="Serve a fake claude.ai and api.anthropic.com on this computer, for "
        "trying ClaudeMeter and for tests.",
    )
    fake.add_argument("--scenario", default="normal", metavar="NAME", help=_scenario_help())
    fake.add_argument("--host", default="127.0.0.1", help="loopback address to listen on")
    fake.add_argument("--port", type=_port_or_any, default=0, help="port (default: any free port)")
    fake.add_argument("--tls", action="store_true", help="serve HTTPS with a fresh certificate")
    fake.add_argument(
        "--faults",
        choices=("standard", "soak"),
        default="standard",
        help="what the flaky scenario injects: standard (5xx, resets, slow answers) or soak "
        "(also timeouts, slow bodies, malformed JSON, 429 with Retry-After, Cloudflare pages "
        "and expired sessions that come back)",
    )
    fake.add_argument("--seed", type=int, default=None, help="seed of the flaky scenario's dice")
    return parser


def _add_browser_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--browser",
        metavar="NAME",
        help="read the session from this browser only (chrome, chromium, brave, edge, vivaldi, "
        "opera, arc, firefox, librewolf, safari)",
    )
    parser.add_argument(
        "--profile", metavar="NAME", help="with --browser: that profile only (folder or name)"
    )


def _add_credential_commands(commands: argparse._SubParsersAction[_Parser]) -> None:
    login = commands.add_parser(
        "login",
        help="store your claude.ai session in the keyring",
        description="Find your claude.ai session in a browser (or take a pasted one) and store "
        "it in the OS keyring. With several sign-ins you are asked which one.",
    )
    _add_browser_arguments(login)
    login.add_argument(
        "--paste",
        action="store_true",
        help="read a Cookie header or sessionKey value from standard input (not echoed)",
    )
    commands.add_parser(
        "logout",
        help="remove the stored session and the remembered choice",
        description="Remove what ClaudeMeter stored and say what was removed.",
    )
    sources = commands.add_parser(
        "sources",
        help="list every source of credentials found (never a secret)",
        description="Every browser profile, stored session and Claude Code sign-in found, in "
        "the order `--source auto` tries them.",
    )
    sources.add_argument("--json", action="store_true", help="one JSON object")


def _add_history_command(commands: argparse._SubParsersAction[_Parser]) -> None:
    from claude_meter.cli.history import DEFAULT_SINCE, parse_duration

    history = commands.add_parser(
        "history",
        help="print the stored usage readings (CSV or JSON for scripts)",
        description="The readings ClaudeMeter stored, oldest first, with resets and limit hits.",
    )
    history.add_argument("--org", metavar="UUID", help="one organization only")
    history.add_argument("--window", metavar="KEY", help="one window only, e.g. five_hour")
    history.add_argument(
        "--since",
        type=parse_duration,
        default=parse_duration(DEFAULT_SINCE),
        metavar="DURATION",
        help=f"how far back: 90m, 24h, 7d (default: {DEFAULT_SINCE})",
    )
    history.add_argument(
        "--walls",
        action="store_true",
        help="list when each window reached 100%%, for how long and how early (see README)",
    )
    history.add_argument(
        "--open",
        action="store_true",
        help="open the History window: charts of every window, the walls, the year",
    )
    form = history.add_mutually_exclusive_group()
    form.add_argument("--csv", action="store_const", dest="form", const="csv", help="CSV")
    form.add_argument("--json", action="store_const", dest="form", const="json", help="JSON")


def _add_bridge_commands(commands: argparse._SubParsersAction[_Parser]) -> None:
    # Not from bridge.server or core.settings: every command would import them (and pydantic).
    from claude_meter.core.endpoints import DEFAULT_BRIDGE_PORT as DEFAULT_PORT

    bridge = commands.add_parser(
        "bridge",
        help="run the browser extension's bridge without the tray; one JSON line per snapshot",
        description="Listen on 127.0.0.1 for the paired browser extension and print each "
        "accepted snapshot as one line of JSON in the `status --json` format.",
    )
    bridge.add_argument(
        "--pair", action="store_true", help="open the 2-minute window to pair an extension"
    )
    bridge.add_argument(
        "--forget", action="store_true", help="forget every paired extension, then exit"
    )
    bridge.add_argument(
        "--port",
        type=_port,
        default=DEFAULT_PORT,
        metavar="N",
        help=f"port on 127.0.0.1 (default: {DEFAULT_PORT})",
    )
    commands.add_parser(
        "extension-path",
        help='print the folder to load with "Load unpacked" in the browser',
        description="Print the browser extension's folder, for chrome://extensions, "
        "Developer mode, Load unpacked.",
    )


def _port_or_any(text: str) -> int:
    if text.strip() == "0":
        return 0
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port (1-65535, or 0 for any)")
    return int(text)


def _port(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port (1-65535)")
    return int(text)


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


def _credentials(parser: argparse.ArgumentParser, args: argparse.Namespace, out: TextIO) -> int:
    from claude_meter.cli.credentials import Terminal, run_login, run_logout, run_sources

    term = Terminal(env=os.environ, stdin=sys.stdin, out=out, err=sys.stderr)
    if args.command == "logout":
        return run_logout(term=term)
    if args.command == "sources":
        return run_sources(json_output=args.json, term=term)
    if args.paste and args.browser:
        parser.error("login takes either --paste or --browser, not both")
    if args.profile and not args.browser:
        parser.error("--profile needs --browser")
    return run_login(browser=args.browser, profile=args.profile, paste=args.paste, term=term)


def _cached(argv: Sequence[str], out: TextIO) -> int:
    from claude_meter.cli.cached import quick_parser, run_cached

    args = quick_parser().parse_args(argv)
    form = args.format or ("json" if args.json else "text")
    return run_cached(form=form, max_age=args.max_age, env=os.environ, out=out, err=sys.stderr)


def forget_pyside_source_reads() -> None:
    """Import PySide6 so that it no longer keeps a copy of every module's source (~8 MB).

    PySide6's import hook (shiboken's ``__feature__`` support) reads the source of every
    module imported after it, with ``inspect.getsource``, to see whether it mentions PySide6;
    ``linecache`` then keeps all those lines for the life of the process. The check still
    runs and gives the same answer; the copy it leaves in the cache is dropped (tracebacks
    read a file again when they need it). Without that hook (another PySide6), no change.
    """
    import linecache

    import PySide6  # noqa: F401 - installs the import hook this adjusts

    feature = sys.modules.get("shibokensupport.feature")
    uses_pyside = getattr(feature, "_mod_uses_pyside", None)
    if feature is None or not callable(uses_pyside) or uses_pyside.__name__ == "_scan":
        return

    def _scan(module: object) -> object:
        cached = set(linecache.cache)
        try:
            return uses_pyside(module)
        finally:
            for name in linecache.cache.keys() - cached:
                linecache.cache.pop(name, None)

    feature.__dict__["_mod_uses_pyside"] = _scan


def main(argv: Sequence[str] | None = None, *, stdout: TextIO | None = None) -> int:
    """Run the command line; returns the exit status."""
    given = list(sys.argv[1:] if argv is None else argv)
    if given[:1] == ["__keyring-child"]:  # the tray's keyring helper (sources/keyring_child.py)
        from claude_meter.sources.keyring_child import serve

        return serve(sys.stdin.buffer, sys.stdout.buffer, sys.stderr)
    _replace_unencodable()
    out = stdout or sys.stdout
    if given[:1] == ["statusline"]:  # Claude Code's status line: quick, never fails
        from claude_meter.cli.statusline import main_quick

        return main_quick(given[1:], out)
    quick_cached = given[:1] == ["status"] and "--cached" in given  # for status bars
    parser = None if quick_cached else build_parser()
    args = None if parser is None else parser.parse_args(argv)
    try:
        if parser is None or args is None:
            status = _cached(given[1:], out)
        else:
            status = _run(parser, args, out)
        out.flush()  # here, not at exit, where a failure would print a traceback
    except OSError as exc:
        if exc.errno not in _OUTPUT_ERRNOS:
            raise
        return _output_failed(exc, out)
    return status


#: Write failures that mean the output has nowhere to go: a closed pipe, a full disk.
_OUTPUT_ERRNOS: Final = frozenset(
    {errno.EPIPE, errno.ENOSPC, errno.EIO, errno.EFBIG, getattr(errno, "EDQUOT", errno.ENOSPC)}
)


def _replace_unencodable() -> None:
    """A character the terminal's encoding lacks (``PYTHONIOENCODING=ascii``) becomes ``?``."""
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper):
            with contextlib.suppress(ValueError, OSError):
                stream.reconfigure(errors="replace")


def _output_failed(exc: OSError, out: TextIO) -> int:
    """End quietly when the output cannot be written: one line (none for a closed pipe)."""
    with contextlib.suppress(OSError, ValueError, io.UnsupportedOperation):
        # What is still buffered goes nowhere, so the exit's own flush cannot fail again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, out.fileno())
        os.close(devnull)
    if exc.errno != errno.EPIPE:
        with contextlib.suppress(OSError, ValueError):
            print(
                f"claude-meter: could not write the output ({os.strerror(exc.errno or 0)}).",
                file=sys.stderr,
            )
    return USAGE_ERROR


def _run(parser: argparse.ArgumentParser, args: argparse.Namespace, out: TextIO) -> int:
    if args.command == "status" and args.cached:  # after a global option such as --debug
        from claude_meter.cli.cached import run_cached

        form = args.format or ("json" if args.json else "text")
        return run_cached(form=form, max_age=args.max_age, env=os.environ, out=out, err=sys.stderr)
    if args.command == "statusline":
        from claude_meter.cli.statusline import main_quick

        rest = ["--format", args.format] if args.format else []
        rest += ["--then", args.then] if args.then else []
        rest += [f"--{a}" for a in ("install", "uninstall") if getattr(args, a)]
        return main_quick(rest, out)
    if args.command == "status":
        from claude_meter.cli.status import run_status

        if args.format or args.max_age:
            parser.error("--format and --max-age go with --cached")

        return run_status(
            json_output=args.json,
            source=args.source,
            demo=args.demo,
            scenario=args.scenario,
            env=os.environ,
            out=out,
            err=sys.stderr,
            browser=args.browser,
            profile=args.profile,
        )
    if args.command == "history":
        from datetime import UTC, datetime

        from claude_meter.cli.history import run_history

        if args.open:
            from claude_meter.cli.history_window import run_history_window

            return run_history_window(err=sys.stderr)
        run = run_history
        if args.walls:
            from claude_meter.cli.walls import run_walls as run

        return run(
            org=args.org,
            window=args.window,
            since=args.since,
            output=args.form or "text",
            now=datetime.now(UTC),
            out=out,
            err=sys.stderr,
        )
    if args.command in ("login", "logout", "sources"):
        return _credentials(parser, args, out)
    if args.command == "bridge":
        from claude_meter.cli.bridge import run_bridge

        return run_bridge(
            pair=args.pair, forget=args.forget, port=args.port, out=out, err=sys.stderr
        )
    if args.command == "extension-path":
        from claude_meter.cli.bridge import run_extension_path

        return run_extension_path(out=out, err=sys.stderr)
    if args.command == "autostart":
        from claude_meter.cli.autostart import run_autostart

        return run_autostart(args.action, out=out, err=sys.stderr)
    if args.command == "fake-server":
        from claude_meter.cli.fake_server import run_fake_server

        return run_fake_server(
            scenario=args.scenario,
            host=args.host,
            port=args.port,
            tls=args.tls,
            out=out,
            faults=args.faults,
            seed=args.seed,
        )
    if args.command is None:
        forget_pyside_source_reads()
        from claude_meter.qt.compose import run_tray

        return run_tray(demo=args.tray_demo, debug=args.debug)
    parser.print_help(out)
    return 0
