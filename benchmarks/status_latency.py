"""How long `claude-meter status --json` takes, start to exit, against the fake server.

Method: start the fake claude.ai (``normal`` scenario) on loopback in this process, point the
CLI at it with the loopback-only overrides, then run the installed ``claude-meter`` entry
point as a fresh process N times (after one warm-up run that fills the bytecode cache) and
report the median and the worst wall time. Each run is a whole process: interpreter start,
imports, organization discovery, usage, overage and subscription calls, JSON output.

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
from claude_meter.fake import DEFAULT_SESSION_KEY, FakeClaude

measure_as_installed()

TARGET_SECONDS = 0.5


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
        times = []
        for _ in range(args.runs):
            start = time.perf_counter()
            subprocess.run(argv, env=env, capture_output=True, check=True)
            times.append(time.perf_counter() - start)
    median, worst = statistics.median(times), max(times)
    output = (
        f"claude-meter status --json, {args.runs} runs: median {median:.3f} s, "
        f"worst {worst:.3f} s\n"
        f"target {TARGET_SECONDS:.1f} s: {'met' if worst <= TARGET_SECONDS else 'NOT met'}"
    )
    print(output)
    record(
        "status_latency",
        [
            Row(
                f"`status --json`, whole process, median of {args.runs}",
                f"≤ {TARGET_SECONDS} s",
                f"{median:.2f} s",
                median <= TARGET_SECONDS,
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
