"""The tray icon on whatever tray there is, found at any time after start.

Qt decides what a ``QSystemTrayIcon`` is when it is built, and never again:

- on X11 (``xcb``) a StatusNotifierItem (SNI, over D-Bus) when ``org.kde.StatusNotifierWatcher``
  owns its name on the session bus at that moment, else an XEmbed icon. An XEmbed icon docks by
  itself into an XEmbed tray that appears later or restarts; an SNI item re-registers by itself
  with a watcher that restarts. But an icon built as XEmbed never becomes an SNI item: started
  before an SNI panel (autostart), it would stay invisible for the whole run;
- on Wayland always an SNI item, which registers with a watcher whenever one appears;
- on macOS and Windows the native icon, always there.

So this module keeps the icon and rebuilds it (same picture, tooltip and menu) when the kind Qt
would choose now differs from the kind it has and the one it has is on no tray. It looks again
when the watcher's name changes owner (a D-Bus signal, no polling), when Qt hides the docked
XEmbed icon's window (its tray went away), and, only while there is no tray, once every 0.5 s
(1 s after :attr:`missing`): an XEmbed tray announces itself through an X selection Qt does
not expose. With a tray present nothing is polled.

``found`` fires when the icon is on a tray (at start, after a fallback to a window, after a
panel came back); ``missing`` when no tray turned up within the wait, or a tray was lost and did
not return within it.

The tooltip an SNI item carries is markup to its host: the specification makes its text a
subset of XHTML, and waybar hands it to GTK as Pango markup, where one bare ``&`` (the
"Weekly · Claude Code & apps" window) makes the whole text invalid and nothing shows. So the
SNI item gets the text escaped (:func:`sni_text`); an XEmbed or native icon, whose tooltip Qt
or the OS draws as plain text, gets it as it is.
"""

from __future__ import annotations

import logging
import sys
import time
from typing import Literal

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QGuiApplication, QIcon
from PySide6.QtWidgets import QMenu, QSystemTrayIcon

log = logging.getLogger("claude_meter.tray")

WATCHER = "org.kde.StatusNotifierWatcher"
#: How often to look for a tray while there is none: during the wait, then after it.
WAITING_POLL_MS = 500
MISSING_POLL_MS = 1000
#: The object name of the little window Qt docks into an XEmbed tray: the ``QWindow`` of its
#: ``QSystemTrayIconSys`` widget. Watched as a ``QWindow``: reaching the widget itself
#: (``QApplication.topLevelWidgets()``) makes PySide6 create some 150 widget classes to find
#: the Python type of that private one (about 1 MB and 8-30 ms at start).
XEMBED_WINDOW = "QSystemTrayIconSysWindow"

Kind = Literal["sni", "xembed", "native"]
KIND_NAMES: dict[Kind, str] = {
    "sni": "StatusNotifierItem",
    "xembed": "XEmbed",
    "native": "native",
}


def sni_text(text: str) -> str:
    """``text`` as an SNI host reads it: ``&``, ``<`` and ``>`` escaped (see the module)."""
    import html  # here: an XEmbed or native icon never needs it (nor its entity table)

    return html.escape(text, quote=False)


class TrayHost(QObject):
    """Owns the current ``QSystemTrayIcon``; see the module docstring."""

    found = Signal()
    missing = Signal()
    activated = Signal(QSystemTrayIcon.ActivationReason)

    def __init__(
        self, menu: QMenu, *, wait: float, parent: QObject | None = None, platform: str = ""
    ) -> None:
        super().__init__(parent)
        self._menu = menu
        self._wait = wait
        self._platform = platform or sys.platform
        self._deadline = 0.0
        self._present = False
        self._missing = False
        self._stopped = False
        self._bus_watcher: QObject | None = None
        self._xembed_windows: list[QObject] = []
        self._tooltip = ""  # as given; the icon's own may be escaped (see the module)
        self.kind: Kind = "native"
        self.icon = self._build()
        self._poll = QTimer(self)
        self._poll.setInterval(WAITING_POLL_MS)
        self._poll.timeout.connect(self.check)

    # -- what there is ----------------------------------------------------------------------

    @property
    def present(self) -> bool:
        """True while the icon is on a tray."""
        return self._present

    def _on_x11(self) -> bool:
        return QGuiApplication.platformName() == "xcb"

    def _watcher_registered(self) -> bool:
        if not self._platform.startswith("linux"):
            return False
        from PySide6.QtDBus import QDBusConnection

        bus = QDBusConnection.sessionBus()
        if not bus.isConnected():
            return False
        interface = bus.interface()
        if interface is None:
            return False
        reply = interface.isServiceRegistered(WATCHER)
        return bool(reply.isValid() and reply.value())

    def _wanted_kind(self) -> Kind:
        """The kind Qt builds now (see the module docstring)."""
        if not self._platform.startswith("linux"):
            return "native"
        if not self._on_x11():
            return "sni"
        return "sni" if self._watcher_registered() else "xembed"

    def _build(self) -> QSystemTrayIcon:
        old = getattr(self, "icon", None)
        self.kind = self._wanted_kind()
        icon = QSystemTrayIcon(self)
        if old is not None:
            icon.setIcon(old.icon())
        icon.setToolTip(self._icon_tooltip())
        icon.setContextMenu(self._menu)
        icon.activated.connect(self.activated)
        return icon

    def _docked(self) -> bool:
        """An XEmbed icon has a place on the screen only once a tray embedded it."""
        box = self.icon.geometry()
        return box.isValid() and not box.isEmpty()

    def _needs_rebuild(self) -> bool:
        if not self._platform.startswith("linux") or not self._on_x11():
            return False
        wanted = self._wanted_kind()
        if wanted == self.kind:
            return False
        # An XEmbed icon that found its tray stays, even if an SNI watcher came too.
        return not (self.kind == "xembed" and self._docked())

    # -- life -------------------------------------------------------------------------------

    def start(self) -> None:
        self._deadline = time.monotonic() + self._wait
        self._watch_bus()
        self.check()

    def stop(self) -> None:
        self._stopped = True
        self._poll.stop()
        self.icon.hide()

    def _watch_bus(self) -> None:
        """React at once when a StatusNotifierWatcher comes or goes (Linux, session bus)."""
        if not self._platform.startswith("linux"):
            return
        from PySide6.QtDBus import QDBusConnection, QDBusServiceWatcher

        bus = QDBusConnection.sessionBus()
        if not bus.isConnected():
            log.info("no session bus: looking for a StatusNotifier tray only while none is found")
            return
        mode = QDBusServiceWatcher.WatchModeFlag
        watcher = QDBusServiceWatcher(
            WATCHER, bus, mode.WatchForRegistration | mode.WatchForUnregistration, self
        )
        watcher.serviceRegistered.connect(lambda _name: self._on_watcher_change("appeared"))
        watcher.serviceUnregistered.connect(lambda _name: self._on_watcher_change("went away"))
        self._bus_watcher = watcher

    def _on_watcher_change(self, what: str) -> None:
        log.info("%s %s", WATCHER, what)
        self.check()

    def check(self) -> None:
        """Look for a tray now; put the icon on it, or count down to :attr:`missing`."""
        if self._stopped:
            return
        available = QSystemTrayIcon.isSystemTrayAvailable()
        if available and self._needs_rebuild():
            was = self.kind
            old = self.icon
            self.icon = self._build()
            old.hide()
            old.deleteLater()
            self._present = False  # the new icon is shown below
            log.info("tray icon rebuilt: %s instead of %s", KIND_NAMES[self.kind], KIND_NAMES[was])
        if available:
            self._poll.stop()
            self._missing = False
            if not self._present:
                self._present = True
                self.icon.show()
                self.icon.setToolTip(self._icon_tooltip())  # again after show(): Windows 11
                log.info("tray icon shown (%s)", KIND_NAMES[self.kind])
                self._watch_xembed_window()
                self.found.emit()
            return
        if self._present:
            self._present = False  # the panel quit or restarts: the icon stays ready for it
            self._deadline = time.monotonic() + self._wait
            log.info("the tray went away; waiting %.0f s for it", self._wait)
        if not self._missing and time.monotonic() >= self._deadline:
            self._missing = True
            self._poll.setInterval(MISSING_POLL_MS)
            self.missing.emit()
        if not self._poll.isActive():
            self._poll.start()

    def _watch_xembed_window(self) -> None:
        """Hear an XEmbed tray go away without polling: Qt hides the icon's own little window
        (:data:`XEMBED_WINDOW`) when the tray's selection loses its owner."""
        if self.kind != "xembed":
            return
        for window in QGuiApplication.allWindows():
            if window.objectName() == XEMBED_WINDOW and window not in self._xembed_windows:
                self._xembed_windows.append(window)
                window.visibleChanged.connect(self._xembed_visible)
                window.destroyed.connect(lambda *_, w=window: self._xembed_windows.remove(w))

    def _xembed_visible(self, visible: bool) -> None:
        """A signal, not an event filter: none of the window's events reaches Python (each
        would, and the first makes PySide6 create some 40 event classes to type it)."""
        if not visible:
            QTimer.singleShot(0, self.check)  # after Qt has finished with the old tray

    # -- the icon's face --------------------------------------------------------------------

    def set_icon(self, icon: QIcon) -> None:
        self.icon.setIcon(icon)

    def set_tooltip(self, text: str) -> None:
        self._tooltip = text
        self.icon.setToolTip(self._icon_tooltip())

    @property
    def tooltip(self) -> str:
        """The tooltip as given, whatever the icon's kind."""
        return self._tooltip

    def _icon_tooltip(self) -> str:
        return sni_text(self._tooltip) if self.kind == "sni" else self._tooltip

    def can_show_messages(self) -> bool:
        """True when the icon's own message balloon is drawn by this process or the OS.

        On Linux an SNI item's message is a D-Bus notification (nothing without a daemon);
        an XEmbed icon draws its own balloon next to the icon, once docked.
        """
        if not self._present:
            return False
        if self.kind == "native":
            return True
        return self.kind == "xembed" and self._docked()
