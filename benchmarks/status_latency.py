"""How long `claude-meter status --json` takes, start to exit, against the fake server.

Method: start the fake claude.ai (``normal`` scenario) on loopback in this process, point the
CLI at it with the loopback-only overrides, then run the installed ``claude-meter`` entry
point as a fresh process N times (after one warm-up run that fills the bytecode cache) and
report the median and the worst wall time, and the requests each run made (the fake server's
request log). Each run is a whole process: interpreter start, imports, the calls, JSON output.
The organization list, the account and the extras are remembered for 30 minutes in the state
folder (``clients/remembered.py``; the warm-up fills it), so a run asks only ``/usage``.

Then the first call on a new machine: the same runs, each with the remembered answers removed
first (the bytecode cache stays warm), so each asks for the organization list, the account, the
usage, the overage and the subscription.

Run: ``.venv/bin/python benchmarks/status_latency.py [--runs 20]``. Target (issue 2): 0.5 s.
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
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.results import Row, measure_as_installed, record
from claude_meter.clients.remembered import FILE_NAME
from claude_meter.fake import DEFAULT_SESSION_KEY, FakeClaude

measure_as_installed()

TARGET_SECONDS = 0.5
ISSUE_19_TARGET = 0.2


def command() -> list[str]:
    script = Path(sys.executable).with_name("claude-meter")
    if script.exists():
        return [str(script)]
    found = shutil.which("claude-meter")
    return [found] if found else [sys.executable, "-m", "claude_meter"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    with FakeClaude("normal").start() as server, tempfile.TemporaryDirectory() as home:
        env = {
            **os.environ,
            # a throwaway home: the run records into a history and must not touch the user's
            "HOME": home,
            "XDG_DATA_HOME": f"{home}/data",
            "XDG_CONFIG_HOME": f"{home}/config",
            "XDG_STATE_HOME": f"{home}/state",
            "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
            "CLAUDE_METER_BASE_URL": server.base_url,
            "CLAUDE_METER_COOKIE": f"sessionKey={DEFAULT_SESSION_KEY}",
        }
        argv = [*command(), "status", "--json"]
        subprocess.run(argv, env=env, capture_output=True, check=True)  # warm-up
        remembered = Path(home, "state", "claude-meter", FILE_NAME)
        times, first_times = [], []
        requests, first_requests = set(), set()
        for _ in range(args.runs):
            server.request_log.clear()
            start = time.perf_counter()
            subprocess.run(argv, env=env, capture_output=True, check=True)
            times.append(time.perf_counter() - start)
            requests.add(len(server.request_log))
        for _ in range(args.runs):
            remembered.unlink()  # a new machine: nothing remembered (fails if never written)
            server.request_log.clear()
            start = time.perf_counter()
            subprocess.run(argv, env=env, capture_output=True, check=True)
            first_times.append(time.perf_counter() - start)
            first_requests.add(len(server.request_log))
    median, worst = statistics.median(times), max(times)
    first_median = statistics.median(first_times)
    output = (
        f"claude-meter status --json, {args.runs} runs: median {median:.3f} s, "
        f"worst {worst:.3f} s; requests per run: {sorted(requests)}\n"
        f"target {TARGET_SECONDS:.1f} s: {'met' if worst <= TARGET_SECONDS else 'NOT met'}; "
        f"issue 19's median {ISSUE_19_TARGET:.2f} s: "
        f"{'met' if median <= ISSUE_19_TARGET else 'NOT met'}\n"
        f"first call on a new machine (nothing remembered), {args.runs} runs: median "
        f"{first_median:.3f} s, worst {max(first_times):.3f} s; requests per run: "
        f"{sorted(first_requests)}"
    )
    print(output)
    record(
        "status_latency",
        [
            Row(
                f"`status --json`, whole process, median of {args.runs}",
                f"≤ {ISSUE_19_TARGET} s",
                f"{median:.2f} s",
                median <= ISSUE_19_TARGET,
            ),
            Row(
                "`status --json`, requests per call (organization list known)",
                "one per organization",
                ", ".join(map(str, sorted(requests))),
                requests == {1},
            ),
            Row(
                f"`status --json`, first call on a new machine, median of {args.runs}",
                "-",
                f"{first_median:.2f} s, {', '.join(map(str, sorted(first_requests)))} requests",
                None,
            ),
            Row(
                "`status --json`, worst run",
                f"≤ {TARGET_SECONDS} s",
                f"{worst:.2f} s",
                worst <= TARGET_SECONDS,
            ),
        ],
        output,
    )
    return 0 if worst <= TARGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
