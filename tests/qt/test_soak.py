"""The soak's short version: the tray app through a few hundred faulty polls, checked at each.

``benchmarks/soak.py`` has the method and runs the long version (10,000 polls); its result is
in docs/benchmarks.md. The soak runs in a process of its own, as the long version does: its
threads, descriptors and memory are the tray's alone, not those that earlier tests in this
process left behind (a thread of theirs starting late made the count grow here once).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from benchmarks.soak import EXPECTED_KINDS

ROOT = Path(__file__).resolve().parents[2]

SOAK = """
import json
from PySide6.QtWidgets import QApplication
app = QApplication([])
from benchmarks.soak import run_soak
report = run_soak(400, seed=1)
print(json.dumps({
    "summary": report.summary(),
    "failures": report.failures,
    "outcomes": dict(report.outcomes),
    "popover_checks": report.popover_checks,
    "rss_growth_mb": report.rss_growth_mb,
    "threads": [report.warm.threads, report.end.threads],
    "fds": [report.warm.fds, report.end.fds],
}))
"""


def test_soak_keeps_the_last_good_numbers_and_leaks_nothing() -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), str(ROOT / "app"), env.get("PYTHONPATH", "")])
    done = subprocess.run(
        [sys.executable, "-c", SOAK], capture_output=True, text=True, env=env, cwd=ROOT, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    summary = report["summary"]
    assert report["failures"] == [], summary
    assert set(report["outcomes"]) >= EXPECTED_KINDS, summary  # every fault came
    assert report["outcomes"]["ok"] >= 100
    assert report["popover_checks"] >= 50
    assert report["rss_growth_mb"] <= 5.0, summary
    warm_threads, end_threads = report["threads"]
    assert end_threads <= warm_threads, summary
    warm_fds, end_fds = report["fds"]
    assert end_fds <= warm_fds + 2, summary
