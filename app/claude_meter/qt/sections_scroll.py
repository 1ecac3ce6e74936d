"""A window's sections in a scroll area that shows only when the window is too short for them.

The settings window is taller than some screens give it: 715 px with several accounts, on a
700 px screen, or tiled by sway to the output's height. Qt then squeezes the sections until
rows are cut off and the buttons leave the screen. In :class:`SectionsScroll` the sections
keep their size and scroll instead, while the buttons below stay in view; with room enough
it asks for the sections' whole size (a plain ``QScrollArea`` caps its wish at 24 lines)
and looks like no scroll area at all: no frame, no scroll bar. :func:`fit_to_screen` grows a
window to what it asks, never past the screen's free area.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QSize, Qt
from PySide6.QtWidgets import QFrame, QScrollArea, QWidget


class SectionsScroll(QScrollArea):
    """Scrolls ``sections`` vertically when given less height than they need; never sideways."""

    def __init__(self, sections: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sections")
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setWidgetResizable(True)
        self._sections = sections  # before setWidget: QScrollArea filters its events too
        self.setWidget(sections)
        sections.installEventFilter(self)  # a line that comes or goes changes what it asks

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """The sections laid out again (a test result shown): ask the window's layout for
        room again, which otherwise kept the size the sections had when first measured."""
        if watched is self._sections and event.type() == QEvent.Type.LayoutRequest:
            self.updateGeometry()
        return super().eventFilter(watched, event)

    def sizeHint(self) -> QSize:
        """The sections' whole size at the width they have (wrapped lines included), with room
        for the scroll bar beside them: on a short screen it appears, and would otherwise
        take its width from the sections' right edge (the end of the Accounts row clipped)."""
        sections = self._sections
        wanted = sections.sizeHint()
        if sections.hasHeightForWidth():
            wanted.setHeight(max(wanted.height(), sections.heightForWidth(self.viewport().width())))
        wanted.setWidth(wanted.width() + self.verticalScrollBar().sizeHint().width())
        return wanted

    def minimumSizeHint(self) -> QSize:
        """As narrow as the sections can be, with room for the scroll bar beside them; a few
        lines high (the rest scrolls)."""
        bar = self.verticalScrollBar().sizeHint().width()
        lines = 6 * self.fontMetrics().height()
        return QSize(self._sections.minimumSizeHint().width() + bar, lines)


def fit_to_screen(window: QWidget) -> None:
    """Grow ``window`` to the height it asks for (or keep the height it was given by hand),
    but never past its screen's free area, less the frame the window manager adds; a window
    that grew past the bottom of that area moves up (where the platform lets an app move its
    windows: X11, not Wayland)."""
    height = max(window.height(), window.sizeHint().height())
    screen = window.screen()
    if screen is None:
        window.resize(window.width(), height)
        return
    free = screen.availableGeometry()
    frame = window.frameGeometry().height() - window.height()
    height = min(height, free.height() - frame)
    window.resize(window.width(), height)
    outer = window.frameGeometry()
    if outer.bottom() > free.bottom():
        window.move(outer.x(), max(free.top(), free.bottom() - outer.height() + 1))
