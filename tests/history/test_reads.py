"""The store reads behind the History window and ``history --walls``, on a real database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from claude_meter.history import HistoryStore
from claude_meter.history.reads import (
    chart_columns,
    hourly_peaks,
    resets_between,
    wall_samples,
    walls_since,
    windows,
)
from claude_meter.history.walls import walls_of
from tests.history.support import ORG, OTHER_ORG, WORK, snapshot

T = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
H = timedelta(hours=1)


def seed(store: HistoryStore) -> None:
    """Two session periods a minute at a time; the first runs into the wall at 3 h."""
    for period in range(2):
        reset = T + (period + 1) * 5 * H
        start = reset - 5 * H
        for minute in range(0, 300, 1):
            five = min(100.0, minute / 1.8) if period == 0 else minute / 10
            store.record(
                snapshot(start + timedelta(minutes=minute), five, 20.0, session_reset=reset)
            )
    store.record(snapshot(T, 50.0, 10.0, org=OTHER_ORG))


def test_walls_from_the_store_match_walls_from_every_reading(tmp_path: Path) -> None:
    with HistoryStore.open(tmp_path / "h.sqlite3") as store:
        seed(store)
        now = T + 20 * H
        every = store.samples(ORG, "five_hour", T - H)
        few = wall_samples(store, ORG, "five_hour", T - H)
        assert len(few) < len(every) / 10
        assert walls_of(few, now, window_key="five_hour") == walls_of(
            every, now, window_key="five_hour"
        )
        (wall,) = walls_since(store, T - H, now)
        assert (wall.org_uuid, wall.window_key) == (ORG, "five_hour")
        assert wall.hit_at == T + timedelta(minutes=180)
        assert wall.until == T + 5 * H
        assert wall.before_reset_seconds == 2 * 3600
        assert walls_since(store, T - H, now, org=OTHER_ORG) == []
        assert walls_since(store, T - H, now, window="seven_day") == []
        assert walls_since(store, T + 4 * H, now) == []  # began before the span


def test_a_span_that_begins_mid_wall_does_not_invent_a_hit(tmp_path: Path) -> None:
    with HistoryStore.open(tmp_path / "h.sqlite3") as store:
        seed(store)
        assert wall_samples(store, ORG, "five_hour", T + 4 * H) == []


def test_a_restart_of_the_app_at_100_percent_is_one_wall(tmp_path: Path) -> None:
    """Closed and reopened while full: one wall; reopened in the next period, full again:
    a second one (the store's limit-hit events and the arithmetic agree)."""
    path = tmp_path / "h.sqlite3"
    reset, next_reset = T + 4 * H, T + 9 * H
    with HistoryStore.open(path) as store:
        store.record(snapshot(T, 90.0, session_reset=reset))
        store.record(snapshot(T + H, 100.0, session_reset=reset))
    with HistoryStore.open(path) as store:  # the app started again, the window still full
        store.record(snapshot(T + 3 * H, 100.0, session_reset=reset))
    with HistoryStore.open(path) as store:  # and again after the reset, full again at once
        store.record(snapshot(T + 5 * H, 100.0, session_reset=next_reset))
        store.record(snapshot(T + 10 * H, 4.0, session_reset=next_reset + 5 * H))
        walls = walls_since(store, T - H, T + 20 * H)
    assert [(w.hit_at, w.until, w.walled_seconds) for w in walls] == [
        (T + H, reset, 3 * 3600),
        (T + 5 * H, next_reset, 4 * 3600),
    ]


def test_chart_columns_fold_readings_per_column(tmp_path: Path) -> None:
    with HistoryStore.open(tmp_path / "h.sqlite3") as store:
        seed(store)
        columns = chart_columns(store, ORG, "five_hour", T, T + 10 * H, 100)
        # 6 minutes a column; the flat 2 h at 100 % stored only a keep-alive every 15 minutes
        assert len(columns) == 100 - 20 + 8
        assert columns[0].low == 0.0
        assert columns[0].high < 4
        assert max(c.high for c in columns) == 100.0
        assert all(0 <= c.index < 100 for c in columns)
        assert {c.index: c for c in columns}[50].low <= 1.0  # the second period starts at 0 again
        assert chart_columns(store, ORG, "five_hour", T, T, 100) == []
        assert resets_between(store, ORG, "five_hour", T, T + 10 * H) == [T + 5 * H]
        assert (None, "", "five_hour") not in windows(store)
        assert windows(store)[:2] == [(None, ORG, "five_hour"), (None, ORG, "seven_day")]


def test_hourly_peaks(tmp_path: Path) -> None:
    with HistoryStore.open(tmp_path / "h.sqlite3") as store:
        seed(store)
        peaks = dict(hourly_peaks(store, ("seven_day",), T - H))
        assert peaks == {T: 20.0, T + H: 20.0, T + 2 * H: 20.0, T + 3 * H: 20.0,
                         T + 4 * H: 20.0, T + 5 * H: 20.0, T + 6 * H: 20.0, T + 7 * H: 20.0,
                         T + 8 * H: 20.0, T + 9 * H: 20.0}  # fmt: skip
        both = dict(hourly_peaks(store, ("seven_day",), T - H, org=OTHER_ORG))
        assert both == {T: 10.0}
        assert hourly_peaks(store, (), T) == []


def test_two_accounts_in_one_organization_have_their_own_walls_charts_and_peaks(
    tmp_path: Path,
) -> None:
    """A second member of the same Team organization, metered as a named account, stays low
    while the default account runs into the wall: nothing of one shows in the other's."""
    with HistoryStore.open(tmp_path / "h.sqlite3") as store:
        seed(store)
        for minute in range(0, 300, 10):
            at = T + timedelta(minutes=minute)
            store.record(snapshot(at, minute / 30, 70.0, account=WORK, session_reset=T + 5 * H))
        now = T + 20 * H
        assert windows(store)[-2:] == [(WORK, ORG, "five_hour"), (WORK, ORG, "seven_day")]
        assert [w.account for w in walls_since(store, T - H, now)] == [None]
        assert walls_since(store, T - H, now, account=WORK) == []
        assert wall_samples(store, ORG, "five_hour", T - H, account=WORK) == []
        work = chart_columns(store, ORG, "five_hour", T, T + 5 * H, 10, account=WORK)
        assert max(c.high for c in work) < 10  # the default account's 100 % is not in it
        assert max(c.high for c in chart_columns(store, ORG, "five_hour", T, T + 5 * H, 10)) == 100
        assert resets_between(store, ORG, "five_hour", T, T + 10 * H, account=WORK) == []
        assert set(dict(hourly_peaks(store, ("seven_day",), T, account=WORK)).values()) == {70.0}
        assert set(dict(hourly_peaks(store, ("seven_day",), T, account=None)).values()) == {20.0}
        assert max(dict(hourly_peaks(store, ("seven_day",), T)).values()) == 70.0  # every one
