"""Unexpected exceptions: logged (redacted), one non-modal box with "Copy details", no exit."""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from pytestqt.qtbot import QtBot

from claude_meter.qt.crash import CrashReporter
from tests.conftest import TEST_SESSION_KEY


@pytest.fixture
def reporter(qtbot: QtBot) -> Iterator[CrashReporter]:
    reporter = CrashReporter()
    reporter.install()
    yield reporter
    reporter.uninstall()
    if reporter.box is not None:
        reporter.box.close()


def fail() -> None:
    raise ValueError(f"bad header sessionKey={TEST_SESSION_KEY}")


def test_hooks_are_installed_and_restored(qtbot: QtBot) -> None:
    before = (sys.excepthook, threading.excepthook)
    reporter = CrashReporter()
    reporter.install()
    assert sys.excepthook == reporter.excepthook
    assert threading.excepthook == reporter.thread_excepthook
    reporter.uninstall()
    assert (sys.excepthook, threading.excepthook) == before


def test_an_exception_shows_a_non_modal_box(
    qtbot: QtBot, reporter: CrashReporter, caplog: pytest.LogCaptureFixture
) -> None:
    try:
        fail()
    except ValueError:
        sys.excepthook(*sys.exc_info())
    box = reporter.box
    assert box is not None
    qtbot.waitUntil(box.isVisible)
    assert box.windowModality() == Qt.WindowModality.NonModal
    assert "kept running" in box.text()
    assert "ValueError" in box.informativeText()
    assert TEST_SESSION_KEY not in box.informativeText() + box.detailedText()
    assert any(r.levelno == logging.CRITICAL for r in caplog.records)

    reporter.copy_button.click()
    assert box.isVisible()  # copying does not close the box
    copied = QGuiApplication.clipboard().text()
    assert "Traceback" in copied
    assert "ClaudeMeter 0." in copied
    assert "in fail" in copied
    assert TEST_SESSION_KEY not in copied


def test_errors_in_a_row_update_one_box(qtbot: QtBot, reporter: CrashReporter) -> None:
    for _ in range(3):
        try:
            fail()
        except ValueError:
            sys.excepthook(*sys.exc_info())
    assert reporter.box is not None
    assert "3 errors so far" in reporter.box.text()
    assert reporter.details.count("Traceback") == 3


def test_an_exception_in_a_thread_reaches_the_gui(qtbot: QtBot, reporter: CrashReporter) -> None:
    thread = threading.Thread(target=fail, name="claude-meter-fetch")
    thread.start()
    thread.join(5)
    qtbot.waitUntil(lambda: reporter.box is not None and reporter.box.isVisible())
    assert "claude-meter-fetch" in reporter.details


def test_keyboard_interrupt_goes_to_the_previous_hook(qtbot: QtBot) -> None:
    seen: list[type[BaseException]] = []
    sys_hook = sys.excepthook
    sys.excepthook = lambda kind, value, tb: seen.append(kind)
    try:
        reporter = CrashReporter()
        reporter.install()
        reporter.excepthook(KeyboardInterrupt, KeyboardInterrupt(), None)
        reporter.uninstall()
    finally:
        sys.excepthook = sys_hook
    assert seen == [KeyboardInterrupt]
    assert reporter.box is None
