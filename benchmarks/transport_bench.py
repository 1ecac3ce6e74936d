"""What the browser-like transport for claude.ai costs, next to httpx: the figures behind
"used only after a first challenge" (``clients/web_transport.py``).

Method. The fake claude.ai runs as its own process over HTTPS (``rising``, its clock started
1,000 s in, as in ``tray_bench.py``); the app trusts its certificate through ``SSL_CERT_FILE``
(the loopback-only override). Every figure is taken twice, once with
``CLAUDE_METER_TRANSPORT=httpx`` and once with ``=browser`` (curl_cffi impersonating Chrome):

1. Import: a fresh interpreter that has already imported the web client
   (``claude_meter.clients.web``, httpx included) imports ``curl_cffi``; wall time of that
   import and the VmRSS it adds, median of 7 interpreters.
2. ``claude-meter status --json`` against the fake, whole process, median of 10 runs after a
   warm-up run.
3. The tray app on a private desktop (Xvfb, trayer, dunst; ``tray_bench.py``'s harness): start
   to first drawn snapshot, median of 5 after a warm-up start; then polling every 50 ms, RSS
   after 200 polls and after ``--polls`` more, and CPU per poll.

The runs of 2 and the starts of 3 alternate between the two transports, so a moment when the
shared machine is busy costs both alike; the medians are still noisy to about 0.1 s.

Run: ``.venv/bin/python benchmarks/transport_bench.py``. No targets of its own: the tray's are
``tray_bench.py``'s (start <= 1.0 s, RSS <= 90 MB, CPU per poll <= 20 ms).
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
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.e2e.desktop import private_desktop

from benchmarks.results import Row, measure_as_installed, record
from benchmarks.tray_bench import BIN, App, memory_run
from claude_meter.fake import DEFAULT_SESSION_KEY

measure_as_installed()

TRANSPORTS = ("httpx", "browser")

FAKE_SERVER = """
import sys, threading, time
from claude_meter.fake import FakeClaude
shift = [-float(sys.argv[1])]
server = FakeClaude("rising", tls=True, clock=lambda: time.monotonic() + shift[0]).start()
shift[0] = 0.0
print(f"Fake claude.ai (rising) at {server.base_url} {server.cert_path}", flush=True)
threading.Event().wait()
"""

IMPORT_PROBE = """
import time
def rss():
    return int(open('/proc/self/status').read().split('VmRSS:')[1].split()[0]) / 1024
import claude_meter.clients.web
before, started = rss(), time.perf_counter()
import curl_cffi
print(time.perf_counter() - started, rss() - before)
"""


def import_cost(runs: int = 7) -> tuple[float, float]:
    """Seconds and MB that importing curl_cffi adds, medians of fresh interpreters."""
    seconds, megabytes = [], []
    for _ in range(runs):
        done = subprocess.run(
            [sys.executable, "-c", IMPORT_PROBE], capture_output=True, text=True, check=True
        )
        took, grew = done.stdout.split()
        seconds.append(float(took))
        megabytes.append(float(grew))
    return statistics.median(seconds), statistics.median(megabytes)


def cli_env(base_url: str, home: str, extra: dict[str, str]) -> dict[str, str]:
    return {
        **os.environ,
        **extra,
        "HOME": home,
        "XDG_DATA_HOME": f"{home}/data",
        "XDG_CONFIG_HOME": f"{home}/config",
        "XDG_STATE_HOME": f"{home}/state",
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
        "CLAUDE_METER_BASE_URL": base_url,
        "CLAUDE_METER_COOKIE": f"sessionKey={DEFAULT_SESSION_KEY}",
    }


def status_seconds(env: dict[str, str]) -> float:
    """One ``claude-meter status --json --source web``, whole process."""
    started = time.perf_counter()
    subprocess.run(
        [str(BIN), "status", "--json", "--source", "web"], env=env, capture_output=True, check=True
    )
    return time.perf_counter() - started


def tray_start(
    base_url: str, desktop_env: dict[str, str], home: str, extra: dict[str, str]
) -> float:
    """Spawn to the first drawn snapshot of one tray start."""
    app = App(base_url, None, desktop_env, home, extra_env=extra)
    app.wait_for(lambda: app.drawn_at is not None, 30)
    app.stop()
    return app.drawn_at - app.started  # type: ignore[operator]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--polls", type=int, default=600)
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    imported_s, imported_mb = import_cost()
    stack = contextlib.ExitStack()
    server = subprocess.Popen(
        [sys.executable, "-c", FAKE_SERVER, "1000"], stdout=subprocess.PIPE, text=True
    )
    assert server.stdout is not None
    found = re.search(r"at (https://\S+) (\S+)", server.stdout.readline())
    assert found, "the fake server did not say where it listens"
    base_url, cert = found.group(1), found.group(2)
    figures: dict[str, dict[str, float]] = {t: {} for t in TRANSPORTS}
    try:
        desktop = stack.enter_context(private_desktop())
        extra = {t: {"CLAUDE_METER_TRANSPORT": t, "SSL_CERT_FILE": cert} for t in TRANSPORTS}
        homes = {t: stack.enter_context(tempfile.TemporaryDirectory()) for t in TRANSPORTS}
        cli_envs = {t: cli_env(base_url, homes[t], extra[t]) for t in TRANSPORTS}
        latencies: dict[str, list[float]] = {t: [] for t in TRANSPORTS}
        starts: dict[str, list[float]] = {t: [] for t in TRANSPORTS}
        for transport in TRANSPORTS:  # warm-up runs fill the bytecode caches
            status_seconds(cli_envs[transport])
        for _ in range(args.runs):  # interleaved, so a busy moment costs both alike
            for transport in TRANSPORTS:
                latencies[transport].append(status_seconds(cli_envs[transport]))
        for _ in range(6):
            for transport in TRANSPORTS:
                starts[transport].append(
                    tray_start(base_url, desktop.env, homes[transport], extra[transport])
                )
        for transport in TRANSPORTS:
            run = memory_run(
                base_url, desktop.env, homes[transport], args.polls, extra_env=extra[transport]
            )
            figures[transport] = {
                "latency": statistics.median(latencies[transport]),
                "start": statistics.median(starts[transport][1:]),
                "rss0": run.rss0,
                "rss1": run.rss1,
                "per_poll_ms": run.per_poll_ms,
            }
    finally:
        server.terminate()
        server.wait(10)
        server.stdout.close()
        stack.close()

    lines = [
        f"import curl_cffi after the web client: {imported_s * 1000:.0f} ms, "
        f"+{imported_mb:.1f} MB RSS (medians of 7 interpreters)"
    ]
    rows = [
        Row("import curl_cffi (wall, median of 7)", "", f"{imported_s * 1000:.0f} ms", None),
        Row("RSS added by importing curl_cffi", "", f"+{imported_mb:.1f} MB", None),
    ]
    for transport, f in figures.items():
        lines.append(
            f"{transport}: status --json median {f['latency']:.3f} s; tray start "
            f"{f['start']:.3f} s; RSS after 200 polls {f['rss0']:.1f} MB, after "
            f"{args.polls} more {f['rss1']:.1f} MB; CPU per poll {f['per_poll_ms']:.1f} ms"
        )
        rows += [
            Row(
                f"{transport}: `status --json` over HTTPS, median of {args.runs}",
                "",
                f"{f['latency']:.2f} s",
                None,
            ),
            Row(
                f"{transport}: tray start to first drawn snapshot, median of 5",
                "≤ 1.0 s",
                f"{f['start']:.2f} s",
                f["start"] <= 1.0,
            ),
            Row(
                f"{transport}: tray RSS after {200 + args.polls} polls",
                "≤ 90 MB",
                f"{f['rss1']:.1f} MB",
                f["rss1"] <= 90,
            ),
            Row(
                f"{transport}: tray CPU per poll",
                "≤ 20 ms",
                f"{f['per_poll_ms']:.1f} ms",
                f["per_poll_ms"] <= 20,
            ),
        ]
    output = "\n".join(lines)
    print(output)
    record("transport_bench", rows, output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
