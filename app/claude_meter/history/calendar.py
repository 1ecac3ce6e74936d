"""The year's calendar: what colours each of the last 52 weeks' days in the History window.

A day is coloured by the **highest reading of the weekly window ("Weekly · all models",
``seven_day``) that day**, in local time: the weekly window is the one that says how heavy a
week was, and its highest reading is where the day left it. Days with a session wall (the
five-hour window at 100 %) carry a mark, so the days that ran out stand out even in a light
week. Days without a reading are left empty: the history keeps 90 days, so most of the year is
empty until it has been running that long.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Final

import msgspec

if TYPE_CHECKING:
    from claude_meter.history.walls import Wall

WEEKS: Final = 52
COLOURING_WINDOW: Final = "seven_day"
WALL_MARK_WINDOW: Final = "five_hour"


class Day(msgspec.Struct, frozen=True):
    day: date
    peak: float | None  # None: no reading that day
    walls: int


def first_day(today: date, weeks: int = WEEKS) -> date:
    """The Monday ``weeks - 1`` weeks before this week's Monday: the calendar's first cell."""
    return today - timedelta(days=today.weekday()) - timedelta(weeks=weeks - 1)


def calendar_days(
    hourly_peaks: Iterable[tuple[datetime, float]],
    walls: Iterable[Wall],
    today: date,
    tz: tzinfo | None = None,
    weeks: int = WEEKS,
) -> list[Day]:
    """Every day from :func:`first_day` to ``today``, with its peak and its session walls."""
    peaks: dict[date, float] = {}
    for at, percent in hourly_peaks:
        day = at.astimezone(tz).date()
        peaks[day] = max(percent, peaks.get(day, percent))
    walled: dict[date, int] = {}
    for wall in walls:
        if wall.window_key == WALL_MARK_WINDOW:
            day = wall.hit_at.astimezone(tz).date()
            walled[day] = walled.get(day, 0) + 1
    start = first_day(today, weeks)
    return [
        Day(d, peaks.get(d), walled.get(d, 0))
        for d in (start + timedelta(days=i) for i in range((today - start).days + 1))
    ]
