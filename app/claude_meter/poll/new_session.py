"""A new pasted session for a named account that already has one (expired, signed out):
the same account, id, name, history and settings, only its keyring entry replaced.

``claude-meter accounts paste NAME`` and the Settings window's "Paste new session…" both call
:func:`replace_session`, so the rules are one:

- only a named account of kind ``pasted`` takes one (a browser, Claude Code or extension
  account reads its sign-in where it is: the words say what to do there instead; the default
  account's is ``claude-meter login --paste``);
- the text is parsed as ``login --paste`` and ``accounts add --paste`` parse it
  (:meth:`SessionCookies.parse`), and never quoted back;
- nothing is read or changed when no keyring is usable (a pasted session is kept only there);
- the session is read once before it is stored, as ``accounts add`` reads a new account
  (one request per route; its answers remembered as every poll remembers them): a session
  claude.ai refuses is not stored, and one that belongs to another email than the account's
  is stored only when the caller says so (``other_email_ok``: the person confirmed), since the
  account's history would go on with another person's numbers. A read that fails otherwise
  (offline, rate limited, a browser check) does not stop it: the session is stored and the
  reason said;
- the session goes to the account's own entry (a rotated one, if the read rotated it); the
  entry's change stamp tells a running tray to read it at its next poll
  (``sources/session_cache.py``).

Qt-free: the caller asks, shows and saves the settings (``with_email``) itself.
"""

from __future__ import annotations

import shlex
from typing import TYPE_CHECKING

import msgspec

from claude_meter.core.account_changes import AccountProblem, named, no_keyring, unknown
from claude_meter.core.accounts import DEFAULT_ID, AccountRef
from claude_meter.sources.cookies import InvalidCookie, SessionCookies

if TYPE_CHECKING:
    from claude_meter.core.settings import Settings
    from claude_meter.poll.fetcher import Fetcher
    from claude_meter.sources.keyring_store import SessionStore

#: What the command line calls the action (the tray's words are its own, ``qt/``).
CLI_ACTION = "claude-meter accounts paste"


class NotReplaced(AccountProblem):
    """Nothing was changed; ``str()`` says why and what to do (never quoting the paste)."""


class OtherEmail(NotReplaced):
    """The new session signs in to another email than the account's: nothing stored yet."""

    def __init__(self, account: AccountRef, known: str, new: str) -> None:
        self.account, self.known, self.new = account, known, new
        super().__init__(
            f"that session is signed in as {new}, not {known} ({account.name}'s); nothing was "
            f"changed. Paste a session of {known}, or add that one as an account of its "
            "own"
        )


class Replaced(msgspec.Struct, frozen=True):
    """The session is stored. ``email``: what the read said (None: not read, or it did not
    say); ``unchecked``: why the read did not check it (stored all the same)."""

    account: AccountRef
    email: str | None = None
    unchecked: str | None = None


def pasted_account(settings: Settings, name: str) -> AccountRef:
    """The named pasted account called ``name``; :class:`NotReplaced` says what to do for any
    other (the default account, another kind, no such name)."""
    try:
        found = named(settings, name)
    except AccountProblem as exc:  # one account's name and another's id
        raise NotReplaced(str(exc)) from None
    if found is None:
        raise NotReplaced(str(unknown(settings)))
    if found == DEFAULT_ID or not isinstance(found, AccountRef):
        raise NotReplaced(
            f"{settings.default_account_name} is the default account: give it a new session "
            "with `claude-meter login --paste`"
        )
    if found.kind == "pasted":
        return found
    quoted = shlex.quote(found.name)
    if found.kind == "browser":
        why = (
            f"reads its session from {found.describe()}: sign in to claude.ai there again and "
            "it is read at the next poll"
        )
    elif found.kind == "claude-code":
        folder = shlex.quote(found.config_dir or "~/.claude")
        why = f"reads Claude Code's sign-in: run `CLAUDE_CONFIG_DIR={folder} claude` to sign in"
    else:
        why = "gets its numbers from the browser extension: sign in to claude.ai in that browser"
    raise NotReplaced(
        f"{found.name} {why}. Only a pasted account takes a pasted session; to read this one "
        f"from a pasted session instead, remove it (`claude-meter accounts remove {quoted}`) "
        "and add it with --paste"
    )


def parse_pasted(text: str) -> SessionCookies:
    """The pasted text as ``login --paste`` reads it; :class:`NotReplaced` when it is not one."""
    try:
        return SessionCookies.parse(text)
    except InvalidCookie as exc:
        raise NotReplaced(
            f"that is not a claude.ai session: {exc}. Copy the Cookie header of a request to "
            "claude.ai (developer tools, Network tab), or the sessionKey value"
        ) from None


def replace_session(
    account: AccountRef,
    pasted: str | SessionCookies,
    store: SessionStore,
    *,
    fetcher: Fetcher | None = None,
    known_email: str | None = None,
    other_email_ok: bool = False,
) -> Replaced:
    """Store a new session for the pasted ``account`` in ``store`` (its own entry), after one
    read with ``fetcher`` (None: not read). ``known_email``: the email it had (its newest
    reading's, else the settings'). Raises :class:`NotReplaced` (or :class:`OtherEmail`)
    with nothing changed."""
    if account.kind != "pasted":
        raise NotReplaced(f"{account.name} is not a pasted account")
    cookies = pasted if isinstance(pasted, SessionCookies) else parse_pasted(pasted)
    if not store.usable():  # a command ends at once: nothing is kept "for this run"
        raise NotReplaced(no_keyring(account.name, store.problem, adding=False))
    email: str | None = None
    unchecked: str | None = None
    if fetcher is not None:
        fetched = fetcher.check_session(account, cookies)
        result = fetched.result
        errors = [result.error, *(s.error for s in result.snapshots)]
        if any(e is not None and e.kind == "session_expired" for e in errors):
            raise NotReplaced(
                "claude.ai refused that session (it has expired or was signed out); nothing "
                "was changed. Sign in to claude.ai in a browser and copy a fresh one"
            )
        emails = [s.account_email for s in result.snapshots if s.account_email]
        email = emails[0] if emails else None
        if result.error is not None:
            unchecked = result.error.message
        if (
            email is not None
            and known_email
            and email.casefold() != known_email.casefold()
            and not other_email_ok
        ):
            raise OtherEmail(account, known_email, email)
        cookies = fetched.rotated or cookies
    if not store.save(cookies).persisted:
        raise NotReplaced(no_keyring(account.name, store.problem, adding=False))
    return Replaced(account, email, unchecked)
