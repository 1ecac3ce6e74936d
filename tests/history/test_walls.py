"""The walls arithmetic, as tables of readings and the walls they make."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from claude_meter.core.forecast import Sample
from claude_meter.history.walls import (
    WALL_FIELDS,
    Wall,
    period_start,
    spoken_hours,
    spoken_total,
    totals,
    wall_record,
    walls_of,
)

T = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)  # a Monday
H = timedelta(hours=1)
M = timedelta(minutes=1)
R = T + 4 * H  # the session's announced reset
LATER = T + 30 * H


def s(at: timedelta, percent: float, reset: datetime | None = R) -> Sample:
    return Sample(T + at, percent, reset)


# (case, readings, now, [(hit_at, until, walled_seconds, before_reset_seconds)])
CASES = [
    (
        "a hit and a reset in the same period: walled from the hit to the announced reset",
        [s(0 * H, 40), s(1 * H, 80), s(2 * H, 100), s(3 * H, 100), s(4 * H + 5 * M, 2, R + 5 * H)],
        LATER,
        [(T + 2 * H, R, 2 * 3600, 2 * 3600)],
    ),
    (
        "the reset seen before the announced time (an early reset) ends the wall when seen",
        [s(0 * H, 90), s(1 * H, 100), s(2 * H, 0, R + 5 * H)],
        LATER,
        [(T + H, T + 2 * H, 3600, 3 * 3600)],
    ),
    (
        "a hit with no reset recorded: the announced reset has passed, so it ended then",
        [s(0 * H, 70), s(3 * H, 100)],
        LATER,
        [(T + 3 * H, R, 3600, 3600)],
    ),
    (
        "a hit with no reset recorded, before the reset: still walled, counted to now",
        [s(0 * H, 70), s(3 * H, 100)],
        T + 3 * H + 30 * M,
        [(T + 3 * H, None, 30 * 60, 3600)],
    ),
    (
        "a hit with no reset time at all: it ended at the latest one window length later",
        [s(0 * H, 70, None), s(1 * H, 100, None)],
        LATER,
        [(T + H, T + 6 * H, 5 * 3600, None)],
    ),
    (
        "no reset time and still inside the window's length: still walled",
        [s(0 * H, 70, None), s(1 * H, 100, None)],
        T + 2 * H,
        [(T + H, None, 3600, None)],
    ),
    (
        "at 100% across an app restart (a gap, same period): one wall, not two",
        [s(0 * H, 100), s(15 * M, 100), s(3 * H, 100), s(4 * H + M, 5, R + 5 * H)],
        LATER,
        [(T, R, 4 * 3600, 4 * 3600)],
    ),
    (
        "a restart across the reset that finds the new period full again: two walls",
        [s(0 * H, 100), s(5 * H, 100, R + 5 * H), s(9 * H + M, 1, R + 10 * H)],
        LATER,
        [(T, R, 4 * 3600, 4 * 3600), (T + 5 * H, R + 5 * H, 4 * 3600, 4 * 3600)],
    ),
    (
        "readings out of order (the clock went back) are taken in time order",
        [s(4 * H + 5 * M, 2, R + 5 * H), s(2 * H, 100), s(0 * H, 40)],
        LATER,
        [(T + 2 * H, R, 2 * 3600, 2 * 3600)],
    ),
    (
        "a machine clock ahead of the server: the reset before the hit gives 0, not negative",
        [s(0 * H, 50), s(5 * H, 100), s(6 * H, 3, R + 5 * H)],
        LATER,
        [(T + 5 * H, T + 5 * H, 0, 0)],
    ),
    (
        "above 100% counts as the wall; a wall's end at 99.99% is an end",
        [s(0 * H, 101.5), s(H, 99.99)],
        LATER,
        [(T, T + H, 3600, 4 * 3600)],
    ),
    ("never full: no walls", [s(0 * H, 10), s(H, 99.9)], LATER, []),
    ("no readings: no walls", [], LATER, []),
]


@pytest.mark.parametrize(("case", "readings", "now", "expected"), CASES, ids=[c[0] for c in CASES])
def test_walls(
    case: str,
    readings: list[Sample],
    now: datetime,
    expected: list[tuple[datetime, datetime | None, int, int | None]],
) -> None:
    walls = walls_of(readings, now, org_uuid="org", window_key="five_hour")
    got = [(w.hit_at, w.until, w.walled_seconds, w.before_reset_seconds) for w in walls]
    assert got == expected, case


def test_only_walled_readings_and_their_successors_give_the_same_walls() -> None:
    """What the store hands over (walled readings, the one after each, one before the span)
    makes the same walls as every reading."""
    every = [s(m * M, min(100.0, m / 2)) for m in range(230)]
    every += [s(4 * H + m * M, m / 3, R + 5 * H) for m in range(1, 100)]
    kept = [x for i, x in enumerate(every) if x.percent >= 100 or every[i - 1].percent >= 100]
    assert walls_of(kept, LATER, window_key="five_hour") == walls_of(
        every, LATER, window_key="five_hour"
    )


def wall(hit: datetime, walled: int, before: int | None, key: str = "five_hour") -> Wall:
    return Wall("org", key, hit, hit + timedelta(seconds=walled), None, walled, before)


def test_totals_per_week_and_month() -> None:
    walls = [
        wall(T, 3600, 7200),  # Monday 2 Nov
        wall(T + 26 * H, 1800, 600),
        wall(T + 7 * 24 * H, 600, None),  # next week
        wall(T + 3 * 24 * H, 31 * 3600, 31 * 3600, key="seven_day"),
    ]
    weeks = totals(walls, "week", UTC)
    assert [
        (t.window_key, t.starts, t.count, t.walled_seconds, t.most_before_reset_seconds)
        for t in weeks
    ] == [
        ("five_hour", date(2026, 11, 2), 2, 5400, 7200),
        ("seven_day", date(2026, 11, 2), 1, 31 * 3600, 31 * 3600),
        ("five_hour", date(2026, 11, 9), 1, 600, None),
    ]
    months = totals(walls, "month", UTC)
    assert [(t.window_key, t.count, t.walled_seconds) for t in months] == [
        ("five_hour", 3, 6000),
        ("seven_day", 1, 31 * 3600),
    ]


def test_totals_group_by_the_local_calendar_across_a_daylight_saving_change() -> None:
    """Sunday 25 Oct 2026 23:30 in Berlin (after the change to winter time) is still
    in the week of 19 Oct, and a UTC evening can be the next local month; the walled time
    itself is UTC seconds."""
    berlin = ZoneInfo("Europe/Berlin")
    hit = datetime(2026, 10, 25, 22, 30, tzinfo=UTC)
    assert hit.astimezone(berlin).day == 25
    assert period_start(hit, "week", berlin) == date(2026, 10, 19)
    assert period_start(hit, "month", berlin) == date(2026, 10, 1)
    last_of_october = datetime(2026, 10, 31, 23, 30, tzinfo=UTC)  # 00:30 on 1 Nov in Berlin
    assert period_start(last_of_october, "month", berlin) == date(2026, 11, 1)
    assert period_start(last_of_october, "month", UTC) == date(2026, 10, 1)
    readings = [
        Sample(datetime(2026, 10, 25, 0, 30, tzinfo=UTC), 100, None),
        Sample(datetime(2026, 10, 25, 3, 30, tzinfo=UTC), 10, None),  # across the change
    ]
    (only,) = walls_of(readings, LATER, window_key="five_hour")
    assert only.walled_seconds == 3 * 3600


def test_the_stable_json_shape() -> None:
    ongoing = Wall("org", "five_hour", T, None, R, 900, 4 * 3600)
    assert wall_record(ongoing, "Work") == {
        "org": "org",
        "window": "five_hour",
        "hit_at": "2026-11-02T09:00:00Z",
        "until": None,
        "walled_seconds": 900,
        "before_reset_seconds": 4 * 3600,
        "account": "Work",
        "account_id": "default",
    }
    assert list(wall_record(ongoing, "Work")) == list(WALL_FIELDS)  # added at the end
    named = Wall("org", "five_hour", T, None, R, 900, 4 * 3600, account="work")
    assert wall_record(named, "Work")["account_id"] == "work"  # the name may change, not this
    berlin = datetime(2026, 11, 2, 10, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    assert wall_record(wall(berlin, 60, None), "Default")["hit_at"] == "2026-11-02T09:00:00Z"


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "0 min"), (59, "0 min"), (720, "12 min"), (31 * 3600, "31 h"), (34800, "9 h 40 min")],
)
def test_spoken_hours(seconds: int, text: str) -> None:
    assert spoken_hours(seconds) == text


def test_spoken_totals() -> None:
    (session,) = totals([wall(T + i * H, 5800, 1200 * i) for i in range(1, 7)], "month", UTC)
    assert spoken_total("Session", session, "this month") == (
        "Session: walled 6 times this month, 9 h 40 min in all; up to 2 h before the reset"
    )
    (week,) = totals([wall(T, 31 * 3600, 31 * 3600, key="seven_day")], "month", UTC)
    assert spoken_total("Weekly", week, "this month") == (
        "Weekly: walled once this month, 31 h in all; 31 h before the reset"
    )
