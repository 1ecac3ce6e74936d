"""What the History window draws for one account's organization, window and span, without Qt.

The chart's time axis runs from ``start`` to ``end``:

- **This period**: from the current period's start (the announced reset minus the window's
  length) to the reset, so the forecast runs dashed to the right edge.
- **24 hours, 7, 30, 90 days**: the span back from now; when the current period's reset comes
  within a quarter of the span, the axis runs on to it, so its forecast shows there too.

Resets are period boundaries (the store's reset events); walls are those that overlap the
span; the forecast is the current period's (:func:`~claude_meter.core.forecast.forecast_window`)
as a line from the last reading to the reset, or to the wall when that comes first.
"""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Final, Literal

import msgspec

from claude_meter.core.forecast import WALL, Sample, forecast_window, window_hours
from claude_meter.history.reads import (
    Column,
    chart_columns,
    latest_reading,
    resets_between,
    walls_since,
)

if TYPE_CHECKING:
    from claude_meter.history.store import HistoryStore
    from claude_meter.history.walls import Wall

Span = Literal["period", "24h", "7d", "30d", "90d"]

SPANS: Final[dict[Span, str]] = {
    "period": "This period",
    "24h": "24 hours",
    "7d": "7 days",
    "30d": "30 days",
    "90d": "90 days",
}
_LENGTHS: Final[dict[Span, timedelta]] = {
    "24h": timedelta(hours=24),
    "7d": timedelta(days=7),
    "30d": timedelta(days=30),
    "90d": timedelta(days=90),
}
_UNKNOWN_PERIOD: Final = timedelta(hours=24)


class ChartData(msgspec.Struct, frozen=True):
    """Everything one chart shows; times are UTC, percents 0-100 (above 100 when reported)."""

    org_uuid: str
    window_key: str
    span: Span
    start: datetime
    end: datetime
    now: datetime
    columns: tuple[Column, ...]
    column_count: int
    resets: tuple[datetime, ...]
    walls: tuple[Wall, ...]
    #: The forecast as a polyline: the last reading, then the wall or the reset.
    forecast: tuple[tuple[datetime, float], ...]
    latest: Sample | None
    account: str | None = None  # a named account's id; None: the default one

    @property
    def empty(self) -> bool:
        return not self.columns


def axis(span: Span, latest: Sample | None, key: str, now: datetime) -> tuple[datetime, datetime]:
    """The chart's time axis (see the module docstring)."""
    hours = window_hours(key)
    resets_at = latest.resets_at if latest is not None else None
    if span == "period":
        if resets_at is not None and hours is not None:
            return resets_at - timedelta(hours=hours), resets_at
        return now - _UNKNOWN_PERIOD, now
    length = _LENGTHS[span]
    end = now
    if resets_at is not None and now < resets_at <= now + length / 4:
        end = resets_at
    return now - length, end


def load_chart(
    store: HistoryStore,
    org: str,
    key: str,
    span: Span,
    now: datetime,
    columns: int,
    *,
    account: str | None = None,
) -> ChartData:
    """Read what one chart needs: at most ``columns`` rows of readings, however long the span."""
    latest = latest_reading(store, org, key, account=account)
    start, end = axis(span, latest, key, now)
    folded = chart_columns(store, org, key, start, min(end, now), columns, account=account)
    walls = walls_since(store, start - timedelta(days=8), now, org=org, window=key, account=account)
    shown = tuple(w for w in walls if (w.until or now) >= start and w.hit_at <= end)
    return ChartData(
        org,
        key,
        span,
        start,
        end,
        now,
        tuple(folded),
        columns,
        tuple(resets_between(store, org, key, start, end, account=account)),
        shown,
        _forecast_line(store, (account, org, key), latest, now),
        latest,
        account,
    )


def _forecast_line(
    store: HistoryStore,
    window: tuple[str | None, str, str],
    latest: Sample | None,
    now: datetime,
) -> tuple[tuple[datetime, float], ...]:
    account, org, key = window
    if latest is None or latest.resets_at is None or latest.resets_at <= now:
        return ()
    hours = window_hours(key)
    since = (
        latest.resets_at - timedelta(hours=hours) if hours is not None else now - _UNKNOWN_PERIOD
    )
    forecast = forecast_window(
        store.samples(org, key, since, account=account),
        latest.resets_at,
        now,
        window_hours=hours,
    )
    if not forecast.enough_data or forecast.percent_at_reset is None:
        return ()
    first = (latest.at, latest.percent)
    if latest.percent >= WALL:
        return (first, (latest.resets_at, latest.percent))
    if forecast.wall_at is not None and forecast.wall_at < latest.resets_at:
        return (first, (forecast.wall_at, WALL), (latest.resets_at, WALL))
    return (first, (latest.resets_at, forecast.percent_at_reset))


def point_text(at: datetime, low: float, high: float, tz: tzinfo | None = None) -> str:
    """What hovering or focusing a point says: ``Thu 03 Dec 14:20 · 63%`` (or a range when
    the column folds several readings)."""
    from claude_meter.core.display import format_percent, local_time

    if abs(high - low) < 0.5:
        value = format_percent(high)
    else:
        value = f"{format_percent(low)}–{format_percent(high)}"
    return f"{local_time(at, tz, day='dated')} · {value}"
