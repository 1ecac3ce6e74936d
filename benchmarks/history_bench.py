"""The usage history's cost: insert latency, size after 90 days, and `history --csv` speed.

Method. A fresh database in a temporary folder is filled through the real API
(``HistoryStore.record``) with 90 days of one-minute polling of three windows (the session
and two weekly windows), the worst case for size: every window's percent changes at every
poll, with two decimals, and the windows reset on schedule (every 5 hours, every 7 days).
The simulated days end now, so ``--since 7d`` selects a real week of it. Then:

- size: the database file plus any WAL after the store is closed (target < 10 MB);
- insert: ``record()`` of one snapshot with three changed windows (three rows, one
  transaction), timed 2,000 times on the full database (target: at most 1 ms);
- export: ``claude-meter history --since 7d --csv`` as a fresh process, pointed at the
  database through ``XDG_DATA_HOME``, after one warm-up run; median and worst of N
  (target < 0.5 s);
- for the record, ``PRAGMA quick_check`` and opening with and without it on the full file.

Run: ``.venv/bin/python benchmarks/history_bench.py [--days 90] [--runs 10]``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.results import Row, measure_as_installed, record
from claude_meter.core.models import Snapshot, UsageWindow
from claude_meter.history import HistoryStore

measure_as_installed()

SIZE_TARGET = 10_000_000
INSERT_TARGET = 0.001
EXPORT_TARGET = 0.5
ORG = "5c2a7f10-0000-4000-8000-000000000001"
KEYS = (("five_hour", 5), ("seven_day", 168), ("seven_day_sonnet", 168))


def snapshot(at: datetime, start: datetime, jitter: int) -> Snapshot:
    """Each window climbs through its period and drops to 0 at its reset."""
    windows = []
    for key, hours in KEYS:
        period = timedelta(hours=hours)
        elapsed = (at - start) % period
        resets_at = at - elapsed + period
        percent = round(95 * elapsed / period + (jitter % 7) / 100, 2)
        windows.append(UsageWindow(key=key, label=key, percent=percent, resets_at=resets_at))
    return Snapshot(source="web", org_uuid=ORG, fetched_at=at, windows=tuple(windows))


def fill(path: Path, days: int, end: datetime) -> tuple[float, int]:
    start = end - timedelta(days=days)
    polls = days * 24 * 60
    began = time.perf_counter()
    with HistoryStore.open(path) as store:
        for i in range(polls):
            store.record(snapshot(start + timedelta(minutes=i), start, i))
    return time.perf_counter() - began, polls


def size_of(path: Path) -> int:
    return sum(p.stat().st_size for p in path.parent.iterdir() if p.name.startswith(path.name))


def insert_latency(path: Path, end: datetime, count: int) -> list[float]:
    times = []
    with HistoryStore.open(path) as store:
        for i in range(count):
            snap = snapshot(end + timedelta(minutes=i + 1), end, i)
            began = time.perf_counter()
            stored = store.record(snap)
            times.append(time.perf_counter() - began)
            assert stored
    return times


def command() -> list[str]:
    script = Path(sys.executable).with_name("claude-meter")
    if script.exists():
        return [str(script)]
    found = shutil.which("claude-meter")
    return [found] if found else [sys.executable, "-m", "claude_meter"]


def export_times(data_home: Path, runs: int) -> tuple[list[float], int]:
    env = {**os.environ, "XDG_DATA_HOME": str(data_home)}
    argv = [*command(), "history", "--since", "7d", "--csv"]
    warm = subprocess.run(argv, env=env, capture_output=True, check=True, text=True)
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        subprocess.run(argv, env=env, capture_output=True, check=True)
        times.append(time.perf_counter() - began)
    return times, warm.stdout.count("\n") - 1


def opening(path: Path) -> tuple[float, float]:
    began = time.perf_counter()
    HistoryStore.open(path, quick_check=True).close()
    checked = time.perf_counter() - began
    began = time.perf_counter()
    HistoryStore.open(path, quick_check=False).close()
    return checked, time.perf_counter() - began


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--inserts", type=int, default=2000)
    args = parser.parse_args()
    printed: list[str] = []

    def say(*parts: object) -> None:
        printed.append(" ".join(str(part) for part in parts))
        print(*parts)

    end = datetime.now(UTC).replace(second=0, microsecond=0)
    with tempfile.TemporaryDirectory() as folder:
        data_home = Path(folder)
        path = data_home / "claude-meter" / "history.sqlite3"
        path.parent.mkdir(mode=0o700)
        took, polls = fill(path, args.days, end)
        size = size_of(path)
        say(
            f"fill: {polls} polls x {len(KEYS)} windows, every number changing, "
            f"{took:.1f} s ({took / polls * 1e6:.0f} us a poll)"
        )
        say(f"size after {args.days} days: {size / 1e6:.2f} MB (target < 10 MB)")
        checked, unchecked = opening(path)
        say(f"open: {checked * 1000:.0f} ms with quick_check, {unchecked * 1000:.1f} ms without")
        export, rows = export_times(data_home, args.runs)
        say(
            f"history --since 7d --csv ({rows} rows), {args.runs} runs: "
            f"median {statistics.median(export):.3f} s, worst {max(export):.3f} s (target < 0.5 s)"
        )
        inserts = sorted(insert_latency(path, end, args.inserts))
        p99 = inserts[int(len(inserts) * 0.99) - 1]
        say(
            f"record() of 3 changed windows, {len(inserts)} times on the full database: "
            f"median {statistics.median(inserts) * 1000:.3f} ms, p99 {p99 * 1000:.3f} ms, "
            f"worst {inserts[-1] * 1000:.3f} ms (target <= 1 ms)"
        )
    met = size < SIZE_TARGET and p99 <= INSERT_TARGET and max(export) < EXPORT_TARGET
    say("targets:", "met" if met else "NOT met")
    record(
        "history_bench",
        [
            Row(
                f"history size after {args.days} days",
                "< 10 MB",
                f"{size / 1e6:.2f} MB",
                size < SIZE_TARGET,
            ),
            Row(
                "one `record()` (three windows)",
                "≤ 1 ms",
                f"median {statistics.median(inserts) * 1000:.2f} ms, p99 {p99 * 1000:.2f} ms",
                p99 <= INSERT_TARGET,
            ),
            Row(
                "`history --since 7d --csv`, whole process",
                "< 0.5 s",
                f"median {statistics.median(export):.2f} s, worst {max(export):.2f} s",
                max(export) < EXPORT_TARGET,
            ),
        ],
        "\n".join(printed),
    )
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
