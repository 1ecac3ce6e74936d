"""What the tray process needs around Qt's event loop, and nothing else: Qt's messages into
the log, and SIGINT/SIGTERM as a clean quit. What it needs before Qt loads is Qt-free: whether a
desktop is there at all (``platform/display.py``), glibc's heap (``platform/memory.py``).
"""

from __future__ import annotations

import contextlib
import logging
import signal
import socket

from PySide6.QtCore import QObject, QSocketNotifier, QtMsgType
from PySide6.QtWidgets import QApplication


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
