"""The soak's short version: the tray app through a few hundred faulty polls, checked at each.

``benchmarks/soak.py`` has the method and runs the long version (10,000 polls); its result is
in docs/benchmarks.md.
"""

from __future__ import annotations

from benchmarks.soak import EXPECTED_KINDS, run_soak
from PySide6.QtWidgets import QApplication


def test_soak_keeps_the_last_good_numbers_and_leaks_nothing(qapp: QApplication) -> None:
    report = run_soak(400, seed=1)
    assert report.failures == [], report.summary()
    assert set(report.outcomes) >= EXPECTED_KINDS, report.summary()  # every fault came
    assert report.outcomes["ok"] >= 100
    assert report.popover_checks >= 50
    assert report.rss_growth_mb <= 5.0, report.summary()
    assert report.end.threads <= report.warm.threads, report.summary()
    assert report.end.fds <= report.warm.fds + 2, report.summary()
