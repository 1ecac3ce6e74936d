"""Usage history: a SQLite store of readings, and forecasts drawn from it.

The tray and the CLI use it the same way: open the store, :meth:`HistoryStore.record` each
snapshot, then ask :func:`forecasts_for` where each window is heading.
"""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo
from typing import TYPE_CHECKING

from claude_meter.core.forecast import Forecast, Sample, forecast_window, window_hours
from claude_meter.history.store import (
    RETENTION,
    Event,
    EventKind,
    HistoryStore,
    HistoryUnavailable,
    Reading,
    default_path,
)

if TYPE_CHECKING:
    from claude_meter.core.models import Snapshot

__all__ = [
    "RETENTION",
    "Event",
    "EventKind",
    "HistoryStore",
    "HistoryUnavailable",
    "Reading",
    "default_path",
    "forecasts_for",
]

#: How far back to read a window whose length is unknown.
_UNKNOWN_WINDOW_LOOKBACK = timedelta(days=8)


def forecasts_for(
    store: HistoryStore, snapshot: Snapshot, now: datetime, *, tz: tzinfo | None = None
) -> dict[str, Forecast]:
    """A forecast per window of ``snapshot`` (keyed by window key), from the stored history.

    The snapshot's own reading is added last when the store skipped it as unchanged, so the
    forecast always runs up to the newest number.
    """
    forecasts: dict[str, Forecast] = {}
    org = snapshot.org_uuid or ""
    for window in snapshot.windows:
        hours = window_hours(window.key)
        lookback = timedelta(hours=hours) if hours is not None else _UNKNOWN_WINDOW_LOOKBACK
        samples = store.samples(org, window.key, now - lookback)
        if window.percent is not None and snapshot.error is None and not snapshot.stale:
            live = Sample(snapshot.fetched_at, window.percent, window.resets_at)
            if not samples or samples[-1].at < live.at.replace(microsecond=0):
                samples.append(live)
        forecasts[window.key] = forecast_window(
            samples, window.resets_at, now, window_hours=hours, tz=tz
        )
    return forecasts
