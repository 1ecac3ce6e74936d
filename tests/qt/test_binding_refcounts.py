"""The Qt binding itself: a reference-counting bug there kills a tray app after hours.

PySide6 6.12.0 drops a reference to ``None`` on every call of a method that returns nothing.
Before Python 3.12 ``None`` is an ordinary object, so a long-running app eventually frees it
and aborts ("none_dealloc"); the soak found it. pyproject.toml excludes that release.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QLabel


def test_calls_that_return_nothing_keep_none_alive(qapp: QApplication) -> None:
    label, timer = QLabel(), QTimer()
    before = sys.getrefcount(None)
    for _ in range(1000):
        label.setText("42%")
        label.hide()
        timer.stop()
        qapp.processEvents()
    # Other code may drop a few references to None meanwhile; the bug drops 4,000.
    assert sys.getrefcount(None) > before - 100
