"""The ``claude-meter`` command line: for scripts, status bars and a first look.

With no command it starts the tray app (``--demo``: against the embedded fake claude.ai).
The commands import no Qt. Exit statuses: 0 numbers were read; 1 the invocation or configuration is
unusable; 2 the person must sign in; 3 the server or network refused for now; 4 the answer was
not understood.
"""

from __future__ import annotations

import contextlib
import errno
import io
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Final, TextIO

if TYPE_CHECKING:
    import argparse

    from claude_meter.cli.arguments import build_parser
    from claude_meter.cli.credentials import Terminal

__all__ = ["build_parser", "forget_pyside_source_reads", "main"]


def __getattr__(name: str) -> object:
    """``build_parser``, loaded on first use: the status line and the tray need no argparse."""
    if name == "build_parser":
        from claude_meter.cli.arguments import build_parser

        return build_parser
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _credentials(parser: argparse.ArgumentParser, args: argparse.Namespace, out: TextIO) -> int:
    from claude_meter.cli.credentials import Terminal, run_login, run_logout

    term = Terminal(env=os.environ, stdin=sys.stdin, out=out, err=sys.stderr)
    if args.command == "accounts":
        return _accounts(args, term)
    if args.command == "logout":
        return run_logout(term=term)
    if args.command == "sources":
        from claude_meter.cli.sources import run_sources

        return run_sources(json_output=args.json, term=term, add=args.add)
    from claude_meter.cli.arguments import command_parser

    if args.paste and args.browser:
        command_parser(parser, "login").error("either --paste or --browser, not both")
    if args.profile and not args.browser:
        command_parser(parser, "login").error("--profile needs --browser")
    status = run_login(browser=args.browser, profile=args.profile, paste=args.paste, term=term)
    if status == 0:
        from claude_meter.cli.accounts import meter_default_again

        meter_default_again(term)
    return status


def _accounts(args: argparse.Namespace, term: Terminal) -> int:
    from claude_meter.cli import accounts

    if args.action == "add":
        return accounts.run_add(
            name=args.name,
            browser=args.browser,
            profile=args.profile,
            paste=args.paste,
            claude_config=args.claude_config,
            extension=args.extension,
            term=term,
        )
    if args.action == "remove":
        return accounts.run_remove(name=args.name, term=term)
    if args.action == "rename":
        return accounts.run_rename(old=args.old, new=args.new, term=term)
    if args.action == "paste":
        from claude_meter.cli.new_session import run_paste

        return run_paste(name=args.name, other_email=args.other_email, term=term)
    listed_json = args.json or getattr(args, "list_json", False)  # `accounts list --json`
    return accounts.run_list(json_output=listed_json, term=term)


def _cached(argv: Sequence[str], out: TextIO) -> int:
    from claude_meter.cli.cached_options import quick_parser

    return _run_cached(quick_parser().parse_args(argv), out)


def _run_cached(args: argparse.Namespace, out: TextIO) -> int:
    from claude_meter.cli.cached import run_cached

    form = args.format or ("json" if args.json else "text")
    return run_cached(
        form=form,
        max_age=args.max_age,
        env=os.environ,
        out=out,
        err=sys.stderr,
        account=getattr(args, "account", None),  # `status --account` (the full parser's)
    )


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
    if set(given) <= _TRAY_FLAGS:  # the tray as the launcher and autostart start it
        return _tray(demo="--demo" in given, debug="--debug" in given)
    quick_cached = given[:1] == ["status"] and "--cached" in given  # for status bars
    from claude_meter.cli.arguments import build_parser  # argparse: not for the status line

    # only this command's options: the program's own options take no value, so the command
    # is the first word that is not an option (none: the whole parser, for --help)
    command = next((word for word in given if not word.startswith("-")), None)
    parser = None if quick_cached else build_parser(command)
    args = None if parser is None else parser.parse_args(argv)
    if args is not None and args.command is None:  # the tray, after another global option
        return _tray(demo=args.tray_demo, debug=args.debug)
    from claude_meter.core.command_log import command_console
    from claude_meter.core.retry_words import one_shot

    try:
        # a command's messages say to try again, not that the tray will; its warnings are
        # said as its other lines are, once each
        with one_shot(), command_console():
            if parser is None or args is None:
                status = _cached(given[1:], out)
            else:
                status = _run(parser, args, out)
        out.flush()  # here, not at exit, where a failure would print a traceback
    except OSError as exc:
        if exc.filename is not None:
            return _file_failed(exc)
        if exc.errno in _OUTPUT_ERRNOS:
            return _output_failed(exc, out)
        return _stopped(exc)
    return status


def _stopped(exc: OSError) -> int:
    """A failure that names no file (a socket, a keyring's pipe, the settings left alone):
    one line, with the system's words when it has some, never a class name."""
    import logging

    from claude_meter.core.settings import UnreadableSettings

    logging.getLogger("claude_meter.cli").debug("the command stopped", exc_info=exc)
    if isinstance(exc, UnreadableSettings):  # its words are written for the person
        why = f"nothing was changed: {exc}"
    else:
        said = f" ({exc.strerror})" if exc.strerror else ""
        why = f"the command stopped: the system refused something it needed{said}; run it again"
    with contextlib.suppress(OSError, ValueError):
        print(f"claude-meter: {why}.", file=sys.stderr)
    from claude_meter.cli.arguments import USAGE_ERROR

    return USAGE_ERROR


def _file_failed(exc: OSError) -> int:
    """A file or folder the command needed failed in a way no step of it foresaw: one line,
    in the system's words, instead of a traceback (``--debug`` logs where it happened)."""
    import logging

    logging.getLogger("claude_meter.cli").debug("the command stopped", exc_info=exc)
    why = exc.strerror or "it failed"
    where = f"{exc.filename}: "
    with contextlib.suppress(OSError, ValueError):
        print(
            f"claude-meter: {where}{why}; the command stopped there: make that file or folder "
            "usable for you (its permissions, something else in its place), then run it again.",
            file=sys.stderr,
        )
    from claude_meter.cli.arguments import USAGE_ERROR

    return USAGE_ERROR


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
    from claude_meter.cli.arguments import USAGE_ERROR

    return USAGE_ERROR


def _run(parser: argparse.ArgumentParser, args: argparse.Namespace, out: TextIO) -> int:
    if args.command == "status" and args.cached:  # after a global option such as --debug
        return _run_cached(args, out)
    if args.command == "statusline":
        from claude_meter.cli.statusline import main_quick

        rest = ["--format", args.format] if args.format else []
        rest += ["--then", args.then] if args.then else []
        rest += [f"--{a}" for a in ("install", "uninstall") if getattr(args, a)]
        return main_quick(rest, out)
    if args.command == "status":
        from claude_meter.cli.arguments import command_parser
        from claude_meter.cli.status import run_status

        if args.format or args.max_age:
            command_parser(parser, "status").error("--format and --max-age go with --cached")
        if args.profile and not args.browser:  # else the profile would be silently ignored
            command_parser(parser, "status").error("--profile needs --browser")

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
            account=args.account,
        )
    if args.command == "history":
        from datetime import UTC, datetime

        from claude_meter.cli.history import run_history

        if args.open:
            from claude_meter.cli.history_window import run_history_window

            return run_history_window(err=sys.stderr)
        run = run_history
        if args.walls:
            from claude_meter.cli.walls import run_walls

            run = run_walls
        return run(
            org=args.org,
            window=args.window,
            since=args.since,
            output=args.form or "text",
            now=datetime.now(UTC),
            out=out,
            err=sys.stderr,
            account=args.account,
        )
    if args.command in ("login", "logout", "sources", "accounts"):
        return _credentials(parser, args, out)
    if args.command == "bridge":
        from claude_meter.cli.arguments import command_parser
        from claude_meter.cli.bridge import run_bridge

        if args.pair and args.forget:  # else --forget won and --pair was silently dropped
            command_parser(parser, "bridge").error("either --pair or --forget, not both")

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
            accounts=args.accounts,
        )
    parser.print_help(out)
    return 0


#: A command line of only these starts the tray without building the whole parser: its
#: subcommands' help texts import modules the tray does not need (about 15 ms of its start).
_TRAY_FLAGS: Final = frozenset({"--demo", "--debug"})


def _tray(*, demo: bool, debug: bool) -> int:
    from claude_meter.cli.tray_start import tray

    return tray(demo=demo, debug=debug)
