"""The real ``claude-meter --demo`` on a real X server with a real tray host and notifier.

Checks, each within a bounded time: the icon is embedded in trayer; its pixels carry a grade
colour; a click (xdotool) opens the popover with a row per window; the 80 % notification
reaches dunst; SIGTERM quits cleanly. Screenshots are kept in ``test-artifacts/``.
"""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

import pytest
from PySide6.QtGui import QColor, QImage

from claude_meter.core.grades import GRADES
from tests.e2e.desktop import (
    Desktop,
    private_desktop,
    start_demo_tray,
    stop_demo_tray,
    wait_for,
)

pytestmark = pytest.mark.e2e


def icon_colours(desktop: Desktop, box: tuple[int, int, int, int]) -> set[str]:
    shot = desktop.screenshot("tray-icon.png")
    image = QImage(str(shot))
    x, y, w, h = box
    return {image.pixelColor(px, py).name() for px in range(x, x + w) for py in range(y, y + h)}


def test_demo_tray_end_to_end(tmp_path: Path) -> None:
    with private_desktop() as desktop:
        log_path = tmp_path / "tray.log"
        env = {
            **desktop.env,
            "CLAUDE_METER_DEMO_SPEED": "15",  # 80 % is crossed after ~4 s instead of 60 s
            "CLAUDE_METER_POLL_SECONDS": "1",
        }
        app = start_demo_tray(env, log_path)
        try:
            box = wait_for("the icon embedded in trayer", desktop.tray_icon)
            grade_colours = {g.rgb for g in GRADES}
            colours = wait_for(
                "a grade colour in the icon",
                lambda: icon_colours(desktop, box) & grade_colours or None,
            )
            assert colours

            x, y, w, h = wait_for("the icon in place", desktop.tray_icon)  # where it is now
            desktop.run("xdotool", "mousemove", str(x + w // 2), str(y + h // 2), "click", "1")
            wait_for(
                "the popover to open with a row per window",
                lambda: "popover opened with 5 rows" in log_path.read_text(errors="replace"),
            )
            desktop.screenshot("popover.png")
            shot = QImage(str(desktop.screenshot("popover-check.png")))
            # the popover (light panel) now covers the area below the icon
            below = shot.pixelColor(max(0, x - 150), y + h + 60)
            assert below != QColor("#000000")

            summaries = wait_for(
                "the 80 % notification in dunst",
                lambda: (
                    [
                        n["summary"]["data"]
                        for n in desktop.notifications()
                        if n["appname"]["data"] == "ClaudeMeter"
                    ]
                    or None
                ),
                timeout=60,
            )
            assert any(s.startswith("Session (5h) at ") for s in summaries)
            desktop.screenshot("after-notification.png")
        finally:
            log_text = stop_demo_tray(app, log_path)  # status 0, no traceback
        assert "tray icon shown" in log_text


def test_no_tray_shows_a_window(tmp_path: Path) -> None:
    """Without a tray host the app waits briefly, then shows a normal window and says why."""
    from tests.support.tools import require_tool

    require_tool("Xvfb", "xvfb")
    read_fd, write_fd = os.pipe()
    xvfb = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_fd), "-screen", "0", "800x600x24", "-nolisten", "tcp"],
        pass_fds=(write_fd,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write_fd)
    try:
        with os.fdopen(read_fd) as pipe:
            display = pipe.readline().strip()
        env = {k: v for k, v in os.environ.items() if not k.startswith("DBUS_")}
        env.pop("QT_QPA_PLATFORM", None)
        env.update(DISPLAY=f":{display}", CLAUDE_METER_TRAY_WAIT="1", CLAUDE_METER_POLL_SECONDS="1")
        log_path = tmp_path / "tray.log"
        app = start_demo_tray(env, log_path)
        try:
            wait_for(
                "the no-tray window",
                lambda: (
                    "no system tray; showing a window instead"
                    in log_path.read_text(errors="replace")
                ),
            )
            title = wait_for(
                "a visible ClaudeMeter window",
                lambda: subprocess.run(
                    ["xdotool", "search", "--onlyvisible", "--name", "^ClaudeMeter$"],
                    env=env,
                    capture_output=True,
                    text=True,
                    check=False,
                ).stdout.strip(),
            )
            assert title
        finally:
            app.send_signal(signal.SIGTERM)
            code = app.wait(10)
        assert code == 0
        assert "Traceback" not in log_path.read_text(errors="replace")
    finally:
        xvfb.terminate()
        xvfb.wait(5)
