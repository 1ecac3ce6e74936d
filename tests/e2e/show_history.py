"""Show the History window on the demo's made-up 90 days, one span after the other, for
screenshots on the real display.

Run as ``python -m tests.e2e.show_history FOLDER``: seeds ``FOLDER/history.sqlite3``, opens
the window, and for each span prints ``shown <span>`` once its chart is drawn (with the
keyboard focus on the last point, so its time and value show), then waits for a line on
standard input before the next. Ends after the last span.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from PySide6.QtCore import QEventLoop, Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from claude_meter.core.models import FetchResult, Snapshot, UsageWindow
from claude_meter.history import HistoryStore
from claude_meter.history.chart_data import SPANS
from claude_meter.poll.demo import seed_history
from claude_meter.qt.history_window import HistoryWindow

ORG = "5c2a7f10-0000-4000-8000-000000000001"


def now_snapshot(now: datetime) -> Snapshot:
    def window(key: str, label: str, percent: float, hours: float) -> UsageWindow:
        return UsageWindow(
            key=key, label=label, percent=percent, resets_at=now + timedelta(hours=hours)
        )

    return Snapshot(
        source="demo",
        org_uuid=ORG,
        fetched_at=now,
        windows=(
            window("five_hour", "Session (5h)", 58.0, 1.5),
            window("seven_day", "Weekly · all models", 71.0, 50),
            window("seven_day_sonnet", "Weekly · Sonnet", 33.0, 50),
            window("seven_day_opus", "Weekly · Opus", 12.0, 98),
        ),
    )


def wait(signal: object, timeout_ms: int = 20_000) -> None:
    loop = QEventLoop()
    signal.connect(loop.quit)  # type: ignore[attr-defined]
    QTimer.singleShot(timeout_ms, loop.quit)
    loop.exec()


def main() -> int:
    _app = QApplication(sys.argv[:1])  # kept: the window needs it alive
    now = datetime.now(UTC).replace(microsecond=0)
    store = HistoryStore.open(Path(sys.argv[1]) / "history.sqlite3", quick_check=False)
    seed_history(
        store, FetchResult(source="demo", fetched_at=now, snapshots=(now_snapshot(now),)), now
    )
    store.record(now_snapshot(now))
    window = HistoryWindow(store, thresholds=(80.0, 95.0))
    window.resize(980, 700)
    window.show()
    wait(window.chart_loaded)
    for span in SPANS:
        window.show_span(span)
        wait(window.chart_loaded)
        window.chart.setFocus(Qt.FocusReason.OtherFocusReason)
        QTest.keyClick(window.chart, Qt.Key.Key_End)
        QTest.keyClick(window.chart, Qt.Key.Key_Left)
        QTest.qWait(300)
        print(f"shown {span}", flush=True)  # noqa: T201 - the test reads it
        sys.stdin.readline()
    window.close()
    store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
