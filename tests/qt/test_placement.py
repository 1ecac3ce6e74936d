"""Popover placement: next to the icon, else the cursor, else the top-right corner."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QRect, QSize

from claude_meter.qt.placement import MARGIN, popover_position

SCREEN = QRect(0, 0, 1920, 1080)
SIZE = QSize(360, 400)


@pytest.mark.parametrize(
    ("icon", "cursor", "expected"),
    [
        # top panel, icon near the right edge: below the icon, clamped to the screen
        (QRect(1890, 0, 24, 24), None, QPoint(1920 - 360 - MARGIN, 24 - 1 + MARGIN)),
        # bottom panel (Windows): above the icon
        (QRect(1000, 1050, 24, 30), None, QPoint(1011 - 180, 1050 - 400 - MARGIN)),
        # no icon geometry (many Linux panels, Wayland): at the cursor
        (QRect(), QPoint(500, 5), QPoint(500 - 180, 5 + MARGIN)),
        (None, QPoint(500, 1070), QPoint(320, 1070 - 400 - MARGIN)),
        # neither: the top-right corner
        (None, None, QPoint(1920 - 360 - MARGIN, MARGIN)),
        (QRect(), QPoint(5000, 5000), QPoint(1920 - 360 - MARGIN, MARGIN)),
    ],
)
def test_position(icon: QRect | None, cursor: QPoint | None, expected: QPoint) -> None:
    got = popover_position(icon, cursor, SCREEN, SIZE)
    assert got == expected
    assert SCREEN.contains(QRect(got, SIZE))
