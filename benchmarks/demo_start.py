"""The demo's start: spawn to the first drawn snapshot, and the seeding of its made-up past.

Method. ``claude-meter --demo`` starts its embedded fake claude.ai, fetches once and seeds its
throwaway history with about 3,100 made-up past readings (``poll/demo.py seed_history``)
before the tray exists, so that forecasts and the History window show at once; then it
polls, and draws.

1. Start: the real ``claude-meter --demo --debug`` on the tests' private desktop (Xvfb, a
   session D-Bus, trayer as the tray host; the same one the end-to-end tests use), a
   throwaway home each time; wall time from spawning it to its log line "snapshot drawn",
   median of --runs starts after one that fills the bytecode cache.
2. Seeding alone: in this process, ``seed_history`` into a fresh demo history from one demo
   fetch (wall time), alternating with the same readings recorded one at a time, one commit
   each (``HistoryStore.record`` per reading, as the seeding did before issue 19), median of
   --seed-runs each.

Run: ``.venv/bin/python benchmarks/demo_start.py [--runs 7]``. Before/after a change, run it
with the other code first on ``PYTHONPATH`` (the spawned app inherits it).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # for the tests' desktop
from tests.e2e.desktop import private_desktop

from benchmarks.results import Row, measure_as_installed, record

if TYPE_CHECKING:
    from claude_meter.core.models import Snapshot
    from claude_meter.history import HistoryStore

measure_as_installed()

BIN = Path(sys.executable).with_name("claude-meter")


def one_start(desktop_env: dict[str, str]) -> float:
    with tempfile.TemporaryDirectory() as home:
        env = {
            **desktop_env,
            "HOME": home,
            "XDG_DATA_HOME": f"{home}/data",
            "XDG_CONFIG_HOME": f"{home}/config",
            "XDG_STATE_HOME": f"{home}/state",
            "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
        }
        drawn = threading.Event()
        started = time.perf_counter()
        process = subprocess.Popen(
            [str(BIN), "--demo", "--debug"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        at: list[float] = []

        def read() -> None:
            assert process.stdout is not None
            for raw in process.stdout:
                if b"snapshot drawn" in raw and not at:
                    at.append(time.perf_counter())
                    drawn.set()

        threading.Thread(target=read, daemon=True).start()
        try:
            assert drawn.wait(60), "the demo drew nothing in 60 s"
        finally:
            process.terminate()
            process.wait(10)
        return at[0] - started


class OneAtATime:
    """A history whose ``record_many`` records one reading at a time, one commit each."""

    def __init__(self, history: HistoryStore) -> None:
        self.history = history

    def record_many(self, snapshots: Iterable[Snapshot]) -> int:
        return sum(self.history.record(s) for s in snapshots)


def seeding_seconds(runs: int) -> tuple[float, float]:
    """Medians of (the seeding as it is, one commit per reading), alternating."""
    from claude_meter.clients.http import ClientPool
    from claude_meter.poll.demo import seed_history, start_demo
    from claude_meter.poll.fetcher import Fetcher

    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(runs):
        for way in (0, 1):
            with tempfile.TemporaryDirectory() as home:
                os.environ["XDG_DATA_HOME"] = f"{home}/data"
                os.environ["XDG_STATE_HOME"] = f"{home}/state"
                pool = ClientPool()
                with start_demo("rising") as running:
                    history = running.open_history()
                    first = Fetcher(running.env, pool=pool, demo=True)()
                    into = history if way == 0 else OneAtATime(history)
                    start = time.perf_counter()
                    seed_history(into, first, first.fetched_at)  # type: ignore[arg-type]
                    times[way].append(time.perf_counter() - start)
                    history.close()
                pool.close()
    return statistics.median(times[0]), statistics.median(times[1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--seed-runs", type=int, default=7)
    args = parser.parse_args()
    with private_desktop() as desktop:
        starts = [one_start(desktop.env) for _ in range(args.runs + 1)][1:]
    seed, one_at_a_time = seeding_seconds(args.seed_runs)
    start = statistics.median(starts)
    output = (
        f"demo start to first drawn snapshot: median {start:.3f} s of {args.runs} "
        f"(all: {', '.join(f'{s:.3f}' for s in starts)})\n"
        f"seeding the demo's past (about 3,100 readings), median of {args.seed_runs}: "
        f"{seed * 1000:.0f} ms in one transaction, {one_at_a_time * 1000:.0f} ms with one "
        "commit per reading"
    )
    print(output)
    record(
        "demo_start",
        [
            Row(
                f"`--demo` start to first drawn snapshot, median of {args.runs}",
                "-",
                f"{start:.2f} s",
                None,
            ),
            Row(
                f"seeding the demo's made-up past, median of {args.seed_runs}",
                "-",
                f"{seed * 1000:.0f} ms (one commit per reading: {one_at_a_time * 1000:.0f} ms)",
                None,
            ),
        ],
        output,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
