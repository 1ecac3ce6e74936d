"""A FetchWorker on its own QThread, with its signals received on the GUI thread."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from PySide6.QtCore import QMetaObject, QObject, Qt, QThread, Slot
from pytestqt.qtbot import QtBot

from claude_meter.core.models import FetchResult
from claude_meter.core.state import SavedState
from claude_meter.qt.worker import FetchWorker


class Collector(QObject):
    """Receives the worker's signals on the GUI thread, as the tray app does.

    (qtbot.waitSignal would run its callback on the emitting worker thread.)
    """

    def __init__(self) -> None:
        super().__init__()
        self.results: list[FetchResult] = []
        self.deadlines: list[datetime | None] = []
        self.deadline_keys: list[str] = []
        self.holds_refresh: list[bool] = []
        self.fetching = 0
        self.threads: set[object] = set()

    @Slot(object)
    def on_result(self, result: FetchResult) -> None:
        self.threads.add(QThread.currentThread())
        self.results.append(result)

    @Slot(str, object, bool)
    def on_deadline(self, key: str, deadline: datetime | None, holds_refresh: bool) -> None:
        self.deadline_keys.append(key)
        self.deadlines.append(deadline)
        self.holds_refresh.append(holds_refresh)

    @Slot()
    def on_fetching(self) -> None:
        self.fetching += 1


class WorkerOnThread:
    """The worker moved to its thread (not started yet), counting the fetches it makes."""

    def __init__(
        self,
        qtbot: QtBot,
        fetch: Callable[[], FetchResult],
        *,
        interval: timedelta = timedelta(seconds=60),
        saved: SavedState | None = None,
        **kwargs: Any,
    ) -> None:
        self.qtbot = qtbot
        self.calls = 0
        self._fetch = fetch
        self.thread = QThread()
        self.worker = FetchWorker(
            self._counting,
            interval=interval,
            saved=saved or SavedState(),
            floor=timedelta(milliseconds=10),
            **kwargs,
        )
        self.worker.moveToThread(self.thread)
        self.thread.started.connect(self.worker.start)
        self.seen = Collector()
        queued = Qt.ConnectionType.QueuedConnection
        self.worker.fetched.connect(self.seen.on_result, queued)
        self.worker.deadline_changed.connect(self.seen.on_deadline, queued)
        self.worker.fetching.connect(self.seen.on_fetching, queued)

    def _counting(self) -> FetchResult:
        self.calls += 1
        return self._fetch()

    def next_result(self) -> FetchResult:
        count = len(self.seen.results)
        self.qtbot.waitUntil(lambda: len(self.seen.results) > count, timeout=5000)
        return self.seen.results[-1]

    def wait_results(self, count: int, timeout: int = 5000) -> FetchResult:
        self.qtbot.waitUntil(lambda: len(self.seen.results) >= count, timeout=timeout)
        return self.seen.results[count - 1]

    def stop(self) -> float:
        """Stop in the worker's thread, then quit it; the seconds it took (0 if not running)."""
        if not self.thread.isRunning():
            return 0.0
        started = time.monotonic()
        QMetaObject.invokeMethod(self.worker, "stop", Qt.ConnectionType.BlockingQueuedConnection)
        self.thread.quit()
        assert self.thread.wait(2000)
        return time.monotonic() - started
