"""``claude-meter history --open``: the History window on its own, without the tray."""

from __future__ import annotations

import sys
from typing import TextIO


def run_history_window(*, err: TextIO) -> int:
    """Open the History window on the person's history; returns when it is closed."""
    from claude_meter.cli.history import open_history

    store = open_history(err)
    if store is None:
        return 1
    with store:
        from PySide6.QtWidgets import QApplication

        from claude_meter.core.settings import load_settings, settings_path
        from claude_meter.qt.history_window import HistoryWindow, finish_reads
        from claude_meter.qt.settings_watch import SettingsWatch

        app = QApplication.instance() or QApplication(sys.argv[:1])
        app.setApplicationName("ClaudeMeter")
        loaded = load_settings()  # a damaged file is set aside: say so, as `accounts` does
        if loaded.notice:
            print(f"claude-meter: {loaded.notice}", file=err)
        settings = loaded.settings
        window = HistoryWindow(store, thresholds=settings.thresholds, names=settings.names())
        # accounts renamed or removed meanwhile (`claude-meter accounts`, the tray) show at once
        watch = SettingsWatch(settings_path(), parent=window)
        watch.read.connect(lambda changed: window.set_names(changed.names()))
        watch.start()
        window.show()
        try:
            return app.exec()
        finally:  # reads still running would use the store after it closes, then a gone Qt
            finish_reads()
