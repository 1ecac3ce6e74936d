"""One window's row in the popover: label, percent, a graded bar, the countdown, where the
figure came from, and the sparkline and forecast from the history."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QVBoxLayout, QWidget

from claude_meter.core.display import (
    format_countdown,
    format_duration,
    format_percent,
    local_time,
    spoken_reset,
)
from claude_meter.core.forecast import Forecast, shown_wall
from claude_meter.core.grades import SERVER_WARNING, row_grade
from claude_meter.core.models import UsageWindow
from claude_meter.core.presentation import percent_label, spoken_percent
from claude_meter.qt.sparkline import Sparkline
from claude_meter.readings.view import provenance

if TYPE_CHECKING:
    from claude_meter.history import WindowInsight


FLAGGED = "Claude's servers flag this limit as close to its end"


def forecast_line(forecast: Forecast, resets_at: datetime | None) -> str | None:
    """One short line under a row (the full sentence is its tooltip); None: nothing to say."""
    if not forecast.enough_data or resets_at is None:
        return None
    mark = "Fast burn · " if forecast.fast_burn else ""
    wall = shown_wall(forecast)
    if wall is not None and wall != forecast.wall_at:  # the last hour's (core/forecast.py)
        return f"{mark}100% by {local_time(wall)} at the last hour's pace"
    if forecast.wall_at is not None:
        before = format_duration(resets_at - forecast.wall_at)
        return f"{mark}100% by {local_time(forecast.wall_at)}, {before} before reset"
    if forecast.percent_at_reset is None:
        return None
    return f"{mark}on pace for {format_percent(forecast.percent_at_reset)} at reset"


class WindowRow(QWidget):
    """Label, percent, a graded bar and the countdown of one window."""

    def __init__(
        self, window: UsageWindow, parent: QWidget | None = None, *, show_remaining: bool = False
    ) -> None:
        super().__init__(parent)
        self.usage_window = window
        self._show_remaining = show_remaining
        self._bar_colour = ""  # the bar's style sheet is set again only when it changes
        self._forecast_style = ""
        self.org_uuid: str | None = None
        self.account: str | None = None  # whose window: a named account's id, None the default
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 2, 0, 2)
        layout.setSpacing(2)
        top = QHBoxLayout()
        self.label = QLabel()
        self.percent = QLabel()
        self.percent.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.percent.setStyleSheet("font-weight: 600;")
        self.percent.ensurePolished()  # its bold font from the style sheet, to measure with
        widest = (percent_label(p, show_remaining=show_remaining) for p in (0.0, 100.0))
        # As wide as any percent, so the sparklines of all rows line up (they shifted with
        # the width of "8%" beside "55%").
        metrics, flags = self.percent.fontMetrics(), int(Qt.AlignmentFlag.AlignRight)
        measured = (metrics.boundingRect(0, 0, 400, 100, flags, t).width() for t in widest)
        self.percent.setMinimumWidth(max(measured) + 2 * self.percent.margin())
        top.addWidget(self.label, 1)
        self.sparkline = Sparkline()
        self.sparkline.setFixedWidth(84)
        self.sparkline.setVisible(False)
        top.addWidget(self.sparkline)
        top.addWidget(self.percent)
        layout.addLayout(top)
        self.bar = QProgressBar()
        self.bar.setRange(0, 100)
        self.bar.setTextVisible(False)
        self.bar.setFixedHeight(8)
        layout.addWidget(self.bar)
        self.countdown = QLabel()
        self.countdown.setStyleSheet("color: palette(placeholder-text); font-size: 11px;")
        layout.addWidget(self.countdown)
        self.origin = QLabel()  # where the figure came from and how old, when routes mix
        self.origin.setObjectName("row_origin")
        self.origin.setStyleSheet("color: palette(placeholder-text); font-size: 11px;")
        self.origin.setVisible(False)
        self._origin: tuple[str, datetime] | None = None
        layout.addWidget(self.origin)
        self.forecast = QLabel()
        self.forecast.setStyleSheet("font-size: 11px;")
        self.forecast.setVisible(False)
        self._has_forecast = False
        layout.addWidget(self.forecast)
        self.set_window(window)

    def set_window(self, window: UsageWindow) -> None:
        """Show ``window``'s figures: a new reading of the same window updates the row in
        place (its label, percent, bar and what a screen reader says)."""
        self.usage_window = window
        flagged = window.severity == SERVER_WARNING
        self.label.setText(f"{window.label} ⚠" if flagged else window.label)
        self.label.setToolTip(FLAGGED if flagged else "")
        show_remaining = self._show_remaining
        self.percent.setText(percent_label(window.percent, show_remaining=show_remaining))
        value = 0 if window.percent is None else round(min(100.0, max(0.0, window.percent)))
        self.bar.setValue(value)
        colour = row_grade(window.percent, window.severity).rgb
        if colour != self._bar_colour:  # a style sheet set again restyles the bar: not each time
            self._bar_colour = colour
            self.bar.setStyleSheet(
                "QProgressBar { border: none; border-radius: 4px;"
                " background: rgba(128,128,128,60); }"
                f"QProgressBar::chunk {{ border-radius: 4px; background: {colour}; }}"
            )
        percent_words = spoken_percent(window.percent, show_remaining=show_remaining)
        if flagged:
            percent_words += ", flagged by the server"
        self.bar.setAccessibleName(
            f"{window.label}, {percent_words}, {spoken_reset(window.resets_at)}"
        )

    def set_origin(self, source: str | None, read_at: datetime | None = None) -> None:
        """Say under the row which route read it and when (see ``core/statusline_rules``);
        ``None``: say nothing (one route only)."""
        self._origin = None if source is None or read_at is None else (source, read_at)
        self.origin.setVisible(self._origin is not None)

    def tick(self, now: datetime) -> None:
        """Recomputed from the clock each second: a clock jump cannot make it drift."""
        resets_at = self.usage_window.resets_at
        self.countdown.setText(format_countdown(resets_at, now))
        if self._origin is not None:
            self.origin.setText("from " + provenance(*self._origin, now))
        passed = resets_at is not None and resets_at <= now
        self.forecast.setVisible(self._has_forecast and not passed)  # it was for that period

    def set_insight(self, insight: WindowInsight | None, now: datetime) -> None:
        """The sparkline of this period and the forecast sentence, when history has them."""
        if insight is None:
            self.sparkline.setVisible(False)
            self.forecast.setVisible(False)
            self._has_forecast = False
            return
        window = self.usage_window
        self.sparkline.set_data(
            window.key, insight.samples, insight.forecast, window.resets_at, now
        )
        self.sparkline.setVisible(self.sparkline.has_data)
        forecast = insight.forecast
        text = forecast_line(forecast, window.resets_at)
        self._has_forecast = text is not None
        self.forecast.setVisible(text is not None)
        if text is not None:
            self.forecast.setText(text)
            self.forecast.setToolTip(forecast.summary)
            self.forecast.setAccessibleName(forecast.summary)
            colour = "#d93a30" if forecast.fast_burn else "palette(placeholder-text)"
            style = f"font-size: 11px; color: {colour};"
            if style != self._forecast_style:
                self._forecast_style = style
                self.forecast.setStyleSheet(style)
