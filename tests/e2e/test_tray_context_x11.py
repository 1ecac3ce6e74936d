"""A right click on X11 (issue 14): the menu with Refresh, Settings and Quit, once.

Real programs on a private Xvfb and session bus: the installed ``claude-meter --demo``, and
either ``sni_watcher.py`` as a StatusNotifierItem host that sends ``ContextMenu`` for a right
click (as swaybar does; the app then pops its own menu up at the pointer), or trayer (XEmbed,
where Qt pops the menu up itself and the app must not add a second one). The menu's last
entry, chosen with the keyboard (the menu grabs it), quits the app. Screenshots are kept in
``test-artifacts/x11-context-*.png``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.desktop import (
    logged,
    private_desktop,
    start_demo_tray,
    start_tray,
    stop_demo_tray,
    wait_for,
)
from tests.e2e.screens import changed, quit_from_the_menu, right_click_menu, visible_window

pytestmark = pytest.mark.e2e


def test_context_menu_from_an_sni_host(tmp_path: Path) -> None:
    with private_desktop(tray=False) as desktop:
        watcher = desktop.start_sni_watcher()
        log = tmp_path / "tray.log"
        app = start_demo_tray({**desktop.env, "CLAUDE_METER_POLL_SECONDS": "1"}, log)
        try:
            watcher.expect("registered")
            wait_for("the numbers", lambda: logged(log, "snapshot drawn"))
            x, y = 700, 40
            assert desktop.run("xdotool", "mousemove", str(x), str(y)).returncode == 0
            before = desktop.screenshot("x11-context-before.png")
            watcher.send(context=[x, y])  # what swaybar sends for a right click
            wait_for("the context activation", lambda: logged(log, "context activation: menu"))
            wait_for(
                "the menu at the pointer",
                lambda: changed(before, desktop.screenshot("x11-context-sni.png"), x, y) > 0.1,
            )
            assert not logged(log, "popover opened")
            quit_from_the_menu(desktop, app, log)
        finally:
            if app.poll() is None:
                app.terminate()
                app.wait(10)


def test_xembed_right_click_shows_qts_menu_once(tmp_path: Path) -> None:
    with private_desktop() as desktop:
        log = tmp_path / "tray.log"
        app = start_demo_tray({**desktop.env, "CLAUDE_METER_POLL_SECONDS": "1"}, log)
        try:
            icon = wait_for("the icon embedded in trayer", desktop.tray_icon)
            wait_for("the numbers", lambda: logged(log, "snapshot drawn"))
            right_click_menu(desktop, icon, "x11-context-xembed")
            wait_for("the context activation", lambda: logged(log, "context activation: nothing"))
            quit_from_the_menu(desktop, app, log)
        finally:
            if app.poll() is None:
                app.terminate()
                app.wait(10)


def test_connect_in_the_menu_reopens_the_closed_first_run_window(tmp_path: Path) -> None:
    """Nothing signed in: the first-run window, closed, comes back from the menu's second
    entry, Connect ClaudeMeter… (the tray's advice sends the person there for the demo)."""
    with private_desktop() as desktop:
        log = tmp_path / "tray.log"
        app = start_tray(desktop.env, log)
        try:
            title = "Connect ClaudeMeter"
            window = wait_for("the first-run window", lambda: visible_window(desktop, title))
            desktop.run("xdotool", "windowfocus", "--sync", window, "key", "Escape")
            wait_for("the window closed", lambda: visible_window(desktop, title) is None)
            icon = wait_for("the icon embedded in trayer", desktop.tray_icon)
            right_click_menu(desktop, icon, "x11-context-connect")
            # Down, Down: past Show ClaudeMeter to Connect ClaudeMeter…; Return chooses it.
            assert desktop.run("xdotool", "key", "Down", "Down", "Return").returncode == 0
            wait_for("the first-run window again", lambda: visible_window(desktop, title))
            desktop.screenshot("x11-context-connect-reopened.png")
        finally:
            text = stop_demo_tray(app, log)
        assert text.count("showing the first-run window") == 1  # the second came from the menu
