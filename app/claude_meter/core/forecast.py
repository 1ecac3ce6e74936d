"""Where a usage window is heading, from the server's own readings: pace, the percent at the
reset, and when the wall (100 %) comes if it comes first.

Pure functions of the readings, the window's ``resets_at`` and ``now`` (passed in, never read
from the system clock), so the tray, the CLI and the tests agree on every number.

The current period
------------------
Only readings of the window's current period count. A reading belongs to it when it is not
after ``now``, not before ``resets_at - window_hours`` (when both are known), and not before
the last *period boundary* in the series: a reading whose ``resets_at`` moved forward by more
than :data:`RESET_MOVE`, or whose percent fell by :data:`RESET_DROP_POINTS` or more, starts a
new period (:func:`starts_new_period`; the history store records its reset events by the
same rule).

Enough data
-----------
At least :data:`MIN_READINGS` (2) readings in the current period, the first and the last at
least :data:`MIN_SPAN` (30 minutes) apart. Anything less gives ``enough_data=False``, every
figure ``None`` and the summary "not enough data yet": no guessing from a single reading.
Readings are what the history stored: it skips unchanged readings but writes one at least
every 15 minutes, so a flat stretch is seen as flat, not as a gap. Pass the latest live
reading last; it is taken as the value now.

The paces
---------
``pace_per_hour`` is the rise from the period's first reading to its last, divided by the
time between them: a time average. It is deliberately not a regression over the readings:
the store writes a row per change, so bursts have many rows and flat stretches few, and a
least-squares fit would weigh the bursts; a median of slopes (Theil-Sen) would read one big
burst after a quiet hour as no pace at all. ``recent_pace_per_hour`` is the rise over the last
hour (:data:`RECENT`), the value an hour before the last reading being the last reading at or
before it (readings hold until they change); when the period is younger than that, it is the
period's pace. Both are clamped at 0: use within a period does not go down.

The projection
--------------
``percent_at_reset = current + pace * hours until resets_at``. The wall is
``now + (100 - current) / pace``, reported only when it comes before the reset (or when the
reset is unknown). ``fast_burn`` is set when the last hour's pace would reach 100 % before the
reset; ``fast_wall_at`` is then that moment (else ``None``). A window already at 100 %
reports when it got there (``wall_at`` in the past), its current percent as
``percent_at_reset`` (when there is enough data) and is not "fast burning" any more. A
``resets_at`` that is already past means the window is resetting: no forecast.

Which pace a short line speaks of
---------------------------------
The two paces can disagree: a quiet week then a busy hour is "on pace for 22 % at the reset"
over the period and "100 % before the reset" over the last hour. A line that flags a fast
burn says the wall the flag is about, whichever of the two walls comes first (the last
hour's, named as such, or the period's): never a period figure under the flag
(:func:`shown_wall`; the sparkline's dashed line ends there too). The summary (the tooltip,
the CLI) says both.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta, tzinfo
from typing import Final

import msgspec

from claude_meter.core.display import format_duration, format_percent, local_time

MIN_READINGS: Final = 2
MIN_SPAN: Final = timedelta(minutes=30)
RECENT: Final = timedelta(hours=1)
RESET_DROP_POINTS: Final = 5.0
RESET_MOVE: Final = timedelta(minutes=10)
WALL: Final = 100.0
_HORIZON_HOURS: Final = 24 * 366.0  # no window is longer; beyond it a pace means "never"

NOT_ENOUGH_DATA: Final = "not enough data yet"
RESETTING: Final = "resetting now: no forecast"


class Sample(msgspec.Struct, frozen=True):
    """One stored reading of one window: when, how full, and the reset the server announced."""

    at: datetime
    percent: float
    resets_at: datetime | None = None


class Forecast(msgspec.Struct, frozen=True):
    """Where one window is heading; see the module docstring for every definition."""

    percent_at_reset: float | None
    wall_at: datetime | None
    fast_burn: bool
    pace_per_hour: float | None
    recent_pace_per_hour: float | None
    enough_data: bool
    summary: str
    fast_wall_at: datetime | None = None


_UNKNOWN = Forecast(None, None, False, None, None, False, NOT_ENOUGH_DATA)


def shown_wall(forecast: Forecast) -> datetime | None:
    """The wall a short line or a drawing speaks of: the period's, or under a fast burn the
    last hour's when that comes first (see "Which pace a short line speaks of")."""
    fast = forecast.fast_wall_at if forecast.fast_burn else None
    if fast is not None and (forecast.wall_at is None or fast < forecast.wall_at):
        return fast
    return forecast.wall_at


def window_hours(key: str) -> float | None:
    """The length of a window from its server key: 5 for the session, 168 for the weeks."""
    if key == "five_hour":
        return 5.0
    if key.startswith("seven_day"):
        return 168.0
    return None


def starts_new_period(previous: Sample, current: Sample) -> bool:
    """Whether ``current`` is the first reading after a reset (see the module docstring)."""
    if current.percent <= previous.percent - RESET_DROP_POINTS:
        return True
    if previous.resets_at is None or current.resets_at is None:
        return False
    return current.resets_at - previous.resets_at > RESET_MOVE


def current_period(
    samples: Iterable[Sample],
    resets_at: datetime | None,
    now: datetime,
    *,
    window_hours: float | None,
) -> list[Sample]:
    """The readings of the current period, oldest first."""
    start = None
    if resets_at is not None and window_hours is not None:
        start = resets_at - timedelta(hours=window_hours)
    kept = sorted(
        (s for s in samples if s.at <= now and (start is None or s.at >= start)),
        key=lambda s: s.at,
    )
    first = 0
    for index in range(1, len(kept)):
        if starts_new_period(kept[index - 1], kept[index]):
            first = index
    return kept[first:]


def _per_hour(rise: float, span: timedelta) -> float:
    return max(0.0, rise / (span.total_seconds() / 3600))


def _recent_pace(period: list[Sample]) -> float:
    last = period[-1]
    since = last.at - RECENT
    if period[0].at > since:
        return _per_hour(last.percent - period[0].percent, last.at - period[0].at)
    before = [s for s in period if s.at <= since][-1]
    return _per_hour(last.percent - before.percent, RECENT)


def _wall(now: datetime, percent: float, pace: float) -> datetime | None:
    """When ``pace`` takes ``percent`` to the wall; None when never or beyond any reset."""
    if pace <= 0:
        return None
    hours = (WALL - percent) / pace
    return now + timedelta(hours=hours) if hours <= _HORIZON_HOURS else None


def forecast_window(
    samples: Iterable[Sample],
    resets_at: datetime | None,
    now: datetime,
    *,
    window_hours: float | None,
    tz: tzinfo | None = None,
) -> Forecast:
    """Forecast one window; ``tz`` only sets the local time the summary is written in."""
    if resets_at is not None and resets_at <= now:
        return Forecast(None, None, False, None, None, False, RESETTING)
    period = current_period(samples, resets_at, now, window_hours=window_hours)
    if not period:
        return _UNKNOWN
    current = period[-1].percent
    enough = len(period) >= MIN_READINGS and period[-1].at - period[0].at >= MIN_SPAN
    if current >= WALL:
        reached = period[-1].at
        for sample in reversed(period):
            if sample.percent < WALL:
                break
            reached = sample.at
        text = f"at the limit since {local_time(reached, tz)}"
        if resets_at is not None:
            text += f"; resets {local_time(resets_at, tz)}"
        return Forecast(current if enough else None, reached, False, None, None, enough, text)
    if not enough:
        return _UNKNOWN
    pace = _per_hour(current - period[0].percent, period[-1].at - period[0].at)
    recent = _recent_pace(period)
    wall_at = _wall(now, current, pace)
    if resets_at is None:
        return Forecast(None, wall_at, False, pace, recent, True, _summary(wall_at, None, None, tz))
    at_reset = current + pace * (resets_at - now).total_seconds() / 3600
    if wall_at is not None and wall_at >= resets_at:
        wall_at = None
    fast_wall = _wall(now, current, recent)
    fast_burn = fast_wall is not None and fast_wall < resets_at
    text = _summary(wall_at, resets_at, at_reset, tz)
    if fast_burn and fast_wall is not None and (wall_at is None or fast_wall < wall_at):
        text += f"; at the last hour's pace: 100% on {local_time(fast_wall, tz)}"
    fast_at = fast_wall if fast_burn else None
    return Forecast(at_reset, wall_at, fast_burn, pace, recent, True, text, fast_at)


def _summary(
    wall_at: datetime | None,
    resets_at: datetime | None,
    at_reset: float | None,
    tz: tzinfo | None,
) -> str:
    if wall_at is not None and resets_at is not None:
        before = format_duration(resets_at - wall_at)
        return f"at this pace: 100% on {local_time(wall_at, tz)}, {before} before the reset"
    if wall_at is not None:
        return f"at this pace: 100% on {local_time(wall_at, tz)}"
    if resets_at is not None and at_reset is not None:
        reset = local_time(resets_at, tz)
        return f"at this pace: {format_percent(at_reset)} at the reset ({reset})"
    return "at this pace: no change"
