"""The year's calendar heatmap: 52 weeks of days, columns are weeks, rows Monday to Sunday.

It draws :func:`~claude_meter.history.calendar.calendar_days` and decides nothing: a day's
colour is its highest weekly reading (the grade colours, from faint to full), a dark dot marks
a day with a session wall, an empty cell a day without readings. Hovering a day says what it
holds.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPaintEvent, QPalette, QPen
from PySide6.QtWidgets import QToolTip, QWidget

from claude_meter.core.grades import grade_for
from claude_meter.history.calendar import Day

_CELL, _GAP, _LEFT, _TOP = 11.0, 2.0, 36.0, 14.0


def day_words(day: Day) -> str:
    text = day.day.strftime("%a %d %b %Y")
    text += ": no readings" if day.peak is None else f": weekly up to {day.peak:.0f}%"
    if day.walls:
        text += f", session walled {'once' if day.walls == 1 else f'{day.walls} times'}"
    return text


class CalendarHeatmap(QWidget):
    """The last 52 weeks, a cell per day (see the module docstring)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMouseTracking(True)
        self.setAccessibleName("Calendar of the last 52 weeks")
        self._days: tuple[Day, ...] = ()
        self.setFixedHeight(int(_TOP + 7 * (_CELL + _GAP) + 4))

    def sizeHint(self) -> QSize:
        return QSize(int(_LEFT + 53 * (_CELL + _GAP)), self.height())

    def set_days(self, days: Sequence[Day]) -> None:
        self._days = tuple(days)
        filled = [d for d in days if d.peak is not None]
        self.setAccessibleDescription(
            f"{len(filled)} days with readings; "
            f"{sum(1 for d in days if d.walls)} days with a session wall"
        )
        self.update()

    def _cell(self, index: int) -> QRectF:
        week, weekday = divmod(index, 7)
        return QRectF(_LEFT + week * (_CELL + _GAP), _TOP + weekday * (_CELL + _GAP), _CELL, _CELL)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        point = event.position()
        for index, day in enumerate(self._days):
            if self._cell(index).contains(point):
                QToolTip.showText(event.globalPosition().toPoint(), day_words(day), self)
                return
        QToolTip.hideText()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        try:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            text = self.palette().color(QPalette.ColorRole.WindowText)
            empty = QColor(text)
            empty.setAlpha(25)
            painter.setPen(text)
            for row, name in ((0, "Mon"), (2, "Wed"), (4, "Fri")):
                painter.drawText(
                    QRectF(0, _TOP + row * (_CELL + _GAP) - 2, _LEFT - 3, _CELL + 4),
                    Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                    name,
                )
            month = None
            for index, day in enumerate(self._days):
                cell = self._cell(index)
                if day.day.day <= 7 and day.day.weekday() == 0 and day.day.month != month:
                    month = day.day.month
                    painter.setPen(text)
                    painter.drawText(QPointF(cell.left(), _TOP - 3), day.day.strftime("%b"))
                if day.peak is None:
                    painter.setPen(Qt.PenStyle.NoPen)
                    painter.setBrush(empty)
                else:
                    colour = QColor(grade_for(day.peak).rgb)
                    colour.setAlpha(int(70 + 185 * min(max(day.peak, 0.0), 100.0) / 100))
                    painter.setPen(Qt.PenStyle.NoPen)
                    painter.setBrush(colour)
                painter.drawRoundedRect(cell, 2, 2)
                if day.walls:
                    painter.setBrush(QColor("#202020"))
                    painter.setPen(QPen(QColor("#ffffff"), 0.8))
                    painter.drawEllipse(cell.center(), 2.6, 2.6)
        finally:
            painter.end()
