"""The History window's chart (:mod:`claude_meter.qt.chart`) on data built here: the points
the keyboard and the pointer pick, and what it paints offscreen (the line in its grade colour,
broken where nobody watched; a wall's red band)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import msgspec
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from claude_meter.core.grades import grade_for
from claude_meter.history.chart_data import ChartData
from claude_meter.history.reads import Column
from claude_meter.history.walls import Wall
from claude_meter.qt.chart import UsageChart, axis_label

START = datetime(2026, 12, 6, 0, 0, tzinfo=UTC)
END = START + timedelta(hours=24)


def data(
    percents: list[float], *, every: timedelta = timedelta(minutes=10), walls: tuple[Wall, ...] = ()
) -> ChartData:
    columns = tuple(
        Column(i, START + i * every, START + i * every, p, p) for i, p in enumerate(percents)
    )
    return ChartData(
        org_uuid="org",
        window_key="five_hour",
        span="24h",
        start=START,
        end=END,
        now=END,
        columns=columns,
        column_count=len(columns),
        resets=(),
        walls=walls,
        forecast=(),
        latest=None,
    )


@pytest.fixture
def chart(qtbot: QtBot) -> UsageChart:
    shown = UsageChart(tz=UTC)
    qtbot.addWidget(shown)
    shown.resize(556, 234)  # a plot of 500 x 200 pixels
    return shown


def test_the_keyboard_walks_the_points(qtbot: QtBot, chart: UsageChart) -> None:
    chart.set_data(data([10.0, 20.0, 30.0, 40.0]))
    chart.show()
    with qtbot.waitSignal(chart.point_described) as said:
        chart.setFocus()
    assert said.args == ["Sun 06 Dec 00:30 · 40%"]  # focus starts on the latest point
    QTest.keyClick(chart, Qt.Key.Key_Left)
    assert chart.focused_text() == "Sun 06 Dec 00:20 · 30%"
    QTest.keyClick(chart, Qt.Key.Key_Home)
    assert chart.focused_text() == "Sun 06 Dec 00:00 · 10%"
    QTest.keyClick(chart, Qt.Key.Key_Left)  # stays on the first
    assert chart.focused_text() == "Sun 06 Dec 00:00 · 10%"
    QTest.keyClick(chart, Qt.Key.Key_End)
    assert chart.accessibleDescription() == "Sun 06 Dec 00:30 · 40%"


def test_the_pointer_picks_the_nearest_point(qtbot: QtBot, chart: UsageChart) -> None:
    hourly = timedelta(hours=1)
    chart.set_data(data([5.0 * i for i in range(24)], every=hourly))
    chart.show()
    x = round(chart._x(START + 12 * hourly + timedelta(minutes=20)))
    QTest.mouseMove(chart, QPoint(x, 100))
    qtbot.waitUntil(lambda: chart.focused_text() == "Sun 06 Dec 12:00 · 60%", timeout=5000)
    assert chart.accessibleDescription() == "Sun 06 Dec 12:00 · 60%"


def test_no_data_picks_nothing(chart: UsageChart) -> None:
    chart.set_data(data([]))
    QTest.keyClick(chart, Qt.Key.Key_End)
    assert chart.focused_text() is None


def line_pixels(image: QImage, rgb: str, x: int) -> int:
    want = QColor(rgb)
    return sum(image.pixelColor(x, y) == want for y in range(image.height()))


def test_the_line_breaks_where_nobody_watched(chart: UsageChart) -> None:
    minute = timedelta(minutes=1)
    steady = [60.0] * 24 * 60
    watched = data(steady, every=minute)
    gap = data(steady[:600], every=minute)
    gap = msgspec.structs.replace(gap, columns=gap.columns + tuple(
        Column(i, START + i * minute, START + i * minute, 60.0, 60.0) for i in range(900, 1440)
    ))  # fmt: skip
    colour = grade_for(60.0).rgb
    chart.set_data(watched)
    middle = round(chart._x(START + 750 * minute))
    assert line_pixels(chart.grab().toImage(), colour, middle) > 0
    chart.set_data(gap)
    assert line_pixels(chart.grab().toImage(), colour, middle) == 0


def test_a_wall_is_a_red_band(chart: UsageChart) -> None:
    hit = START + timedelta(hours=6)
    wall = Wall("org", "five_hour", hit, hit + timedelta(hours=2), None, 7200, None)
    chart.set_data(data([20.0]))
    inside = round(chart._x(hit + timedelta(hours=1))), 150
    plain = chart.grab().toImage().pixelColor(*inside)
    chart.set_data(data([20.0], walls=(wall,)))
    banded = chart.grab().toImage().pixelColor(*inside)
    assert banded != plain
    assert banded.red() > banded.green()
    assert banded.red() > banded.blue()


@pytest.mark.parametrize(
    ("span", "label"),
    [
        (timedelta(hours=24), "09:30"),
        (timedelta(hours=36), "09:30"),  # a 24 h span run on to a reset: still hours
        (timedelta(hours=37), "Sun 06"),
        (timedelta(days=10), "Sun 06"),
        (timedelta(days=90), "06 Dec"),
    ],
)
def test_the_time_axis_says_hours_days_or_dates_by_the_span(span: timedelta, label: str) -> None:
    assert axis_label(START + timedelta(hours=9, minutes=30), span, UTC) == label
