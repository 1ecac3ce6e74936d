"""A small line of one window's readings over its current period, with the forecast.

The solid line is what the server reported; a dashed line continues it at the current pace
to the reset (or to the wall, if that comes first). The x axis spans the period, from its
start (``resets_at`` minus the window length, or the first reading) to the reset.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPen, QPolygonF
from PySide6.QtWidgets import QSizePolicy, QWidget

from claude_meter.core.forecast import Forecast, Sample, shown_wall, window_hours
from claude_meter.core.grades import grade_for


class Sparkline(QWidget):
    """Readings as a polyline on a 0-100 scale, the forecast dashed, a wall line at 100 %."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setFixedHeight(16)
        self._samples: tuple[Sample, ...] = ()
        self._forecast: Forecast | None = None
        self._resets_at: datetime | None = None
        self._key = ""
        self._now: datetime | None = None

    def sizeHint(self) -> QSize:
        return QSize(84, 16)

    def set_data(
        self,
        key: str,
        samples: Sequence[Sample],
        forecast: Forecast | None,
        resets_at: datetime | None,
        now: datetime,
    ) -> None:
        samples = tuple(samples)
        drawn = (self._key, self._samples, self._forecast, self._resets_at)
        # ``now`` only places the line when the reset is unknown: else the same drawing.
        if drawn == (key, samples, forecast, resets_at) and (resets_at or now == self._now):
            return
        self._key = key
        self._samples = samples
        self._forecast = forecast
        self._resets_at = resets_at
        self._now = now
        self.update()

    @property
    def has_data(self) -> bool:
        return len(self._samples) >= 2

    def _span(self) -> tuple[datetime, datetime] | None:
        if not self._samples or self._now is None:
            return None
        hours = window_hours(self._key)
        end = self._resets_at or self._now
        start = end - timedelta(hours=hours) if hours is not None else self._samples[0].at
        start = min(start, self._samples[0].at)
        return (start, end) if end > start else None

    def paintEvent(self, event: QPaintEvent) -> None:
        span = self._span()
        if span is None or not self.has_data:
            return
        start, end = span
        total = (end - start).total_seconds()
        box = QRectF(self.rect()).adjusted(1, 2, -1, -2)

        def point(at: datetime, percent: float) -> QPointF:
            x = box.left() + box.width() * (at - start).total_seconds() / total
            y = box.bottom() - box.height() * min(max(percent, 0.0), 100.0) / 100.0
            return QPointF(x, y)

        painter = QPainter(self)
        try:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            wall = QPen(QColor(128, 128, 128, 90), 1, Qt.PenStyle.DotLine)
            painter.setPen(wall)
            painter.drawLine(QPointF(box.left(), box.top()), QPointF(box.right(), box.top()))
            last = self._samples[-1]
            colour = QColor(grade_for(last.percent).rgb)
            painter.setPen(QPen(colour, 1.6))
            painter.drawPolyline(QPolygonF([point(s.at, s.percent) for s in self._samples]))
            forecast = self._forecast
            if forecast is not None and forecast.enough_data and self._now is not None:
                target_at, target = end, forecast.percent_at_reset
                walled = shown_wall(forecast)  # the fast burn's, when it comes first
                if walled is not None and walled < end:
                    target_at, target = walled, 100.0
                if target is not None:
                    pen = QPen(colour, 1.2, Qt.PenStyle.DashLine)
                    painter.setPen(pen)
                    painter.drawLine(point(last.at, last.percent), point(target_at, target))
                if forecast.fast_burn:
                    painter.setPen(Qt.PenStyle.NoPen)
                    painter.setBrush(QColor("#d93a30"))
                    tip = point(last.at, last.percent)
                    painter.drawEllipse(tip, 3.0, 3.0)
        finally:
            painter.end()
