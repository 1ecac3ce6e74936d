"""The tray app's cost: start to first drawn snapshot, memory, idle CPU, CPU per poll.

Method. The fake claude.ai runs as its own process (``claude-meter fake-server``), so its
work is not counted. The real ``claude-meter`` tray app runs as another process on a private
desktop (Xvfb, a session D-Bus, trayer as the tray host, dunst; the same one the end-to-end
test uses), pointed at the fake server with the loopback-only overrides, with a throwaway
home (its history and state), logging at DEBUG to a pipe this script reads. Figures come from
/proc/<pid>: VmRSS for memory, utime+stime for CPU.

1. Start: wall time from spawning the app to its log line "snapshot drawn" (the first
   snapshot painted into the tray icon), median of 5 starts (bytecode cache warm).
2. Memory and CPU per poll: polling every 50 ms, RSS is read after a warm-up of 200 polls
   and again after --polls more; CPU per poll is the CPU time between those two points
   divided by the polls. 3,600 polls stand for an hour at one poll per second, or 60 hours
   at the default minute.
3. Idle CPU: a fresh app with the default 60 s interval, popover closed: CPU time over
   --idle-seconds after its first poll, scaled to an hour. (The one poll a minute is part
   of "idle": the figure is what an hour of an open-but-untouched meter costs.)

Run: ``.venv/bin/python benchmarks/tray_bench.py``. Targets (issue 4): start <= 1.0 s, RSS
<= 90 MB and not growing, idle CPU <= 1 s per hour, CPU per poll <= 20 ms.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # for the tests' desktop

from tests.e2e.desktop import private_desktop

from claude_meter.fake import DEFAULT_SESSION_KEY

TICKS = os.sysconf("SC_CLK_TCK")
BIN = Path(sys.executable).with_name("claude-meter")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def rss_mb(pid: int) -> float:
    match = re.search(r"VmRSS:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text())
    assert match
    return int(match.group(1)) / 1024


class App:
    """The tray app as a child process whose log lines are counted as they arrive."""

    def __init__(
        self, base_url: str, poll_seconds: float | None, desktop_env: dict[str, str], home: str
    ) -> None:
        env = {
            **desktop_env,
            "HOME": home,
            "XDG_DATA_HOME": f"{home}/data",
            "XDG_CONFIG_HOME": f"{home}/config",
            "XDG_STATE_HOME": f"{home}/state",
            "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
            "CLAUDE_METER_BASE_URL": base_url,
            "CLAUDE_METER_COOKIE": f"sessionKey={DEFAULT_SESSION_KEY}",
        }
        if poll_seconds is not None:
            env["CLAUDE_METER_POLL_SECONDS"] = str(poll_seconds)
        self.started = time.perf_counter()
        self.drawn_at: float | None = None
        self.polls = 0
        self.lock = threading.Condition()
        self.process = subprocess.Popen(
            [str(BIN), "--debug"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for raw in self.process.stdout:
            line = raw.decode(errors="replace")
            with self.lock:
                if "snapshot drawn" in line and self.drawn_at is None:
                    self.drawn_at = time.perf_counter()
                if "poll finished" in line:
                    self.polls += 1
                self.lock.notify_all()

    def wait_for(self, condition, timeout: float = 600) -> None:  # type: ignore[no-untyped-def]
        with self.lock:
            assert self.lock.wait_for(condition, timeout), "benchmark app stalled"

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--polls", type=int, default=3600)
    parser.add_argument("--idle-seconds", type=float, default=60)
    args = parser.parse_args()
    stack = contextlib.ExitStack()
    desktop = stack.enter_context(private_desktop())
    home = stack.enter_context(tempfile.TemporaryDirectory())
    server = subprocess.Popen(
        [str(BIN), "fake-server", "--scenario", "normal"], stdout=subprocess.PIPE, text=True
    )
    assert server.stdout is not None
    base_url = re.search(r"at (http://\S+)\.", server.stdout.readline()).group(1)  # type: ignore[union-attr]
    try:
        starts = []
        for _ in range(6):
            app = App(base_url, None, desktop.env, home)
            app.wait_for(lambda app=app: app.drawn_at is not None, 30)
            starts.append(app.drawn_at - app.started)  # type: ignore[operator]
            app.stop()
        start = statistics.median(starts[1:])  # the first run fills the bytecode cache

        app = App(base_url, 0.05, desktop.env, home)
        app.wait_for(lambda: app.polls >= 200)
        rss0, cpu0, polls0 = rss_mb(app.process.pid), cpu_seconds(app.process.pid), app.polls
        samples = []
        step = max(1, args.polls // 6)
        for target in range(polls0 + step, polls0 + args.polls + 1, step):
            app.wait_for(lambda target=target: app.polls >= target)
            samples.append(round(rss_mb(app.process.pid), 1))
        rss1, cpu1, polls1 = rss_mb(app.process.pid), cpu_seconds(app.process.pid), app.polls
        app.stop()
        per_poll_ms = (cpu1 - cpu0) / (polls1 - polls0) * 1000

        app = App(base_url, None, desktop.env, home)
        app.wait_for(lambda: app.polls >= 1)
        time.sleep(10)  # let start-up settle (first draw, the one-off memory release)
        idle0 = cpu_seconds(app.process.pid)
        time.sleep(args.idle_seconds)  # measuring idleness: nothing to await
        idle_cpu = (cpu_seconds(app.process.pid) - idle0) / args.idle_seconds * 3600
        app.stop()
    finally:
        server.terminate()
        server.wait(10)
        stack.close()

    print(
        f"start to first drawn snapshot: median {start:.3f} s of {len(starts) - 1} "
        f"(all: {', '.join(f'{s:.3f}' for s in starts)})  target <= 1.0 s"
    )
    print(
        f"RSS after 200 polls {rss0:.1f} MB, after {polls1 - polls0} more {rss1:.1f} MB "
        f"(growth {rss1 - rss0:+.1f} MB; samples {samples})  target <= 90 MB, not growing"
    )
    print(f"CPU per poll: {per_poll_ms:.1f} ms  target <= 20 ms")
    print(
        f"idle CPU, popover closed: {idle_cpu:.2f} s per hour (over {args.idle_seconds:.0f} s)"
        "  target <= 1 s/hour"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
