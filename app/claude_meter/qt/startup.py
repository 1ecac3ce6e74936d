"""What the tray process needs before and around Qt's event loop, and nothing else.

Whether a desktop is there at all (Qt would abort with a core dump), Qt's messages into the
log, SIGINT/SIGTERM as a clean quit, and two glibc memory settings.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import signal
import socket
import sys
from collections.abc import Callable, Mapping

from PySide6.QtCore import QObject, QSocketNotifier, QtMsgType
from PySide6.QtWidgets import QApplication

from claude_meter.platform.display import unanswered


def qt_message(mode: QtMsgType, context: object, message: str) -> None:
    """Qt's own messages into Python logging, so they reach the log and tests see them."""
    qt_log = logging.getLogger("claude_meter.qt")
    level = {
        QtMsgType.QtDebugMsg: logging.DEBUG,
        QtMsgType.QtInfoMsg: logging.INFO,
        QtMsgType.QtWarningMsg: logging.WARNING,
        QtMsgType.QtCriticalMsg: logging.ERROR,
        QtMsgType.QtFatalMsg: logging.CRITICAL,
    }.get(mode, logging.WARNING)
    qt_log.log(level, "%s", message)


class SignalWakeup(QObject):
    """SIGINT/SIGTERM quit cleanly (aboutToQuit runs), at no idle cost.

    Python runs signal handlers only between bytecodes, which never happens while Qt's event
    loop waits; the wakeup fd makes the signal readable on a socket Qt watches.
    """

    def __init__(self, app: QApplication) -> None:
        super().__init__(app)
        self._reader, self._writer = socket.socketpair()
        self._reader.setblocking(False)
        self._writer.setblocking(False)
        signal.set_wakeup_fd(self._writer.fileno())
        self._notifier = QSocketNotifier(self._reader.fileno(), QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self._drain)
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: QApplication.quit())
        app.aboutToQuit.connect(self.close)

    def _drain(self) -> None:
        with contextlib.suppress(OSError):
            self._reader.recv(64)

    def close(self) -> None:
        self._notifier.setEnabled(False)
        signal.set_wakeup_fd(-1)
        self._reader.close()
        self._writer.close()


def points_at_loopback(env: Mapping[str, str]) -> bool:
    from claude_meter.core.endpoints import is_loopback_url

    web = env.get("CLAUDE_METER_BASE_URL", "")
    oauth = env.get("CLAUDE_METER_OAUTH_BASE_URL", "")
    return bool(web or oauth) and all(is_loopback_url(u) for u in (web, oauth) if u)


def _glibc() -> ctypes.CDLL | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(None)
        libc.mallopt  # noqa: B018 - glibc has it; musl does not
        libc.malloc_trim  # noqa: B018
    except (OSError, AttributeError):
        return None
    return libc


def limit_malloc_arenas() -> None:
    """Two malloc arenas instead of one per thread (glibc): about 4 MB less resident memory
    for a tray app with a GUI, a worker and a fetch thread. Call before threads start."""
    libc = _glibc()
    if libc is not None:
        libc.mallopt(-8, 2)  # M_ARENA_MAX


def release_free_memory() -> None:
    """Give the heap's free pages back to the system (glibc keeps them by default): start-up
    leaves a few MB of freed import-time objects behind."""
    libc = _glibc()
    if libc is not None:
        libc.malloc_trim(0)


NO_DESKTOP = (
    "the tray app needs a graphical desktop, and none was found (DISPLAY and WAYLAND_DISPLAY "
    "are not set). Start it from your desktop session; in a terminal or over SSH, "
    "`claude-meter status` prints the same numbers."
)


def no_display_answers(silent: str, platform: str = "") -> str:
    if platform:
        return (
            f"the tray app needs a graphical desktop (QT_QPA_PLATFORM={platform}), and {silent}. "
            "Start it from your desktop session (or unset QT_QPA_PLATFORM, "
            "or point it and DISPLAY or WAYLAND_DISPLAY at a display that is running); in a "
            "terminal or over SSH, `claude-meter status` prints the same numbers."
        )
    return (
        f"the tray app needs a graphical desktop, and {silent}. Start it from your desktop "
        "session (or set DISPLAY to a display that is running); in a terminal or over SSH, "
        "`claude-meter status` prints the same numbers."
    )


def no_desktop_reason(
    env: Mapping[str, str],
    platform: str,
    silent: Callable[[Mapping[str, str]], str | None] = unanswered,
) -> str | None:
    """Why the tray cannot start here, or None. Qt itself would abort with a core dump, also
    when the display named is not there (``platform/display.py`` connects to it), or the one
    ``QT_QPA_PLATFORM`` asks for."""
    if not platform.startswith("linux"):
        return None
    chosen = env.get("QT_QPA_PLATFORM", "").strip()
    if not chosen and not env.get("DISPLAY") and not env.get("WAYLAND_DISPLAY"):
        return NO_DESKTOP
    which = silent(env)
    return None if which is None else no_display_answers(which, chosen)
