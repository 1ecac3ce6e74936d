"""``claude-meter statusline``: Claude Code's ``statusLine`` command, with zero requests.

Claude Code runs it after each turn with a JSON object on standard input; for claude.ai
subscribers ``rate_limits.five_hour`` and ``rate_limits.seven_day`` carry the server's own
``used_percentage`` and ``resets_at`` (epoch seconds). Those become a reading (source
``claude-code-statusline``) in the shared last-readings file, which the tray puts through its
live meter (history included). The line shows them with the per-model and extra-usage
figures the app read recently through its other routes, each marked by age when old.

The reading carries its account (``account``: a configured account's id, absent or null for
the default one): the account of kind ``claude-code`` whose folder is this process's
``CLAUDE_CONFIG_DIR`` (unset: the default ``~/.claude``), read from ``settings.json`` with
the standard library (``core/account_routing.py``), so the tray meters it as that account's.

It never makes a request, never prompts, writes nothing but the line to standard output,
and never fails Claude Code: any error prints a short fallback line and exits 0.

The ``--format`` template: text with ``{field}`` placeholders (``{{`` and ``}}`` for braces).
Fields: ``{session}`` (alias of ``{five_hour}``), ``{weekly}`` (``{seven_day}``), any window
key (``{seven_day_opus}``) -> its percent, coloured by grade and marked by age when old;
``{<field>.resets}`` -> the countdown (``2h 10m``); ``{<field>.age}`` -> how old (``40s``);
``{others}`` -> every other window; ``{extra}`` -> extra usage; ``{model}`` -> Claude Code's
model name. A part between `` · `` whose fields all come out empty is dropped.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO, Final, TextIO

from claude_meter.core import json_input

DEFAULT_FORMAT: Final = (
    "5h {session} {session.resets} · 7d {weekly} {weekly.resets} · {others} · {extra}"
)
FALLBACK: Final = "ClaudeMeter: no usage figures yet"
#: The line when something nobody foresaw failed (a bug): what to try instead.
UNEXPECTED: Final = "ClaudeMeter: figures unavailable (try `claude-meter status`)"
SOURCE: Final = "claude-code-statusline"
#: Claude Code's payload is small; more than this is not it.
MAX_STDIN: Final = 1024 * 1024
#: ``~/.claude.json`` grows with project history; past this size the account is not read.
MAX_CLAUDE_JSON: Final = 4 * 1024 * 1024
_FIELD: Final = re.compile(r"\{\{|\}\}|\{([a-z0-9_]+)(?:\.(resets|age))?\}|[{}]")
_ALIASES: Final = {"session": "five_hour", "weekly": "seven_day"}
_LABELS: Final = {"five_hour": "Session (5h)", "seven_day": "Weekly · all models"}
SEPARATOR: Final = " · "


class TemplateError(ValueError):
    """A ``--format`` the template language does not read."""


def run_statusline(
    *,
    template: str | None,
    stdin: BinaryIO,
    out: TextIO,
    env: Mapping[str, str],
    now: datetime | None = None,
    store: Path | None = None,
    then: str | None = None,
) -> int:
    """Read the payload, store the reading, print the line; always returns 0.

    ``then``: the person's previous status line command, chained after ours (see
    ``statusline_install.py``)."""
    try:
        payload = stdin.read(MAX_STDIN)
        line = statusline(template or DEFAULT_FORMAT, payload, env, now or datetime.now(UTC), store)
        if then:
            from claude_meter.cli.statusline_install import run_chained

            chained = run_chained(then, payload, env)
            line = f"{line} │ {chained}" if chained else line
    except TemplateError as exc:
        line = f"ClaudeMeter: {exc}"
    except Exception:  # noqa: BLE001 - Claude Code must never see a failure
        line = UNEXPECTED  # words, never the exception's type or text (which may quote a secret)
    try:
        out.write(line.replace("\n", " ") + "\n")
        out.flush()
    except (OSError, ValueError):
        pass  # Claude Code closed the pipe: nothing to tell it
    return 0


def statusline(
    template: str, payload: bytes, env: Mapping[str, str], now: datetime, store: Path | None
) -> str:
    from claude_meter.readings.journal import append
    from claude_meter.readings.preference import read_settings
    from claude_meter.readings.store import StoreUnreadable, load, record
    from claude_meter.readings.view import account_key, accounts

    parts = _parse_template(template)
    data = _payload(payload)
    settings = read_settings()
    metered = statusline_account(env, settings)
    entry = reading_of(data, env, now, account=metered)
    entries: list[dict[str, Any]]
    try:
        if entry is not None:
            record([entry], now, store)
            append(entry, store)  # for the history, taken by the tray or `status`
        entries = load(store)
    except (OSError, StoreUnreadable):
        entries = [entry] if entry is not None else []
    if entry is not None:
        key = account_key(entry)
        entries = [e for e in entries if account_key(e) == key] or [entry]
    else:  # no rate_limits yet: the newest figures stored for Claude Code's account, if any
        guess = _account_key_guess(entries, metered)
        entries = [e for e in entries if account_key(e) == guess]
    views = accounts(entries)
    if not views or not views[0].rows:
        return FALLBACK
    model = data.get("model") if isinstance(data, dict) else None
    name = model.get("display_name") if isinstance(model, dict) else None
    color = not env.get("NO_COLOR")
    return _render(parts, views[0], now, color=color, model=name, settings=settings)


def _payload(raw: bytes) -> Any:
    try:
        return json_input.loads(raw) if raw.strip() else None
    except json_input.NotJson:
        return None


def reading_of(
    data: Any, env: Mapping[str, str], now: datetime, *, account: str | None = None
) -> dict[str, Any] | None:
    """The payload's ``rate_limits`` as a last-readings entry of the metered ``account``
    (its id; None: the default account); None when the payload has none."""
    limits = data.get("rate_limits") if isinstance(data, dict) else None
    if not isinstance(limits, dict):
        return None
    windows = []
    from claude_meter.readings.view import number

    for key in ("five_hour", "seven_day"):
        window = limits.get(key)
        if not isinstance(window, dict):
            continue
        percent = number(window.get("used_percentage"))
        if percent is not None and not 0 <= percent <= 1000:
            percent = None
        windows.append(
            {
                "key": key,
                "label": _LABELS[key],
                "percent": percent,
                "resets_at": _epoch(window.get("resets_at")),
            }
        )
    if not windows:
        return None
    from claude_meter.readings.store import iso

    signed_in = claude_code_account(env)
    return {
        "source": SOURCE,
        "account": account,
        "org_uuid": signed_in.get("organizationUuid"),
        "org_name": signed_in.get("organizationName"),
        "account_email": signed_in.get("emailAddress"),
        "plan": None,
        "read_at": iso(now),
        "windows": windows,
        "extra_usage": None,
        "error": None,
    }


def _epoch(value: object) -> str | None:
    """Epoch seconds from the payload as the file's time; out of range is unknown."""
    from claude_meter.readings.view import number

    seconds = number(value)
    if (
        seconds is None or not 946684800 <= seconds <= 32503680000
    ):  # 2000 .. 3000: anything else is not a reset
        return None
    from claude_meter.readings.store import iso

    return iso(datetime.fromtimestamp(seconds, UTC))


def statusline_account(env: Mapping[str, str], settings: Mapping[str, Any]) -> str | None:
    """The configured account this status line reads for: the ``claude-code`` account whose
    folder is ``CLAUDE_CONFIG_DIR`` (``settings``: ``settings.json`` as parsed); None for
    the default account."""
    from claude_meter.core.account_routing import accounts_in
    from claude_meter.core.account_routing import claude_code_account as by_folder

    return by_folder(accounts_in(settings), env.get("CLAUDE_CONFIG_DIR"))


def claude_code_account(env: Mapping[str, str]) -> dict[str, str]:
    """Claude Code's own account (``oauthAccount`` in its ``.claude.json``): which
    organization the status line's numbers are for. Empty when unknown; no secret is read."""
    config = env.get("CLAUDE_CONFIG_DIR", "").strip()
    path = Path(config).expanduser() / ".claude.json" if config else Path.home() / ".claude.json"
    try:
        if path.stat().st_size > MAX_CLAUDE_JSON:
            return {}
        data = json_input.loads(path.read_bytes())
    except (OSError, json_input.NotJson):
        return {}
    account = data.get("oauthAccount") if isinstance(data, dict) else None
    if not isinstance(account, dict):
        return {}
    keys = ("organizationUuid", "organizationName", "emailAddress")
    return {k: account[k] for k in keys if isinstance(account.get(k), str)}


def _account_key_guess(entries: list[dict[str, Any]], account: str | None) -> str | None:
    """The key of the newest status line reading of this metered ``account``."""
    from claude_meter.readings.view import account_key

    for entry in entries:  # newest first
        if entry.get("source") == SOURCE and entry.get("account") == account:
            return account_key(entry)
    return None


Part = tuple[str, str | None, str | None]  # literal text, or (field, attribute)


def _parse_template(template: str) -> list[Part]:
    parts: list[Part] = []
    position = 0
    for match in _FIELD.finditer(template):
        parts.append((template[position : match.start()], None, None))
        token = match.group(0)
        if token in ("{{", "}}"):
            parts.append((token[0], None, None))
        elif match.group(1) is None:
            raise TemplateError(f"a lone {token!r} in --format; write {token * 2} for a brace")
        else:
            parts.append(("", match.group(1), match.group(2)))
        position = match.end()
    parts.append((template[position:], None, None))
    return parts


def _render(
    parts: list[Part],
    view: Any,
    now: datetime,
    *,
    color: bool,
    model: object,
    settings: Mapping[str, Any] | None = None,
) -> str:
    from claude_meter.core.display import format_duration, percent_label
    from claude_meter.core.grades import grade_for
    from claude_meter.readings.preference import shows_remaining
    from claude_meter.readings.view import HEADLINE, OLD, short_age, short_label

    rows = {r.key: r for r in view.rows}
    left = shows_remaining(settings)  # "used" or "remaining", as chosen in Settings

    def figure(row: Any, *, windowed: bool = True) -> str:
        text = percent_label(row.percent, show_remaining=left and windowed)
        if color:  # the colour follows the percent used either way
            text = f"\x1b[{grade_for(row.percent).ansi}m{text}\x1b[0m"
        if now - row.read_at > OLD:
            text += f" ({short_age(row.read_at, now)} ago)"
        return text

    def field(name: str, attribute: str | None) -> str:
        if name == "model":
            return model if isinstance(model, str) else ""
        if name == "others":
            others = [r for r in view.rows if r.key not in HEADLINE]
            return SEPARATOR.join(f"{short_label(r)} {figure(r)}" for r in others)
        if name == "extra":
            extra = view.extra
            if extra is None or extra.percent is None:
                return ""
            row = rows.get("five_hour") or view.rows[0]
            spent = row._replace(percent=extra.percent, read_at=extra.read_at)
            return f"extra {figure(spent, windowed=False)}"  # money spent: never "left"
        row = rows.get(_ALIASES.get(name, name))
        if row is None:
            return ""
        if attribute == "resets":
            return format_duration(row.resets_at - now) if row.resets_at else ""
        if attribute == "age":
            return short_age(row.read_at, now)
        return figure(row)

    # Parts between " · " whose fields all came out empty are dropped, with their words.
    segments: list[tuple[list[str], list[str]]] = [([], [])]  # (text, field values)
    for literal, name, attr in parts:
        if name is None:
            for i, piece in enumerate(literal.split(SEPARATOR.strip())):
                if i:
                    segments.append(([], []))
                segments[-1][0].append(piece)
        else:
            value = field(name, attr)
            segments[-1][0].append(value)
            segments[-1][1].append(value)
    kept = ["".join(text).strip() for text, values in segments if not values or any(values)]
    return SEPARATOR.join(k for k in kept if k) or FALLBACK


def main_quick(argv: list[str], out: TextIO | None = None) -> int:
    """``claude-meter statusline [--format T] [--install|--uninstall]`` without argparse's
    whole command line; install and uninstall are the only paths that may fail."""
    out = out or sys.stdout
    if "--install" in argv or "--uninstall" in argv:
        from claude_meter.cli.statusline_install import run_install_command

        return run_install_command(argv, out=out, err=sys.stderr, env=os.environ)
    template: str | None = None
    then: str | None = None
    rest = list(argv)
    while rest:
        arg = rest.pop(0)
        if arg == "--format" and rest:
            template = rest.pop(0)
        elif arg.startswith("--format="):
            template = arg.partition("=")[2]
        elif arg == "--then" and rest:
            then = rest.pop(0)
        elif arg in ("-h", "--help"):
            return _print_help(out)
        # anything else is ignored: a typo must not blank Claude Code's status line
    return run_statusline(
        template=template, stdin=sys.stdin.buffer, out=out, env=os.environ, then=then
    )


def _print_help(out: TextIO) -> int:
    """The command's help as every other command gives it (argparse's usage and options),
    not this module's docstring, which is written for developers."""
    from claude_meter.cli.arguments import build_parser

    with contextlib.redirect_stdout(out), contextlib.suppress(SystemExit):
        build_parser().parse_args(["statusline", "--help"])
    return 0
