"""One tray per person: a second launch asks the running one to open its popover, then exits.

Two pieces, both per user and neither a TCP port (which any local program could squat):

- a :class:`QLockFile` in the runtime folder says who is first. Qt writes the owner's PID
  into it and treats the lock as stale when that process is gone, so a crash (even
  ``kill -9``) never blocks the next start;
- a :class:`QLocalServer` (a Unix socket in the runtime folder, a named pipe on Windows),
  restricted to this user, on which the first instance listens for "open" requests. A socket
  left behind by a crash is removed with :meth:`QLocalServer.removeServer` once the lock shows
  that nobody owns it.

The command line commands never get here: only starting the tray app claims the instance.
"""

from __future__ import annotations

import getpass
import logging
import sys
import time
from pathlib import Path
from typing import Final

from PySide6.QtCore import QLockFile, QObject, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

from claude_meter.core import paths

log = logging.getLogger("claude_meter.instance")

OPEN_POPOVER: Final = b"open-popover\n"
#: How long a second launch keeps trying to reach a first one that is still starting.
CONNECT_WINDOW_SECONDS: Final = 5.0


def server_name(runtime: Path | None = None, platform: str = sys.platform) -> str:
    """A per-user name: a socket path in the private runtime folder, or a pipe name."""
    if platform == "win32":
        return f"ClaudeMeter-{getpass.getuser()}"
    return str((runtime or paths.runtime_dir()) / "instance.sock")


def lock_path(runtime: Path | None = None) -> Path:
    return (runtime or paths.runtime_dir()) / "instance.lock"


class SingleInstance(QObject):
    """Claim the instance with :meth:`claim`; ``activated`` fires when a second launch asks."""

    activated = Signal()

    def __init__(self, runtime: Path | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        runtime = runtime or paths.runtime_dir()
        self.name = server_name(runtime)
        self._runtime = runtime
        self._lock: QLockFile | None = None
        self.server: QLocalServer | None = None
        self._clients: list[QLocalSocket] = []

    def claim(self) -> bool:
        """True: this process is the first and now listens. False: another one runs and was
        asked to open its popover (the caller exits 0)."""
        try:
            self._runtime.mkdir(parents=True, exist_ok=True, mode=0o700)
        except OSError as exc:
            log.warning("no runtime folder (%s); not checking for another instance", exc)
            return True
        lock = QLockFile(str(lock_path(self._runtime)))
        lock.setStaleLockTime(0)  # held for the app's whole life: stale only when its owner died
        deadline = time.monotonic() + CONNECT_WINDOW_SECONDS
        wait_ms = 0
        while not lock.tryLock(wait_ms):
            if lock.error() != QLockFile.LockError.LockFailedError:
                log.warning("cannot use the instance lock (%s); starting anyway", lock.error())
                return self._listen()
            if self._ask_to_open():
                return False
            if time.monotonic() > deadline:
                log.warning("another instance holds the lock but does not answer; starting")
                return self._listen()
            wait_ms = 100  # the first one may be between taking its lock and listening
        self._lock = lock
        return self._listen()

    def _ask_to_open(self) -> bool:
        socket = QLocalSocket()
        socket.connectToServer(self.name)
        if not socket.waitForConnected(1000):
            return False
        socket.write(OPEN_POPOVER)
        sent = socket.waitForBytesWritten(1000)
        socket.disconnectFromServer()
        if socket.state() != QLocalSocket.LocalSocketState.UnconnectedState:
            socket.waitForDisconnected(1000)
        log.info("another ClaudeMeter is running; asked it to open its popover")
        return sent

    def _listen(self) -> bool:
        QLocalServer.removeServer(self.name)  # a socket left by a crashed run
        server = QLocalServer(self)
        server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        server.newConnection.connect(self._on_connection)
        if not server.listen(self.name):
            log.warning("cannot listen on %s: %s", self.name, server.errorString())
            return True
        self.server = server
        log.info("single instance: listening on %s", self.name)
        return True

    def _on_connection(self) -> None:
        assert self.server is not None
        while (socket := self.server.nextPendingConnection()) is not None:
            self._clients.append(socket)
            socket.readyRead.connect(self._read)
            socket.disconnected.connect(self._read)
        self._read()

    def _read(self) -> None:
        """Act on every complete request; forget connections that have closed."""
        for socket in list(self._clients):
            while socket.canReadLine():
                if bytes(socket.readLine().data()) == OPEN_POPOVER:
                    log.info("a second launch asked to open the popover")
                    self.activated.emit()
            if socket.state() == QLocalSocket.LocalSocketState.UnconnectedState:
                self._clients.remove(socket)
                socket.deleteLater()

    def release(self) -> None:
        for socket in self._clients:
            socket.abort()
            socket.deleteLater()
        self._clients.clear()
        if self.server is not None:
            self.server.close()
            self.server = None
        if self._lock is not None:
            self._lock.unlock()
            self._lock = None
