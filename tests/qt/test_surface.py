"""The popover's surface per windowing system, what a context activation shows, and how the
Wayland panel closes (the real compositor runs in tests/e2e/test_tray_wayland.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from unittest.mock import patch

import pytest
from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QGuiApplication, QKeyEvent
from PySide6.QtWidgets import QApplication, QSystemTrayIcon
from pytestqt.qtbot import QtBot

from claude_meter.core.models import FetchResult
from claude_meter.qt.app import TrayApp
from claude_meter.qt.popover import Popover
from claude_meter.qt.surface import REPEAT_SECONDS, context_surface, popover_kind, window_flags
from tests.support.notifier import Recorder

#: Between two clicks of a person (a shorter gap is one click reported twice).
PAUSE = int(REPEAT_SECONDS * 1000) + 20


@pytest.mark.parametrize(
    ("platform", "as_window", "kind"),
    [
        ("xcb", False, "popup"),
        ("cocoa", False, "popup"),
        ("windows", False, "popup"),
        ("wayland", False, "panel"),
        ("wayland-egl", False, "panel"),
        ("wayland", True, "window"),
        ("xcb", True, "window"),
    ],
)
def test_popover_kind(platform: str, as_window: bool, kind: str) -> None:
    assert popover_kind(platform, as_window=as_window) == kind


def test_window_flags() -> None:
    mask = Qt.WindowType.WindowType_Mask
    assert window_flags("popup") & mask == Qt.WindowType.Popup
    assert window_flags("panel") & mask == Qt.WindowType.Tool  # no grab, no parent needed
    assert window_flags("panel") & Qt.WindowType.FramelessWindowHint
    assert window_flags("window") == Qt.WindowType.Window


@pytest.mark.parametrize(
    ("platform", "menu_visible", "shown"),
    [
        ("xcb", True, "nothing"),  # an XEmbed tray: Qt popped the menu up already
        ("xcb", False, "menu"),  # an SNI host on X11 that sends ContextMenu
        ("wayland", False, "popover"),  # swaybar: a parentless menu cannot map there
        ("wayland", True, "nothing"),
        ("cocoa", False, "nothing"),  # macOS and Windows show their menu themselves
        ("windows", False, "nothing"),
    ],
)
def test_context_surface(platform: str, menu_visible: bool, shown: str) -> None:
    assert context_surface(platform, menu_visible=menu_visible) == shown


def test_panel_closes_when_it_loses_the_focus(qtbot: QtBot) -> None:
    panel = Popover(interval=timedelta(seconds=60), kind="panel")
    qtbot.addWidget(panel)
    panel.show()
    qtbot.waitExposed(panel)
    assert not panel.isActiveWindow()  # offscreen: nothing has the focus
    QApplication.sendEvent(panel, QEvent(QEvent.Type.ActivationChange))
    assert not panel.isVisible()
    assert not panel.dismissed  # a click elsewhere, maybe on the icon: no reopen for it

    popup = Popover(interval=timedelta(seconds=60), kind="popup")
    qtbot.addWidget(popup)
    popup.show()
    QApplication.sendEvent(popup, QEvent(QEvent.Type.ActivationChange))
    assert popup.isVisible()  # Qt closes popups itself on a click outside


def test_esc_dismisses(qtbot: QtBot) -> None:
    panel = Popover(interval=timedelta(seconds=60), kind="panel")
    qtbot.addWidget(panel)
    panel.show()
    press = QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_Escape, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(panel, press)
    assert not panel.isVisible()
    assert panel.dismissed
    panel.show()
    assert not panel.dismissed


def test_a_panel_placed_again_is_not_taken_for_closed(qtbot: QtBot) -> None:
    """A panel that grows while open (the demo's past arrived, an account's numbers) is
    mapped again to be placed again: that hide is not a click elsewhere, so the tray's guard
    against the icon's click reopening it must not hold a click that comes right after."""
    panel = Popover(interval=timedelta(seconds=60), kind="panel")
    qtbot.addWidget(panel)
    panel.show()
    qtbot.waitExposed(panel)
    dismissed_at_hide: list[bool] = []

    class Watch(QObject):
        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Hide:
                dismissed_at_hide.append(panel.dismissed)
            return False

    watch = Watch()
    panel.installEventFilter(watch)
    panel.resize(panel.width(), panel.height() + 80)  # grown while open
    qtbot.waitUntil(lambda: bool(dismissed_at_hide) and panel.isVisible())
    assert dismissed_at_hide == [True]
    assert not panel.dismissed  # shown again: a later click elsewhere is guarded as before


def test_context_activation_and_reopen_after_esc(qtbot: QtBot) -> None:
    """On X11 a context activation pops the menu up at the pointer. A click right after Esc
    opens the popover again (only a click elsewhere is guarded)."""
    idle = FetchResult(source="web", fetched_at=datetime.now(UTC))
    app = TrayApp(lambda: idle, notifier=Recorder(), tray_wait=30.0)
    try:
        with patch.object(QGuiApplication, "platformName", return_value="xcb"):
            app.tray_icon._on_activated(QSystemTrayIcon.ActivationReason.Context)
        assert app.menu.isVisible()
        app.menu.hide()
        app.tray_icon._on_activated(QSystemTrayIcon.ActivationReason.Trigger)
        assert app.popover.isVisible()
        app.popover.dismiss()
        qtbot.wait(PAUSE)
        app.tray_icon._on_activated(QSystemTrayIcon.ActivationReason.Trigger)
        assert app.popover.isVisible()
        app.popover.hide()  # as Qt does on a click outside the popup
        qtbot.wait(PAUSE)
        app.tray_icon._on_activated(QSystemTrayIcon.ActivationReason.Trigger)
        assert not app.popover.isVisible()  # that click was the one on the icon
        show = next(a for a in app.menu.actions() if a.text() == "Show ClaudeMeter")
        show.trigger()
        assert app.popover.isVisible()
    finally:
        app.stop()


def test_one_click_reported_twice_toggles_once(qtbot: QtBot) -> None:
    """swaybar and waybar send Activate twice for the second press of a double click."""
    idle = FetchResult(source="web", fetched_at=datetime.now(UTC))
    app = TrayApp(lambda: idle, notifier=Recorder(), tray_wait=30.0)
    try:
        trigger = QSystemTrayIcon.ActivationReason.Trigger
        app.tray_icon._on_activated(trigger)
        assert app.popover.isVisible()
        qtbot.wait(PAUSE)  # a person's second click
        app.tray_icon._on_activated(trigger)
        app.tray_icon._on_activated(trigger)  # the same click again
        assert not app.popover.isVisible()
    finally:
        app.stop()
