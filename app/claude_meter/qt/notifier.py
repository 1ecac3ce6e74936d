"""Desktop notifications behind one seam, the backend chosen in :func:`pick`.

On Linux they go to ``org.freedesktop.Notifications`` over D-Bus. PySide6's QtDBus cannot
marshal the ``u`` (uint32) and empty ``as`` arguments that ``Notify`` requires (the daemon
answers "Type of message (sisssava{sv}i) does not match expected type (susssasa{sv}i)"), so
the call is made with jeepney, the small pure-Python D-Bus library keyring already uses on
Linux. Elsewhere, and when no notification daemon accepts it, the tray icon's own message
where this process or the OS draws it (macOS, Windows, an XEmbed icon on X11; an SNI item's
message is itself a D-Bus notification, so nothing would show). Last, a banner in the popover,
except for a notification the popover states by itself while it holds (``in_popover``: an
expired session, its red banner): the same message twice, one of them outliving the
problem, would help nobody. A notification is logged as shown only once one of these took it,
naming which.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from PySide6.QtWidgets import QSystemTrayIcon

if TYPE_CHECKING:
    from claude_meter.qt.tray_host import TrayHost

log = logging.getLogger("claude_meter.notify")

APP_NAME = "ClaudeMeter"


class Notifier(Protocol):
    def notify(self, title: str, body: str, *, in_popover: bool = False) -> bool:
        """Show one notification; False when it could not be delivered. ``in_popover``: the
        popover says it by itself while it holds (see the module)."""
        ...


class Backend(Notifier, Protocol):
    #: How the log names it: "notification shown by {name}".
    name: str


class FreedesktopNotifier:
    """``org.freedesktop.Notifications.Notify`` on the session bus."""

    name = "the notification daemon"

    def __init__(self, timeout_ms: int = 10000) -> None:
        self._timeout_ms = timeout_ms

    def notify(self, title: str, body: str, *, in_popover: bool = False) -> bool:
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
            log.info("no notification daemon accepted it (%s)", type(exc).__name__)
            return False
        ok = bool(reply.header.message_type.name == "method_return")
        if not ok:
            log.info("no notification daemon accepted it: %s", reply.body)
        return ok


class TrayMessageNotifier:
    """The tray icon's own balloon: macOS, Windows, and an XEmbed icon on X11."""

    name = "the tray icon's message balloon"

    def __init__(self, host: TrayHost) -> None:
        self._host = host

    def notify(self, title: str, body: str, *, in_popover: bool = False) -> bool:
        if not self._host.can_show_messages():
            return False
        self._host.icon.showMessage(title, body, QSystemTrayIcon.MessageIcon.Information, 10000)
        return True


class BannerNotifier:
    """A banner in the popover (or the window), seen the next time it opens."""

    name = "a banner in the popover"

    def __init__(self, show: Callable[[str, str], None]) -> None:
        self._show = show

    def notify(self, title: str, body: str, *, in_popover: bool = False) -> bool:
        if in_popover:
            log.debug("left to the popover, which says it by itself: %s", title)
        else:
            self._show(title, body)
        return True


class ChainNotifier:
    """Try each backend in turn until one delivers."""

    def __init__(self, *backends: Backend) -> None:
        self.backends = backends

    def notify(self, title: str, body: str, *, in_popover: bool = False) -> bool:
        for backend in self.backends:
            if backend.notify(title, body, in_popover=in_popover):
                log.info("notification shown by %s: %s", backend.name, title)
                return True
        log.warning("no notification backend could show: %s", title)
        return False


def pick(
    host: TrayHost, banner: Callable[[str, str], None], platform: str = sys.platform
) -> ChainNotifier:
    """The notifier for this platform: its backends in order, the popover's banner last."""
    backends: list[Backend] = [TrayMessageNotifier(host), BannerNotifier(banner)]
    if platform.startswith("linux") and os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        backends.insert(0, FreedesktopNotifier())
    return ChainNotifier(*backends)
