"""Which metered account a reading from outside the app belongs to.

Two routes bring readings the app did not poll itself: the browser extension's posts (over
the bridge) and Claude Code's status line (through the last-readings file). Each says a little
about where it comes from, and these rules turn that into one of the accounts the person
configured (``Settings.accounts``, ``core/accounts.py``), else the default account (None).
They only ever answer with the id of an account that is configured: what a reading carries is
a hint, never the name of an account.

The browser extension (accounts of kind ``extension``), :func:`extension_account`:

1. the post's *profile label* (what the person typed in the extension's popup, "Work") is an
   account's ``profile`` (compared without case or repeated spaces): that account, unless
   both it and the post know an email and the two differ (the label then names a browser
   profile signed in to another claude.ai account, whose numbers are not this account's);
2. the post's claude.ai email (from ``/api/account``) is an account's ``email``: that one;
3. an extension account without a profile takes what no other extension account claims (a
   post whose label names none of them, or that has none), unless the emails differ;
4. else the default account.

Claude Code's status line (accounts of kind ``claude-code``), :func:`claude_code_account`:
the account whose ``config_dir`` is the status line process's ``CLAUDE_CONFIG_DIR``, the same
folder however it is written (``~``, a trailing slash, a symbolic link); unset, or set to
the default ``~/.claude``, matches the account with no ``config_dir``. No match: the default
account.

None of the app's models here: ``claude-meter statusline`` runs after every turn of Claude
Code and must start fast, so it reads the settings file's ``accounts`` with the standard
library (:func:`accounts_in`) and calls these rules on plain records; the bridge calls them on
the settings' :class:`~claude_meter.core.accounts.AccountRef`.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Final, NamedTuple, Protocol

from claude_meter.core.account_names import is_account_id

#: At most this many characters in a profile label (the extension's popup, the wire, the
#: settings' ``profile`` holds longer browser profile names but a label is short).
MAX_LABEL: Final = 64


class Routable(Protocol):
    """What the rules read of an account: :class:`~claude_meter.core.accounts.AccountRef`,
    or an :class:`AccountLine` read the light way."""

    @property
    def id(self) -> str: ...

    @property
    def kind(self) -> str: ...

    @property
    def profile(self) -> str | None: ...

    @property
    def email(self) -> str | None: ...

    @property
    def config_dir(self) -> str | None: ...

    @property
    def name(self) -> str | None: ...


class AccountLine(NamedTuple):
    """One configured account as the fast commands read it from ``settings.json`` (a
    NamedTuple: ``dataclasses`` would bring ``inspect`` into the status line's start)."""

    id: str
    kind: str
    profile: str | None = None
    email: str | None = None
    config_dir: str | None = None
    name: str | None = None


def profile_label(value: object) -> str | None:
    """A profile label as the extension sends it, checked: trimmed, inner spaces folded, 1 to
    :data:`MAX_LABEL` printable characters (no control, format, private or unassigned
    ones); None for no label (absent,
    empty) and :class:`ValueError` for one that is not a label."""
    import unicodedata

    from claude_meter.core.accounts import SECRET_LIKE  # the bridge's path: models loaded

    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError("a profile label is text")
    if any(unicodedata.category(ch).startswith("C") for ch in value):
        raise ValueError("a profile label holds printable characters only")
    if SECRET_LIKE.search(value):
        raise ValueError("this looks like a secret, not a profile label")
    label = " ".join(value.split())
    if len(label) > MAX_LABEL:
        raise ValueError(f"a profile label is at most {MAX_LABEL} characters")
    return label or None


def extension_account(
    accounts: Iterable[Routable], profile: str | None, email: str | None
) -> str | None:
    """The configured extension account a post from browser profile ``profile`` (its label,
    or None) signed in to claude.ai as ``email`` (or None) belongs to; None: the default."""
    candidates = [a for a in accounts if a.kind == "extension"]
    label = _folded(profile)
    if label is not None:
        for account in candidates:
            if _folded(account.profile) == label and not _differ(account.email, email):
                return account.id
    if email:
        for account in candidates:
            if account.email and not _differ(account.email, email):
                return account.id
    claimed = label is not None and any(_folded(a.profile) == label for a in candidates)
    if not claimed:
        for account in candidates:
            if account.profile is None and not _differ(account.email, email):
                return account.id
    return None


def claude_code_account(
    accounts: Iterable[Routable], config_dir: str | None, home: Path | None = None
) -> str | None:
    """The configured Claude Code account whose folder is ``config_dir`` (the process's
    ``CLAUDE_CONFIG_DIR``; None or empty: the default ``~/.claude``); None: the default."""
    home = home if home is not None else Path.home()
    wanted = _folder(config_dir, home)
    for account in accounts:
        if account.kind == "claude-code" and _folder(account.config_dir, home) == wanted:
            return account.id
    return None


def accounts_in(data: object) -> tuple[AccountLine, ...]:
    """The ``accounts`` of a parsed ``settings.json`` as far as they are sound: each entry an
    object with a valid id and a kind; the rest (damaged, from a newer version) left out.
    The full loader (``core/settings.py``) is the one that reports and repairs a bad file."""
    listed = data.get("accounts") if isinstance(data, dict) else None
    if not isinstance(listed, list):
        return ()
    found: list[AccountLine] = []
    for item in listed[:32]:
        if not isinstance(item, dict):
            continue
        account_id, kind = item.get("id"), item.get("kind")
        if not isinstance(account_id, str) or not is_account_id(account_id):
            continue
        if not isinstance(kind, str):
            continue
        found.append(
            AccountLine(
                account_id,
                kind,
                profile=_text(item.get("profile")),
                email=_text(item.get("email")),
                config_dir=_text(item.get("config_dir")),
                name=_text(item.get("name")),
            )
        )
    return tuple(found)


def _folded(text: str | None) -> str | None:
    return " ".join(text.split()).casefold() or None if text else None


def _differ(ours: str | None, theirs: str | None) -> bool:
    """Both emails known and not the same address (case aside)."""
    if not ours or not theirs:
        return False
    return ours.strip().casefold() != theirs.strip().casefold()


def _folder(config_dir: str | None, home: Path) -> str:
    """A Claude Code folder as one comparable path; None or blank is the default one."""
    text = (config_dir or "").strip()
    if not text:
        path = home / ".claude"
    elif text == "~" or text.startswith(("~/", "~\\")):
        path = home / text[2:]
    else:
        path = Path(os.path.expanduser(text))
    if not path.is_absolute():  # as Claude Code reads it: from the folder it runs in
        path = Path.cwd() / path
    return os.path.normcase(os.path.realpath(path))


def _text(value: object) -> str | None:
    return value.strip() or None if isinstance(value, str) else None
