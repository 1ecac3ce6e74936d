"""The year's calendar: days, their peaks in local time, and session walls."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from claude_meter.history.calendar import calendar_days, first_day
from claude_meter.history.walls import Wall


def test_the_calendar_starts_on_a_monday_52_weeks_back_and_ends_today() -> None:
    today = date(2026, 12, 6)  # a Sunday
    assert first_day(today) == date(2025, 12, 8)
    assert first_day(today).weekday() == 0
    days = calendar_days([], [], today)
    assert (days[0].day, days[-1].day, len(days)) == (date(2025, 12, 8), today, 52 * 7)
    assert all(d.peak is None and d.walls == 0 for d in days)


def test_peaks_by_local_day_and_session_walls_marked() -> None:
    tokyo = ZoneInfo("Asia/Tokyo")
    late = datetime(2026, 12, 4, 20, 0, tzinfo=UTC)  # 5 Dec 05:00 in Tokyo
    peaks = [(late - timedelta(hours=2), 40.0), (late, 55.0), (late + timedelta(hours=1), 50.0)]
    walls = [
        Wall("o", "five_hour", late, None, None, 60, None),
        Wall("o", "seven_day", late, None, None, 60, None),  # not a session wall
    ]
    days = {d.day: d for d in calendar_days(peaks, walls, date(2026, 12, 6), tokyo)}
    assert (days[date(2026, 12, 5)].peak, days[date(2026, 12, 5)].walls) == (55.0, 1)
    assert days[date(2026, 12, 4)].peak is None
    utc = {d.day: d for d in calendar_days(peaks, walls, date(2026, 12, 6), UTC)}
    assert (utc[date(2026, 12, 4)].peak, utc[date(2026, 12, 4)].walls) == (55.0, 1)
