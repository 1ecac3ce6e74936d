"""The forecast on synthetic series: steady, bursty, flat, reset in the middle, too little data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from claude_meter.core.forecast import (
    MIN_SPAN,
    NOT_ENOUGH_DATA,
    RESETTING,
    Forecast,
    Sample,
    current_period,
    forecast_window,
    shown_wall,
    starts_new_period,
    window_hours,
)

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)  # a Thursday
WEEK = 168.0
MINUTE = timedelta(minutes=1)


def series(
    start: datetime, end: datetime, percent_at: object, resets_at: datetime | None
) -> list[Sample]:
    """One reading a minute from ``start`` to ``end``, as the store would hold them."""
    assert callable(percent_at)
    out = []
    moment = start
    while moment <= end:
        out.append(Sample(moment, float(percent_at(moment)), resets_at))
        moment += MINUTE
    return out


def hours(delta: timedelta) -> float:
    return delta.total_seconds() / 3600


def forecast(
    samples: list[Sample], resets_at: datetime | None, window_hours: float | None = WEEK
) -> Forecast:
    return forecast_window(samples, resets_at, NOW, window_hours=window_hours, tz=UTC)


# -- steady ---------------------------------------------------------------------------------


def test_steady_series_reaching_the_wall_before_the_reset() -> None:
    # 2 %/h since the week began 40 h ago: 80 % now, 100 % in 10 h, the reset in 128 h.
    resets_at = NOW + timedelta(hours=128)
    start = resets_at - timedelta(hours=WEEK)
    samples = series(start, NOW, lambda t: 2 * hours(t - start), resets_at)
    f = forecast(samples, resets_at)
    assert f.enough_data
    assert f.pace_per_hour == pytest.approx(2.0)
    assert f.recent_pace_per_hour == pytest.approx(2.0)
    assert f.percent_at_reset == pytest.approx(80 + 2 * 128)
    assert f.wall_at == NOW + timedelta(hours=10)
    assert f.fast_burn  # the last hour's pace also reaches the wall first
    assert f.summary.startswith("at this pace: 100% on Thu 22:00, 4d 22h before the reset")


def test_steady_series_that_stays_under_the_wall() -> None:
    resets_at = NOW + timedelta(hours=20)
    start = NOW - timedelta(hours=3)
    samples = series(start, NOW, lambda t: 30 + 1.5 * hours(t - start), resets_at)
    f = forecast(samples, resets_at)
    assert f.enough_data
    assert f.pace_per_hour == pytest.approx(1.5)
    assert f.percent_at_reset == pytest.approx(34.5 + 1.5 * 20)
    assert f.wall_at is None
    assert not f.fast_burn
    assert f.summary == "at this pace: 64% at the reset (Fri 08:00)"


# -- bursty ---------------------------------------------------------------------------------


def bursts(start: datetime, every: timedelta, step: float, until: datetime) -> list[Sample]:
    """A staircase: +``step`` at each ``every`` (a busy minute), flat in between; the flat
    stretches hold one keep-alive reading per 15 minutes, as the store keeps them."""
    resets_at = NOW + timedelta(hours=30)
    out, level, moment = [], 0.0, start
    next_burst = start + every
    while moment <= until:
        if moment >= next_burst:
            level += step
            next_burst += every
            out.append(Sample(moment, level, resets_at))
            moment += MINUTE
            continue
        if not out or moment - out[-1].at >= timedelta(minutes=15):
            out.append(Sample(moment, level, resets_at))
        moment += MINUTE
    return out


def test_bursty_series_uses_the_time_average_not_the_rows() -> None:
    # +6 % every 2 h for 12 h: 3 %/h on average, though most rows sit in the bursts.
    start = NOW - timedelta(hours=12)
    samples = bursts(start, timedelta(hours=2), 6.0, NOW)
    assert samples[-1].percent == 36.0
    f = forecast(samples, NOW + timedelta(hours=30))
    assert f.pace_per_hour == pytest.approx(3.0, rel=0.01)
    assert f.percent_at_reset == pytest.approx(36 + 3 * 30, rel=0.01)
    assert f.wall_at is not None
    assert f.wall_at == pytest.approx(NOW + timedelta(hours=64 / 3), abs=timedelta(minutes=15))


def test_one_big_burst_after_a_quiet_stretch_is_not_read_as_zero() -> None:
    # Flat for 4 h, then +30 % in ten minutes: a median of slopes would say 0 %/h.
    resets_at = NOW + timedelta(hours=48)
    quiet = [
        Sample(NOW - timedelta(hours=4) + i * timedelta(minutes=15), 10.0, resets_at)
        for i in range(16)
    ]
    burst = [
        Sample(NOW - timedelta(minutes=10 - i), 10.0 + 3 * (i + 1), resets_at) for i in range(10)
    ]
    f = forecast(quiet + burst, resets_at)
    assert f.pace_per_hour == pytest.approx(30 / 4, rel=0.01)
    assert f.recent_pace_per_hour == pytest.approx(30.0)
    assert f.fast_burn  # 30 %/h reaches 100 % in 2 h, long before the reset
    assert "at the last hour's pace: 100% on Thu 14:00" in f.summary


# -- flat -----------------------------------------------------------------------------------


def test_flat_series_has_no_wall() -> None:
    resets_at = NOW + timedelta(hours=2)
    samples = [
        Sample(NOW - timedelta(minutes=m), 30.0, resets_at) for m in (90, 75, 60, 45, 30, 15, 0)
    ]
    f = forecast(samples, resets_at, window_hours=5.0)
    assert f.enough_data
    assert f.pace_per_hour == 0.0
    assert f.recent_pace_per_hour == 0.0
    assert f.percent_at_reset == 30.0
    assert f.wall_at is None
    assert not f.fast_burn
    assert f.fast_wall_at is None
    assert f.summary == "at this pace: 30% at the reset (Thu 14:00)"


def test_small_decreases_are_not_negative_pace() -> None:
    resets_at = NOW + timedelta(hours=2)
    samples = [Sample(NOW - timedelta(hours=1), 42.0, resets_at), Sample(NOW, 40.0, resets_at)]
    f = forecast(samples, resets_at)
    assert f.pace_per_hour == 0.0
    assert f.percent_at_reset == 40.0


# -- reset in the middle --------------------------------------------------------------------


def test_reset_in_the_middle_only_the_new_period_counts() -> None:
    old_reset = NOW - timedelta(hours=2)
    new_reset = NOW + timedelta(hours=3)
    before = series(NOW - timedelta(hours=5), old_reset - MINUTE, lambda t: 90.0, old_reset)
    after_start = old_reset
    after = series(after_start, NOW, lambda t: 5 * hours(t - after_start), new_reset)
    f = forecast(before + after, new_reset, window_hours=5.0)
    assert f.pace_per_hour == pytest.approx(5.0)
    assert f.percent_at_reset == pytest.approx(10 + 5 * 3)
    assert f.wall_at is None


def test_reset_seen_only_as_a_sharp_drop() -> None:
    # The server sent no resets_at: the fall from 80 % to 2 % is the boundary.
    samples = [
        Sample(NOW - timedelta(hours=3), 70.0),
        Sample(NOW - timedelta(hours=2), 80.0),
        Sample(NOW - timedelta(hours=1), 2.0),
        Sample(NOW, 6.0),
    ]
    period = current_period(samples, None, NOW, window_hours=None)
    assert [s.percent for s in period] == [2.0, 6.0]
    f = forecast(samples, None)
    assert f.pace_per_hour == pytest.approx(4.0)
    assert f.percent_at_reset is None  # no reset announced
    assert f.wall_at == NOW + timedelta(hours=94 / 4)
    assert f.summary == "at this pace: 100% on Fri 11:30"


def test_readings_before_the_period_start_do_not_count() -> None:
    # Same resets_at everywhere, but the first reading is older than the 5 h window.
    resets_at = NOW + timedelta(hours=1)
    samples = [
        Sample(NOW - timedelta(hours=4, minutes=30), 5.0, resets_at),
        Sample(NOW - timedelta(hours=1), 10.0, resets_at),
        Sample(NOW, 20.0, resets_at),
    ]
    assert len(current_period(samples, resets_at, NOW, window_hours=5.0)) == 2
    assert len(current_period(samples, resets_at, NOW, window_hours=None)) == 3


# -- too little data ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "samples",
    [
        [],
        [Sample(NOW, 40.0)],
        [Sample(NOW - timedelta(minutes=10), 30.0), Sample(NOW, 40.0)],
        [Sample(NOW - MIN_SPAN + timedelta(seconds=1), 30.0), Sample(NOW, 40.0)],
        # Plenty of readings, but all before the reset that just happened.
        [Sample(NOW - timedelta(hours=h), 90.0 - h) for h in range(5, 1, -1)] + [Sample(NOW, 1.0)],
    ],
    ids=["none", "one", "ten-minutes", "just-under-the-span", "only-the-old-period"],
)
def test_too_little_data_says_so(samples: list[Sample]) -> None:
    f = forecast(samples, NOW + timedelta(hours=3))
    assert f == Forecast(None, None, False, None, None, False, NOT_ENOUGH_DATA)


def test_exactly_the_minimum_is_enough() -> None:
    samples = [Sample(NOW - MIN_SPAN, 30.0), Sample(NOW, 31.0)]
    assert forecast(samples, NOW + timedelta(hours=3)).enough_data


# -- edges ----------------------------------------------------------------------------------


def test_already_at_the_wall_says_since_when() -> None:
    resets_at = NOW + timedelta(hours=3)
    samples = [
        Sample(NOW - timedelta(hours=2), 80.0, resets_at),
        Sample(NOW - timedelta(minutes=45), 100.0, resets_at),
        Sample(NOW, 100.0, resets_at),
    ]
    f = forecast(samples, resets_at)
    assert f.wall_at == NOW - timedelta(minutes=45)
    assert not f.fast_burn
    assert f.percent_at_reset == 100.0
    assert f.summary == "at the limit since Thu 11:15; resets Thu 15:00"


def test_resets_at_in_the_past_means_resetting() -> None:
    samples = [Sample(NOW - timedelta(hours=1), 30.0), Sample(NOW, 50.0)]
    f = forecast(samples, NOW - timedelta(minutes=1))
    assert f == Forecast(None, None, False, None, None, False, RESETTING)
    assert forecast(samples, NOW).summary == RESETTING


def test_the_clock_is_passed_in() -> None:
    resets_at = NOW + timedelta(hours=10)
    samples = series(
        NOW - timedelta(hours=2),
        NOW + timedelta(hours=2),
        lambda t: 40.0 + 5 * hours(t - NOW),
        resets_at,
    )
    # Readings after `now` are ignored: the same history read at NOW and an hour later.
    at_now = forecast_window(samples, resets_at, NOW, window_hours=WEEK)
    later = forecast_window(samples, resets_at, NOW + timedelta(hours=1), window_hours=WEEK)
    assert at_now.percent_at_reset == pytest.approx(40 + 5 * 10)
    assert later.percent_at_reset == pytest.approx(45 + 5 * 9)


def test_fast_burn_only_from_the_last_hour() -> None:
    # Slow for a day (0.5 %/h), then 20 %/h for the last hour: the average never reaches the
    # wall before the reset, the last hour does.
    resets_at = NOW + timedelta(hours=10)
    start = NOW - timedelta(hours=25)

    def percent(t: datetime) -> float:
        slow = 0.5 * min(24.0, hours(t - start))
        return slow + 20 * max(0.0, hours(t - (NOW - timedelta(hours=1))))

    f = forecast(series(start, NOW, percent, resets_at), resets_at)
    assert f.recent_pace_per_hour == pytest.approx(20.0, rel=0.02)
    assert f.wall_at is None
    assert f.fast_burn
    assert f.percent_at_reset is not None
    assert f.percent_at_reset < 100
    # the wall the flag is about: 68 % left (12 + 20) at 20 %/h
    assert f.fast_wall_at == pytest.approx(NOW + timedelta(hours=3.4), abs=timedelta(minutes=10))


@pytest.mark.parametrize(
    ("key", "hours_"),
    [("five_hour", 5.0), ("seven_day", 168.0), ("seven_day_opus", 168.0), ("mystery", None)],
)
def test_window_hours(key: str, hours_: float | None) -> None:
    assert window_hours(key) == hours_


@pytest.mark.parametrize(
    ("before", "after", "new"),
    [
        ((50.0, 0), (50.5, 0), False),
        ((50.0, 0), (45.0, 0), True),  # a fall of 5 points
        ((50.0, 0), (46.0, 0), False),
        ((50.0, 0), (50.0, 60), False),  # jitter of a minute
        ((50.0, 0), (0.0, 5 * 3600), True),
        ((3.0, 0), (0.0, 5 * 3600), True),  # small fall, but resets_at moved a window ahead
        ((3.0, None), (0.0, 5 * 3600), False),  # unknown before: no evidence
    ],
)
def test_starts_new_period(
    before: tuple[float, int | None], after: tuple[float, int | None], new: bool
) -> None:
    def sample(at: datetime, spec: tuple[float, int | None]) -> Sample:
        percent, offset = spec
        return Sample(at, percent, None if offset is None else NOW + timedelta(seconds=offset))

    assert starts_new_period(sample(NOW - MINUTE, before), sample(NOW, after)) is new


@given(
    st.lists(st.floats(0, 100), min_size=2, max_size=30),
    st.integers(1, 300),
    st.integers(1, 168 * 60),
)
def test_wall_and_projection_agree(percents: list[float], step_minutes: int, to_reset: int) -> None:
    """The wall comes before the reset exactly when the projection at the reset is >= 100."""
    resets_at = NOW + timedelta(minutes=to_reset)
    rising = sorted(percents)
    samples = [
        Sample(NOW - (len(rising) - 1 - i) * timedelta(minutes=step_minutes), p, resets_at)
        for i, p in enumerate(rising)
    ]
    f = forecast_window(samples, resets_at, NOW, window_hours=None)
    if not f.enough_data or rising[-1] >= 100:
        return
    assert f.percent_at_reset is not None
    assert f.percent_at_reset >= rising[-1]
    if f.wall_at is not None:
        assert NOW <= f.wall_at < resets_at  # "now" when a hair below 100 %
        assert f.percent_at_reset >= 100 - 1e-6
    else:
        assert f.percent_at_reset <= 100 + 1e-6


def test_the_wall_shown_is_the_fast_burns_when_it_comes_first() -> None:
    """What the popover's line and dashed line speak of (one rule for both)."""
    soon, later = NOW + timedelta(hours=2), NOW + timedelta(hours=5)

    def made(wall_at: datetime | None, fast: bool, fast_at: datetime | None) -> Forecast:
        return Forecast(50.0, wall_at, fast, 5.0, 20.0, True, "", fast_at)

    assert shown_wall(made(None, False, None)) is None
    assert shown_wall(made(later, False, None)) == later
    assert shown_wall(made(None, True, soon)) == soon  # the period's pace never gets there
    assert shown_wall(made(later, True, soon)) == soon
    assert shown_wall(made(soon, True, later)) == soon  # the period's comes first
