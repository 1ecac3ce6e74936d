"""Eight accounts in the real tray (the demo, ``CLAUDE_METER_DEMO_ACCOUNTS=8``): Extra7's
session window is at 95 % (the icon's red), in the seventh section, out of view. The
popover's top line names it; a click on the line scrolls to it and the line leaves. On X11
(trayer on Xvfb, also on a short screen) and on sway (swaybar's tray). Then the line with
three accounts in trouble (``show_attention_popover.py``) on both: one line within the
popover's width, the one that does not fit counted. Screenshots are kept in
``test-artifacts/`` (``attention-*.png``)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

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
ROOT = Path(__file__).resolve().parents[2]
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


def all_pasts_written(log_path: Path) -> None:
    """The demo writes each account's made-up past after its first draw; the popover grows
    when the forecasts come, and sway then maps it again to place it again (qt/popover.py).
    A click aimed at the line while that happens (a loaded machine: CI once) lands beside
    it, so the popover is opened once every past is in."""

    def written() -> int:
        text = log_path.read_text(errors="replace")
        said = re.findall(r"(\d+) organizations' pasts so far", text)
        return max((int(n) for n in said), default=0)

    wait_for("every demo account's past written", lambda: written() >= 8 or None, timeout=60)


@pytest.mark.parametrize(("height", "shot"), [(700, "x11"), (480, "x11-short")])
def test_the_line_names_an_account_out_of_view_and_goes_there_x11(
    tmp_path: Path, height: int, shot: str
) -> None:
    with private_desktop(height=height) as desktop:
        log_path = tmp_path / "tray.log"
        app = start_demo_tray(demo_env(tmp_path, desktop.env), log_path)
        try:
            x, y, w, h = wait_for("the icon embedded in trayer", desktop.tray_icon)
            all_pasts_written(log_path)
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
            all_pasts_written(log_path)
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


def show_eight(env: dict[str, str], *panel: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.e2e.show_attention_popover", *panel],
        env={**env, "PYTHONPATH": f"{ROOT}:{ROOT / 'app'}"},
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def said_by(shown: subprocess.Popen[bytes]) -> dict[str, Any]:
    assert shown.stdout is not None
    assert shown.stdout.readline().strip() == b"shown"
    said: dict[str, Any] = json.loads(shown.stdout.readline())
    return said


def assert_one_whole_line(said: dict[str, Any]) -> None:
    """The brief's example, in one line that fits the popover's width: as tall as its text
    wants at that width (nothing cut), and not taller than one line and its padding."""
    assert said["visible"]
    assert said["text"] == "Work: session expired · Team: 97% of weekly · +1 more"
    width, height, wanted = said["line"]
    assert height >= wanted
    assert height < 2 * said["spacing"]
    assert width < said["popover"][0]


def stop_shown(shown: subprocess.Popen[bytes]) -> None:
    shown.terminate()
    _, err = shown.communicate(timeout=10)
    assert b"Traceback" not in err, err.decode()


def test_the_line_with_three_accounts_in_trouble_screenshot_x11(tmp_path: Path) -> None:
    with private_desktop(tray=False) as desktop:
        shown = show_eight(demo_env(tmp_path, desktop.env))
        try:
            said = said_by(shown)
            box = wait_for("the popover", lambda: popover_box(desktop))
            wait_for(
                "the line drawn",
                lambda: line_at(desktop.screenshot("attention-three-x11.png"), box),
            )
        finally:
            stop_shown(shown)
    assert_one_whole_line(said)


def test_the_line_with_three_accounts_in_trouble_screenshot_sway(tmp_path: Path) -> None:
    with sway_desktop("swaybar", tmp_path) as desktop:
        shown = show_eight(demo_env(tmp_path, desktop.env), "--panel")
        try:
            said = said_by(shown)
            node = assert_shown(desktop, "attention-three-sway.png")
            wait_for(
                "the line drawn",
                lambda: line_at(desktop.screenshot("attention-three-sway.png"), node.rect),
            )
        finally:
            stop_shown(shown)
    assert_one_whole_line(said)
