"""Usage history: a SQLite store of readings, and forecasts drawn from it.

The tray and the CLI use it the same way: open the store, :meth:`HistoryStore.record` each
snapshot, then ask :func:`forecasts_for` where each window is heading.
"""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo
from typing import TYPE_CHECKING

import msgspec

from claude_meter.core.forecast import (
    Forecast,
    Sample,
    current_period,
    forecast_window,
    window_hours,
)
from claude_meter.history.database import HistoryUnavailable
from claude_meter.history.store import (
    EVERY,
    RETENTION,
    AccountFilter,
    Event,
    EventKind,
    HistoryStore,
    Reading,
    default_path,
)

if TYPE_CHECKING:
    from claude_meter.core.models import Snapshot

__all__ = [
    "EVERY",
    "RETENTION",
    "AccountFilter",
    "Event",
    "EventKind",
    "HistoryStore",
    "HistoryUnavailable",
    "Reading",
    "WindowInsight",
    "default_path",
    "forecasts_for",
    "insights_for",
]

#: How far back to read a window whose length is unknown.
_UNKNOWN_WINDOW_LOOKBACK = timedelta(days=8)


class WindowInsight(msgspec.Struct, frozen=True):
    """What the popover draws beside a window: its readings this period, and the forecast."""

    samples: tuple[Sample, ...]
    forecast: Forecast


def insights_for(
    store: HistoryStore, snapshot: Snapshot, now: datetime, *, tz: tzinfo | None = None
) -> dict[str, WindowInsight]:
    """Per window of ``snapshot`` (keyed by window key): the current period's readings of its
    account and organization, with the snapshot's own reading added last when the store
    skipped it as unchanged, and the forecast drawn from them."""
    insights: dict[str, WindowInsight] = {}
    org = snapshot.org_uuid or ""
    for window in snapshot.windows:
        hours = window_hours(window.key)
        lookback = timedelta(hours=hours) if hours is not None else _UNKNOWN_WINDOW_LOOKBACK
        samples = store.samples(org, window.key, now - lookback, account=snapshot.account)
        if window.percent is not None and snapshot.error is None and not snapshot.stale:
            live = Sample(snapshot.fetched_at, window.percent, window.resets_at)
            if not samples or samples[-1].at < live.at.replace(microsecond=0):
                samples.append(live)
        period = current_period(samples, window.resets_at, now, window_hours=hours)
        forecast = forecast_window(samples, window.resets_at, now, window_hours=hours, tz=tz)
        insights[window.key] = WindowInsight(tuple(period), forecast)
    return insights


def forecasts_for(
    store: HistoryStore, snapshot: Snapshot, now: datetime, *, tz: tzinfo | None = None
) -> dict[str, Forecast]:
    """A forecast per window of ``snapshot`` (keyed by window key), from the stored history."""
    return {key: i.forecast for key, i in insights_for(store, snapshot, now, tz=tz).items()}
