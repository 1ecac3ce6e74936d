"""``claude-meter accounts paste NAME``: a new pasted session for a named pasted account whose
session expired, keeping its id, name, history and settings (``poll/new_session.py`` decides;
this module reads the paste, says what happened and saves the email the read gave).

A subcommand of ``accounts``, not ``login --account NAME --paste``: ``login`` and ``logout``
act on the default account (its remembered source choice, metering it again), while the
named accounts are added, renamed and removed under ``accounts``; ``accounts paste NAME``
sits beside ``accounts add NAME --paste`` and takes the paste the same way.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from claude_meter.core.account_changes import AccountProblem, no_keyring

if TYPE_CHECKING:
    from claude_meter.cli.credentials import Terminal
    from claude_meter.sources.keyring_store import SessionStore

log = logging.getLogger("claude_meter.cli.accounts")

OK, USAGE_ERROR = 0, 1


def run_paste(
    *,
    name: str,
    other_email: bool,
    term: Terminal,
    path: Path | None = None,
    store: SessionStore | None = None,
) -> int:
    """Read the pasted session (never echoed) into the named pasted account's own entry."""
    from claude_meter.cli.accounts import emails_read, load_for_change, save_email
    from claude_meter.cli.paste import read_pasted
    from claude_meter.clients.remembered import RememberedAnswers
    from claude_meter.poll.fetcher import Fetcher
    from claude_meter.poll.new_session import (
        NotReplaced,
        OtherEmail,
        pasted_account,
        replace_session,
    )

    settings = load_for_change(term, path)
    if settings is None:
        return USAGE_ERROR
    try:
        account = pasted_account(settings, name)  # before anything is pasted
    except AccountProblem as exc:
        print(f"claude-meter: {exc}.", file=term.err)
        return USAGE_ERROR
    target = store or _store_of(account.id)
    if not target.usable():
        print(
            f"claude-meter: {no_keyring(account.name, target.problem, adding=False)}.",
            file=term.err,
        )
        return USAGE_ERROR
    pasted = read_pasted(term.stdin, term.err)
    known = emails_read().get(account.id) or account.email
    fetcher = Fetcher(term.env, remembered=RememberedAnswers())
    try:
        done = replace_session(
            account, pasted, target, fetcher=fetcher, known_email=known,
            other_email_ok=other_email,
        )  # fmt: skip
    except OtherEmail as exc:
        print(
            f"claude-meter: {exc}. If {account.name}'s sign-in really is {exc.new} now, run it "
            "again with --other-email.",
            file=term.err,
        )
        return USAGE_ERROR
    except NotReplaced as exc:
        print(f"claude-meter: {exc}.", file=term.err)
        return USAGE_ERROR
    except Exception as exc:  # noqa: BLE001 - words to act on, never the exception's text
        log.debug("replacing a session failed: %s", type(exc).__name__)
        print(
            "claude-meter: something went wrong inside ClaudeMeter; nothing was changed. Run "
            "it again, and report it if it goes on.",
            file=term.err,
        )
        return USAGE_ERROR
    if done.email and done.email != account.email:
        save_email(account, done.email, term, path)  # into the settings as they are now
    said = f" ({done.email})" if done.email else ""
    print(
        f"Stored a new session for {account.name}{said} in its keyring entry; its history "
        "and settings stay with it. A running tray reads it at its next poll.",
        file=term.out,
    )
    if done.unchecked:
        print(f"claude-meter: note: it could not be checked: {done.unchecked}", file=term.err)
    return OK


def _store_of(account_id: str) -> SessionStore:
    from claude_meter.core.accounts import keyring_entry
    from claude_meter.sources.keyring_store import SessionStore

    return SessionStore(entry=keyring_entry(account_id))
