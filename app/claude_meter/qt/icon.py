"""The tray icon: the worst window's percent on its colour grade, drawn with QPainter.

Drawn per size at the screen's device pixel ratio onto a transparent pixmap; the painter is
always ended before the pixmap is used. Text is at most three characters, because Windows
shows 16-32 px icons. A monochrome template variant (a mask) follows the macOS menu bar's
light/dark look.
"""

from __future__ import annotations

from typing import Final, Literal

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QIcon, QPainter, QPen, QPixmap

from claude_meter.core.meter import Indicator

IconStyle = Literal["number", "ring"]

ICON_SIZES: Final = (16, 22, 24, 32, 48, 64)
_DARK_TEXT: Final = QColor("#1d1d1f")
_LIGHT_TEXT: Final = QColor("#ffffff")
_OUTLINE: Final = QColor("#8a8a8a")
_RING_TEXT: Final = QColor("#f0f0f0")  # on the ring's dark disc, readable on any panel
STALE_OPACITY: Final = 0.45


def _text_colour(background: QColor) -> QColor:
    """Dark text on light grades (yellow), white on the others: readable on any panel."""
    r, g, b = background.redF(), background.greenF(), background.blueF()
    luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b
    return _DARK_TEXT if luminance > 0.5 else _LIGHT_TEXT


def render_pixmap(
    shown: Indicator,
    size: int,
    *,
    device_pixel_ratio: float = 1.0,
    template: bool = False,
    style: IconStyle = "number",
) -> QPixmap:
    """One icon image of ``size`` logical pixels."""
    pixels = max(1, round(size * device_pixel_ratio))
    pixmap = QPixmap(pixels, pixels)
    pixmap.setDevicePixelRatio(device_pixel_ratio)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        if style == "ring":
            _paint_ring(painter, shown, float(size), template)
        else:
            _paint(painter, shown, float(size), template)
    finally:
        painter.end()
    return pixmap


def _paint(painter: QPainter, shown: Indicator, size: float, template: bool) -> None:
    inset = max(0.5, size * 0.04)
    box = QRectF(inset, inset, size - 2 * inset, size - 2 * inset)
    radius = size * 0.22
    filled = shown.kind in ("number", "stale") and shown.grade.name != "unknown"
    if shown.kind == "stale":
        painter.setOpacity(STALE_OPACITY)
    ink = QColor("#000000")
    if template:
        text_colour = ink
        painter.setPen(QPen(ink, max(1.0, size / 14)))
        painter.setBrush(Qt.BrushStyle.NoBrush)
    elif filled:
        background = QColor(shown.grade.rgb)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(background)
        text_colour = _text_colour(background)
    else:
        painter.setPen(QPen(_OUTLINE, max(1.0, size / 14)))
        painter.setBrush(QColor(40, 40, 40, 140))
        text_colour = QColor("#f0f0f0") if shown.kind != "error" else QColor("#ff6b5e")
    painter.drawRoundedRect(box, radius, radius)
    font = QFont()
    font.setBold(True)
    ratio = {1: 0.72, 2: 0.62, 3: 0.44}.get(len(shown.text), 0.44)
    font.setPixelSize(max(6, round(size * ratio)))
    painter.setFont(font)
    painter.setPen(text_colour)
    painter.drawText(box, Qt.AlignmentFlag.AlignCenter, shown.text)


def _paint_ring(painter: QPainter, shown: Indicator, size: float, template: bool) -> None:
    """A track and an arc filled clockwise from 12 o'clock to the percent, the number inside.

    The arc follows the figure shown (used or remaining); its colour is always the grade.
    """
    pen_width = max(2.0, size * 0.14)
    inset = pen_width / 2 + max(0.5, size * 0.02)
    box = QRectF(inset, inset, size - 2 * inset, size - 2 * inset)
    if shown.kind == "stale":
        painter.setOpacity(STALE_OPACITY)
    known = shown.kind in ("number", "stale") and shown.grade.name != "unknown"
    ink = QColor("#000000")
    colour = ink if template else QColor(shown.grade.rgb) if known else _OUTLINE
    track = QColor(ink if template else _OUTLINE)
    track.setAlphaF(0.35)
    painter.setBrush(Qt.BrushStyle.NoBrush if template else QColor(40, 40, 40, 140))
    painter.setPen(QPen(track, pen_width, Qt.PenStyle.SolidLine, Qt.PenCapStyle.FlatCap))
    painter.drawEllipse(box)
    if known and shown.text.isdigit():
        fraction = min(1.0, max(0.0, int(shown.text) / 100))
        painter.setPen(QPen(colour, pen_width, Qt.PenStyle.SolidLine, Qt.PenCapStyle.FlatCap))
        painter.drawArc(box, 90 * 16, -round(fraction * 360 * 16))
    font = QFont()
    font.setBold(True)
    ratio = {1: 0.5, 2: 0.42, 3: 0.3}.get(len(shown.text), 0.3)
    font.setPixelSize(max(5, round(size * ratio)))
    painter.setFont(font)
    painter.setPen(ink if template else _RING_TEXT if known else QColor("#f0f0f0"))
    painter.drawText(QRectF(0, 0, size, size), Qt.AlignmentFlag.AlignCenter, shown.text)


def render_icon(
    shown: Indicator,
    *,
    device_pixel_ratio: float = 1.0,
    template: bool = False,
    style: IconStyle = "number",
) -> QIcon:
    """A QIcon with every common tray size, so the platform picks a sharp one."""
    icon = QIcon()
    for size in ICON_SIZES:
        icon.addPixmap(
            render_pixmap(
                shown, size, device_pixel_ratio=device_pixel_ratio, template=template, style=style
            )
        )
    if template:
        icon.setIsMask(True)
    return icon
