"""Adding, removing and renaming accounts in the settings: pure functions of the settings.

``claude-meter accounts`` and the first-run window's "Add all found" both change the accounts
through these, so the rules are one: at most :data:`MAX_ACCOUNTS` named accounts, each name
once (case-insensitive, the default account's name included), no name that looks like a
secret, a renamed account keeps its id, and an id is never given twice: a removed account's id
is kept in ``Settings.retired_account_ids``, so "Work" removed and added again is a new
account (``work-2``) with a history of its own, and the removed one's readings stay apart as
"Removed account (work)" for their 90 days (its readings, notification memory and backoff
deadline are all kept by id, and the person may have removed it for a reason; joining the two
would show a stranger's past as theirs). The same goes for an id only the history holds
(readings of an account removed by hand from the file, or before ids were kept): every
caller passes the history's ids to :func:`added`, which has no default for them, so the
command line, the first-run window and the Settings window avoid the same ids
(:func:`avoided_ids`). Each function returns new settings (validated) or raises
:class:`AccountProblem`, whose message is written for the person and never quotes a name
that was refused (it may be a secret pasted in the wrong place).

Removing is one rule for every front end too (:func:`removal`): the settings without the
account, and the one keyring entry that goes with it (a named account's own; the default
account's session is kept, since it is only no longer metered).

Names and ids: a person names an account by its name, a window by its id (:class:`ById`, which
a rename never changes). No name may be another account's id (case-folded; :func:`new_name`,
:func:`renamed`), else "work" could mean the account called Work or the one whose id is
``work`` (Work renamed Office, then Home renamed Work): a name that means two accounts in
settings written before this rule is refused as ambiguous (:func:`named`) rather than guessed,
since guessing wrong removes another account and deletes its stored session.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import msgspec

from claude_meter.core import validation
from claude_meter.core.accounts import (
    DEFAULT_ID,
    MAX_ACCOUNTS,
    AccountKind,
    AccountRef,
    check_name,
    find,
    keyring_entry,
    make_id,
)
from claude_meter.core.settings import Settings, as_data, parse, problem


class AccountProblem(ValueError):
    """An account change that cannot be made; ``str()`` says why, for the person (lower case,
    no stop: the command line prints ``claude-meter: <why>.``; a window, :func:`sentence`)."""


class TooMany(AccountProblem):
    """No room for another named account; each front end adds how to remove one."""


def sentence(problem: Exception | str) -> str:
    """A rule's message (lower case, no stop) as a window's sentence."""
    text = str(problem)
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


def no_keyring(name: str, why: str | None, *, adding: bool) -> str:
    """Why a pasted session was not stored, and what to do: ``adding`` a new account, else
    replacing an expired one's session (no stop, as every rule's message)."""
    what = f"{name} was not added" if adding else f"{name}'s session was not replaced"
    again = "add it again" if adding else "paste it again"
    return (
        f"{what}: no usable keyring was found ({why or 'unknown'}), and a pasted session is "
        "kept only there, never in a file. Install or unlock a keyring (GNOME Keyring, "
        f"KWallet, KeePassXC; on macOS and Windows the system one), then {again}"
    )


def room_for_one_more(settings: Settings) -> None:
    """:class:`TooMany` when the settings hold :data:`MAX_ACCOUNTS` named accounts already
    (asked by :func:`added`, and by a window before it asks for a name)."""
    if len(settings.accounts) >= MAX_ACCOUNTS:
        raise TooMany(f"at most {MAX_ACCOUNTS} accounts besides the default one; remove one first")


def removable(settings: Settings) -> frozenset[str]:
    """The ids (:data:`DEFAULT_ID` for the default account) :func:`removal` would remove: every
    named account, and the default one while it is metered and not the only account."""
    ids = {a.id for a in settings.accounts}
    if settings.default_account and settings.accounts:
        ids.add(DEFAULT_ID)
    return frozenset(ids)


@dataclass(frozen=True)
class ById:
    """An account as a window holds it: by its id (:data:`DEFAULT_ID` for the default one),
    which a rename leaves as is, never by a name that another account may have taken since."""

    id: str


def named(settings: Settings, name: str | ById) -> AccountRef | str | None:
    """The account called ``name`` (or with the id of a :class:`ById`): an
    :class:`AccountRef`, :data:`DEFAULT_ID` for the default one (its name, ``default``), or
    None when there is none. :class:`AccountProblem` when ``name`` is one account's name and
    another's id (settings written before such names were refused): which one is meant is
    not guessed."""
    if isinstance(name, ById):
        if name.id == DEFAULT_ID:
            return DEFAULT_ID
        return next((a for a in settings.accounts if a.id == name.id), None)
    found = find(settings.accounts, name)
    folded = " ".join(name.split()).casefold()
    by_name = next((a for a in settings.accounts if a.name.casefold() == folded), None)
    if found is not None and by_name is not None and by_name != found:
        raise AccountProblem(
            f"that is the name of {by_name.name!r} and the id of {found.name!r}: rename "
            f"{by_name.name!r} first (`claude-meter accounts rename`), then try again"
        )
    if found is not None:
        return found
    folded = " ".join(name.split()).casefold()
    if folded in (settings.default_account_name.casefold(), DEFAULT_ID):
        return DEFAULT_ID
    return None


def unknown(settings: Settings) -> AccountProblem:
    """ "No such account", with the names there are."""
    names = [settings.default_account_name, *(a.name for a in settings.accounts)]
    return AccountProblem("there is no account of that name; the accounts: " + ", ".join(names))


def added(
    settings: Settings,
    name: str,
    kind: AccountKind,
    history: Iterable[str],
    /,
    *,
    browser: str | None = None,
    profile: str | None = None,
    config_dir: str | None = None,
    email: str | None = None,
) -> tuple[Settings, AccountRef]:
    """The settings with a new named account, and that account (its id made from its name,
    never one of :func:`avoided_ids`: in use, retired, or in ``history``, the ids the usage
    history holds readings of; ``()`` only where there is no history to ask)."""
    name = new_name(settings, name)
    room_for_one_more(settings)
    account = {
        "id": make_id(name, avoided_ids(settings, history)),
        "name": name,
        "kind": kind,
        "browser": browser,
        "profile": profile,
        "config_dir": config_dir,
        "email": email,
    }
    changed = _with(settings, accounts=(*as_data(settings)["accounts"], account))
    return changed, changed.accounts[-1]


def new_name(settings: Settings, name: str) -> str:
    """``name`` as a new account is called (spaces folded), or :class:`AccountProblem` when it
    cannot be one or an account has it: ``accounts add`` asks this before looking at where
    the account's numbers would come from."""
    name = _checked(name)
    if named(settings, name) is not None:
        raise AccountProblem(f"there is already an account called {name!r}")
    _not_an_id(settings, name, None)
    return name


def _not_an_id(settings: Settings, name: str, own: str | None) -> None:
    """Refuse a name that is (case-folded) the id of an account other than ``own``: "work"
    would then name two accounts (:func:`named`)."""
    folded = name.casefold()
    for account in settings.accounts:
        if account.id != own and account.id == folded:
            raise AccountProblem(
                f"{name!r} is the id of {account.name!r} (its first name): choose another name"
            )


def removed(settings: Settings, name: str | ById) -> tuple[Settings, AccountRef | None]:
    """The settings without the account called ``name`` (or with that :class:`ById` id) and
    the account removed (None: the default one, which is only turned off: ``login`` turns it
    on again)."""
    found = named(settings, name)
    if found is None:
        raise unknown(settings)
    if found == DEFAULT_ID:
        if not settings.default_account:
            raise AccountProblem(
                f"{settings.default_account_name!r} is not metered already "
                "(`claude-meter login` meters it again)"
            )
        if not settings.accounts:
            raise AccountProblem(
                f"{settings.default_account_name!r} is the only account; add another first "
                "(`claude-meter accounts add NAME ...`)"
            )
        icon = None if settings.icon_account == DEFAULT_ID else settings.icon_account
        return _with(settings, default_account=False, icon_account=icon), None
    assert isinstance(found, AccountRef)
    rest = tuple(a for a in settings.accounts if a.id != found.id)
    icon = None if settings.icon_account == found.id else settings.icon_account
    retired = tuple(dict.fromkeys((*settings.retired_account_ids, found.id)))
    changed = _with(settings, accounts=rest, icon_account=icon, retired_account_ids=retired)
    return changed, found


def used_ids(settings: Settings) -> tuple[str, ...]:
    """The ids in use and those of removed accounts."""
    return (*(a.id for a in settings.accounts), *settings.retired_account_ids)


def avoided_ids(settings: Settings, history: Iterable[str]) -> tuple[str, ...]:
    """The ids a new account cannot have: in use, of removed accounts, or found in the usage
    history (``history``), whoever adds it."""
    return tuple(dict.fromkeys((*used_ids(settings), *history)))


def unique_name(settings: Settings, base: str, taken: Iterable[str] = ()) -> str:
    """``base`` as a new account's name, numbered ("Work 2") when an account, or one of
    ``taken``, has it: the name a window offers before the person types their own."""
    used = {settings.default_account_name.casefold(), DEFAULT_ID}
    used |= {a.name.casefold() for a in settings.accounts} | {t.casefold() for t in taken}
    base = " ".join(base.split())[:40] or "Account"
    name, counter = base, 1
    while name.casefold() in used:
        counter += 1
        name = f"{base[:36]} {counter}"
    return name


@dataclass(frozen=True)
class Removal:
    """What removing one account does: the settings after, the account removed (None: the
    default one, only no longer metered) and the keyring entry to delete with it (a named
    account's own entry; None for the default account, whose session is kept)."""

    settings: Settings
    account: AccountRef | None
    secret_entry: str | None


def removal(settings: Settings, name: str | ById) -> Removal:
    """Removing the account called ``name``: :func:`removed`, and which secret goes with it.
    ``accounts remove`` and the Settings window's Remove… both do exactly this."""
    changed, account = removed(settings, name)
    entry = keyring_entry(account.id) if account is not None else None
    return Removal(changed, account, entry)


def removal_words(settings: Settings, name: str | ById, *, in_history: bool) -> tuple[str, str]:
    """The question and the details a window asks before removing ``name``: what stops,
    what is kept (its history, under which name) and what is deleted (its stored session).
    ``in_history``: the history holds readings of it. :class:`AccountProblem` as
    :func:`removal` would raise it."""
    done = removal(settings, name)
    account = done.account
    if account is None:
        default = settings.default_account_name
        return (
            f"Stop metering {default}?",
            f"{default} is the default account: it is only no longer metered. Its stored "
            "session, its choice of source and its history are kept; pasting a session in "
            "Settings meters it again.",
        )
    kept = (
        f"Kept: its usage history, shown as “Removed account ({account.id})” until it is 90 "
        "days old. An account added again under this name starts a history of its own."
        if in_history
        else "It has no usage history yet; an account added again under this name starts its own."
    )
    if account.kind == "pasted":
        deleted = "Deleted: its session stored in the keyring."
    else:
        deleted = f"Nothing else is deleted: the sign-in it read ({account.describe()}) stays."
    return f"Remove {account.name}?", f"ClaudeMeter stops metering it.\n\n{kept}\n\n{deleted}"


def earlier_id(settings: Settings, account: AccountRef, taken: Iterable[str] = ()) -> str | None:
    """The id ``account`` (just added) would have had but for an earlier account's history
    (``work`` for a new ``work-2``), or None when its id is the one its name makes."""
    plain = make_id(account.name, (a.id for a in settings.accounts if a.id != account.id))
    history = {*settings.retired_account_ids, *taken}
    return plain if plain != account.id and plain in history else None


def renamed(settings: Settings, old: str, new: str) -> Settings:
    """The settings with the account called ``old`` called ``new`` (same id)."""
    found = named(settings, old)
    if found is None:
        raise unknown(settings)
    new = _checked(new)
    other = named(settings, new)
    if other is not None and other != found:
        raise AccountProblem(f"there is already an account called {new!r}")
    _not_an_id(settings, new, found.id if isinstance(found, AccountRef) else None)
    if found == DEFAULT_ID:
        return _with(settings, default_account_name=new)
    assert isinstance(found, AccountRef)
    accounts = tuple(
        {**validation.as_json_data(a), "name": new} if a.id == found.id else a
        for a in settings.accounts
    )
    return _with(settings, accounts=accounts)


def with_email(settings: Settings, account_id: str, email: str) -> Settings:
    """The settings with the email the server gave for a named account (shown, not secret)."""
    accounts = tuple(
        {**validation.as_json_data(a), "email": email} if a.id == account_id else a
        for a in settings.accounts
    )
    try:
        return _with(settings, accounts=accounts)
    except AccountProblem:
        return settings  # an email the validators refuse is simply not kept


def _checked(name: str) -> str:
    try:
        return check_name(name)
    except ValueError as exc:
        raise AccountProblem(str(exc)) from None


def _with(settings: Settings, **changes: Any) -> Settings:
    """``settings`` changed and validated again: every type, bound and rule, as when the file
    is read (a struct built in code is checked for its rules only). ``accounts`` may hold
    :class:`AccountRef` or their data."""
    data = as_data(settings)
    # to_builtins, not JSON: a change may hold what no file can (an undecodable byte of a
    # command-line argument), for the rules to refuse in words rather than an encoder to fail
    data.update(msgspec.to_builtins(changes))
    try:
        return parse(data)
    except validation.Invalid as exc:
        raise AccountProblem(problem(exc)) from None
