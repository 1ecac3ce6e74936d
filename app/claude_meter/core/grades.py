"""Colour grades of a percent: one table for the icon, the popover, the CLI and the extension."""

from __future__ import annotations

from typing import Final, NamedTuple


class Grade(NamedTuple):
    """A band of percents and how it is drawn.

    A NamedTuple, not a dataclass: ``statusline`` and ``status --cached`` import this, and
    ``dataclasses`` (with ``inspect``) is a tenth of their start-up.
    """

    name: str
    floor: float  # the lowest percent in this band
    rgb: str  # "#rrggbb"
    ansi: str  # SGR colour for terminals


#: Below 50 % green, 50-79 % yellow, 80-94 % orange, 95 % and up red.
GRADES: Final[tuple[Grade, ...]] = (
    Grade("ok", 0.0, "#2e9d4f", "32"),
    Grade("warn", 50.0, "#d4a514", "33"),
    Grade("high", 80.0, "#e8702a", "38;5;208"),
    Grade("critical", 95.0, "#d93a30", "31"),
)
UNKNOWN: Final = Grade("unknown", float("nan"), "#8a8a8a", "90")


def grade_for(percent: float | None) -> Grade:
    """The grade of a percent (on the whole-percent figure shown); unknown is grey."""
    if percent is None or percent != percent:
        return UNKNOWN
    shown = int(min(percent, 1e6) + 1e-9) if percent >= 0 else 0  # inf: the top grade
    chosen = GRADES[0]
    for grade in GRADES:
        if shown >= grade.floor:
            chosen = grade
    return chosen


#: The server's own flag that raises a row's colour (``limits[].severity``).
SERVER_WARNING: Final = "warning"


def row_grade(percent: float | None, severity: str | None) -> Grade:
    """A window row's colour: its percent's grade, but at least orange ("high", the 80 %
    grade) when the server marks it ``warning``, even below the local thresholds.

    Only rows change: the icon's figure, "worst" and notifications follow the percents.
    """
    grade = grade_for(percent)
    if severity == SERVER_WARNING and (grade is UNKNOWN or grade.floor < GRADES[2].floor):
        return GRADES[2]
    return grade
