"""The tray app's cost: start to first drawn snapshot, memory, idle CPU, CPU per poll.

Method. The fake claude.ai runs as its own process (the ``rising`` scenario, its clock
started 1,000 s in: the session window is at 100 % from the first poll and the numbers keep
moving, so the poll interval is never stretched by the quiet-stretch rule), so its work is not
counted. The real ``claude-meter`` tray app runs as another process on a private desktop
(Xvfb, a session D-Bus, trayer as the tray host, dunst; the same one the end-to-end test
uses), pointed at the fake server with the loopback-only overrides, with a throwaway home (its
history, its state and its runtime folder, where the single-instance lock is: a tray already
running as the same user would make the start a second launch), logging at DEBUG to a pipe
this script reads. Figures come from /proc/<pid>: VmRSS for memory (with its split into
anonymous memory, the process's own, and file-backed pages, the shared libraries' code and
data as mapped), utime+stime for CPU.

1. Start: wall time from spawning the app to its log line "snapshot drawn" (the first
   snapshot painted into the tray icon), median of 5 starts (bytecode cache warm).
2. Memory and CPU per poll: polling every 50 ms, RSS is read after a warm-up of 200 polls
   and again after --polls more; CPU per poll is the CPU time between those two points
   divided by the polls. 3,600 polls stand for an hour at one poll per second, or 60 hours
   at the default minute. Two configurations: the session in ``CLAUDE_METER_COOKIE`` (no
   keyring is read), and the session stored in the keyring by ``claude-meter login`` (what
   most people run), with gnome-keyring's Secret Service on the desktop's session bus
   (--keyring-polls after the warm-up). The tray reads the keyring once, through a helper
   process, and keeps the session (``sources/keyring_store.py``): it reads it again only
   after a change, so that read's cost is measured on its own (the helper run 5 times, CPU
   from the children's rusage). CPU figures include the app's waited-for children.
3. Idle CPU: a fresh app with the default 60 s interval, popover closed: CPU time over
   --idle-seconds after its first poll, scaled to an hour. (The one poll a minute is part
   of "idle": the figure is what an hour of an open-but-untouched meter costs.)

File-backed RSS depends on the page cache as well as on the app: the kernel maps a file's
cached pages in chunks as large as the folios they sit in, and files just written (a fresh
``pip install``) can sit in 1 MB folios that are mapped whole on first touch, adding about
10 MB for PySide6's libraries until those pages are evicted and read back from disk.

Run: ``.venv/bin/python benchmarks/tray_bench.py``. Targets (issue 4): start <= 1.0 s, RSS
<= 90 MB and not growing, idle CPU <= 1 s per hour, CPU per poll <= 20 ms.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # for the tests' desktop
from tests.e2e.desktop import private_desktop
from tests.e2e.processes import gnome_keyring

from benchmarks.results import Row, measure_as_installed, record
from claude_meter.fake import DEFAULT_SESSION_KEY
from claude_meter.sources.keyring_child import CHILD_ARGUMENT
from claude_meter.sources.keyring_store import SERVICE, SESSION_ENTRY

measure_as_installed()

TICKS = os.sysconf("SC_CLK_TCK")
BIN = Path(sys.executable).with_name("claude-meter")


def cpu_seconds(pid: int) -> float:
    """utime + stime of the process and of its children it has waited for (the keyring
    helper, see ``sources/keyring_child.py``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(f) for f in fields[11:15]) / TICKS


def keyring_child_cost(env: dict[str, str], runs: int = 5) -> tuple[float, float]:
    """CPU and wall time of one keyring read through the tray's helper process, medians."""
    request = f'{{"call": "get_password", "args": ["{SERVICE}", "{SESSION_ENTRY}"]}}'
    cpu, wall = [], []
    for _ in range(runs):
        before, started = resource.getrusage(resource.RUSAGE_CHILDREN), time.perf_counter()
        done = subprocess.run(
            [str(BIN), CHILD_ARGUMENT], input=request.encode(), env=env, capture_output=True
        )
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        assert done.returncode == 0, done.returncode
        assert b'"value": "' in done.stdout  # the session was read
        wall.append(time.perf_counter() - started)
        cpu.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    return statistics.median(cpu), statistics.median(wall)


def rss_mb(pid: int, field: str = "VmRSS") -> float:
    match = re.search(rf"{field}:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text())
    assert match
    return int(match.group(1)) / 1024


def rss_split(pid: int) -> str:
    return f"anon {rss_mb(pid, 'RssAnon'):.1f} + file {rss_mb(pid, 'RssFile'):.1f}"


#: The fake claude.ai as its own process: ``rising``, already ``argv[1]`` seconds in.
FAKE_SERVER = """
import sys, threading, time
from claude_meter.fake import FakeClaude
shift = [-float(sys.argv[1])]
server = FakeClaude("rising", clock=lambda: time.monotonic() + shift[0]).start()
shift[0] = 0.0  # the scenario's clock started argv[1] seconds ago
print(f"Fake claude.ai (rising) at {server.base_url}.", flush=True)
threading.Event().wait()
"""


class App:
    """The tray app as a child process whose log lines are counted as they arrive."""

    def __init__(
        self,
        base_url: str,
        poll_seconds: float | None,
        desktop_env: dict[str, str],
        home: str,
        *,
        keyring: bool = False,
        extra_env: dict[str, str] | None = None,
    ) -> None:
        env = {**app_env(base_url, desktop_env, home, keyring=keyring), **(extra_env or {})}
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


def app_env(
    base_url: str, desktop_env: dict[str, str], home: str, *, keyring: bool
) -> dict[str, str]:
    """The app's environment: the session in ``CLAUDE_METER_COOKIE``, or (``keyring``) only
    in the keyring, which keyring finds by itself on the session bus. The runtime folder is
    the home's own too: a tray already running as the same user (another benchmark, a test)
    would otherwise hold the single-instance lock, and this start would be a second launch."""
    Path(home, "run").mkdir(mode=0o700, exist_ok=True)
    env = {
        **desktop_env,
        "HOME": home,
        "XDG_DATA_HOME": f"{home}/data",
        "XDG_CONFIG_HOME": f"{home}/config",
        "XDG_STATE_HOME": f"{home}/state",
        "XDG_RUNTIME_DIR": f"{home}/run",
        "CLAUDE_METER_BASE_URL": base_url,
    }
    if not keyring:
        env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
        env["CLAUDE_METER_COOKIE"] = f"sessionKey={DEFAULT_SESSION_KEY}"
    return env


@dataclass(frozen=True)
class MemoryRun:
    rss0: float  # MB, after the warm-up
    split0: str
    rss1: float  # MB, at the end
    split1: str
    samples: list[float]
    polls: int
    per_poll_ms: float


def memory_run(
    base_url: str,
    desktop_env: dict[str, str],
    home: str,
    polls: int,
    *,
    keyring: bool = False,
    extra_env: dict[str, str] | None = None,
) -> MemoryRun:
    """Poll every 50 ms: RSS after 200 polls and after ``polls`` more, CPU per poll."""
    app = App(base_url, 0.05, desktop_env, home, keyring=keyring, extra_env=extra_env)
    app.wait_for(lambda: app.polls >= 200)
    pid = app.process.pid
    rss0, split0, cpu0, polls0 = rss_mb(pid), rss_split(pid), cpu_seconds(pid), app.polls
    samples = []
    step = max(1, polls // 6)
    for target in range(polls0 + step, polls0 + polls + 1, step):
        app.wait_for(lambda target=target: app.polls >= target)
        samples.append(round(rss_mb(pid), 1))
    rss1, split1, cpu1, polls1 = rss_mb(pid), rss_split(pid), cpu_seconds(pid), app.polls
    app.stop()
    per_poll_ms = (cpu1 - cpu0) / (polls1 - polls0) * 1000
    return MemoryRun(rss0, split0, rss1, split1, samples, polls1 - polls0, per_poll_ms)


def store_session_in_keyring(desktop_env: dict[str, str], home: str, base_url: str) -> None:
    """``claude-meter login --paste``, as a person would, into the running gnome-keyring."""
    done = subprocess.run(
        [str(BIN), "login", "--paste"],
        input=f"sessionKey={DEFAULT_SESSION_KEY}\n",
        env=app_env(base_url, desktop_env, home, keyring=True),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--polls", type=int, default=3600)
    parser.add_argument("--keyring-polls", type=int, default=1200)
    parser.add_argument("--idle-seconds", type=float, default=60)
    args = parser.parse_args()
    stack = contextlib.ExitStack()
    desktop = stack.enter_context(private_desktop())
    home = stack.enter_context(tempfile.TemporaryDirectory())
    server = subprocess.Popen(
        [sys.executable, "-c", FAKE_SERVER, "1000"], stdout=subprocess.PIPE, text=True
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

        cookie = memory_run(base_url, desktop.env, home, args.polls)
        keyring_home = stack.enter_context(tempfile.TemporaryDirectory())  # a history as new
        bus = desktop.env["DBUS_SESSION_BUS_ADDRESS"]
        with gnome_keyring(bus, app_env(base_url, desktop.env, keyring_home, keyring=True)):
            store_session_in_keyring(desktop.env, keyring_home, base_url)
            stored = memory_run(
                base_url, desktop.env, keyring_home, args.keyring_polls, keyring=True
            )
            child_cpu, child_wall = keyring_child_cost(
                app_env(base_url, desktop.env, keyring_home, keyring=True)
            )

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

    runs = (("session in CLAUDE_METER_COOKIE", cookie), ("session in the keyring", stored))
    lines = [
        f"start to first drawn snapshot: median {start:.3f} s of {len(starts) - 1} "
        f"(all: {', '.join(f'{s:.3f}' for s in starts)})  target <= 1.0 s"
    ]
    for name, run in runs:
        lines.append(
            f"{name}: RSS after 200 polls {run.rss0:.1f} MB ({run.split0}), after {run.polls} "
            f"more {run.rss1:.1f} MB ({run.split1}; growth {run.rss1 - run.rss0:+.1f} MB; "
            f"samples {run.samples})  target <= 90 MB, not growing"
        )
        lines.append(f"{name}: CPU per poll: {run.per_poll_ms:.1f} ms  target <= 20 ms")
    lines.append(
        f"keyring read through the helper process: {child_cpu * 1000:.0f} ms CPU, "
        f"{child_wall * 1000:.0f} ms wall (median of 5); once at start and once per change"
    )
    lines.append(
        f"idle CPU, popover closed: {idle_cpu:.2f} s per hour (over {args.idle_seconds:.0f} s)"
        "  target <= 1 s/hour"
    )
    output = "\n".join(lines)
    print(output)
    rows = [
        Row("start to first drawn snapshot, median of 5", "≤ 1.0 s", f"{start:.2f} s", start <= 1.0)
    ]
    for name, run in runs:
        rows += [
            Row(
                f"RSS, {name}: after 200 polls, after {run.polls} more",
                "≤ 90 MB, not growing",
                f"{run.rss0:.1f} MB, {run.rss1:.1f} MB ({run.split1})",
                max(run.rss0, run.rss1) <= 90,
            ),
            Row(
                f"CPU per poll, {name}",
                "≤ 20 ms",
                f"{run.per_poll_ms:.1f} ms",
                run.per_poll_ms <= 20,
            ),
        ]
    rows.append(
        Row(
            "keyring read through the helper process (once at start, once per change)",
            "",
            f"{child_cpu * 1000:.0f} ms CPU, {child_wall * 1000:.0f} ms wall",
            None,
        )
    )
    rows.append(
        Row("idle CPU, popover closed", "≤ 1 s/hour", f"{idle_cpu:.2f} s/hour", idle_cpu <= 1)
    )
    record("tray_bench", rows, output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
