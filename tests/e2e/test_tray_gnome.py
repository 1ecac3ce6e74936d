"""GNOME Shell 43 with the AppIndicator extension, headless on Wayland (issue 14).

The real ``claude-meter --demo`` on ``QT_QPA_PLATFORM=wayland``. GNOME shows no tray until the
extension runs: the app falls back to its window; turning the extension on (as a person would
after installing it) puts the icon in the top bar and closes the window (issue 14: within 5 s,
measured in ``benchmarks/tray_host_bench.py``). A left click there opens the extension's menu
(the item's exported menu), a double click sends ``Activate``, which opens the popover: a
window Mutter places, found in the screenshot by its light panel. Screenshots in
``test-artifacts/gnome-*.png``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtGui import QColor, QImage

from claude_meter.core.grades import GRADES
from tests.e2e.desktop import UNDER_LOAD, logged, start_demo_tray, stop_demo_tray, wait_for
from tests.e2e.gnome import Gnome, gnome_shell

pytestmark = pytest.mark.e2e

PANEL_HEIGHT = 30
ESCAPE = 0xFF1B  # the X keysym


GRADE_RGB = [QColor(g.rgb) for g in GRADES]


def graded(colour: QColor) -> bool:
    """Near a grade colour: the extension scales the icon, which blends its edges."""
    return any(
        abs(colour.red() - g.red())
        + abs(colour.green() - g.green())
        + abs(colour.blue() - g.blue())
        < 40
        for g in GRADE_RGB
    )


def icon_box(shot: Path) -> tuple[int, int, int, int] | None:
    """The box of the app's icon in the top bar: a run of columns with graded pixels that is
    icon-sized. (GNOME's orange "screen shared" indicator is near a grade colour too, but three
    times as wide.)"""
    image = QImage(str(shot))
    columns: dict[int, list[int]] = {}
    for x in range(image.width() // 2, image.width()):
        rows = [y for y in range(PANEL_HEIGHT) if graded(image.pixelColor(x, y))]
        if rows:
            columns[x] = rows
    runs: list[list[int]] = []
    for x in sorted(columns):
        if runs and x - runs[-1][-1] <= 2:
            runs[-1].append(x)
        else:
            runs.append([x])
    icons = [run for run in runs if 8 <= run[-1] - run[0] + 1 <= 40]
    if not icons:
        return None
    run = max(icons, key=lambda r: sum(len(columns[x]) for x in r))
    ys = [y for x in run for y in columns[x]]
    return run[0], min(ys), run[-1] - run[0] + 1, max(ys) - min(ys) + 1


def light_pixels(shot: Path) -> int:
    """How many pixels are near white: the popover's panel (GNOME's own surfaces here are
    dark, the desktop blue), sampled every other pixel."""
    image = QImage(str(shot))
    return 4 * sum(
        min(
            image.pixelColor(x, y).red(),
            image.pixelColor(x, y).green(),
            image.pixelColor(x, y).blue(),
        )
        > 225
        for x in range(0, image.width(), 2)
        for y in range(0, image.height(), 2)
    )


def settled_icon(gnome: Gnome) -> tuple[int, int, int, int] | None:
    """The icon's box, once two screenshots in a row agree (the top bar animates)."""
    first = icon_box(gnome.screenshot("gnome-icon.png"))
    return (
        first
        if first is not None and first == icon_box(gnome.screenshot("gnome-icon.png"))
        else None
    )


def changed_below(before: Path, after: Path, box: tuple[int, int, int, int]) -> float:
    """The share of pixels that changed in the area below the icon where a menu opens."""
    a, b = QImage(str(before)), QImage(str(after))
    x, _, w, _ = box
    left, right = max(0, x - 150), min(a.width(), x + w + 150)
    area = [(px, py) for px in range(left, right, 2) for py in range(PANEL_HEIGHT + 10, 200, 2)]
    return sum(a.pixelColor(px, py) != b.pixelColor(px, py) for px, py in area) / len(area)


def test_gnome_shell_appindicator(tmp_path: Path) -> None:
    with gnome_shell(tmp_path / "gnome", extension=False, log=tmp_path / "gnome.log") as gnome:
        log_path = tmp_path / "tray.log"
        env = {
            **gnome.env,
            "QT_QPA_PLATFORM": "wayland",
            "CLAUDE_METER_TRAY_WAIT": "1",
            "CLAUDE_METER_POLL_SECONDS": "1",
        }
        gnome.start_pointer()
        app = start_demo_tray(env, log_path)
        try:
            wait_for("the window", lambda: logged(log_path, "showing a window instead"))
            wait_for("the numbers", lambda: logged(log_path, "snapshot drawn"))
            gnome.screenshot("gnome-no-extension-window.png")

            gnome.enable_extension()  # the person installs and turns on AppIndicator
            wait_for(
                "the icon on the new tray",
                lambda: logged(log_path, "a tray appeared: back to the icon"),
                timeout=UNDER_LOAD,
            )
            assert logged(log_path, "tray icon shown (StatusNotifierItem)")
            assert not logged(log_path, "the window was closed")  # replaced, not closed
            box = wait_for(
                "the icon in the top bar", lambda: icon_box(gnome.screenshot("gnome-icon.png"))
            )

            box = wait_for("the icon in place", lambda: settled_icon(gnome))  # where it is now
            x, y, w, h = box
            before = gnome.screenshot("gnome-before-click.png")
            gnome.click(x + w // 2, y + h // 2)
            wait_for(
                "the menu below the icon",
                lambda: changed_below(before, gnome.screenshot("gnome-menu.png"), box) > 0.2,
            )
            assert not logged(log_path, "popover opened")  # a single click is the menu's

            gnome.click(x - 400, 500)  # away: the menu closes
            gnome.key(ESCAPE)  # out of the overview GNOME starts in, to the desktop
            gnome.click(x + w // 2, y + h // 2, count=2)  # a double click: Activate
            wait_for("the popover", lambda: logged(log_path, "popover opened with 5 rows"))
            wait_for(
                "the popover on the screen",
                lambda: light_pixels(gnome.screenshot("gnome-popover.png")) > 50_000,
            )
        finally:
            stop_demo_tray(app, log_path)
