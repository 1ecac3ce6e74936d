"""Claude Code's status line readings, from the shared last-readings file into the tray.

``claude-meter statusline`` runs in Claude Code, not in the tray: it writes its reading into
the last-readings file (``readings/store.py``). This watches that file's folder (inotify and
its kin, through ``QFileSystemWatcher``: no polling) and emits each new status line reading
as a :class:`FetchResult` (source ``claude-code-statusline``), which ``qt/compose.py``
connects to ``TrayApp.on_result``, the live meter's one entry, like any reading. Before that
it takes the readings the status line made while the tray was not running into the history
(``readings/journal.py``).
"""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QFileSystemWatcher, QObject, Signal

from claude_meter.core.bridge_rules import BRIDGE_FRESH
from claude_meter.core.models import FetchResult
from claude_meter.core.statusline_rules import STATUSLINE
from claude_meter.readings.convert import snapshot_of
from claude_meter.readings.journal import drain
from claude_meter.readings.store import StoreUnreadable, default_path, entry_key, load, parse_time

if TYPE_CHECKING:
    from claude_meter.history import HistoryStore

log = logging.getLogger("claude_meter.tray")


class StatuslineLink(QObject):
    """Emits ``received(FetchResult)`` for each status line reading not handed on before."""

    received = Signal(object)

    def __init__(
        self,
        path: Path | None = None,
        parent: QObject | None = None,
        *,
        history: HistoryStore | None = None,
    ) -> None:
        super().__init__(parent)
        self._path = path or default_path()
        self._history = history  # takes the readings made while the tray was not running
        self._seen: dict[str, object] = {}  # entry key -> the read_at already handed on
        self._stamp: tuple[int, ...] | None = None  # the file as last read: inode, mtime, size
        self._watcher = QFileSystemWatcher(self)
        self._watcher.directoryChanged.connect(lambda _folder: self.check())

    def start(self, now: datetime) -> None:
        """Watch the folder; a reading already there is handed on only while it is fresh."""
        try:
            self._path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        except OSError as exc:
            log.warning(  # the system's words and where, not Python's "[Errno 13] ..."
                "cannot watch the status line's readings (%s: %s): they need a folder there "
                "that you can write to",
                exc.filename or self._path.parent,
                exc.strerror or type(exc).__name__,
            )
            return
        self._watcher.addPath(str(self._path.parent))
        for entry in self._entries():
            read_at = parse_time(entry.get("read_at"))
            if read_at is None or now - read_at >= BRIDGE_FRESH:
                self._seen[entry_key(entry)] = entry.get("read_at")
        self.check()

    def check(self) -> None:
        if self._history is not None:  # the waiting ones first: the history keeps time order
            drain(self._history, self._path)
        try:
            found = self._path.stat()
            stamp: tuple[int, ...] | None = (found.st_ino, found.st_mtime_ns, found.st_size)
        except OSError:
            stamp = None
        if stamp is not None and stamp == self._stamp:
            return  # the folder changed, not the file (a writer's lock or temporary file)
        self._stamp = stamp
        for entry in self._entries():
            key, read_at = entry_key(entry), entry.get("read_at")
            if self._seen.get(key) == read_at:
                continue
            self._seen[key] = read_at
            snapshot = snapshot_of(entry)
            if snapshot is None:
                continue
            log.debug("status line reading of %s", snapshot.fetched_at.isoformat())
            self.received.emit(  # the account the status line found for its folder
                FetchResult(
                    source=STATUSLINE,
                    fetched_at=snapshot.fetched_at,
                    snapshots=(snapshot,),
                    account=snapshot.account,
                )
            )

    def _entries(self) -> list[dict[str, object]]:
        try:
            found = load(self._path)
        except (OSError, StoreUnreadable) as exc:
            log.debug("last readings unreadable: %s", exc)
            return []
        return [e for e in found if e.get("source") == STATUSLINE]
