"""``claude-meter login`` and ``logout``: connect the default account, forget it (``sources``,
which looks, is in :mod:`claude_meter.cli.sources`).

Secrets go only to the keyring (:mod:`claude_meter.sources.keyring_store`); the choice of
browser and profile goes to a small non-secret file (:mod:`claude_meter.sources.choice`).
Nothing printed here ever contains a cookie or token value.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, TextIO

import msgspec

from claude_meter.core.errors import ConfigurationError, MeterError
from claude_meter.sources.choice import (
    RememberedChoice,
    choice_path,
    forget_choice,
    load_choice,
    save_choice,
)
from claude_meter.sources.cookies import COOKIE_ENV

if TYPE_CHECKING:
    from claude_meter.sources.browsers import BrowserSession
    from claude_meter.sources.keyring_store import SessionStore
    from claude_meter.sources.selection import Selection

OK, USAGE_ERROR, SIGN_IN = 0, 1, 2


class Terminal(msgspec.Struct, frozen=True):
    """Where the commands read and write; tests pass their own."""

    env: Mapping[str, str]
    stdin: TextIO
    out: TextIO
    err: TextIO


def _now() -> datetime:
    return datetime.now(UTC)


def make_selection(
    term: Terminal,
    *,
    browser: str | None = None,
    profile: str | None = None,
    store: SessionStore | None = None,
) -> Selection:
    from claude_meter.sources.selection import Selection

    # a damaged sources.json is said once, by the command's log (core/command_log.py)
    return Selection.create(term.env, now=_now(), browser=browser, profile=profile, store=store)


# -- login -------------------------------------------------------------------------------------


def run_login(
    *,
    browser: str | None,
    profile: str | None,
    paste: bool,
    term: Terminal,
    store: SessionStore | None = None,
) -> int:
    """Store a session in the keyring: pasted, or from one browser profile (asked if several)."""
    try:
        selection = make_selection(term, browser=browser, profile=profile, store=store)
        if paste:
            return _login_paste(selection, term)
        return _login_browser(selection, term)
    except ConfigurationError as exc:
        print(f"claude-meter: {exc}", file=term.err)
        return USAGE_ERROR
    except MeterError as exc:
        print(f"claude-meter: {exc.message}", file=term.err)
        return SIGN_IN


def _login_paste(selection: Selection, term: Terminal) -> int:
    from claude_meter.cli.paste import read_session

    cookies = read_session(term.stdin, term.err)
    if cookies is None:
        return USAGE_ERROR
    saved = selection.store.save(cookies)
    if not saved.persisted:
        print(f"claude-meter: {not_stored(selection.store)}", file=term.err)
        return USAGE_ERROR
    _remember(RememberedChoice(stored_from="paste"), term)
    print(
        f"Stored the claude.ai session in the keyring ({backend_label(selection.store)}). "
        "`claude-meter status` uses it from now on.",
        file=term.out,
    )
    return OK


def _login_browser(selection: Selection, term: Terminal) -> int:
    from claude_meter.sources.browsers import distinct_accounts, scan_browsers

    profiles = (
        selection.explicit_profiles() if selection.browser is not None else selection.all_profiles()
    )
    scan = scan_browsers(profiles, platform=selection.platform, now=selection.now, environ=term.env)
    accounts = distinct_accounts(scan.sessions)
    if not accounts:
        selection.looked_at, selection.failures = scan.looked_at, scan.failures
        print(
            f"claude-meter: {selection.no_web_session_message()} Sign in to claude.ai in a "
            "browser and run `claude-meter login` again, or paste the session with "
            "`claude-meter login --paste`.",
            file=term.err,
        )
        return SIGN_IN
    chosen = accounts[0] if len(accounts) == 1 else _ask(accounts, term)
    if chosen is None:
        return USAGE_ERROR
    profile = chosen.profile
    saved = selection.store.save(chosen.cookies)
    _remember(
        RememberedChoice(
            browser=profile.browser.key,
            profile=profile.name,
            stored_from=profile.label if saved.persisted else None,
        ),
        term,
    )
    if saved.persisted:
        print(
            f"Stored the claude.ai session of {profile.label} in the keyring "
            f"({backend_label(selection.store)}); {profile.label} is read first from now on.",
            file=term.out,
        )
    else:
        print(f"claude-meter: {not_stored(selection.store)}", file=term.err)
        print(f"{profile.label} is remembered and read directly each time instead.", file=term.out)
    return OK


def not_stored(store: SessionStore, then: str = "or set CLAUDE_METER_COOKIE instead") -> str:
    """Why ``login`` (``accounts add --paste``: ``then`` says what next) stored nothing, for a
    command that ends at once (the store's own message, "kept in memory for this run only",
    is the tray's, which goes on running)."""
    return (
        f"the session was not stored: no usable keyring was found ({store.problem or 'unknown'})"
        ", and ClaudeMeter never writes a session to a file. Install or unlock a keyring (GNOME "
        f"Keyring, KWallet, KeePassXC; on macOS and Windows the system one), {then}."
    )


def _ask(accounts: list[BrowserSession], term: Terminal) -> BrowserSession | None:
    """Several accounts: a numbered choice on a terminal, else the commands that pick one."""
    print("Several claude.ai sign-ins were found:", file=term.err)
    for number, session in enumerate(accounts, 1):
        hint = f" (organization {session.cookies.org_hint})" if session.cookies.org_hint else ""
        print(f"  {number}. {session.profile.label}{hint}", file=term.err)
    isatty = getattr(term.stdin, "isatty", None)
    if isatty is not None and isatty():
        print("Which one? ", end="", file=term.err, flush=True)
        answer = term.stdin.readline().strip()
        if answer.isdigit() and 1 <= int(answer) <= len(accounts):
            return accounts[int(answer) - 1]
    commands = "; ".join(
        f"claude-meter login --browser {s.profile.browser.key} --profile '{s.profile.name}'"
        for s in accounts
    )
    print(f"claude-meter: pick one with: {commands}", file=term.err)
    return None


def _remember(choice: RememberedChoice, term: Terminal) -> None:
    try:
        save_choice(choice)
    except OSError as exc:
        print(f"claude-meter: the choice could not be remembered ({exc.strerror}).", file=term.err)


def backend_label(store: SessionStore) -> str:
    """A readable backend name: ``SecretService``, ``macOS``, ``Windows`` (their classes are
    all called ``Keyring``), else the class name."""
    kind = type(store.backend())
    return kind.__module__.rsplit(".", 1)[-1] if kind.__name__ == "Keyring" else kind.__name__


# -- logout ------------------------------------------------------------------------------------


def run_logout(*, term: Terminal, store: SessionStore | None = None) -> int:
    """Remove the stored session and the remembered choice, and say what went."""
    if store is None:
        from claude_meter.sources.keyring_store import SessionStore

        store = SessionStore()
    removed = []
    if store.delete():
        removed.append(f"the claude.ai session stored in the keyring ({backend_label(store)})")
    choice, _ = load_choice()
    status = OK
    try:
        forgotten = forget_choice()
    except OSError as exc:  # said, and the rest of the logout still done and said
        forgotten, status = False, USAGE_ERROR
        print(
            f"claude-meter: the remembered source choice ({choice_path()}) could not be "
            f"removed ({exc.strerror or type(exc).__name__}): remove it yourself, then run "
            "`claude-meter logout` again.",
            file=term.err,
        )
    if forgotten:
        what = "the remembered source choice"
        if choice.browser:
            what += f" ({choice.browser}{f', profile {choice.profile}' if choice.profile else ''})"
        removed.append(what)
    unusable = not store.usable()
    if removed:
        print("Removed " + " and ".join(removed) + ".", file=term.out)
    elif store.problem and not unusable:  # locked, unreachable: a session may still be there
        print("Nothing was removed.", file=term.out)
    else:
        print("Nothing was stored: there was nothing to remove.", file=term.out)
    if store.problem:
        again = "" if unusable else "; unlock it and run `claude-meter logout` again"
        print(
            f"claude-meter: the keyring could not be checked: {store.problem}{again}.",
            file=term.err,
        )
    notes = []
    if term.env.get(COOKIE_ENV, "").strip():
        notes.append(f"{COOKIE_ENV} is still set and still used")
    notes.append("your browsers stay signed in to claude.ai and `auto` still finds them")
    print("Note: " + "; ".join(notes) + ".", file=term.out)
    return status
