"""A window's small line with its forecast (:mod:`claude_meter.qt.sparkline`), checked on the
pixels it paints offscreen."""

from __future__ import annotations

from datetime import timedelta

import pytest
from PySide6.QtGui import QColor, QImage
from pytestqt.qtbot import QtBot

from claude_meter.core.forecast import Forecast, Sample
from claude_meter.core.grades import grade_for
from claude_meter.qt.sparkline import Sparkline
from tests.conftest import NOW


def forecast(*, percent_at_reset: float | None, wall_in: float | None, fast: bool) -> Forecast:
    wall_at = None if wall_in is None else NOW + timedelta(hours=wall_in)
    return Forecast(percent_at_reset, wall_at, fast, 10.0, 10.0, True, "")


def painted(qtbot: QtBot, line: Sparkline) -> QImage:
    qtbot.addWidget(line)
    line.resize(200, 40)
    line.setFixedHeight(40)
    return line.grab().toImage()


def colours(image: QImage) -> set[str]:
    return {
        image.pixelColor(x, y).name()
        for x in range(image.width())
        for y in range(image.height())
        if image.pixelColor(x, y).alpha() == 255
    }


def near(image: QImage, rgb: str) -> bool:
    """Whether a pixel of about ``rgb`` was painted (antialiasing blends the edges)."""
    want = QColor(rgb)
    return any(
        abs(QColor(c).red() - want.red()) < 12
        and abs(QColor(c).green() - want.green()) < 12
        and abs(QColor(c).blue() - want.blue()) < 12
        for c in colours(image)
    )


def samples(*percents: float) -> list[Sample]:
    return [Sample(NOW - timedelta(hours=len(percents) - i), p) for i, p in enumerate(percents)]


@pytest.mark.parametrize(("percents", "grade"), [((10.0, 20.0), 20.0), ((60.0, 85.0), 85.0)])
def test_the_line_takes_the_colour_of_the_last_reading(
    qtbot: QtBot, percents: tuple[float, ...], grade: float
) -> None:
    line = Sparkline()
    line.set_data("five_hour", samples(*percents), None, NOW + timedelta(hours=2), NOW)
    assert line.has_data
    assert near(painted(qtbot, line), grade_for(grade).rgb)


def test_one_reading_draws_nothing(qtbot: QtBot) -> None:
    line = Sparkline()
    line.set_data("five_hour", samples(40.0), None, NOW + timedelta(hours=2), NOW)
    assert not line.has_data
    base = Sparkline()
    assert colours(painted(qtbot, line)) == colours(painted(qtbot, base))


def test_a_fast_burn_is_marked_with_a_red_dot(qtbot: QtBot) -> None:
    calm, burning = Sparkline(), Sparkline()
    data = samples(30.0, 40.0)
    calm.set_data(
        "five_hour",
        data,
        forecast(percent_at_reset=70, wall_in=None, fast=False),
        NOW + timedelta(hours=3),
        NOW,
    )
    burning.set_data(
        "five_hour",
        data,
        forecast(percent_at_reset=None, wall_in=1, fast=True),
        NOW + timedelta(hours=3),
        NOW,
    )
    assert "#d93a30" in colours(painted(qtbot, burning))
    assert "#d93a30" not in colours(painted(qtbot, calm))


def test_the_forecast_extends_the_line_toward_the_reset(qtbot: QtBot) -> None:
    """The dashed part reaches the right half of the span; without a forecast it does not."""
    reset = NOW + timedelta(hours=3)
    data = samples(30.0, 40.0)  # the last reading 2 h into the 5 h period, so left of centre
    bare, ahead = Sparkline(), Sparkline()
    bare.set_data("five_hour", data, None, reset, NOW)
    ahead.set_data(
        "five_hour", data, forecast(percent_at_reset=70, wall_in=None, fast=False), reset, NOW
    )
    green = grade_for(40.0).rgb

    def rightmost(image: QImage) -> int:
        return max(
            (x for x in range(image.width()) for y in range(image.height())
             if image.pixelColor(x, y).alpha() == 255 and image.pixelColor(x, y).name() == green),
            default=-1,
        )  # fmt: skip

    assert rightmost(painted(qtbot, bare)) < 100 <= rightmost(painted(qtbot, ahead))


def test_a_fast_burns_dashed_line_runs_to_the_wall_its_flag_is_about(qtbot: QtBot) -> None:
    """The period's pace leads to 22% at the reset, the last hour's to the wall in 2 h: the
    dash reaches the top (100%), as the line under the row says, not 22%."""
    reset = NOW + timedelta(hours=8)
    period = Forecast(22.0, None, False, 1.0, 1.0, True, "")
    fast = Forecast(22.0, None, True, 1.0, 40.0, True, "", NOW + timedelta(hours=2))
    tops = []
    for shown in (period, fast):
        line = Sparkline()
        line.set_data("five_hour", samples(10.0, 12.0, 14.0), shown, reset, NOW)
        image = painted(qtbot, line)
        top = [image.pixelColor(x, y) for x in range(image.width()) for y in range(2, 5)]
        tops.append(sum(1 for c in top if c.alpha() == 255 and c.green() > c.red()))
    assert tops[0] == 0
    assert tops[1] > 0
