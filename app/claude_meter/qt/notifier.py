"""Desktop notifications behind one seam, the backend chosen in :func:`pick`.

On Linux they go to ``org.freedesktop.Notifications`` over D-Bus. PySide6's QtDBus cannot
marshal the ``u`` (uint32) and empty ``as`` arguments that ``Notify`` requires (the daemon
answers "Type of message (sisssava{sv}i) does not match expected type (susssasa{sv}i)"), so
the call is made with jeepney, the small pure-Python D-Bus library keyring already uses on
Linux. Elsewhere, and when no notification daemon answers, ``QSystemTrayIcon.showMessage``.
"""

from __future__ import annotations

import logging
import os
import sys
from typing import Protocol

from PySide6.QtWidgets import QSystemTrayIcon

log = logging.getLogger("claude_meter.notify")

APP_NAME = "ClaudeMeter"


class Notifier(Protocol):
    def notify(self, title: str, body: str) -> bool:
        """Show one notification; False when it could not be delivered."""
        ...


class FreedesktopNotifier:
    """``org.freedesktop.Notifications.Notify`` on the session bus."""

    def __init__(self, timeout_ms: int = 10000) -> None:
        self._timeout_ms = timeout_ms

    def notify(self, title: str, body: str) -> bool:
        try:
            from jeepney import DBusAddress, new_method_call
            from jeepney.io.blocking import open_dbus_connection

            address = DBusAddress(
                "/org/freedesktop/Notifications",
                bus_name="org.freedesktop.Notifications",
                interface="org.freedesktop.Notifications",
            )
            message = new_method_call(
                address,
                "Notify",
                "susssasa{sv}i",
                (APP_NAME, 0, "dialog-information", title, body, [], {}, self._timeout_ms),
            )
            with open_dbus_connection(bus="SESSION") as connection:
                reply = connection.send_and_get_reply(message, timeout=2)
        except Exception as exc:  # noqa: BLE001 - any D-Bus trouble means "use the fallback"
            log.info("D-Bus notification failed (%s); falling back", type(exc).__name__)
            return False
        ok = bool(reply.header.message_type.name == "method_return")
        if not ok:
            log.info("notification daemon refused: %s", reply.body)
        return ok


class TrayMessageNotifier:
    """The tray icon's own balloon: macOS, Windows, and Linux without a daemon."""

    def __init__(self, tray: QSystemTrayIcon) -> None:
        self._tray = tray

    def notify(self, title: str, body: str) -> bool:
        if not self._tray.isVisible():
            return False
        self._tray.showMessage(title, body, QSystemTrayIcon.MessageIcon.Information, 10000)
        return True


class ChainNotifier:
    """Try each backend in turn until one delivers."""

    def __init__(self, *backends: Notifier) -> None:
        self._backends = backends

    def notify(self, title: str, body: str) -> bool:
        for backend in self._backends:
            if backend.notify(title, body):
                log.info("notification sent: %s", title)
                return True
        log.warning("no notification backend could show: %s", title)
        return False


def pick(tray: QSystemTrayIcon, platform: str = sys.platform) -> Notifier:
    """The notifier for this platform."""
    fallback = TrayMessageNotifier(tray)
    if platform.startswith("linux") and os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        return ChainNotifier(FreedesktopNotifier(), fallback)
    return ChainNotifier(fallback)
