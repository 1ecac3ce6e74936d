"""The History window's chart of one window over a span, drawn with QPainter like the sparklines.

It draws what :class:`~claude_meter.history.chart_data.ChartData` holds and decides nothing:
readings as a line (one pair of points per pixel column, lowest and highest, so 90 days of
one-minute readings cost as much as 24 hours), resets as dotted period boundaries, walls as red
bands with a mark where each began, the local thresholds as dashed lines, the current period's
forecast dashed to its reset. A gap between readings of more than :data:`GAP` and two pixel
columns (nobody watched) breaks the line. Hovering, or moving the keyboard focus with the arrow
keys, picks a point; the chart draws its time and value and emits
:attr:`UsageChart.point_described` with the words.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from datetime import datetime, timedelta, tzinfo
from typing import Final

from PySide6.QtCore import QEvent, QLineF, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFocusEvent,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
    QPixmap,
    QPolygonF,
)
from PySide6.QtWidgets import QWidget

from claude_meter.core.display import local_time
from claude_meter.core.grades import grade_for
from claude_meter.history.chart_data import ChartData, point_text
from claude_meter.history.reads import Column

#: A gap between readings longer than this, and than two pixel columns, breaks the line: the
#: store writes at least every 15 minutes while it is running, so nobody was watching.
GAP: Final = timedelta(minutes=20)
_LEFT, _RIGHT, _TOP, _BOTTOM = 44.0, 12.0, 10.0, 24.0
_WALL_RED: Final = QColor("#d93a30")


class UsageChart(QWidget):
    """One window's readings over a span (see the module docstring)."""

    point_described = Signal(str)

    def __init__(self, parent: QWidget | None = None, *, tz: tzinfo | None = None) -> None:
        super().__init__(parent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(True)
        self.setMinimumSize(420, 200)
        self.setAccessibleName("Usage chart")
        self._data: ChartData | None = None
        self._thresholds: tuple[float, ...] = ()
        self._focus: int | None = None
        self._tz = tz
        #: Said in the plot while there is no data at all (the history is empty), not "no
        #: readings in this span", which suggests another span would have some.
        self.empty_text = ""
        self._cache: QPixmap | None = None  # everything but the focused point
        self._cache_key: tuple[QSize, float] | None = None

    def sizeHint(self) -> QSize:
        return QSize(760, 280)

    def plot_width(self) -> int:
        """How many pixel columns the readings are folded into."""
        return max(1, int(self.width() - _LEFT - _RIGHT))

    def set_data(self, data: ChartData | None, thresholds: Sequence[float] = ()) -> None:
        self._data = data
        self._thresholds = tuple(thresholds)
        self._focus = None
        self._cache = None
        self.update()

    @property
    def data(self) -> ChartData | None:
        return self._data

    # -- geometry ------------------------------------------------------------------------------

    def _plot(self) -> QRectF:
        return QRectF(self.rect()).adjusted(_LEFT, _TOP, -_RIGHT, -_BOTTOM)

    def _x(self, at: datetime) -> float:
        data, plot = self._data, self._plot()
        if data is None:
            return plot.left()
        total = (data.end - data.start).total_seconds() or 1.0
        share = (at - data.start).total_seconds() / total
        return plot.left() + plot.width() * min(max(share, 0.0), 1.0)

    def _y(self, percent: float) -> float:
        plot = self._plot()
        return plot.bottom() - plot.height() * min(max(percent, 0.0), 100.0) / 100.0

    # -- the focused point ------------------------------------------------------------------

    def _pick(self, index: int | None) -> None:
        data = self._data
        if data is None or not data.columns or index is None:
            self._focus = None
        else:
            self._focus = min(max(index, 0), len(data.columns) - 1)
            column = data.columns[self._focus]
            text = point_text(column.last_at, column.low, column.high, self._tz)
            self.setAccessibleDescription(text)
            self.point_described.emit(text)
        self.update()

    def focused_text(self) -> str | None:
        data = self._data
        if data is None or self._focus is None:
            return None
        column = data.columns[self._focus]
        return point_text(column.last_at, column.low, column.high, self._tz)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        data = self._data
        if data is None or not data.columns:
            return
        x = event.position().x()
        nearest = min(
            range(len(data.columns)), key=lambda i: abs(self._x(data.columns[i].last_at) - x)
        )
        self._pick(nearest)

    def leaveEvent(self, event: QEvent) -> None:
        if not self.hasFocus():
            self._focus = None
            self.update()

    def focusInEvent(self, event: QFocusEvent) -> None:
        super().focusInEvent(event)
        if self._focus is None and self._data is not None and self._data.columns:
            self._pick(len(self._data.columns) - 1)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        data = self._data
        if data is None or not data.columns:
            super().keyPressEvent(event)
            return
        step = {
            Qt.Key.Key_Left: -1,
            Qt.Key.Key_Right: 1,
            Qt.Key.Key_PageUp: -max(1, len(data.columns) // 10),
            Qt.Key.Key_PageDown: max(1, len(data.columns) // 10),
        }
        current = self._focus if self._focus is not None else len(data.columns) - 1
        key = Qt.Key(event.key())
        if key in step:
            self._pick(current + step[key])
        elif key == Qt.Key.Key_Home:
            self._pick(0)
        elif key == Qt.Key.Key_End:
            self._pick(len(data.columns) - 1)
        else:
            super().keyPressEvent(event)

    # -- drawing ----------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        """The chart from a cached picture, the focused point over it: moving the pointer
        repaints only the overlay, not 90 days of readings."""
        ratio = self.devicePixelRatioF()
        key = (self.size(), ratio)
        if self._cache is None or self._cache_key != key:
            self._cache = QPixmap(self.size() * ratio)
            self._cache.setDevicePixelRatio(ratio)
            self._cache.fill(Qt.GlobalColor.transparent)
            cached = QPainter(self._cache)
            try:
                cached.setRenderHint(QPainter.RenderHint.Antialiasing)
                self._draw(cached)
            finally:
                cached.end()
            self._cache_key = key
        painter = QPainter(self)
        try:
            painter.drawPixmap(0, 0, self._cache)
            data = self._data
            if data is not None:
                painter.setRenderHint(QPainter.RenderHint.Antialiasing)
                text = self.palette().color(QPalette.ColorRole.WindowText)
                self._draw_focus(painter, self._plot(), data, text)
        finally:
            painter.end()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.StyleChange):
            self._cache = None
        super().changeEvent(event)

    def _draw(self, painter: QPainter) -> None:
        plot = self._plot()
        text = self.palette().color(QPalette.ColorRole.WindowText)
        faint = QColor(text)
        faint.setAlpha(60)
        painter.fillRect(plot, self.palette().color(QPalette.ColorRole.Base))
        self._draw_grid(painter, plot, text, faint)
        data = self._data
        if data is None:
            if self.empty_text:
                wrap = int(Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap)
                room = painter.boundingRect(plot.adjusted(24, 0, -24, 0), wrap, self.empty_text)
                painter.fillRect(
                    room.adjusted(-8, -4, 8, 4), self.palette().color(QPalette.ColorRole.Base)
                )
                painter.setPen(text)
                painter.drawText(room, wrap, self.empty_text)
            return
        self._draw_walls(painter, plot, data)
        self._draw_resets(painter, plot, data, text)
        self._draw_thresholds(painter, plot, text)
        if data.empty:
            painter.setPen(text)
            painter.drawText(plot, Qt.AlignmentFlag.AlignCenter, "No readings in this span")
        self._draw_line(painter, data)
        self._draw_forecast(painter, data)
        if data.start < data.now < data.end:
            painter.setPen(QPen(faint, 1))
            painter.drawLine(
                QPointF(self._x(data.now), plot.top()), QPointF(self._x(data.now), plot.bottom())
            )
        self._draw_time_labels(painter, plot, data, text)

    def _draw_grid(self, painter: QPainter, plot: QRectF, text: QColor, faint: QColor) -> None:
        for percent in (0, 25, 50, 75, 100):
            y = self._y(percent)
            painter.setPen(QPen(faint, 1))
            painter.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
            painter.setPen(text)
            label = QRectF(0, y - 8, _LEFT - 6, 16)
            painter.drawText(
                label, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, f"{percent}%"
            )

    def _draw_walls(self, painter: QPainter, plot: QRectF, data: ChartData) -> None:
        band = QColor(_WALL_RED)
        band.setAlpha(45)
        for wall in data.walls:
            left, right = self._x(wall.hit_at), self._x(wall.until or data.now)
            painter.fillRect(QRectF(left, plot.top(), max(right - left, 1.5), plot.height()), band)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(_WALL_RED)
            top = plot.top()
            painter.drawPolygon(
                QPolygonF([QPointF(left - 5, top), QPointF(left + 5, top), QPointF(left, top + 8)])
            )
            painter.setBrush(Qt.BrushStyle.NoBrush)

    def _draw_resets(self, painter: QPainter, plot: QRectF, data: ChartData, text: QColor) -> None:
        colour = QColor(text)
        colour.setAlpha(120)
        painter.setPen(QPen(colour, 1, Qt.PenStyle.DotLine))
        for reset in data.resets:
            x = self._x(reset)
            painter.drawLine(QPointF(x, plot.top()), QPointF(x, plot.bottom()))

    def _draw_thresholds(self, painter: QPainter, plot: QRectF, text: QColor) -> None:
        for threshold in self._thresholds:
            colour = QColor(grade_for(threshold).rgb)
            painter.setPen(QPen(colour, 1, Qt.PenStyle.DashLine))
            y = self._y(threshold)
            painter.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
            painter.drawText(
                QRectF(plot.right() - 60, y - 15, 56, 14),
                Qt.AlignmentFlag.AlignRight,
                f"{threshold:g}%",
            )

    def _points(self, column: Column, reset_inside: bool) -> list[QPointF]:
        first, last = (column.high, column.low) if reset_inside else (column.low, column.high)
        return [
            QPointF(self._x(column.first_at), self._y(first)),
            QPointF(self._x(column.last_at), self._y(last)),
        ]

    def _draw_line(self, painter: QPainter, data: ChartData) -> None:
        """The readings as separate segments: one antialiased polyline of ~1,800 zig-zag points
        takes Qt's stroker about a second (its joins); the same segments take milliseconds."""
        latest = data.columns[-1].high if data.columns else 0.0
        painter.setPen(QPen(QColor(grade_for(latest).rgb), 1.6))
        resets = data.resets
        segments: list[QLineF] = []
        previous: Column | None = None
        last: QPointF | None = None
        gap = max(GAP, 2 * (data.end - data.start) / max(1, data.column_count))
        for column in data.columns:
            if previous is not None and column.first_at - previous.last_at > gap:
                last = None  # nobody watched: the line breaks
            at = bisect_left(resets, column.first_at)
            inside = at < len(resets) and resets[at] <= column.last_at
            for point in self._points(column, inside):
                if last is not None and point != last:
                    segments.append(QLineF(last, point))
                last = point
            previous = column
        painter.drawLines(segments)

    def _draw_forecast(self, painter: QPainter, data: ChartData) -> None:
        if len(data.forecast) < 2:
            return
        colour = QColor(grade_for(data.forecast[-1][1]).rgb)
        painter.setPen(QPen(colour, 1.4, Qt.PenStyle.DashLine))
        painter.drawPolyline(
            QPolygonF([QPointF(self._x(at), self._y(p)) for at, p in data.forecast])
        )

    def _draw_time_labels(
        self, painter: QPainter, plot: QRectF, data: ChartData, text: QColor
    ) -> None:
        painter.setPen(text)
        total = data.end - data.start
        for step in range(5):
            at = data.start + total * step / 4
            x = self._x(at)
            align = Qt.AlignmentFlag.AlignHCenter
            box = QRectF(x - 50, plot.bottom() + 4, 100, 16)
            if step == 0:
                box, align = QRectF(x, plot.bottom() + 4, 100, 16), Qt.AlignmentFlag.AlignLeft
            elif step == 4:
                box, align = (
                    QRectF(x - 100, plot.bottom() + 4, 100, 16),
                    Qt.AlignmentFlag.AlignRight,
                )
            painter.drawText(box, align, axis_label(at, total, self._tz))

    def _draw_focus(self, painter: QPainter, plot: QRectF, data: ChartData, text: QColor) -> None:
        words = self.focused_text()
        if words is None or self._focus is None:
            return
        column = data.columns[self._focus]
        point = QPointF(self._x(column.last_at), self._y(column.high))
        painter.setPen(QPen(text, 1, Qt.PenStyle.DotLine))
        painter.drawLine(QPointF(point.x(), plot.top()), QPointF(point.x(), plot.bottom()))
        painter.setPen(QPen(text, 1.5))
        painter.setBrush(self.palette().color(QPalette.ColorRole.Base))
        painter.drawEllipse(point, 4.0, 4.0)
        width = painter.fontMetrics().horizontalAdvance(words) + 12
        left = min(max(point.x() - width / 2, plot.left()), plot.right() - width)
        box = QRectF(left, plot.top() + 12, width, 20)
        painter.setBrush(self.palette().color(QPalette.ColorRole.ToolTipBase))
        painter.setPen(QPen(text, 1))
        painter.drawRoundedRect(box, 4, 4)
        painter.setPen(self.palette().color(QPalette.ColorRole.ToolTipText))
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter, words)
        painter.setBrush(Qt.BrushStyle.NoBrush)


def axis_label(at: datetime, span: timedelta, tz: tzinfo | None) -> str:
    """A time under the chart: the clock up to 36 h (the 24 h span may run on to a reset a
    few hours ahead: still hours), the day and its date up to 10 days, else the date."""
    if span <= timedelta(hours=36):
        return local_time(at, tz, day=None)
    return at.astimezone(tz).strftime("%a %d" if span <= timedelta(days=10) else "%d %b")
