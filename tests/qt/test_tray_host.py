"""The tray's comings and goings as the app sees them, and where notifications end up.

Offscreen there is no tray at all (like GNOME without AppIndicator); the real trays (trayer,
an SNI watcher, started late) are in ``tests/e2e/test_tray_late.py``.
"""

from __future__ import annotations

import gc
import logging
import weakref
from datetime import timedelta
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtWidgets import QMenu
from pytestqt.qtbot import QtBot

from claude_meter.qt.app import NO_TRAY, TrayApp
from claude_meter.qt.notifier import pick
from claude_meter.qt.tray_host import TrayHost
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


def finish(app: TrayApp) -> None:
    """Stop the app and delete its Qt objects now, in Qt's own order (the icons, children of the
    app, before the menu they show; then the popover), not in whatever order the collector
    frees them: CI died twice in the collect after these tests."""
    app.stop()
    popover = app._popover
    shiboken6.delete(app)
    if popover is not None:
        shiboken6.delete(popover)


def test_a_notification_nobody_showed_waits_in_the_popover(qtbot: QtBot, tmp_path: Path) -> None:
    app = make(qtbot, tmp_path, tray_wait=30.0)
    chain = pick(app.tray_host, app._show_alert, "darwin")
    assert chain.notify("Session (5h) at 85%", "resets soon")
    assert app.popover.alert.text() == "Session (5h) at 85%: resets soon"
    app.open_popover()
    assert app.popover.alert.isVisible()
    app.popover.hide()  # read: it goes with the closing popover
    assert not app.popover.alert.isVisibleTo(app.popover)
    finish(app)


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
    finish(app)


def test_a_replaced_popover_is_kept_until_qt_has_deleted_it(qtbot: QtBot, tmp_path: Path) -> None:
    """The window a tray replaces is deleted by Qt, not by Python's collector while its widgets
    still exist: collected, PySide gives the wrappers of its layouts' items ownership one by
    one, frees those items, and Qt frees them again with their layout (a segfault in CI)."""
    app = make(qtbot, tmp_path, tray_wait=0.2)
    qtbot.waitUntil(lambda: app.window_mode and app.popover.isVisible(), timeout=5000)
    window = weakref.ref(app.popover)
    app.tray_host.found.emit()  # a tray appeared: the window is replaced
    gc.collect()  # before Qt's deferred deletion has run
    replaced = window()
    assert replaced is not None
    assert shiboken6.isValid(replaced)
    del replaced
    qtbot.waitUntil(lambda: not shiboken6.isValid(window()), timeout=5000)  # deleted by Qt
    finish(app)


TIP = "ClaudeMeter\nWeekly · Claude Code & apps: 8% · resets Wed 09:00\n<b>not bold</b>"
ESCAPED = (
    "ClaudeMeter\nWeekly · Claude Code &amp; apps: 8% · resets Wed 09:00\n"
    "&lt;b&gt;not bold&lt;/b&gt;"
)


def test_an_sni_item_s_tooltip_is_escaped_and_a_plain_icon_s_is_not(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An SNI host reads the tooltip as markup (waybar: Pango, where a bare ``&`` makes the
    text invalid and nothing shows); Qt draws an XEmbed icon's, and the OS a native one's,
    as plain text."""
    menu = QMenu()
    sni = TrayHost(menu, wait=1.0, platform="linux")  # offscreen: not X11, so an SNI item
    assert sni.kind == "sni"
    sni.set_tooltip(TIP)
    assert sni.icon.toolTip() == ESCAPED
    assert sni.tooltip == TIP

    native = TrayHost(menu, wait=1.0, platform="darwin")
    native.set_tooltip(TIP)
    assert native.icon.toolTip() == TIP

    # Rebuilt as another kind (an SNI panel went away on X11), the text fits the new kind.
    monkeypatch.setattr(sni, "_wanted_kind", lambda: "xembed")
    old, sni.icon = sni.icon, sni._build()
    old.deleteLater()
    rebuilt: str = sni.kind
    assert rebuilt == "xembed"
    assert sni.icon.toolTip() == TIP
    # The icons show the menu: they go first, now, as the app's own do (left to the collector,
    # the menu could be freed before the icons that still point at it).
    for host in (sni, native):
        shiboken6.delete(host)


def test_an_expired_session_is_said_once_in_the_popover(qtbot: QtBot, tmp_path: Path) -> None:
    """No daemon, no balloon: the expired session is the popover's red banner, which stays
    while it holds and goes when a poll reads numbers again; its notification adds no second
    copy of the same words (the orange alert is for what the popover does not say itself)."""
    script = Script(result(10), result(0, error="session_expired"))
    app = TrayApp(
        script,
        interval=timedelta(milliseconds=50),
        floor=timedelta(milliseconds=10),
        state_path=tmp_path / "state.json",
        tray_wait=30.0,
    )
    app.notifier = pick(app.tray_host, app._show_alert, "darwin")
    app.start()
    qtbot.waitUntil(lambda: script.calls >= 3, timeout=5000)
    app.open_popover()
    assert app.popover.banner.isVisible()
    assert app.popover.banner.text().startswith("session_expired!")
    assert not app.popover.alert.isVisibleTo(app.popover)
    assert app.popover.alert.text() == ""
    finish(app)
