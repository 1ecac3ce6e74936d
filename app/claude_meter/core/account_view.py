"""Several accounts in one tray: which account the icon shows, and what the tooltip and the
notifications say about each. Pure functions of the accounts' states, tested as tables.

With one metered account nothing here changes a word: the icon, the tooltip and the
notifications are those of ``core/presentation.py``. With several:

- the icon shows the account holding the worst window of them all (hidden windows left
  out, as for one account), or the account the person chose (``Settings.icon_account``)
  while it is metered; ties go to the earlier account, as ties between organizations do.
  An account whose sign-in the server refused (expired, signed out) competes only when no
  other account has numbers: its last numbers stay in the popover, dimmed, but they will not
  change until the person signs in again, and the icon would otherwise freeze on them while
  a signed-in account's real figure rises unseen (the expiry is told by a notification and
  the tooltip). A reading that is only late (a network blip) still competes;
- the tooltip names the account the icon shows, then lists every account's windows, each
  line starting with the account's name (and its organization's, when it has several);
- a notification's title and body name the account (``Work: Session (5h) at 85%``,
  ``Claude session expired (Work)``);
- the popover says each account's problem once, in its own section (:func:`account_problem`),
  and its footer's age is that of the newest reading shown (:func:`newest_success`).

Each account also keeps its own schedule state across a restart (its backoff deadline,
:func:`deadline_key`) and its own notification memory (:func:`memory_prefix`): the
default account's keys are those of the time before accounts, so nothing repeats.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta, tzinfo
from typing import TYPE_CHECKING

import msgspec

from claude_meter.core.accounts import reading_key
from claude_meter.core.bidi import isolated, leading
from claude_meter.core.meter import Indicator, MeterState
from claude_meter.core.presentation import (
    APP_NAME,
    Choice,
    banner_text,
    icon_indicator,
    window_line,
    without_windows,
)

if TYPE_CHECKING:
    from claude_meter.core.policy import Route
    from claude_meter.core.settings import Settings


class AccountState(msgspec.Struct, frozen=True):
    """One metered account as the tray shows it: its reading key, its name, its state."""

    key: str | None  # None: the default account (as in readings)
    name: str
    state: MeterState

    @property
    def email(self) -> str | None:
        return next((s.account_email for s in self.state.snapshots if s.account_email), None)

    @property
    def plan(self) -> str | None:
        return next((s.plan for s in self.state.snapshots if s.plan), None)


def metered_names(settings: Settings) -> tuple[tuple[str | None, str], ...]:
    """The metered accounts in order: each one's reading key and name."""
    keys = [None if a is None else a.id for a in settings.metered]
    return tuple((key, settings.account_name(key)) for key in keys)


def default_route(settings: Settings) -> Route:
    """The route the default account's own poll takes with these settings, as far as they say:
    Claude Code's for that source, claude.ai's otherwise (``auto`` tries it first; its
    fall-back to Claude Code is followed from the result, ``qt/worker.py``)."""
    return "claude-code" if settings.source == "claude-code" else "web"


def deadline_key(route: str, account: str | None) -> str:
    """Where an account's backoff deadline is kept (``SavedState.not_before``): the route for
    the default account, as before accounts; ``route@id`` for a named one."""
    return route if account is None else f"{route}@{account}"


def memory_prefix(account: str | None) -> str:
    """What an account's notification memory keys start with (the default's: nothing)."""
    return "" if account is None else f"{account}/"


def icon_account(
    accounts: Sequence[AccountState],
    chosen: str | None,
    now: datetime,
    interval: timedelta,
    choice: Choice,
) -> tuple[AccountState, Indicator]:
    """The account the icon shows and its figure: ``chosen`` (an account id, ``default``)
    while it is metered, else the one whose figure is the highest percent used."""
    assert accounts, "at least one account is always metered"
    if chosen is not None:
        wanted = reading_key(chosen)
        for account in accounts:
            if account.key == wanted:
                return account, icon_indicator(account.state, now, interval, choice)
    best: tuple[AccountState, Indicator] | None = None
    for account in accounts:
        shown = icon_indicator(account.state, now, interval, choice)
        if shown.percent is None:
            continue
        rank = (account.state.signed_in, shown.percent)
        if best is None or (best[0].state.signed_in, best[1].percent or 0.0) < rank:
            best = (account, shown)
    if best is not None:
        return best
    first = accounts[0]
    return first, icon_indicator(first.state, now, interval, choice)


def accounts_tooltip(
    accounts: Sequence[AccountState],
    shown: AccountState,
    choice: Choice,
    *,
    tz: tzinfo | None = None,
) -> str:
    """The icon's tooltip with several accounts: whose figure the icon shows, then every
    account's windows, one a line, each line starting with its account's name."""
    lines = [f"{APP_NAME} · the icon shows {isolated(shown.name)}"]  # names: core/bidi.py
    for account in accounts:
        state = without_windows(account.state, choice.icon_hidden)
        several = len(state.snapshots) > 1
        before = len(lines)
        for snapshot in state.snapshots:
            org = f" · {isolated(snapshot.org_name)}" if several and snapshot.org_name else ""
            lines.extend(
                window_line(
                    w,
                    show_remaining=choice.show_remaining,
                    prefix=f"{leading(account.name)}{org}: ",
                    tz=tz,
                )
                for w in snapshot.windows
            )
        if len(lines) == before:
            error = state.error or next((s.error for s in state.snapshots if s.error), None)
            said = "Fetching…" if error is None else error.message
            lines.append(f"{leading(account.name)}: {said}")
    return "\n".join(lines)


def named_title(title: str, account_name: str | None) -> str:
    """A notification's title naming its account (``Work: Session (5h) at 85%``); as it was
    when only one account is metered (``account_name`` None)."""
    return title if account_name is None else f"{leading(account_name)}: {title}"


def expired_title(account_name: str | None) -> str:
    """The expired-session notification's title, naming the account when several are."""
    base = "Claude session expired"
    return base if account_name is None else f"{base} ({isolated(account_name)})"


def account_problem(account: AccountState, now: datetime, interval: timedelta) -> str | None:
    """What is wrong with one account, said once, in its own section of the popover (its
    sign-in expired, its numbers out of date), in the words one account's red banner uses;
    None when all is well. With several accounts the popover's top banner stays empty: an
    account's problem sits beside its own dimmed numbers, stays in view when the section is
    collapsed, and two accounts' problems are both said (a banner named only the first)."""
    return banner_text(account.state, now, interval)


def newest_success(accounts: Sequence[AccountState]) -> datetime | None:
    """When the newest numbers shown were read: the footer's "updated 12 s ago" with several
    accounts (None: no account has numbers yet). An account whose own numbers are out of date
    says so in its section (:func:`account_problem`), so the footer need not wait for the
    oldest: it said "not updated yet" while one account had none and another fresh ones."""
    read = [a.state.last_success for a in accounts if a.state.last_success is not None]
    return max(read) if read else None
