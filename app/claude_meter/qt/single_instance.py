"""One tray per person: a second launch asks the running one to open its popover, then exits.

Two pieces, both per user, both in the private runtime folder, and neither a TCP port (which
any local program could squat):

- a :class:`QLockFile` says who is first. Qt writes the owner's PID into it and treats the
  lock as stale when that process is gone, so a crash (even ``kill -9``) never blocks the next
  start;
- a requests folder beside it, which the first instance watches with a
  :class:`QFileSystemWatcher` (inotify, FSEvents, ReadDirectoryChangesW: no polling, no CPU
  while nothing happens; a look once a second if the folder cannot be watched). A second
  launch drops a small file there (``open-<pid>-<nonce>``, written atomically) and exits;
  the first removes it and opens its popover. A request left by a launch whose first
  instance then crashed is older than the next owner's lock and is dropped, not acted on.

Files rather than a local socket (``QLocalServer``): QtNetwork, 2.8 MB resident in a process
that runs all day, only for this. The command line commands never get here: only starting
the tray app claims the instance.
"""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path
from typing import Final

from PySide6.QtCore import QFileSystemWatcher, QLockFile, QObject, QTimer, Signal

from claude_meter.core import paths
from claude_meter.core.files import write_atomically

log = logging.getLogger("claude_meter.instance")

OPEN_POPOVER: Final = b"open-popover\n"
REQUEST_PREFIX: Final = "open-"
#: When the folder cannot be watched (the inotify limit), how often it is looked at instead.
POLL_FALLBACK_MS: Final = 1000


def lock_path(runtime: Path | None = None) -> Path:
    return (runtime or paths.runtime_dir()) / paths.INSTANCE_LOCK


def requests_dir(runtime: Path | None = None) -> Path:
    return (runtime or paths.runtime_dir()) / "instance-requests"


class SingleInstance(QObject):
    """Claim the instance with :meth:`claim`; ``activated`` fires when a second launch asks."""

    activated = Signal()

    def __init__(self, runtime: Path | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        runtime = runtime or paths.runtime_dir()
        self._runtime = runtime
        self.requests = requests_dir(runtime)
        self._lock: QLockFile | None = None
        self.watcher: QFileSystemWatcher | None = None
        self._poll: QTimer | None = None
        self._owned_since = 0.0

    def claim(self) -> bool:
        """True: this process is the first and now listens. False: another one runs and was
        asked to open its popover (the caller exits 0)."""
        try:
            self._runtime.mkdir(parents=True, exist_ok=True, mode=0o700)
            self.requests.mkdir(exist_ok=True, mode=0o700)
        except OSError as exc:
            log.warning("no runtime folder (%s); not checking for another instance", exc)
            return True
        lock = QLockFile(str(lock_path(self._runtime)))
        lock.setStaleLockTime(0)  # held for the app's whole life: stale only when its owner died
        owned_since = time.time()
        if lock.tryLock(0):
            self._lock = lock
            return self._listen(owned_since)
        if lock.error() != QLockFile.LockError.LockFailedError:
            log.warning("cannot use the instance lock (%s); starting anyway", lock.error())
            return self._listen(owned_since)
        return not self._ask_to_open()

    def _ask_to_open(self) -> bool:
        """Leave a request for the running instance; False when it cannot be written."""
        name = f"{REQUEST_PREFIX}{os.getpid()}-{os.urandom(4).hex()}"
        try:
            write_atomically(self.requests / name, OPEN_POPOVER)
        except OSError as exc:
            log.warning("another ClaudeMeter is running but cannot be asked (%s); starting", exc)
            return False
        log.info("another ClaudeMeter is running; asked it to open its popover")
        return True

    def _listen(self, owned_since: float) -> bool:
        self._owned_since = owned_since
        watcher = QFileSystemWatcher(self)
        if watcher.addPath(str(self.requests)):
            watcher.directoryChanged.connect(self._read)
            self.watcher = watcher
            log.info("single instance: listening in %s", self.requests)
        else:  # e.g. the per-user inotify limit reached: look once a second instead
            watcher.deleteLater()
            self._poll = QTimer(self)
            self._poll.timeout.connect(self._read)
            self._poll.start(POLL_FALLBACK_MS)
            log.warning("cannot watch %s; checking it every second instead", self.requests)
        # A launch between our lock and our watcher is already waiting: answer it from the
        # event loop, once whoever claimed us has connected ``activated``.
        QTimer.singleShot(0, self._read)
        return True

    def _read(self, _changed: str = "") -> None:
        """Act once on every request now in the folder; drop those from before our lock."""
        asked = False
        try:
            entries = list(os.scandir(self.requests))
        except OSError:
            return
        for entry in entries:
            if not entry.name.startswith(REQUEST_PREFIX):
                continue  # a request still being written (a dot-file), or not ours
            try:
                written = entry.stat().st_mtime
                os.unlink(entry.path)
            except OSError:
                continue  # gone already
            if written >= self._owned_since - 1:  # file times may be a little coarse
                asked = True
            else:
                log.info("dropped a request left from before this start")
        if asked:
            log.info("a second launch asked to open the popover")
            self.activated.emit()

    def release(self) -> None:
        if self._poll is not None:
            self._poll.stop()
            self._poll = None
        if self.watcher is not None:
            self.watcher.removePath(str(self.requests))
            self.watcher.deleteLater()
            self.watcher = None
        if self._lock is not None:
            self._lock.unlock()
            self._lock = None
