"""Where the popover goes: next to the tray icon, else at the cursor, else a screen corner.

``QSystemTrayIcon.geometry()`` is empty on many Linux panels and on Wayland, hence the
fallbacks. Pure geometry, tested as a table.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect, QSize

MARGIN = 8


def popover_position(
    icon: QRect | None, cursor: QPoint | None, screen: QRect, size: QSize
) -> QPoint:
    """Top-left corner for a popover of ``size`` within the available ``screen`` area."""
    if icon is not None and icon.isValid() and not icon.isEmpty():
        anchor = icon
    elif cursor is not None and screen.contains(cursor):
        anchor = QRect(cursor, QSize(1, 1))
    else:
        return QPoint(
            screen.right() - size.width() - MARGIN + 1, screen.top() + MARGIN
        )  # top-right corner, where most panels' trays are
    x = anchor.center().x() - size.width() // 2
    if anchor.center().y() < screen.center().y():
        y = anchor.bottom() + MARGIN  # panel at the top: open downwards
    else:
        y = anchor.top() - size.height() - MARGIN  # panel at the bottom: open upwards
    x = max(screen.left() + MARGIN, min(x, screen.right() - size.width() - MARGIN + 1))
    y = max(screen.top() + MARGIN, min(y, screen.bottom() - size.height() - MARGIN + 1))
    return QPoint(x, y)
