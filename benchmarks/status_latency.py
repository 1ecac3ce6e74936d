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

Then the Claude Code route as ``benchmarks/peers.py`` runs ours: no cookie, Claude Code's sign-in
in ``~/.claude/.credentials.json`` (``benchmarks/peer_setup.py``), a fake server of its own over
real TLS on loopback (its certificate in ``SSL_CERT_FILE``), the keyring's ``fail`` backend; so
``auto`` finds no claude.ai session and asks ``api.anthropic.com``'s OAuth usage, one request.
For each case the CPU time of the process (user + system, from ``wait4``) is given too: the wall
time follows the shared machine's load, the CPU time hardly does.

Run: ``.venv/bin/python benchmarks/status_latency.py [--runs 20]``. Target (issue 2): 0.5 s.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.peer_setup import fresh_home
from benchmarks.results import Row, measure_as_installed, record
from claude_meter.clients.remembered import FILE_NAME
from claude_meter.fake import DEFAULT_OAUTH_TOKEN, DEFAULT_SESSION_KEY, FakeClaude

measure_as_installed()

TARGET_SECONDS = 0.5
ISSUE_19_TARGET = 0.2


def command() -> list[str]:
    script = Path(sys.executable).with_name("claude-meter")
    if script.exists():
        return [str(script)]
    found = shutil.which("claude-meter")
    return [found] if found else [sys.executable, "-m", "claude_meter"]


def timed(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """One whole run: its wall time and its CPU time (user + system, from ``wait4``)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(argv, env=env, capture_output=True, check=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def claude_code_route(
    argv: list[str], runs: int, scratch: str
) -> tuple[list[float], list[float], set[int]]:
    """The peers' way: Claude Code's sign-in, OAuth usage over TLS, no keyring."""
    walls, cpus, requests = [], [], set()
    with FakeClaude("normal", tls=True).start() as server:
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("DISPLAY", "DBUS_"))},
            **fresh_home(Path(scratch, "claude-code"), DEFAULT_OAUTH_TOKEN),
            "CLAUDE_METER_OAUTH_BASE_URL": server.base_url,
            "CLAUDE_METER_BASE_URL": server.base_url,
            "SSL_CERT_FILE": str(server.cert_path),
            "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
        }
        env.pop("CLAUDE_METER_COOKIE", None)
        subprocess.run(argv, env=env, capture_output=True, check=True)  # warm-up
        for _ in range(runs):
            server.request_log.clear()
            wall, cpu = timed(argv, env)
            walls.append(wall)
            cpus.append(cpu)
            requests.add(len(server.request_log))
    return walls, cpus, requests


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument(
        "--claude-code-only", action="store_true", help="only that route; prints, records nothing"
    )
    args = parser.parse_args()
    argv = [*command(), "status", "--json"]
    with tempfile.TemporaryDirectory() as scratch:
        code_walls, code_cpus, code_requests = claude_code_route(argv, args.runs, scratch)
    code_median = statistics.median(code_walls)
    code_output = (
        f"Claude Code route over TLS (the peers' way), {args.runs} runs: median "
        f"{code_median:.3f} s, worst {max(code_walls):.3f} s, CPU median "
        f"{statistics.median(code_cpus) * 1000:.0f} ms; requests per run: {sorted(code_requests)}"
    )
    if args.claude_code_only:
        print(code_output)
        return 0
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
        subprocess.run(argv, env=env, capture_output=True, check=True)  # warm-up
        remembered = Path(home, "state", "claude-meter", FILE_NAME)
        times, cpus, first_times = [], [], []
        requests, first_requests = set(), set()
        for _ in range(args.runs):
            server.request_log.clear()
            wall, cpu = timed(argv, env)
            times.append(wall)
            cpus.append(cpu)
            requests.add(len(server.request_log))
        for _ in range(args.runs):
            remembered.unlink()  # a new machine: nothing remembered (fails if never written)
            server.request_log.clear()
            first_times.append(timed(argv, env)[0])
            first_requests.add(len(server.request_log))
    median, worst = statistics.median(times), max(times)
    first_median = statistics.median(first_times)
    output = (
        f"claude-meter status --json, {args.runs} runs: median {median:.3f} s, "
        f"worst {worst:.3f} s, CPU median {statistics.median(cpus) * 1000:.0f} ms; "
        f"requests per run: {sorted(requests)}\n"
        f"target {TARGET_SECONDS:.1f} s: {'met' if worst <= TARGET_SECONDS else 'NOT met'}; "
        f"issue 19's median {ISSUE_19_TARGET:.2f} s: "
        f"{'met' if median <= ISSUE_19_TARGET else 'NOT met'}\n"
        f"first call on a new machine (nothing remembered), {args.runs} runs: median "
        f"{first_median:.3f} s, worst {max(first_times):.3f} s; requests per run: "
        f"{sorted(first_requests)}\n"
        f"{code_output}\nload average {os.getloadavg()[0]:.1f}"
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
                f"`status --json` on the Claude Code route over TLS, median of {args.runs}",
                f"≤ {ISSUE_19_TARGET} s",
                f"{code_median:.2f} s, {', '.join(map(str, sorted(code_requests)))} request a call",
                code_median <= ISSUE_19_TARGET,
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
                f"{max(worst, max(code_walls)):.2f} s",
                max(worst, max(code_walls)) <= TARGET_SECONDS,
            ),
        ],
        output,
    )
    return 0 if max(worst, max(code_walls)) <= TARGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
