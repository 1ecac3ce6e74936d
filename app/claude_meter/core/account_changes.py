"""Adding, removing and renaming accounts in the settings: pure functions of the settings.

``claude-meter accounts`` and the first-run window's "Add all found" both change the accounts
through these, so the rules are one: at most :data:`MAX_ACCOUNTS` named accounts, each name
once (case-insensitive, the default account's name included), no name that looks like a
secret, a renamed account keeps its id, and an id is never given twice: a removed account's id
is kept in ``Settings.retired_account_ids``, so "Work" removed and added again is a new
account (``work-2``) with a history of its own, and the removed one's readings stay apart as
"Removed account (work)" for their 90 days (its readings, notification memory and backoff
deadline are all kept by id, and the person may have removed it for a reason; joining the two
would show a stranger's past as theirs). Each function returns new settings (validated) or
raises :class:`AccountProblem`, whose message is written for the person and never quotes a
name that was refused (it may be a secret pasted in the wrong place).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pydantic import ValidationError

from claude_meter.core.accounts import (
    DEFAULT_ID,
    MAX_ACCOUNTS,
    AccountKind,
    AccountRef,
    check_name,
    find,
    make_id,
)
from claude_meter.core.settings import Settings


class AccountProblem(ValueError):
    """An account change that cannot be made; ``str()`` says why, for the person."""


def named(settings: Settings, name: str) -> AccountRef | str | None:
    """The account called ``name``: an :class:`AccountRef`, :data:`DEFAULT_ID` for the default
    one (its name, ``default``), or None when there is none."""
    found = find(settings.accounts, name)
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
    taken: Iterable[str] = (),
    /,
    *,
    browser: str | None = None,
    profile: str | None = None,
    config_dir: str | None = None,
    email: str | None = None,
) -> tuple[Settings, AccountRef]:
    """The settings with a new named account, and that account (its id made from its name,
    never one in use, retired, or in ``taken``: the ids the history holds readings of)."""
    name = new_name(settings, name)
    if len(settings.accounts) >= MAX_ACCOUNTS:
        raise AccountProblem(
            f"at most {MAX_ACCOUNTS} accounts besides the default one; remove one first "
            "(`claude-meter accounts remove NAME`)"
        )
    try:
        account = AccountRef(
            id=make_id(name, (*used_ids(settings), *taken)),
            name=name,
            kind=kind,
            browser=browser,
            profile=profile,
            config_dir=config_dir,
            email=email,
        )
    except ValidationError as exc:
        raise AccountProblem(_first_message(exc)) from None
    return _with(settings, accounts=(*settings.accounts, account)), account


def new_name(settings: Settings, name: str) -> str:
    """``name`` as a new account is called (spaces folded), or :class:`AccountProblem` when it
    cannot be one or an account has it: ``accounts add`` asks this before looking at where
    the account's numbers would come from."""
    name = _checked(name)
    if named(settings, name) is not None:
        raise AccountProblem(f"there is already an account called {name!r}")
    return name


def removed(settings: Settings, name: str) -> tuple[Settings, AccountRef | None]:
    """The settings without the account called ``name`` and the account removed (None: the
    default one, which is only turned off: ``login`` turns it on again)."""
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
    """The ids a new account cannot have: those in use and those of removed accounts."""
    return (*(a.id for a in settings.accounts), *settings.retired_account_ids)


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
    if found == DEFAULT_ID:
        return _with(settings, default_account_name=new)
    assert isinstance(found, AccountRef)
    accounts = tuple(
        a.model_copy(update={"name": new}) if a.id == found.id else a for a in settings.accounts
    )
    return _with(settings, accounts=accounts)


def with_email(settings: Settings, account_id: str, email: str) -> Settings:
    """The settings with the email the server gave for a named account (shown, not secret)."""
    accounts = tuple(
        a.model_copy(update={"email": email}) if a.id == account_id else a
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
    """``settings`` changed and validated again (``model_copy`` alone would not validate)."""
    data = settings.model_dump(mode="json")
    data.update(
        {
            k: [a.model_dump(mode="json") for a in v] if k == "accounts" else v
            for k, v in changes.items()
        }
    )
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        raise AccountProblem(_first_message(exc)) from None


def _first_message(exc: ValidationError) -> str:
    """The first error's message, without the input (it may be a secret)."""
    first = exc.errors(include_url=False, include_input=False)[0]
    message = str(first["msg"])
    return message.removeprefix("Value error, ")
