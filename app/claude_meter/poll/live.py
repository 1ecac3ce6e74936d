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

It has no Qt in it. The tray calls it on the GUI thread; the only thing another thread
asks of it is whether the app's own poll may be skipped (:meth:`own_poll_skipped`, on the
fetch thread), which reads under a lock only what :meth:`accept` publishes.
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


@dataclass(frozen=True)
class Shown:
    """What every front end shows right now: the state, the icon's figure, the tooltip."""

    state: MeterState
    indicator: Indicator
    tooltip: str


@dataclass(frozen=True)
class Notification:
    title: str
    body: str


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
    ) -> None:
        self.history = history
        self._remember = remember  # the shared last-readings file (readings/), or None
        self.interval = interval
        self.thresholds = tuple(thresholds)
        self.choice = choice or Choice()
        self.state = MeterState()
        self._state_path = state_path
        self._saved = load_state(state_path)
        self._memory = AlertMemory(dict(self._saved.notified))
        # (account, org) -> the last reading recorded
        self._recorded: dict[tuple[str | None, str | None], Snapshot] = {}
        # What the fetch thread reads (own_poll_skipped), published under the lock:
        self._lock = threading.Lock()
        self._seen: dict[str, datetime] = {}  # org -> last good extension/statusline time
        self._latest: dict[str, Snapshot] = {}  # org -> that snapshot
        self._known: tuple[str | None, ...] = ()
        self._forced = False

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

    # -- the one entry ------------------------------------------------------------------------

    def accept(self, result: FetchResult, now: datetime) -> Accepted:
        """Take one reading from any source; returns what to show and what to notify."""
        reading = result
        if result.source == STATUSLINE:  # its two windows laid over what the meter holds
            reading = overlay(self.state.snapshots, result)
        with self._lock:
            if reading.source in PARTIAL_SOURCES:  # fresh ones cover their organizations
                good = good_bridge_orgs(reading)
                self._seen.update(good)
                self._latest.update(
                    {s.org_uuid: s for s in reading.snapshots if s.org_uuid in good}
                )
            covered = covered_orgs(self._seen, now)
        before = self.state
        self.state = apply_result(before, reading, covered)  # the one merge
        if self.state is before:  # the extension's whole-poll failure, while there are numbers
            return Accepted(self.shown(now))
        with self._lock:
            self._known = tuple(s.org_uuid for s in self.state.snapshots)
        self._record(result)
        if self._remember is not None and result.source != STATUSLINE:  # it wrote its own
            self._remember(result, now)
        return Accepted(self.shown(now), self._notifications(result, now))

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
                self.history.record(snapshot)
            except (HistoryUnavailable, sqlite3.Error) as exc:
                log.warning("could not record history: %s", exc)
                continue
            self._recorded[whose] = snapshot

    def _notifications(self, result: FetchResult, now: datetime) -> tuple[Notification, ...]:
        notes: list[Notification] = []
        due, self._memory = crossings(self.state.snapshots, self._memory, self.thresholds)
        insights: Insights | None = self.insights(now) if due else None
        for crossing in due:
            title, body = crossing_text(crossing, now, show_remaining=self.choice.show_remaining)
            window = (result.account, crossing.org_uuid, crossing.window.key)
            forecast = _forecast_text(insights or {}, window)
            notes.append(Notification(title, f"{body}\n{forecast}" if forecast else body))
        # Once, until signed in; judged on what the meter now shows for this source.
        shown = result.model_copy(
            update={"snapshots": self.state.snapshots, "error": self.state.error}
        )
        expired, self._memory = session_alert(self._memory, shown)
        if expired is not None:
            notes.append(Notification("Claude session expired", expired.message))
        if due or self._memory.notified != self._saved.notified:
            self._save(notified=dict(self._memory.notified))
        return tuple(notes)

    # -- what the front ends ask --------------------------------------------------------------

    def shown(self, now: datetime) -> Shown:
        """The icon's figure and the tooltip for the state as it is at ``now``."""
        return Shown(
            self.state,
            icon_indicator(self.state, now, self.interval, self.choice),
            tooltip(self.state, self.choice),
        )

    def mark_fetching(self) -> None:
        """A poll started: after a sleep the numbers dim now, not when it returns."""
        if not self.state.fetching:
            self.state = replace(self.state, fetching=True)

    def insights(self, now: datetime) -> dict[InsightKey, WindowInsight]:
        """Sparklines and forecasts from the history, per account, organization and window;
        empty when there is no history."""
        if self.history is None:
            return {}
        from claude_meter.history import HistoryUnavailable, insights_for

        found: dict[InsightKey, WindowInsight] = {}
        try:
            for snapshot in self.state.snapshots:
                for key, insight in insights_for(self.history, snapshot, now).items():
                    found[(snapshot.account, snapshot.org_uuid, key)] = insight
        except (HistoryUnavailable, sqlite3.Error) as exc:
            log.warning("history unreadable: %s", exc)
        return found

    # -- the app's own poll -------------------------------------------------------------------

    def force_own_poll(self) -> None:
        """The next own poll reads claude.ai even if the extension covers everything."""
        with self._lock:
            self._forced = True

    def own_poll_skipped(self, now: datetime) -> FetchResult | None:
        """On the fetch thread: None when the app must read claude.ai itself; otherwise the
        extension's fresh snapshots, which stand in for the poll (see ``bridge_rules``)."""
        with self._lock:
            covered = covered_orgs(self._seen, now)
            forced, self._forced = self._forced, False
            known = self._known
            latest = tuple(s for org, s in self._latest.items() if org in covered)
        if own_fetch_needed(known, covered, forced):
            return None
        log.debug("own fetch skipped: fresh readings cover %d organization(s)", len(covered))
        return FetchResult(source="extension", fetched_at=now, snapshots=latest)

    def remember_deadline(self, route: str, deadline: datetime | None) -> None:
        """The server's backoff deadline for ``route``, kept across a restart."""
        not_before = dict(self._saved.not_before)
        if deadline is None:
            not_before.pop(route, None)
        else:
            not_before[route] = deadline
        self._save(not_before=not_before)

    def _save(self, **changes: object) -> None:
        self._saved = self._saved.model_copy(update=changes)
        save_state(self._saved, self._state_path)


class OwnPoll:
    """The tray's scheduled poll, on its fetch thread: ``fetch`` unless the extension covers
    every organization the meter knows (the skip rule is the meter's)."""

    def __init__(
        self,
        fetch: Callable[[], FetchResult],
        meter: LiveMeter,
        clock: Callable[[], datetime],
    ) -> None:
        self._fetch = fetch
        self._meter = meter
        self._clock = clock

    def __call__(self) -> FetchResult:
        skipped = self._meter.own_poll_skipped(self._clock())
        return skipped if skipped is not None else self._fetch()


def _forecast_text(insights: Insights, window: InsightKey) -> str | None:
    insight = insights.get(window)
    if insight is None or not insight.forecast.enough_data:
        return None
    return insight.forecast.summary[0].upper() + insight.forecast.summary[1:] + "."
