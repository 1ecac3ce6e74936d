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
from claude_meter.qt.notifier import (
    BannerNotifier,
    ChainNotifier,
    FreedesktopNotifier,
    TrayMessageNotifier,
    pick,
)
from tests.qt.test_app import Script, result


class Refusing:
    name = "a backend that refuses"

    def notify(self, title: str, body: str) -> bool:
        return False


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


def test_the_chain_logs_which_backend_showed_it(caplog: pytest.LogCaptureFixture) -> None:
    shown: list[tuple[str, str]] = []
    chain = ChainNotifier(Refusing(), BannerNotifier(lambda t, b: shown.append((t, b))))
    with caplog.at_level(logging.INFO, logger="claude_meter.notify"):
        assert chain.notify("Session (5h) at 85%", "body")
    assert shown == [("Session (5h) at 85%", "body")]
    assert "notification shown by a banner in the popover: Session (5h) at 85%" in caplog.text


def test_nothing_shown_is_logged_as_such(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="claude_meter.notify"):
        assert not ChainNotifier(Refusing()).notify("t", "b")
    assert "shown by" not in caplog.text
    assert "no notification backend could show: t" in caplog.text


@pytest.mark.parametrize(
    ("platform", "bus", "kinds"),
    [
        ("linux", "unix:path=/x", [FreedesktopNotifier, TrayMessageNotifier, BannerNotifier]),
        ("linux", "", [TrayMessageNotifier, BannerNotifier]),
        ("darwin", "", [TrayMessageNotifier, BannerNotifier]),
        ("win32", "", [TrayMessageNotifier, BannerNotifier]),
    ],
)
def test_pick_orders_the_backends(
    qtbot: QtBot,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    platform: str,
    bus: str,
    kinds: list[type],
) -> None:
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", bus)
    app = make(qtbot, tmp_path, tray_wait=30.0)
    chain = pick(app.tray_host, lambda t, b: None, platform)
    assert [type(b) for b in chain.backends] == kinds
    app.stop()


def test_an_icon_on_no_tray_shows_no_balloon(qtbot: QtBot, tmp_path: Path) -> None:
    app = make(qtbot, tmp_path, tray_wait=30.0)
    assert not app.tray_host.present
    assert not TrayMessageNotifier(app.tray_host).notify("t", "b")
    app.stop()


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
