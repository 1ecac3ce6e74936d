"""The tray's comings and goings as the app sees them, and where notifications end up.

Offscreen there is no tray at all (like GNOME without AppIndicator); the real trays (trayer,
an SNI watcher, started late) are in ``tests/e2e/test_tray_late.py``.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from claude_meter.qt.app import NO_TRAY, TrayApp
from claude_meter.qt.notifier import pick
from tests.qt.test_app import Script, result


def make(qtbot: QtBot, tmp_path: Path, *, tray_wait: float) -> TrayApp:
    app = TrayApp(
        Script(result(85)),
        interval=timedelta(milliseconds=50),
        floor=timedelta(milliseconds=10),
        state_path=tmp_path / "state.json",
        tray_wait=tray_wait,
    )
    app.start()
    return app


def test_a_notification_nobody_showed_waits_in_the_popover(qtbot: QtBot, tmp_path: Path) -> None:
    app = make(qtbot, tmp_path, tray_wait=30.0)
    chain = pick(app.tray_host, app._show_alert, "darwin")
    assert chain.notify("Session (5h) at 85%", "resets soon")
    assert app.popover.alert.text() == "Session (5h) at 85%: resets soon"
    app.open_popover()
    assert app.popover.alert.isVisible()
    app.popover.hide()  # read: it goes with the closing popover
    assert not app.popover.alert.isVisibleTo(app.popover)
    app.stop()


def test_window_then_tray_then_close(
    qtbot: QtBot, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    app = make(qtbot, tmp_path, tray_wait=0.2)
    qtbot.waitUntil(lambda: app.window_mode and app.popover.isVisible(), timeout=5000)
    assert app.popover.notice.text() == NO_TRAY
    window = app.popover

    app.popover.showMinimized()
    app.open_popover()  # a second launch brings the window back
    assert app.popover is window
    assert app.popover.isVisible()
    assert not app.popover.isMinimized()

    with caplog.at_level(logging.INFO, logger="claude_meter.tray"):
        app.tray_host.found.emit()  # a tray appeared
    assert not app.window_mode
    assert app.popover is not window
    assert not app.popover.isVisible()
    assert not app.popover.as_window
    assert "a tray appeared: back to the icon; the window closes" in caplog.text

    app.tray_host.missing.emit()  # and went away for good
    qtbot.waitUntil(lambda: app.window_mode and app.popover.isVisible(), timeout=5000)
    with caplog.at_level(logging.INFO, logger="claude_meter.tray"):
        app.popover.close()  # the window's close button (or Esc): nothing left unseen
    assert "the window was closed; quitting" in caplog.text
    app.stop()
