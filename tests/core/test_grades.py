"""Colour grades of a percent and of a window row (:mod:`claude_meter.core.grades`).

The percents shared with the extension are in ``tests/vectors/grades.json``
(``tests/core/test_vectors.py``); here are the rules around them.
"""

from __future__ import annotations

import pytest

from claude_meter.core.grades import GRADES, SERVER_WARNING, UNKNOWN, grade_for, row_grade


@pytest.mark.parametrize(
    ("percent", "name"),
    [
        (None, "unknown"),
        (float("nan"), "unknown"),
        (-5.0, "ok"),
        (0.0, "ok"),
        (49.99, "ok"),  # shown as 49 %: the figure decides, not the fraction
        (50.0, "warn"),
        (79.999999, "warn"),
        (79.9999999999, "high"),  # float noise on 80 rounds up to the figure shown
        (80.0, "high"),
        (94.9, "high"),
        (95.0, "critical"),
        (100.0, "critical"),
        (250.0, "critical"),
        (float("inf"), "critical"),  # never raises, whatever a file or a post says
        (-float("inf"), "ok"),
    ],
)
def test_grade_of_a_percent(percent: float | None, name: str) -> None:
    assert grade_for(percent).name == name


def test_the_bands_rise_with_distinct_colours() -> None:
    floors = [grade.floor for grade in GRADES]
    assert floors == sorted(floors)
    colours = {grade.rgb for grade in (*GRADES, UNKNOWN)}
    assert len(colours) == len(GRADES) + 1
    assert all(len(c) == 7 and c.startswith("#") for c in colours)


@pytest.mark.parametrize(
    ("percent", "severity", "name"),
    [
        (10.0, None, "ok"),
        (10.0, SERVER_WARNING, "high"),  # the server's flag raises the row to orange
        (60.0, SERVER_WARNING, "high"),
        (None, SERVER_WARNING, "high"),
        (96.0, SERVER_WARNING, "critical"),  # never lowers it
        (85.0, None, "high"),
        (10.0, "info", "ok"),  # any other severity changes nothing
        (None, None, "unknown"),
    ],
)
def test_grade_of_a_row(percent: float | None, severity: str | None, name: str) -> None:
    assert row_grade(percent, severity).name == name
