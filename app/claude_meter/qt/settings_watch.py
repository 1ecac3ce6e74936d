"""Settings written by another process reach the running tray: ``claude-meter accounts add``,
``rename``, ``remove``, ``login`` (which meters the default account again) or an editor.

A :class:`QFileSystemWatcher` on the config folder (inotify, FSEvents, ReadDirectoryChangesW:
no polling) hears the file replaced; every save is a temporary file renamed over it, so the
folder is watched, not only the file. The file is read again only when its identity (inode,
mtime, size) changed, and what it holds is emitted as :attr:`SettingsWatch.read`; the
preferences apply it unless it is what they hold already (their own save comes back so).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from PySide6.QtCore import QFileSystemWatcher, QObject, Signal

from claude_meter.core.settings import reread_settings

log = logging.getLogger("claude_meter.preferences")


class SettingsWatch(QObject):
    """Emits :attr:`read` with the settings whenever the file was replaced or changed."""

    read = Signal(object)  # Settings

    def __init__(self, path: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.path = path
        self._watcher = QFileSystemWatcher(self)
        self._seen = self._identity()

    def start(self, *, late: bool = False) -> None:
        """Watch from now on. ``late``: started a while after the running settings were read
        (the tray starts it after its first draw): what the file holds now is emitted once,
        so a save in between is not missed (the preferences ignore what they hold already).
        """
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            log.info("the settings folder cannot be watched: %s", exc.strerror or exc)
            return
        self._watcher.addPath(str(self.path.parent))
        self._watch_file()
        self._watcher.directoryChanged.connect(self._check)
        self._watcher.fileChanged.connect(self._check)
        log.debug("settings watch: started on %s", self.path.parent)
        if late and (settings := reread_settings(self.path)) is not None:
            self.read.emit(settings)

    def _watch_file(self) -> None:
        if self.path.exists() and str(self.path) not in self._watcher.files():
            self._watcher.addPath(str(self.path))  # a rename over it ends the old watch

    def _identity(self) -> tuple[int, int, int] | None:
        try:
            stat = os.stat(self.path)
        except OSError:
            return None
        return stat.st_ino, stat.st_mtime_ns, stat.st_size

    def _check(self, _changed: str = "") -> None:
        self._watch_file()
        identity = self._identity()
        if identity is None or identity == self._seen:
            return  # another file of the folder, or the file went away: nothing to apply
        self._seen = identity
        settings = reread_settings(self.path)
        if settings is None:
            log.info("the settings file changed but cannot be used; keeping the current ones")
            return
        self.read.emit(settings)
