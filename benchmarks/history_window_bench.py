"""The History window with 90 days of one-minute readings of four windows: opening it,
switching spans, how long the GUI thread stalls meanwhile, and what it costs once closed.

Method. A fresh history is filled through the real API (``HistoryStore.record``) with 90 days
of one poll a minute of four windows (the session, three weekly ones), every reading a changed
number (two decimals) so the store keeps each one, except where a window sits at 100 %: every
fourth session period and every third week runs into the wall and stays there until its reset
(the store then keeps a reading every 15 minutes, as it does for any flat stretch). That is
about 500,000 rows, with walls and resets to find. Then, in one process with the Qt
``offscreen`` platform (the same painting code; no X server or compositor in the figures):

- **open**: from constructing a :class:`HistoryWindow` to its first chart read *and painted*
  (``chart_loaded`` then a synchronous ``repaint()``), the overview (windows, 90 days of walls,
  the year's calendar) included; a new window each run, closed and deleted after it, N runs;
- **switch**: from ``show_span(span)`` to that chart read and painted, for each span, N runs;
- **stall**: while each span loads, a 5 ms timer on the GUI thread notes the longest gap
  between its ticks (how long the window could not answer a click);
- **hover**: on the 90-day chart, moving the focused point one column (arrow key) and
  repainting, median of 100 (the chart is cached; only the point is drawn again);
- **closed**: after the last window is closed, the process's CPU time over 10 s of event loop,
  and whether any HistoryWindow, QTimer of it or pool thread is still busy.

Run: ``.venv/bin/python benchmarks/history_window_bench.py [--runs 10]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from PySide6.QtCore import QElapsedTimer, QEventLoop, Qt, QThreadPool, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from benchmarks.results import Row, record
from claude_meter.core.models import Snapshot, UsageWindow
from claude_meter.history import HistoryStore
from claude_meter.history.chart_data import SPANS, Span
from claude_meter.qt.history_window import HistoryWindow

OPEN_TARGET = 0.5
ORG = "5c2a7f10-0000-4000-8000-000000000001"
#: (window, period hours, every how many periods it runs into the wall; 0: never)
KEYS: tuple[tuple[str, int, int], ...] = (
    ("five_hour", 5, 4),
    ("seven_day", 168, 3),
    ("seven_day_sonnet", 168, 0),
    ("seven_day_opus", 168, 0),
)


def percent(at: datetime, start: datetime, hours: int, wall_every: int, jitter: int) -> float:
    period = timedelta(hours=hours)
    index, elapsed = divmod(at - start, period)
    share = elapsed / period
    if wall_every and index % wall_every == 0:
        return min(100.0, round(140 * share + (jitter % 7) / 100, 2))  # 100 % at 71 %
    return round(95 * share + (jitter % 7) / 100, 2)


def snapshot(at: datetime, start: datetime, jitter: int) -> Snapshot:
    windows = []
    for key, hours, wall_every in KEYS:
        period = timedelta(hours=hours)
        resets_at = at - (at - start) % period + period
        value = percent(at, start, hours, wall_every, jitter)
        windows.append(UsageWindow(key=key, label=key, percent=value, resets_at=resets_at))
    return Snapshot(source="web", org_uuid=ORG, fetched_at=at, windows=tuple(windows))


def fill(path: Path, days: int, end: datetime) -> tuple[float, int]:
    start = end - timedelta(days=days)
    began = time.perf_counter()
    with HistoryStore.open(path) as store:
        for minute in range(days * 24 * 60):
            store.record(snapshot(start + timedelta(minutes=minute), start, minute))
        (rows,) = store.query("count", "SELECT count(*) FROM sample")[0]
    return time.perf_counter() - began, int(str(rows))


def wait(signal: object, timeout_ms: int = 30_000) -> None:
    loop = QEventLoop()
    signal.connect(loop.quit)  # type: ignore[attr-defined]
    QTimer.singleShot(timeout_ms, loop.quit)
    loop.exec()


class StallMeter:
    """The longest gap between ticks of a 5 ms timer on the GUI thread."""

    def __init__(self) -> None:
        self.timer = QTimer(interval=5)
        self.clock = QElapsedTimer()
        self.worst = 0
        self.timer.timeout.connect(self._tick)

    def _tick(self) -> None:
        self.worst = max(self.worst, self.clock.restart())

    def start(self) -> None:
        self.worst = 0
        self.clock.start()
        self.timer.start()

    def stop(self) -> float:
        self._tick()
        self.timer.stop()
        return self.worst / 1000


def open_once(store: HistoryStore, now: datetime) -> float:
    began = time.perf_counter()
    window = HistoryWindow(store, thresholds=(80.0,), clock=lambda: now)
    window.resize(980, 700)
    window.show()
    wait(window.chart_loaded)
    window.chart.repaint()
    took = time.perf_counter() - began
    window.close()
    QApplication.processEvents()
    return took


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    printed: list[str] = []

    def say(*parts: object) -> None:
        printed.append(" ".join(str(part) for part in parts))
        print(*parts, flush=True)

    app = QApplication(sys.argv[:1])
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "history.sqlite3"
        took, rows = fill(path, args.days, now)
        say(f"fill: {args.days} days x 4 windows a minute: {rows} rows stored, {took:.0f} s")
        with HistoryStore.open(path, quick_check=False) as store:
            opens = [open_once(store, now) for _ in range(args.runs + 1)][1:]  # one warm-up
            say(
                f"open to the first chart painted, {args.runs} runs: median "
                f"{statistics.median(opens):.3f} s, worst {max(opens):.3f} s (target < 0.5 s)"
            )
            window = HistoryWindow(store, thresholds=(80.0,), clock=lambda: now)
            window.resize(980, 700)
            window.show()
            wait(window.chart_loaded)
            stall = StallMeter()
            switches: dict[Span, list[float]] = {span: [] for span in SPANS}
            stalls: dict[Span, float] = dict.fromkeys(SPANS, 0.0)
            columns: dict[Span, int] = {}
            for _ in range(args.runs):
                for span in SPANS:
                    stall.start()
                    began = time.perf_counter()
                    window.show_span(span)
                    wait(window.chart_loaded)
                    window.chart.repaint()
                    switches[span].append(time.perf_counter() - began)
                    stalls[span] = max(stalls[span], stall.stop())
                    data = window.chart.data
                    columns[span] = len(data.columns) if data else 0
            for span in SPANS:
                say(
                    f"switch to {SPANS[span]}: median {statistics.median(switches[span]):.3f} s, "
                    f"worst {max(switches[span]):.3f} s; longest GUI stall "
                    f"{stalls[span] * 1000:.0f} ms; {columns[span]} columns drawn"
                )
            window.show_span("90d")
            wait(window.chart_loaded)
            window.chart.setFocus()
            hovers = []
            for _ in range(100):
                began = time.perf_counter()
                QTest.keyClick(window.chart, Qt.Key.Key_Left)
                window.chart.repaint()
                hovers.append(time.perf_counter() - began)
            hover = statistics.median(hovers)
            say(
                f"hover on 90 days: median {hover * 1000:.1f} ms, worst {max(hovers) * 1000:.1f} ms"
            )
            window.close()
            QApplication.processEvents()
            QThreadPool.globalInstance().waitForDone(5000)
            cpu = time.process_time()
            idle = QEventLoop()
            QTimer.singleShot(10_000, idle.quit)
            idle.exec()
            cpu = time.process_time() - cpu
            left = [w for w in app.topLevelWidgets() if isinstance(w, HistoryWindow)]
            busy = QThreadPool.globalInstance().activeThreadCount()
            say(
                f"closed: {len(left)} History windows left, {busy} pool threads busy, "
                f"{cpu * 1000:.0f} ms CPU in 10 s of event loop"
            )
    worst_switch = max(max(v) for v in switches.values())
    worst_stall = max(stalls.values())
    met = max(opens) < OPEN_TARGET and worst_switch < OPEN_TARGET and not left
    say("targets:", "met" if met else "NOT met")
    record(
        "history_window_bench",
        [
            Row(
                f"History window open, {rows:,} rows",
                "< 0.5 s",
                f"median {statistics.median(opens):.2f} s, worst {max(opens):.2f} s",
                max(opens) < OPEN_TARGET,
            ),
            Row(
                "History window: switching span (worst span)",
                "< 0.5 s",
                f"worst {worst_switch:.2f} s; longest GUI stall {worst_stall * 1000:.0f} ms",
                worst_switch < OPEN_TARGET,
            ),
            Row(
                "History window: moving the focused point, 90 days",
                "",
                f"median {hover * 1000:.1f} ms",
                None,
            ),
            Row(
                "History window closed",
                "costs nothing",
                f"{len(left)} windows left, {cpu * 1000:.0f} ms CPU in 10 s",
                not left and busy == 0,
            ),
        ],
        "\n".join(printed),
    )
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
