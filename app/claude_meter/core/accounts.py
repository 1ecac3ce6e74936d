"""Accounts: the claude.ai or Claude Code sign-ins the person meters side by side.

An account is a name the person chose ("Personal", "Work") and where its credential comes
from. The settings hold only these names and references; an account's pasted session lives
in the keyring under its own entry (:func:`keyring_entry`), never in a file.

There is always the *default account*: the one ``claude-meter login``/``logout`` act on,
polled with the settings' ``source`` (``auto`` unless chosen), its session in the keyring's
original entry. Its id is :data:`DEFAULT_ID` and in readings (snapshots, history,
``last-readings.json``) it is ``None``, so everything recorded before accounts existed
belongs to it. The person may rename it, or leave it out once named accounts cover what
they use (``accounts remove``; ``login`` brings it back).

A named account has an id made once from its first name (:func:`make_id`): renaming keeps
the id, so its keyring entry, history and stored readings follow the new name.

Kinds of named account:

- ``browser``: a browser profile's claude.ai cookies (``browser``, optional ``profile``);
- ``pasted``: a session pasted once, kept in the account's own keyring entry;
- ``claude-code``: Claude Code's sign-in in ``config_dir`` (``None``: the default
  ``~/.claude``; else a ``CLAUDE_CONFIG_DIR``); read-only, never refreshed;
- ``extension``: what the browser extension posts from one browser profile
  (``profile``: the extension's profile label; ``None``: any profile not claimed by
  another extension account).

A named account *owns* its browser profile and its Claude Code folder: the default account's
``auto`` search (and ``web``'s browsers) leaves them alone (:func:`browser_owner`,
:func:`claude_code_owner`), so one person's numbers are not shown twice under two names,
nor a named account's under Default. What the default is given explicitly (its keyring
entry, ``CLAUDE_METER_COOKIE``, ``CLAUDE_CODE_OAUTH_TOKEN``, a browser or source chosen for
it) stays its own.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Annotated, Final, Literal

import msgspec

from claude_meter.core import validation

# Re-exported: the default account's id and name, and what its history is called live in the light
# module that `claude-meter history` can load without the models.
from claude_meter.core.account_names import DEFAULT_ID as DEFAULT_ID
from claude_meter.core.account_names import DEFAULT_NAME as DEFAULT_NAME
from claude_meter.core.account_names import is_account_id as is_account_id
from claude_meter.core.account_names import shown_name as shown_name

#: At most this many named accounts (the default one besides).
MAX_ACCOUNTS: Final = 8

AccountKind = Literal["browser", "pasted", "claude-code", "extension"]

KIND_LABELS: Final[dict[str, str]] = {
    "browser": "browser profile",
    "pasted": "pasted session",
    "claude-code": "Claude Code sign-in",
    "extension": "browser extension",
}

#: Text that must never be stored as a name or a reference (a session key, a token, a
#: cookie header): the settings file refuses it.
SECRET_LIKE: Final = re.compile(r"sk-ant-|sessionKey|Bearer\s|cookie\s*:", re.IGNORECASE)


class AccountRef(msgspec.Struct, frozen=True, kw_only=True):
    """One named account as the settings keep it: names and references, never a secret.

    Its rules hold wherever it is built (``__post_init__``); its bounds where the settings
    are parsed (``core/validation.py``). Errors never quote what was given: a bad file or a
    slip may hold a secret.
    """

    id: Annotated[str, msgspec.Meta(min_length=1, max_length=32)]
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=40)]
    kind: AccountKind
    browser: Annotated[str, msgspec.Meta(max_length=40)] | None = None
    profile: Annotated[str, msgspec.Meta(max_length=200)] | None = None
    config_dir: Annotated[str, msgspec.Meta(max_length=1024)] | None = None
    #: The account's email once the server has told it (shown; never used to sign in).
    email: Annotated[str, msgspec.Meta(max_length=320)] | None = None

    def __post_init__(self) -> None:
        """The rules, in field order; a refusal names its field (:class:`validation.Refused`)."""
        if not is_account_id(self.id):
            raise validation.Refused(
                "id", "an account id is 1 to 32 lowercase letters, digits or -"
            )
        try:
            msgspec.structs.force_setattr(self, "name", check_name(self.name))
        except ValueError as exc:
            raise validation.Refused("name", str(exc)) from None
        for field in ("browser", "profile", "config_dir", "email"):
            msgspec.structs.force_setattr(self, field, _reference(field, getattr(self, field)))

    @property
    def key(self) -> str:
        """The id readings carry for this account (see :func:`reading_key`)."""
        return self.id

    def describe(self) -> str:
        """Where its credential comes from, in the person's words (no secret)."""
        if self.kind == "browser":
            where = self.browser or "a browser"
            return f"{where} ({self.profile})" if self.profile else where
        if self.kind == "claude-code":
            return f"Claude Code in {self.config_dir}" if self.config_dir else "Claude Code"
        if self.kind == "extension":
            profile = f" ({self.profile})" if self.profile else ""
            return f"browser extension{profile}"
        return "pasted session"


def check_name(value: str) -> str:
    """An account name as typed: trimmed, 1 to 40 printable characters, not a secret.

    :class:`ValueError` says what is wrong, never quoting the text (it may be a secret).
    """
    name = " ".join(value.split())
    if not name:
        raise ValueError("an account name cannot be empty")
    if not_unicode(name):
        raise ValueError("an account name must be valid Unicode text")
    if len(name) > 40:
        raise ValueError("an account name is at most 40 characters")
    if _has_control(name):
        raise ValueError("an account name cannot hold control characters")
    if SECRET_LIKE.search(name):
        raise ValueError("this looks like a secret, not a name; secrets belong in the keyring")
    return name


def make_id(name: str, taken: Iterable[str]) -> str:
    """A new account's stable id from its name: ``Work Team`` -> ``work-team``, unique among
    ``taken`` (``work-team-2`` ...); never :data:`DEFAULT_ID`."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    base = re.sub(r"[^a-z0-9]+", "-", folded).strip("-")[:24] or "account"
    used = set(taken) | {DEFAULT_ID}
    candidate, counter = base, 1
    while candidate in used:
        counter += 1
        candidate = f"{base}-{counter}"
    return candidate


def keyring_entry(account_id: str | None) -> str:
    """The keyring entry holding an account's pasted session (the default: the original)."""
    if account_id is None or account_id == DEFAULT_ID:
        return "claude.ai session"
    return f"claude.ai session ({account_id})"


def reading_key(account_id: str | None) -> str | None:
    """What readings carry for an account: None for the default one, else its id."""
    return None if account_id in (None, DEFAULT_ID) else account_id


def find(accounts: Sequence[AccountRef], wanted: str) -> AccountRef | None:
    """The named account called ``wanted``: the one whose id it is exactly, else the one whose
    name it is (case-insensitive). An id wins over a name: an id is what a window or a script
    holds, and it never changes (``core/account_changes`` refuses a name that is another
    account's id, and says so where settings written before that rule hold one)."""
    for account in accounts:
        if account.id == wanted:
            return account
    folded = " ".join(wanted.split()).casefold()
    for account in accounts:
        if account.name.casefold() == folded:
            return account
    return None


def browser_owner(
    accounts: Sequence[AccountRef], browser: str, names: Iterable[str | None]
) -> AccountRef | None:
    """The named browser account that reads this browser's profile (known by its folder
    ``names`` and display name); one with no ``profile`` reads every profile of its browser."""
    folded = {n.strip().casefold() for n in names if n and n.strip()}
    for account in accounts:
        if account.kind != "browser" or (account.browser or "").casefold() != browser.casefold():
            continue
        if account.profile is None or account.profile.casefold() in folded:
            return account
    return None


def claude_code_owner(
    accounts: Sequence[AccountRef], folder: Path, home: Path
) -> AccountRef | None:
    """The named Claude Code account that reads the sign-in in ``folder`` (an account without
    a ``config_dir`` reads ``~/.claude`` of ``home``)."""

    def same(one: Path, other: Path) -> bool:
        return one.expanduser().resolve(strict=False) == other.expanduser().resolve(strict=False)

    for account in accounts:
        if account.kind != "claude-code":
            continue
        own = Path(account.config_dir) if account.config_dir else home / ".claude"
        if same(own, folder):
            return account
    return None


def check_accounts(accounts: Sequence[AccountRef]) -> tuple[AccountRef, ...]:
    """At most :data:`MAX_ACCOUNTS`, each id and name once (names case-insensitive)."""
    if len(accounts) > MAX_ACCOUNTS:
        raise ValueError(f"at most {MAX_ACCOUNTS} accounts")
    ids = [a.id for a in accounts]
    names = [a.name.casefold() for a in accounts]
    if len(set(ids)) != len(ids) or len(set(names)) != len(names):
        raise ValueError("each account needs its own name")
    return tuple(accounts)


#: What each reference is, for the person: "the folder name is not valid Unicode text".
_REFERENCES: Final = {
    "browser": "browser name",
    "profile": "profile name",
    "config_dir": "folder name",
    "email": "email",
}


def _reference(field: str, value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    if not_unicode(value):  # an undecodable byte in a typed name or a folder's name
        raise validation.Refused(field, f"the {_REFERENCES[field]} is not valid Unicode text")
    if SECRET_LIKE.search(value) or _has_control(value):
        # Not repeated in the message: a bad file may hold anything, even a secret.
        raise validation.Refused(
            field, "this is not a name or a folder; secrets belong in the keyring"
        )
    return value.strip()


def not_unicode(text: str) -> bool:
    """``text`` holds a lone surrogate: a byte the system could not decode (a command-line
    argument, a folder's name) or JSON's ``"\ud800"``. Such text cannot be written as UTF-8,
    so the settings refuse it, as they always did."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _has_control(text: str) -> bool:
    return any(unicodedata.category(ch) in ("Cc", "Cf") for ch in text)
