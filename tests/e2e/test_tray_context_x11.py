"""A right click on X11 (issue 14): the menu with Refresh, Settings and Quit, once.

Real programs on a private Xvfb and session bus: the installed ``claude-meter --demo``, and
either ``sni_watcher.py`` as a StatusNotifierItem host that sends ``ContextMenu`` for a right
click (as swaybar does; the app then pops its own menu up at the pointer), or trayer (XEmbed,
where Qt pops the menu up itself and the app must not add a second one). The menu's last
entry, chosen with the keyboard (the menu grabs it), quits the app. Screenshots are kept in
``test-artifacts/x11-context-*.png``.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

from tests.e2e.desktop import (
    Desktop,
    claude_meter,
    private_desktop,
    start_demo_tray,
    stop_demo_tray,
    wait_for,
)
from tests.e2e.test_window_screenshots import visible_window

pytestmark = pytest.mark.e2e


def logged(path: Path, text: str) -> bool:
    return text in path.read_text(errors="replace")


def changed(before: Path, after: Path, x: int, y: int) -> float:
    """The share of pixels that changed in a 200x200 box below and around (x, y)."""
    a, b = QImage(str(before)), QImage(str(after))
    box = [
        (px, py)
        for px in range(max(0, x - 200), min(a.width(), x + 200), 4)
        for py in range(y, min(a.height(), y + 200), 4)
    ]
    return sum(a.pixelColor(px, py) != b.pixelColor(px, py) for px, py in box) / len(box)


def quit_from_the_menu(desktop: Desktop, app: subprocess.Popen[bytes], log: Path) -> None:
    """Up wraps to the menu's last entry, "Quit ClaudeMeter"; Return chooses it."""
    assert desktop.run("xdotool", "key", "Up", "Return").returncode == 0
    code = app.wait(10)
    assert code == 0, log.read_text(errors="replace")
    assert "Traceback" not in log.read_text(errors="replace")


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
            x, y, w, h = wait_for("the icon embedded in trayer", desktop.tray_icon)
            wait_for("the numbers", lambda: logged(log, "snapshot drawn"))
            before = desktop.screenshot("x11-context-before.png")
            cx, cy = x + w // 2, y + h // 2
            desktop.run("xdotool", "mousemove", str(cx), str(cy), "click", "3")
            wait_for("the context activation", lambda: logged(log, "context activation: nothing"))
            wait_for(
                "Qt's menu at the icon",
                lambda: changed(before, desktop.screenshot("x11-context-xembed.png"), cx, cy) > 0.1,
            )
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
        with log.open("wb") as out:
            app = subprocess.Popen(
                [claude_meter(), "--debug"],
                env=desktop.env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        try:
            title = "Connect ClaudeMeter"
            window = wait_for("the first-run window", lambda: visible_window(desktop, title))
            desktop.run("xdotool", "windowfocus", "--sync", window, "key", "Escape")
            wait_for("the window closed", lambda: visible_window(desktop, title) is None)
            x, y, w, h = wait_for("the icon embedded in trayer", desktop.tray_icon)
            before = desktop.screenshot("x11-context-connect-before.png")
            cx, cy = x + w // 2, y + h // 2
            desktop.run("xdotool", "mousemove", str(cx), str(cy), "click", "3")
            wait_for(
                "Qt's menu at the icon",
                lambda: (
                    changed(before, desktop.screenshot("x11-context-connect.png"), cx, cy) > 0.1
                ),
            )
            # Down, Down: past Show ClaudeMeter to Connect ClaudeMeter…; Return chooses it.
            assert desktop.run("xdotool", "key", "Down", "Down", "Return").returncode == 0
            wait_for("the first-run window again", lambda: visible_window(desktop, title))
            desktop.screenshot("x11-context-connect-reopened.png")
        finally:
            text = stop_demo_tray(app, log)
        assert text.count("showing the first-run window") == 1  # the second came from the menu
