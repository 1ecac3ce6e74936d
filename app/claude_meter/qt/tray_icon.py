"""The tray icon: it shows the indicator and the tooltip it is given, and offers its menu.

It decides nothing: the figure, its colour and the tooltip's words come from the live meter
(``poll/live.py``, built by ``core/presentation.py``); the menu's entries only emit signals,
which the tray (``qt/app.py``) and the composition (``qt/compose.py``) connect. The icon itself
lives on whatever tray there is, found at any time (:class:`~claude_meter.qt.tray_host.TrayHost`).
"""

from __future__ import annotations

import logging
import time

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction, QGuiApplication
from PySide6.QtWidgets import QMenu, QSystemTrayIcon

from claude_meter.core.meter import Indicator
from claude_meter.core.settings import IconColour, IconStyle
from claude_meter.qt.icon import render_icon
from claude_meter.qt.surface import REPEAT_SECONDS
from claude_meter.qt.tray_host import TrayHost

log = logging.getLogger("claude_meter.tray")

PAIR_ACTION = "Pair browser extension"
#: Reopens the first-run window ("Connect ClaudeMeter"), shown while nothing is signed in.
CONNECT_ACTION = "Connect ClaudeMeter…"


class TrayIcon(QObject):
    """The icon in the system tray (through its :attr:`host`) and its menu."""

    clicked = Signal()  # a click or double click on the icon: the popover
    context_requested = Signal()  # a right click the host reports (swaybar): see surface.py
    show_requested = Signal()  # the menu's "Show ClaudeMeter"
    connect_requested = Signal()  # "Connect ClaudeMeter…": the first-run window again
    refresh_requested = Signal()
    usage_page_requested = Signal()
    pair_requested = Signal()
    settings_requested = Signal()
    history_requested = Signal()  # "History…": charts, walls, the year (qt/history_window.py)
    log_folder_requested = Signal()
    quit_requested = Signal()

    def __init__(self, *, wait: float, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._shown: tuple[Indicator, str, str] | None = None
        self._clicked_at = 0.0
        self.menu = QMenu()
        self.pair_action = QAction(PAIR_ACTION, self.menu)
        self.pair_action.setVisible(False)  # until a bridge is wired (``offer_pairing``)
        self.connect_action = QAction(CONNECT_ACTION, self.menu)
        self.connect_action.setVisible(False)  # until nothing is signed in (``offer_connect``)
        own = {PAIR_ACTION: self.pair_action, CONNECT_ACTION: self.connect_action}
        for text, signal in (
            ("Show ClaudeMeter", self.show_requested),
            (CONNECT_ACTION, self.connect_requested),
            ("Refresh now", self.refresh_requested),
            ("Open usage page", self.usage_page_requested),
            ("History…", self.history_requested),
            (PAIR_ACTION, self.pair_requested),
            ("Settings…", self.settings_requested),
            ("Open log folder", self.log_folder_requested),
            (None, None),
            ("Quit ClaudeMeter", self.quit_requested),
        ):
            if signal is None or text is None:
                self.menu.addSeparator()
                continue
            action = own.get(text) or QAction(text, self.menu)
            action.triggered.connect(signal.emit)
            self.menu.addAction(action)
        self.host = TrayHost(self.menu, wait=wait, parent=self)
        self.host.activated.connect(self._on_activated)

    def offer_pairing(self) -> None:
        """Show "Pair browser extension" in the menu (there is a bridge to pair with)."""
        self.pair_action.setVisible(True)

    def offer_connect(self, offered: bool) -> None:
        """Show "Connect ClaudeMeter…" while nothing is signed in, hide it once something is."""
        self.connect_action.setVisible(offered)

    def show_reading(
        self,
        shown: Indicator,
        tooltip: str,
        *,
        colour: IconColour = "colour",
        style: IconStyle = "number",
    ) -> bool:
        """Draw ``shown`` (only when it, the colour or the style changed) and set the
        tooltip; True when the icon was redrawn."""
        self.host.set_tooltip(tooltip)
        key = (shown, colour, style)
        if key == self._shown:
            return False
        self._shown = key
        screen = QGuiApplication.primaryScreen()
        self.host.set_icon(
            render_icon(
                shown,
                device_pixel_ratio=screen.devicePixelRatio() if screen else 1.0,
                template=colour == "monochrome",
                style=style,
            )
        )
        return True

    def _on_activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        log.debug("tray activated: %s", reason.name)
        if reason in (
            QSystemTrayIcon.ActivationReason.Trigger,
            QSystemTrayIcon.ActivationReason.DoubleClick,
        ):
            if time.monotonic() - self._clicked_at < REPEAT_SECONDS:
                return  # the same click, reported twice (queued while the first was handled)
            self.clicked.emit()
            self._clicked_at = time.monotonic()
        elif reason == QSystemTrayIcon.ActivationReason.Context:
            self.context_requested.emit()
