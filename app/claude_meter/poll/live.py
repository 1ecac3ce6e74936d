"""The live meter: the one place every reading enters, whatever its source.

:meth:`LiveMeter.accept` takes a :class:`FetchResult` (the app's own poll, a post from the
browser extension, and later the statusline and other accounts) and decides everything that
follows from it, in this order:

1. the reading is merged into the state once (``core/meter.py apply_result``, with the
   organizations the extension covers, ``core/bridge_rules.py``): last good numbers kept,
   marked stale, on any failure; the extension's fresh numbers are not marked stale by a
   failure of the app's own route, and neither source wipes the other's organizations;
2. the history records the result's own snapshots, each reading once, *for every source*;
3. notifications: thresholds crossed and an expired session, with a forecast when the
   history has one; what already notified is saved (``core/state.py``), so a restart does
   not repeat it;
4. what the front ends show (:class:`Shown`): the icon's figure and the tooltip, built by
   ``core/presentation.py`` with the person's :class:`~claude_meter.core.presentation.Choice`.

Several accounts (``core/accounts.py``): every reading carries its account
(``result.account``, None for the default one), and the meter keeps one state per metered
account: the merge, the history's "each reading once", the organizations the extension
covers and the notification memory are each account's own, so two accounts that are members
of one organization never mix. :attr:`LiveMeter.state` is the one account's state (all of
them put together when there are several), :meth:`LiveMeter.accounts` each one's;
``core/account_view.py`` decides which the icon shows and what the tooltip says. A reading
for an account no longer metered is dropped.

It has no Qt in it. The tray calls it on the GUI thread; the only thing another thread
asks of it is whether the app's own poll may be skipped (:meth:`own_poll_skipped`, on the
fetch thread), which reads under a lock only what :meth:`accept` publishes.

A little past 400 lines: the one place every reading enters, per account; splitting the
order of its steps (merge, history, notifications, what is shown) over modules would hide it.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import msgspec

from claude_meter.core.account_view import (
    AccountState,
    accounts_tooltip,
    expired_title,
    icon_account,
    memory_prefix,
    named_title,
)
from claude_meter.core.accounts import DEFAULT_NAME
from claude_meter.core.alerts import DEFAULT_THRESHOLDS, AlertMemory, crossings, session_alert
from claude_meter.core.bridge_rules import covered_orgs, good_bridge_orgs, own_fetch_needed
from claude_meter.core.meter import PARTIAL_SOURCES, Indicator, MeterState, apply_result
from claude_meter.core.models import FetchResult, Snapshot
from claude_meter.core.policy import DEFAULT_INTERVAL
from claude_meter.core.presentation import Choice, crossing_text, icon_indicator, tooltip
from claude_meter.core.state import SavedState, load_state, save_state
from claude_meter.core.statusline_rules import STATUSLINE, overlay

if TYPE_CHECKING:
    from claude_meter.history import HistoryStore, WindowInsight

log = logging.getLogger("claude_meter.live")

#: Sparklines and forecasts per (account, organization uuid, window key), from the history:
#: two accounts in one organization have their own (the account: a named account's id, None
#: for the default one).
InsightKey = tuple[str | None, str | None, str]
Insights = Mapping[InsightKey, "WindowInsight"]
#: A metered account: its reading key (None: the default one) and its name.
Metered = tuple[str | None, str]


@dataclass(frozen=True)
class Shown:
    """What every front end shows right now: the state, the icon's figure, the tooltip."""

    state: MeterState
    indicator: Indicator
    tooltip: str


@dataclass(frozen=True)
class Notification:
    """One notification. ``in_popover``: the popover says it itself for as long as it holds
    (an expired session is its red banner, or its account's line), so when no daemon shows
    it no copy is kept there: the one message stays, and goes when the session comes back."""

    title: str
    body: str
    in_popover: bool = False


@dataclass(frozen=True)
class Accepted:
    """What one reading changed: what to show, and what to tell the person."""

    shown: Shown
    notifications: tuple[Notification, ...] = ()


class LiveMeter:
    """The meter's state and every decision about it; see the module's docstring."""

    def __init__(
        self,
        *,
        history: HistoryStore | None = None,
        state_path: Path | None = None,
        interval: timedelta = DEFAULT_INTERVAL,
        thresholds: tuple[float, ...] = DEFAULT_THRESHOLDS,
        choice: Choice | None = None,
        remember: Callable[[FetchResult, datetime], None] | None = None,
        saved: SavedState | None = None,
    ) -> None:
        """``saved``: the state already read from ``state_path`` (the tray reads it once, for
        its first poll too, so a damaged file is said once); None reads it here."""
        self.history = history
        #: What writes a reading into the history, when not ``history.record``: the demo's
        #: seeding (``poll/demo_seeding.py``), which holds readings back while it writes a past.
        self.writer: Callable[[Snapshot], object] | None = None
        self._remember = remember  # the shared last-readings file (readings/), or None
        self.interval = interval
        self.thresholds = tuple(thresholds)
        self.choice = choice or Choice()
        self.icon_account: str | None = None  # Settings.icon_account: None, the worst
        self._metered: tuple[Metered, ...] = ((None, DEFAULT_NAME),)
        self._states: dict[str | None, MeterState] = {}  # account -> its state
        self._state_path = state_path
        self._saved = saved if saved is not None else load_state(state_path)
        self._memory = AlertMemory(dict(self._saved.notified))
        # (account, org) -> last reading recorded
        self._recorded: dict[tuple[str | None, str | None], Snapshot] = {}
        # What the fetch threads read (own_poll_skipped), published under the lock; each
        # keyed by (account, org), or by account:
        self._lock = threading.Lock()
        self._seen: dict[tuple[str | None, str], datetime] = {}  # last good partial reading
        self._latest: dict[tuple[str | None, str], Snapshot] = {}  # that snapshot
        self._known: dict[str | None, tuple[str | None, ...]] = {}
        self._forced: set[str | None] = set()

    @property
    def saved(self) -> SavedState:
        """What survives a restart (the poll's backoff deadline, what already notified)."""
        return self._saved

    def configure(
        self,
        *,
        interval: timedelta | None = None,
        thresholds: tuple[float, ...] | None = None,
        choice: Choice | None = None,
    ) -> None:
        if interval is not None:
            self.interval = interval
        if thresholds is not None:
            self.thresholds = tuple(thresholds)
        if choice is not None:
            self.choice = choice

    def set_accounts(self, metered: tuple[Metered, ...], icon_account: str | None = None) -> None:
        """The accounts metered, in order, with their names; the icon's chosen account.

        An account no longer metered is forgotten (its numbers leave the popover); one added
        starts empty, as at start-up.
        """
        assert metered, "at least one account is always metered"
        self._metered = tuple(metered)
        self.icon_account = icon_account
        keys = {key for key, _ in metered}
        self._states = {key: st for key, st in self._states.items() if key in keys}
        with self._lock:
            self._known = {key: orgs for key, orgs in self._known.items() if key in keys}

    @property
    def several(self) -> bool:
        """More than one account is metered: texts name their account."""
        return len(self._metered) > 1

    def metered(self, account: str | None) -> bool:
        return any(key == account for key, _ in self._metered)

    def accounts(self) -> tuple[AccountState, ...]:
        """Each metered account's state, in order."""
        return tuple(
            AccountState(key, name, self._states.get(key, MeterState()))
            for key, name in self._metered
        )

    @property
    def state(self) -> MeterState:
        """The one account's state; with several, all of them put together (their
        organizations in the accounts' order), for what does not care whose they are."""
        if not self.several:
            return self._states.get(self._metered[0][0], MeterState())
        return _together([a.state for a in self.accounts()])

    # -- the one entry ------------------------------------------------------------------------

    def accept(self, result: FetchResult, now: datetime) -> Accepted:
        """Take one reading from any source; returns what to show and what to notify."""
        account = result.account
        if not self.metered(account):
            log.debug("a reading for an account no longer metered is dropped")
            return Accepted(self.shown(now))
        before = self._states.get(account, MeterState())
        reading = result
        if result.source == STATUSLINE:  # its two windows laid over what the meter holds
            reading = overlay(before.snapshots, result)
        with self._lock:
            if reading.source in PARTIAL_SOURCES:  # fresh ones cover their organizations
                good = good_bridge_orgs(reading)
                self._seen.update({(account, org): at for org, at in good.items()})
                self._latest.update(
                    {(account, s.org_uuid): s for s in reading.snapshots if s.org_uuid in good}
                )
            covered = self._covered(account, now)
        after = apply_result(before, reading, covered)  # the one merge
        if after is before:  # the extension's whole-poll failure, while there are numbers
            return Accepted(self.shown(now))
        self._states[account] = after
        with self._lock:
            self._known[account] = tuple(s.org_uuid for s in after.snapshots)
        self._record(result)
        if self._remember is not None and result.source != STATUSLINE:  # it wrote its own
            self._remember(result, now)
        return Accepted(self.shown(now), self._notifications(result, after, now))

    def _covered(self, account: str | None, now: datetime) -> frozenset[str]:
        """Under the lock: the organizations of ``account`` a fresh partial reading covers."""
        seen = {org: at for (key, org), at in self._seen.items() if key == account}
        return covered_orgs(seen, now)

    def _record(self, result: FetchResult) -> None:
        """The result's own snapshots into the history, each reading once (a skipped poll
        hands the extension's last snapshots back: they are not recorded twice)."""
        if self.history is None:
            return
        from claude_meter.history import HistoryUnavailable

        for snapshot in result.snapshots:
            whose = (snapshot.account, snapshot.org_uuid)
            if self._recorded.get(whose) == snapshot:
                continue  # this very reading, handed back again
            try:
                (self.writer or self.history.record)(snapshot)
            except (HistoryUnavailable, sqlite3.Error) as exc:
                log.warning("could not record history: %s", exc)
                continue
            self._recorded[whose] = snapshot

    def _notifications(
        self, result: FetchResult, state: MeterState, now: datetime
    ) -> tuple[Notification, ...]:
        notes: list[Notification] = []
        account = result.account
        prefix = memory_prefix(account)
        name = self._name(account) if self.several else None
        due, self._memory = crossings(state.snapshots, self._memory, self.thresholds, prefix=prefix)
        insights: Insights | None = self.insights(now) if due else None
        for crossing in due:
            title, body = crossing_text(
                crossing, now, show_remaining=self.choice.show_remaining, account_name=name
            )
            window = (result.account, crossing.org_uuid, crossing.window.key)
            forecast = _forecast_text(insights or {}, window)
            notes.append(
                Notification(named_title(title, name), f"{body}\n{forecast}" if forecast else body)
            )
        # Once, until signed in; judged on what the meter now shows for this source.
        shown = msgspec.structs.replace(result, snapshots=state.snapshots, error=state.error)
        expired, self._memory = session_alert(self._memory, shown, prefix=prefix)
        if expired is not None:
            notes.append(Notification(expired_title(name), expired.message, in_popover=True))
        if due or self._memory.notified != self._saved.notified:
            self._save(notified=dict(self._memory.notified))
        return tuple(notes)

    def _name(self, account: str | None) -> str:
        return next((name for key, name in self._metered if key == account), DEFAULT_NAME)

    # -- what the front ends ask --------------------------------------------------------------

    def shown(self, now: datetime) -> Shown:
        """The icon's figure and the tooltip for the state as it is at ``now``."""
        if not self.several:
            state = self.state
            return Shown(
                state,
                icon_indicator(state, now, self.interval, self.choice),
                tooltip(state, self.choice),
            )
        accounts = self.accounts()
        account, figure = icon_account(accounts, self.icon_account, now, self.interval, self.choice)
        return Shown(self.state, figure, accounts_tooltip(accounts, account, self.choice))

    def mark_fetching(self, account: str | None = None) -> None:
        """A poll started: after a sleep the numbers dim now, not when it returns."""
        state = self._states.get(account, MeterState())
        if not state.fetching and self.metered(account):
            self._states[account] = replace(state, fetching=True)

    def insights(self, now: datetime) -> dict[InsightKey, WindowInsight]:
        """Sparklines and forecasts from the history, per account, organization and window;
        empty when there is no history."""
        if self.history is None:
            return {}
        from claude_meter.history import HistoryUnavailable, insights_for

        found: dict[InsightKey, WindowInsight] = {}
        try:
            for snapshot in self.state.snapshots:  # every account's
                for key, insight in insights_for(self.history, snapshot, now).items():
                    found[(snapshot.account, snapshot.org_uuid, key)] = insight
        except (HistoryUnavailable, sqlite3.Error) as exc:
            log.warning("history unreadable: %s", exc)
        return found

    # -- the app's own poll -------------------------------------------------------------------

    def force_own_poll(self) -> None:
        """The next own poll of every account reads claude.ai even if the extension covers
        everything."""
        with self._lock:
            self._forced = {key for key, _ in self._metered}

    def own_poll_skipped(self, now: datetime, account: str | None = None) -> FetchResult | None:
        """On a fetch thread: None when the app must read claude.ai itself for ``account``;
        otherwise the extension's fresh snapshots, which stand in for the poll (see
        ``bridge_rules``)."""
        with self._lock:
            covered = self._covered(account, now)
            forced = account in self._forced
            self._forced.discard(account)
            known = self._known.get(account, ())
            latest = tuple(
                s for (key, org), s in self._latest.items() if key == account and org in covered
            )
        if own_fetch_needed(known, covered, forced):
            return None
        log.debug("own fetch skipped: fresh readings cover %d organization(s)", len(covered))
        return FetchResult(source="extension", fetched_at=now, snapshots=latest).for_account(
            account
        )

    def remember_deadline(
        self, route: str, deadline: datetime | None, holds_refresh: bool = True
    ) -> None:
        """The backoff deadline for ``route``, kept across a restart, and whether it holds
        back Refresh (not a sign-in error's: ``core/policy.py``)."""
        not_before = dict(self._saved.not_before)
        free = [key for key in self._saved.sign_in_backoff if key != route]
        if deadline is None:
            not_before.pop(route, None)
        else:
            not_before[route] = deadline
            if not holds_refresh:
                free.append(route)
        self._save(not_before=not_before, sign_in_backoff=tuple(free))

    def _save(self, **changes: object) -> None:
        self._saved = msgspec.structs.replace(self._saved, **changes)
        save_state(self._saved, self._state_path)


class OwnPoll:
    """The tray's scheduled poll of one account, on its fetch thread: ``fetch`` unless the
    extension covers every organization the meter knows for it (the skip rule is the
    meter's)."""

    def __init__(
        self,
        fetch: Callable[[], FetchResult],
        meter: LiveMeter,
        clock: Callable[[], datetime],
        account: str | None = None,
    ) -> None:
        self._fetch = fetch
        self._meter = meter
        self._clock = clock
        self.account = account

    def __call__(self) -> FetchResult:
        now = self._clock()
        if not self._meter.metered(self.account):  # the default account, turned off
            return FetchResult(source="web", fetched_at=now, account=self.account)
        skipped = self._meter.own_poll_skipped(now, self.account)
        return skipped if skipped is not None else self._fetch()


def _together(states: list[MeterState]) -> MeterState:
    """Several accounts' states as one: every organization, the first whole-poll error of
    an account that has no numbers, the oldest success (None until each had one)."""
    successes = [s.last_success for s in states]
    attempts = [s.last_attempt for s in states if s.last_attempt is not None]
    return MeterState(
        snapshots=tuple(snapshot for state in states for snapshot in state.snapshots),
        error=next((s.error for s in states if s.error is not None and not s.snapshots), None),
        last_success=None if None in successes else min(s for s in successes if s),
        last_attempt=max(attempts) if attempts else None,
        fetching=any(s.fetching for s in states),
        signed_in=all(s.signed_in for s in states),
    )


def _forecast_text(insights: Insights, window: InsightKey) -> str | None:
    insight = insights.get(window)
    if insight is None or not insight.forecast.enough_data:
        return None
    return insight.forecast.summary[0].upper() + insight.forecast.summary[1:] + "."
