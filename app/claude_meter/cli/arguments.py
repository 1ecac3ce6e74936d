"""The ``claude-meter`` command line's arguments: the parser of every command and its help.

What each command does lives in its own module; :func:`claude_meter.cli.main` runs them. Building
the parser imports only what its defaults and choices need (durations, the bridge's port, the fake
server's scenarios), never a command's work.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import NoReturn

from claude_meter import __version__

USAGE_ERROR = 1

#: Whether a command gets its options (see :func:`build_parser`).
Wanted = Callable[[str], bool]


class Parser(argparse.ArgumentParser):
    """argparse exits 2 on bad usage, which is our "sign in" status; use 1 instead."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(USAGE_ERROR, f"{self.prog}: error: {message}\n")


def command_parser(parser: argparse.ArgumentParser, name: str) -> argparse.ArgumentParser:
    """The parser of the command ``name``, so that an error found after parsing comes with
    that command's usage line, as argparse's own errors do; ``parser`` when there is none."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            found = action.choices.get(name)
            if isinstance(found, argparse.ArgumentParser):
                return found
    return parser


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The whole command line; given ``command`` (the command word about to be parsed),
    every command but only that one's options and help text: the others keep their names
    and one-line help (the list of ``--help``, argparse's "invalid choice") without the
    options nothing would read. argparse formats and translates each option as it is added:
    about half of the parser's 4 ms for ``status`` (more under a locale whose message
    catalogues it looks for). None: everything (``--help``, the tests)."""

    def wanted(name: str) -> bool:
        return command is None or command == name

    parser = Parser(
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
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)

    status = commands.add_parser(
        "status",
        help="print the usage windows of every organization once",
        description="Read the usage report once and print it.",
    )
    if wanted("status"):
        _add_status_options(status)
    _add_statusline_command(commands, wanted("statusline"))
    _add_history_command(commands, wanted)
    _add_credential_commands(commands, wanted)
    autostart = commands.add_parser(
        "autostart",
        help="start ClaudeMeter at login: on, off, or status",
        description="Add or remove the login item (XDG autostart file, LaunchAgent, or the "
        "Windows Run value); the settings window's switch does the same.",
    )
    if wanted("autostart"):
        autostart.add_argument("action", choices=("on", "off", "status"))

    _add_bridge_commands(commands, wanted)

    fake = commands.add_parser(
        "fake-server",
        help="run the fake claude.ai server the demo uses",
        description="Serve a fake claude.ai and api.anthropic.com on this computer, for "
        "trying ClaudeMeter and for tests.",
    )
    if wanted("fake-server"):
        _add_fake_server_options(fake)
    return parser


def _add_status_options(status: argparse.ArgumentParser) -> None:
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
    status.add_argument(
        "--account",
        metavar="NAME",
        help="one account only (see `claude-meter accounts`); default: every metered account",
    )
    _add_demo_arguments(status)
    from claude_meter.cli.cached_options import add_cached_arguments

    add_cached_arguments(status)


def _add_statusline_command(commands: argparse._SubParsersAction[Parser], full: bool) -> None:
    help_text = "Claude Code's status line: reads its JSON on stdin, no request"
    if not full:
        commands.add_parser("statusline", help=help_text)
        return
    from claude_meter.cli.statusline import DEFAULT_FORMAT

    statusline = commands.add_parser(
        "statusline",
        help=help_text,
        description="For Claude Code's statusLine setting: reads the JSON Claude Code sends on "
        "standard input and prints one line with its session and weekly figures and what "
        "ClaudeMeter read recently. It makes no request, and whatever goes wrong it prints a "
        "short line and exits 0, so it never breaks Claude Code.",
        epilog="TEMPLATE fields: {session}, {weekly} or any window key ({seven_day_opus}) give "
        "the percent, {session.resets} the countdown, {session.age} how old the figure is, "
        "{others} every other window, {extra} extra usage, {model} Claude Code's model; {{ and "
        "}} are braces. NO_COLOR=1 turns the colours off. Default: "
        f"'{DEFAULT_FORMAT}'.",
    )
    statusline.add_argument(
        "--format", metavar="TEMPLATE", help="what the line shows (fields below)"
    )
    statusline.add_argument(
        "--install", action="store_true", help="add it to Claude Code's settings.json"
    )
    statusline.add_argument(
        "--uninstall", action="store_true", help="take it out again, restoring what was there"
    )
    statusline.add_argument(
        "--then", metavar="COMMAND", help="a previous status line command to run after it"
    )


def _add_fake_server_options(fake: argparse.ArgumentParser) -> None:
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
    fake.add_argument(
        "--accounts",
        type=int,
        choices=range(1, 9),  # fake.accounts.MAX_ACCOUNTS, not imported: the parser loads no data
        default=1,
        metavar="N",
        help="serve N accounts side by side, 2 to 8 (personal, work, side, extra4, ...), each "
        "with its own session, organizations and numbers (default: the one demo account)",
    )


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


def _add_credential_commands(commands: argparse._SubParsersAction[Parser], wanted: Wanted) -> None:
    login = commands.add_parser(
        "login",
        help="store your claude.ai session in the keyring",
        description="Find your claude.ai session in a browser (or take a pasted one) and store "
        "it in the OS keyring. With several sign-ins you are asked which one.",
    )
    if wanted("login"):
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
        "the order `--source auto` tries them; then each distinct account found, with the "
        "command that adds it.",
    )
    if wanted("sources"):
        sources.add_argument("--json", action="store_true", help="one JSON object")
        sources.add_argument(
            "--add",
            action="store_true",
            help="ask claude.ai whose each sign-in found is, and add each account not metered "
            "yet (named by its email; see `claude-meter accounts`)",
        )
    accounts = commands.add_parser(
        "accounts",
        help="list, add, remove, rename the accounts metered side by side, or paste a new session",
        description="The accounts ClaudeMeter meters: the default one (what login and logout "
        "act on) and up to 8 named ones, each with its own source. Without an action, list them.",
    )
    if wanted("accounts"):
        _add_accounts_options(accounts)


def _add_accounts_options(accounts: argparse.ArgumentParser) -> None:
    accounts.add_argument("--json", action="store_true", help="list as one JSON object")
    actions = accounts.add_subparsers(dest="action", metavar="ACTION", parser_class=Parser)
    add = actions.add_parser(
        "add",
        help="add a named account with its own source",
        description="Add an account. Its source is one of: a browser profile, a pasted session "
        "(kept in its own keyring entry), a Claude Code configuration folder, or the browser "
        "extension in a browser profile.",
    )
    add.add_argument("name", metavar="NAME", help='what to call it, e.g. "Work"')
    source = add.add_mutually_exclusive_group(required=True)
    source.add_argument("--browser", metavar="NAME", help="a browser's claude.ai sign-in")
    source.add_argument(
        "--paste",
        action="store_true",
        help="read a Cookie header or sessionKey value from standard input (not echoed)",
    )
    source.add_argument(
        "--claude-config", metavar="DIR", help="Claude Code's sign-in in this CLAUDE_CONFIG_DIR"
    )
    source.add_argument("--extension", action="store_true", help="what the browser extension posts")
    add.add_argument(
        "--profile",
        metavar="NAME",
        help="with --browser: the profile (folder or name); with --extension: its profile label",
    )
    remove = actions.add_parser(
        "remove",
        help="stop metering an account (a pasted one's session leaves the keyring)",
        description="Remove a named account, and its session from the keyring. Removing the "
        "default account only stops metering it; `claude-meter login` meters it again.",
    )
    remove.add_argument("name", metavar="NAME")
    paste = actions.add_parser(
        "paste",
        help="give a pasted account a new session (its id, history and settings stay)",
        description="Replace the stored session of a named pasted account (one added with "
        "`accounts add NAME --paste`) when it has expired: reads a Cookie header or sessionKey "
        "value from standard input (not echoed), reads the account once with it, and stores it "
        "in that account's own keyring entry. A session of another email than the account's is "
        "refused unless --other-email is given. The default account's: `login --paste`.",
    )
    paste.add_argument("name", metavar="NAME")
    paste.add_argument(
        "--other-email",
        action="store_true",
        help="store it even if it signs in as another email than the account had (its "
        "history then goes on with that one's numbers)",
    )
    rename = actions.add_parser(
        "rename",
        help="give an account another name (its history and session stay with it)",
        description="Rename an account; it keeps its id, history and stored session.",
    )
    rename.add_argument("old", metavar="OLD")
    rename.add_argument("new", metavar="NEW")
    listing = actions.add_parser(  # what a person types first; the same as no action
        "list", help="list them (as without an action)", description="List the accounts."
    )
    listing.add_argument("--json", action="store_true", dest="list_json", help="as one JSON object")


def _add_history_command(commands: argparse._SubParsersAction[Parser], wanted: Wanted) -> None:
    history = commands.add_parser(
        "history",
        help="print the stored usage readings (CSV or JSON for scripts)",
        description="The readings ClaudeMeter stored, oldest first, with resets and limit hits.",
    )
    if not wanted("history"):
        return
    from claude_meter.cli.history import DEFAULT_SINCE, parse_duration

    history.add_argument(
        "--account", metavar="NAME", help="one account only (its name; default: every account)"
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


def _add_bridge_commands(commands: argparse._SubParsersAction[Parser], wanted: Wanted) -> None:
    bridge = commands.add_parser(
        "bridge",
        help="run the browser extension's bridge without the tray; one JSON line per snapshot",
        description="Listen on 127.0.0.1 for the paired browser extension and print each "
        "accepted snapshot as one line of JSON in the `status --json` format.",
    )
    if wanted("bridge"):
        _add_bridge_options(bridge)
    commands.add_parser(
        "extension-path",
        help='print the folder to load with "Load unpacked" in the browser',
        description="Print the browser extension's folder, for chrome://extensions, "
        "Developer mode, Load unpacked.",
    )


def _add_bridge_options(bridge: argparse.ArgumentParser) -> None:
    # Not from bridge.server or core.settings: every command would import them (and the models).
    from claude_meter.core.endpoints import DEFAULT_BRIDGE_PORT as DEFAULT_PORT

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
    from claude_meter.fake.names import SCENARIOS

    return "one of: " + ", ".join(SCENARIOS)
