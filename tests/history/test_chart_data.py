"""The History chart's axis per span, its forecast line, and the words a point says."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from claude_meter.core.forecast import Sample
from claude_meter.history import HistoryStore, insights_for
from claude_meter.history.chart_data import Span, axis, load_chart, point_text
from tests.history.support import ORG, WORK, snapshot

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
H = timedelta(hours=1)
D = timedelta(days=1)


@pytest.mark.parametrize(
    ("span", "key", "resets_in", "expected"),
    [
        ("period", "five_hour", 2 * H, (NOW - 3 * H, NOW + 2 * H)),  # to the reset
        ("period", "seven_day", 2 * D, (NOW - 5 * D, NOW + 2 * D)),
        ("period", "mystery", 2 * H, (NOW - 24 * H, NOW)),  # unknown length: the last day
        ("24h", "five_hour", 2 * H, (NOW - 24 * H, NOW + 2 * H)),  # the reset is near: shown
        ("24h", "seven_day", 2 * D, (NOW - 24 * H, NOW)),  # far: the axis ends now
        ("7d", "seven_day", D, (NOW - 7 * D, NOW + D)),
        ("90d", "seven_day", 2 * D, (NOW - 90 * D, NOW + 2 * D)),
        ("30d", "five_hour", None, (NOW - 30 * D, NOW)),
    ],
)
def test_axis(
    span: Span, key: str, resets_in: timedelta | None, expected: tuple[datetime, datetime]
) -> None:
    latest = Sample(NOW - H, 40.0, None if resets_in is None else NOW + resets_in)
    assert axis(span, latest, key, NOW) == expected


def test_no_readings_at_all() -> None:
    assert axis("period", None, "five_hour", NOW) == (NOW - 24 * H, NOW)


@pytest.mark.parametrize(
    ("low", "high", "words"),
    [(63.0, 63.2, "Sun 06 Dec 12:00 · 63%"), (40.0, 55.0, "Sun 06 Dec 12:00 · 40%–55%")],
)
def test_point_text(low: float, high: float, words: str) -> None:
    assert point_text(NOW, low, high, UTC) == words


def test_the_forecast_runs_to_the_reset_or_the_wall(tmp_path: Path) -> None:
    reset = NOW + 2 * H
    with HistoryStore.open(tmp_path / "h.sqlite3") as store:
        for minutes, five in ((180, 0.0), (120, 20.0), (60, 40.0), (0, 60.0)):
            store.record(snapshot(NOW - timedelta(minutes=minutes), five, session_reset=reset))
        data = load_chart(store, ORG, "five_hour", "period", NOW, 300)
    # 20 points an hour: 60 % now, 100 % at 14:00 exactly; a wall then a flat line to the reset
    assert data.forecast[0] == (NOW, 60.0)
    assert data.forecast[-1][0] == reset
    assert data.forecast[-1][1] == pytest.approx(100.0)
    assert not data.empty
    assert data.column_count == 300


def test_each_account_in_one_organization_has_its_own_chart_and_forecast(
    tmp_path: Path,
) -> None:
    """Two members of one Team organization: the same org uuid, their own charts and forecasts
    (the popover's, through ``insights_for``, and the chart's)."""
    reset = NOW + 2 * H
    with HistoryStore.open(tmp_path / "h.sqlite3") as store:
        for minutes, five in ((180, 0.0), (120, 20.0), (60, 40.0), (0, 60.0)):
            at = NOW - timedelta(minutes=minutes)
            store.record(snapshot(at, five, session_reset=reset))
            store.record(snapshot(at, five / 10, account=WORK, session_reset=reset))
        mine = load_chart(store, ORG, "five_hour", "period", NOW, 300)
        work = load_chart(store, ORG, "five_hour", "period", NOW, 300, account=WORK)
        latest = snapshot(NOW, 6.0, account=WORK, session_reset=reset)
        insight = insights_for(store, latest, NOW)["five_hour"]
    assert (mine.account, work.account) == (None, WORK)
    assert mine.latest is not None
    assert mine.latest.percent == 60.0
    assert work.latest is not None
    assert work.latest.percent == 6.0
    assert max(c.high for c in work.columns) == 6.0
    assert work.forecast[-1][0] == reset
    assert work.forecast[-1][1] == pytest.approx(10.0)  # 2 points an hour
    assert [s.percent for s in insight.samples] == [0.0, 2.0, 4.0, 6.0]
    assert insight.forecast.percent_at_reset == pytest.approx(10.0)
