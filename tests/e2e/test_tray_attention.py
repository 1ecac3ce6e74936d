"""Eight accounts in the real tray (the demo, ``CLAUDE_METER_DEMO_ACCOUNTS=8``): Extra7's
session window is at 95 % (the icon's red), in the seventh section, out of view. The
popover's top line names it; a click on the line scrolls to it and the line leaves. On X11
(trayer on Xvfb, also on a short screen) and on sway (swaybar's tray). Screenshots are kept
in ``test-artifacts/`` (``attention-*.png``)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

from tests.e2e.desktop import (
    Desktop,
    logged,
    private_desktop,
    start_demo_tray,
    stop_demo_tray,
    wait_for,
)
from tests.e2e.test_tray_wayland import assert_shown
from tests.e2e.wayland_desktop import sway_desktop

pytestmark = pytest.mark.e2e
GEOMETRY = re.compile(r"(\d+)x(\d+)\+-?\d+\+-?\d+\s+\+(-?\d+)\+(-?\d+)")
NAMED = "attention line: Extra7: 95% of session"
GONE = "attention line: none"
#: In the line's left padding (its border at 12, its text from 19), and on its first name.
LINE_LEFT = 12 + 3
ON_NAME = 12 + 16


def demo_env(tmp_path: Path, env: dict[str, str]) -> dict[str, str]:
    """The desktop's environment with a runtime folder and home of the test's own (another
    tray of the same user would take the demo's start as a second instance)."""
    runtime = tmp_path / "run"
    runtime.mkdir(mode=0o700, exist_ok=True)
    return {
        **env,
        # sway's desktop has a runtime folder of its own already; Xvfb's is the session's
        "XDG_RUNTIME_DIR": env["XDG_RUNTIME_DIR"] if "WAYLAND_DISPLAY" in env else str(runtime),
        "HOME": str(tmp_path / "home"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "CLAUDE_METER_DEMO_ACCOUNTS": "8",
    }


def popover_box(desktop: Desktop) -> tuple[int, int, int, int] | None:
    """The popover's (x, y, w, h) once it is mapped (not merely made) whole on the screen."""
    found = desktop.run("xdotool", "search", "--onlyvisible", "--name", "^ClaudeMeter$")
    if not found.stdout.split():
        return None
    shell = desktop.run("xdotool", "getwindowgeometry", "--shell", found.stdout.split()[0])
    values = dict(line.split("=", 1) for line in shell.stdout.split() if "=" in line)
    x, y, w, h = (int(values[k]) for k in ("X", "Y", "WIDTH", "HEIGHT"))
    whole = h > 200 and x >= 0 and y >= 0 and x + w <= desktop.width and y + h <= desktop.height
    return (x, y, w, h) if whole else None


def line_at(shot: Path, box: tuple[int, int, int, int]) -> int | None:
    """Where the screenshot has the line (its red tint, not the orange of a notification
    shown in the popover above it), down the popover's left edge: the middle of its band."""
    image = QImage(str(shot))
    x = box[0] + LINE_LEFT
    if image.isNull() or not image.rect().contains(x, box[1]):
        return None
    band = []
    for y in range(box[1], min(box[1] + box[3] // 2, image.height())):
        colour = image.pixelColor(x, y)
        red, green, blue = colour.red(), colour.green(), colour.blue()
        if red - green > 15 and abs(green - blue) < 10:
            band.append(y)
    return (band[0] + band[-1]) // 2 if len(band) > 10 else None


def times_logged(log_path: Path, text: str) -> int:
    return log_path.read_text(errors="replace").count(text)


@pytest.mark.parametrize(("height", "shot"), [(700, "x11"), (480, "x11-short")])
def test_the_line_names_an_account_out_of_view_and_goes_there_x11(
    tmp_path: Path, height: int, shot: str
) -> None:
    with private_desktop(height=height) as desktop:
        log_path = tmp_path / "tray.log"
        app = start_demo_tray(demo_env(tmp_path, desktop.env), log_path)
        try:
            x, y, w, h = wait_for("the icon embedded in trayer", desktop.tray_icon)
            desktop.run("xdotool", "mousemove", str(x + w // 2), str(y + h // 2), "click", "1")
            wait_for("the line naming Extra7", lambda: logged(log_path, NAMED), timeout=40)
            box = wait_for("the popover whole on the screen", lambda: popover_box(desktop))
            assert box[3] <= height
            line_y = wait_for(
                "the line drawn at the popover's top",
                lambda: line_at(desktop.screenshot(f"attention-{shot}.png"), box),
            )
            gone = times_logged(log_path, GONE)
            desktop.run("xdotool", "mousemove", str(box[0] + ON_NAME), str(line_y), "click", "1")
            wait_for(
                "the click to scroll to Extra7", lambda: logged(log_path, "scrolled to Extra7")
            )
            wait_for(
                "the line gone once Extra7 is in view",
                lambda: times_logged(log_path, GONE) > gone,
            )
            assert popover_box(desktop) == box  # the sections took its room, no more
            wait_for(
                "the popover drawn without the line",
                lambda: line_at(desktop.screenshot(f"attention-{shot}-scrolled.png"), box) is None,
            )
        finally:
            text = stop_demo_tray(app, log_path)
        assert "accounts shown: Personal ·" in text


def test_the_line_names_an_account_out_of_view_and_goes_there_sway(tmp_path: Path) -> None:
    with sway_desktop("swaybar", tmp_path) as desktop:
        log_path = tmp_path / "tray.log"
        app = start_demo_tray(demo_env(tmp_path, desktop.env), log_path)
        try:
            x, y, w, h = wait_for("the icon in the bar", desktop.icon)
            desktop.click(x + w // 2, y + h // 2)
            wait_for("the line naming Extra7", lambda: logged(log_path, NAMED), timeout=40)
            node = assert_shown(desktop, "attention-sway.png")
            line_y = wait_for(
                "the line drawn at the popover's top",
                lambda: line_at(desktop.screenshot("attention-sway.png"), node.rect),
            )
            gone = times_logged(log_path, GONE)
            desktop.click(node.rect[0] + ON_NAME, line_y)
            wait_for(
                "the click to scroll to Extra7", lambda: logged(log_path, "scrolled to Extra7")
            )
            wait_for(
                "the line gone once Extra7 is in view",
                lambda: times_logged(log_path, GONE) > gone,
            )
            assert assert_shown(desktop, "attention-sway-scrolled.png").rect == node.rect
            wait_for(
                "the popover drawn without the line",
                lambda: (
                    line_at(desktop.screenshot("attention-sway-scrolled.png"), node.rect) is None
                ),
            )
        finally:
            stop_demo_tray(app, log_path)
