"""The tray icon shows the indicator and tooltip it is given; its menu only emits signals."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from claude_meter.core.grades import UNKNOWN, grade_for
from claude_meter.core.meter import Indicator
from claude_meter.qt.tray_icon import CONNECT_ACTION, PAIR_ACTION, TrayIcon


def test_it_draws_only_what_changed_and_always_sets_the_tooltip(qtbot: QtBot) -> None:
    icon = TrayIcon(wait=30.0)
    shown = Indicator("number", "64", grade_for(64.0), 64.0)
    assert icon.show_reading(shown, "ClaudeMeter\nWeekly: 64%")
    assert icon.host.icon.toolTip() == "ClaudeMeter\nWeekly: 64%"
    assert not icon.host.icon.icon().isNull()
    assert not icon.show_reading(shown, "ClaudeMeter\nWeekly: 36% left")  # same figure
    assert icon.host.icon.toolTip() == "ClaudeMeter\nWeekly: 36% left"
    assert icon.show_reading(shown, "", style="ring")  # a new style is drawn again
    assert icon.show_reading(shown, "", style="ring", colour="monochrome")
    assert icon.show_reading(Indicator("loading", "…", UNKNOWN), "ClaudeMeter\nFetching…")


def test_the_menu_emits_and_pairing_shows_only_when_offered(qtbot: QtBot) -> None:
    icon = TrayIcon(wait=30.0)
    actions = {a.text(): a for a in icon.menu.actions() if a.text()}
    assert list(actions) == [
        "Show ClaudeMeter",  # the popover, for hosts that draw the menu (issue 14)
        CONNECT_ACTION,  # the first-run window again, while nothing is signed in
        "Refresh now",
        "Open usage page",
        "History…",  # issue 20: the History window
        PAIR_ACTION,
        "Settings…",
        "Open log folder",
        "Quit ClaudeMeter",
    ]
    assert not icon.pair_action.isVisible()
    icon.offer_pairing()
    assert icon.pair_action.isVisible()
    assert not icon.connect_action.isVisible()
    icon.offer_connect(True)
    assert icon.connect_action.isVisible()
    for text, signal in (
        ("Show ClaudeMeter", icon.show_requested),
        (CONNECT_ACTION, icon.connect_requested),
        ("Refresh now", icon.refresh_requested),
        ("Open usage page", icon.usage_page_requested),
        ("History…", icon.history_requested),
        (PAIR_ACTION, icon.pair_requested),
        ("Settings…", icon.settings_requested),
        ("Open log folder", icon.log_folder_requested),
        ("Quit ClaudeMeter", icon.quit_requested),
    ):
        with qtbot.waitSignal(signal, timeout=1000):
            actions[text].trigger()
