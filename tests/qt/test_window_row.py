"""One window's row (:mod:`claude_meter.qt.window_row`) on its own: the forecast line, the bar
kept within 0-100, the server's warning, where the figure came from, and a forecast that
goes away when its period has passed. The rows inside the popover: test_popover.py."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pytestqt.qtbot import QtBot

from claude_meter.core.forecast import Forecast, Sample, forecast_window
from claude_meter.core.models import UsageWindow
from claude_meter.history import WindowInsight
from claude_meter.qt.window_row import WindowRow, forecast_line

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
RESET = NOW + timedelta(hours=4)
WALL = NOW + timedelta(hours=2)


def forecast(
    *,
    wall_at: datetime | None = None,
    at_reset: float | None = None,
    fast: bool = False,
    enough: bool = True,
) -> Forecast:
    return Forecast(at_reset, wall_at, fast, 10.0, 10.0, enough, "the whole sentence")


def row(
    qtbot: QtBot, percent: float | None, resets_at: datetime, severity: str | None = None
) -> WindowRow:
    window = UsageWindow(
        key="five_hour",
        label="Session (5h)",
        percent=percent,
        resets_at=resets_at,
        severity=severity,
    )
    widget = WindowRow(window)
    qtbot.addWidget(widget)
    return widget


def test_forecast_line_says_the_wall_or_the_pace_or_nothing() -> None:
    local = WALL.astimezone().strftime("%a %H:%M")
    assert forecast_line(forecast(wall_at=WALL), RESET) == f"100% by {local}, 2h 0m before reset"
    assert forecast_line(forecast(wall_at=WALL, fast=True), RESET) == (
        f"Fast burn · 100% by {local}, 2h 0m before reset"
    )
    assert forecast_line(forecast(at_reset=62.4), RESET) == "on pace for 62% at reset"
    assert forecast_line(forecast(at_reset=62.4), None) is None  # no reset: no period to judge
    assert forecast_line(forecast(at_reset=62.4, enough=False), RESET) is None
    assert forecast_line(forecast(), RESET) is None


def test_a_fast_burn_line_says_the_pace_its_flag_is_about() -> None:
    """A quiet day, then a busy hour (the demo's Weekly · Sonnet): the flag is the last hour's,
    so the line's figure must be too, not "Fast burn · on pace for 22% at reset"."""
    resets_at = NOW + timedelta(hours=10)
    quiet = [Sample(NOW - timedelta(hours=25 - h), 0.5 * h, resets_at) for h in range(25)]
    busy = [Sample(NOW - timedelta(minutes=60 - m), 12 + m / 3, resets_at) for m in (10, 30, 60)]
    rising = forecast_window(quiet + busy, resets_at, NOW, window_hours=168.0)
    assert rising.fast_burn
    assert rising.fast_wall_at is not None
    assert rising.wall_at is None  # the period's pace never gets there
    line = forecast_line(rising, resets_at)
    local = rising.fast_wall_at.astimezone().strftime("%a %H:%M")
    assert line == f"Fast burn · 100% by {local} at the last hour's pace"
    # the period's wall, when it comes first, is the one said (both paces agree on a wall)
    sooner = forecast(wall_at=WALL, fast=True)
    later = Forecast(None, WALL, True, 10.0, 30.0, True, "", WALL + timedelta(hours=1))
    assert forecast_line(later, RESET) == forecast_line(sooner, RESET)


@pytest.mark.parametrize(("percent", "text", "bar"), [(130.0, "130%", 100), (None, "?", 0)])
def test_the_bar_stays_within_0_to_100_and_the_text_says_the_truth(
    qtbot: QtBot, percent: float | None, text: str, bar: int
) -> None:
    widget = row(qtbot, percent, RESET)
    assert widget.percent.text() == text
    assert widget.bar.value() == bar


def test_a_server_warning_is_marked_seen_and_said(qtbot: QtBot) -> None:
    flagged = row(qtbot, 40.0, RESET, severity="warning")
    plain = row(qtbot, 40.0, RESET, severity="normal")
    assert flagged.label.text() == "Session (5h) ⚠"
    assert flagged.label.toolTip()
    assert "flagged by the server" in flagged.bar.accessibleName()
    assert plain.label.text() == "Session (5h)"
    assert "flagged" not in plain.bar.accessibleName()
    assert flagged.bar.styleSheet() != plain.bar.styleSheet()  # at least the high grade


def test_the_origin_line_ages_with_the_clock(qtbot: QtBot) -> None:
    widget = row(qtbot, 40.0, RESET)
    widget.tick(NOW)
    assert widget.origin.isHidden()
    widget.set_origin("claude-code", NOW - timedelta(minutes=3))
    widget.tick(NOW)
    assert widget.origin.text() == "from Claude Code's sign-in, 3m ago"
    widget.tick(NOW + timedelta(minutes=2))
    assert widget.origin.text() == "from Claude Code's sign-in, 5m ago"
    assert widget.countdown.text().startswith("resets in 3h 58m 00s")


def test_a_forecast_is_shown_until_its_period_has_passed(qtbot: QtBot) -> None:
    widget = row(qtbot, 40.0, RESET)
    samples = tuple(Sample(NOW - timedelta(minutes=30 * i), 40.0 - 5 * i) for i in range(4, -1, -1))
    widget.set_insight(WindowInsight(samples, forecast(at_reset=62.4)), NOW)
    widget.tick(NOW)
    assert not widget.forecast.isHidden()
    assert widget.forecast.text() == "on pace for 62% at reset"
    assert widget.forecast.toolTip() == "the whole sentence"
    widget.tick(RESET + timedelta(seconds=1))
    assert widget.forecast.isHidden()  # it was about the period that ended
    widget.set_insight(None, RESET)
    assert widget.sparkline.isHidden()
    assert widget.forecast.isHidden()


def test_the_sparklines_of_rows_line_up_whatever_their_percents(qtbot: QtBot) -> None:
    """Seen in the popover: the sparkline beside "8%" started further right than the one
    beside "55%", since the percent took only its own text's width."""
    from PySide6.QtWidgets import QVBoxLayout, QWidget

    box = QWidget()
    layout = QVBoxLayout(box)
    rows = [row(qtbot, percent, RESET) for percent in (8.0, 55.0, 100.0, None)]
    samples = tuple(Sample(NOW - timedelta(minutes=30 * i), 8.0) for i in range(4, -1, -1))
    for made in rows:
        layout.addWidget(made)
        made.set_insight(WindowInsight(samples, forecast(at_reset=20.0)), NOW)
    qtbot.addWidget(box)
    box.resize(360, 400)
    box.show()
    qtbot.waitExposed(box)
    lefts = {made.sparkline.mapTo(box, made.sparkline.rect().topLeft()).x() for made in rows}
    assert len(lefts) == 1, lefts
