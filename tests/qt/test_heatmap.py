"""The year's calendar heatmap (:mod:`claude_meter.qt.heatmap`): its words for a day, what it
tells assistive technology, and the cells it paints offscreen."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from PySide6.QtGui import QColor, QImage
from pytestqt.qtbot import QtBot

from claude_meter.core.grades import grade_for
from claude_meter.history.calendar import Day
from claude_meter.qt.heatmap import CalendarHeatmap, day_words

MONDAY = date(2026, 11, 2)


@pytest.mark.parametrize(
    ("day", "words"),
    [
        (Day(MONDAY, None, 0), "Mon 02 Nov 2026: no readings"),
        (Day(MONDAY, 64.4, 0), "Mon 02 Nov 2026: weekly up to 64%"),
        (Day(MONDAY, 91.0, 1), "Mon 02 Nov 2026: weekly up to 91%, session walled once"),
        (Day(MONDAY, 100.0, 3), "Mon 02 Nov 2026: weekly up to 100%, session walled 3 times"),
    ],
)
def test_the_words_for_a_day(day: Day, words: str) -> None:
    assert day_words(day) == words


def heatmap(qtbot: QtBot, days: list[Day]) -> tuple[CalendarHeatmap, QImage]:
    shown = CalendarHeatmap()
    qtbot.addWidget(shown)
    shown.set_days(days)
    shown.resize(shown.sizeHint())
    return shown, shown.grab().toImage()


def cell_centre(shown: CalendarHeatmap, index: int) -> tuple[int, int]:
    centre = shown._cell(index).center()
    return round(centre.x()), round(centre.y())


def test_it_tells_assistive_technology_what_it_holds(qtbot: QtBot) -> None:
    days = [Day(MONDAY + timedelta(days=i), 50.0 if i % 2 else None, i % 3 == 0) for i in range(14)]
    shown, _ = heatmap(qtbot, days)
    assert shown.accessibleName() == "Calendar of the last 52 weeks"
    assert shown.accessibleDescription() == "7 days with readings; 5 days with a session wall"


def test_a_day_is_painted_in_its_grade_colour_and_a_wall_gets_a_dot(qtbot: QtBot) -> None:
    days = [
        Day(MONDAY, 100.0, 0),  # full: the grade's colour, opaque
        Day(MONDAY + timedelta(days=1), 30.0, 0),
        Day(MONDAY + timedelta(days=2), 100.0, 2),  # the dark dot in the middle
        Day(MONDAY + timedelta(days=3), None, 0),
    ]
    shown, image = heatmap(qtbot, days)
    full = image.pixelColor(*cell_centre(shown, 0))
    assert full.name() == grade_for(100.0).rgb
    faint = image.pixelColor(*cell_centre(shown, 1))
    want = QColor(grade_for(30.0).rgb)
    assert faint != want  # blended: 30 % is fainter than full
    assert faint.green() > faint.red()  # but still the green grade
    assert image.pixelColor(*cell_centre(shown, 2)).name() == "#202020"
    empty = image.pixelColor(*cell_centre(shown, 3))
    assert empty.name() not in {grade_for(p).rgb for p in (0.0, 50.0, 80.0, 95.0)}


def test_columns_are_weeks_and_rows_weekdays(qtbot: QtBot) -> None:
    shown, _ = heatmap(qtbot, [Day(MONDAY + timedelta(days=i), 10.0, 0) for i in range(8)])
    monday, sunday, next_monday = (shown._cell(i) for i in (0, 6, 7))
    assert monday.left() == sunday.left() < next_monday.left()
    assert monday.top() == next_monday.top() < sunday.top()
