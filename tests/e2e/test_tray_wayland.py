"""The real ``claude-meter --demo`` on Wayland: headless sway with swaybar's tray, and with
waybar, both StatusNotifierItem hosts, the app on ``QT_QPA_PLATFORM=wayland``.

Checks, each within a bounded time: the icon's grade colour is in the bar (grim pixels); a
left click maps the popover (sway's tree and the pixels), whole on the output and readable,
with the app_id ``claude-meter``; Esc, a second click on the icon and the loss of the focus
unmap it; a second launch maps it; a right click gives a surface with Quit, and that Quit
ends the app. Screenshots are kept in ``test-artifacts/`` (``wayland-<bar>-*.png``).
"""

from __future__ import annotations

import re
import signal
import subprocess
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

from tests.e2e.desktop import claude_meter, start_demo_tray, wait_for
from tests.e2e.wayland_desktop import (
    BAR_HEIGHT,
    HEIGHT,
    WIDTH,
    Bar,
    Node,
    WaylandDesktop,
    sway_desktop,
)

pytestmark = pytest.mark.e2e


def _whole(node: Node | None) -> Node | None:
    if node is None:
        return None
    x, y, w, h = node.rect
    return node if min(x, y) >= 0 and x + w <= WIDTH and y + h <= HEIGHT else None


def assert_shown(desktop: WaylandDesktop, shot: str) -> Node:
    """The popover is mapped, whole on the output, and drawn there: a light panel with dark
    text where sway says it is (the first frame may come a moment after the map). A popover
    that grew while open (an account's numbers arrived) is mapped again to be placed again
    (``qt/popover.py``): on a loaded machine sway's tree can show it between the two."""
    node = wait_for("the popover in sway's tree", desktop.popover, timeout=10)
    assert node.app_id == "claude-meter", node
    assert min(node.rect[2], node.rect[3]) > 200, node
    try:
        node = wait_for("the popover whole on the output", lambda: _whole(desktop.popover()), 10)
    except AssertionError:
        raise AssertionError(
            f"the popover is not whole on the output: {desktop.popover()}"
        ) from None

    wait_for(
        f"the popover drawn where sway put it ({shot})",
        lambda: desktop.drawn(node, shot),
        timeout=10,
    )
    return node


def wait_gone(desktop: WaylandDesktop, why: str, timeout: float = 10) -> None:
    wait_for(f"the popover to unmap after {why}", lambda: desktop.popover() is None, timeout)


def escape(desktop: WaylandDesktop) -> None:
    """Esc closes the popover. wtype's keyboard is new at each run and reaches the app only
    once the app has bound it; on a loaded machine the first key can come too soon, so a
    lost key is sent again (Esc on a closed popover does nothing)."""
    for _ in range(2):
        desktop.key("Escape")
        try:
            wait_gone(desktop, "Esc", timeout=3)
            return
        except AssertionError:
            continue
    desktop.key("Escape")
    wait_gone(desktop, "Esc")


def log_has(path: Path, text: str) -> bool:
    return text in path.read_text(errors="replace")


def menu_box(desktop: WaylandDesktop, shot: str) -> tuple[int, int, int, int] | None:
    """The box of a light menu drawn over the top right of the dark desktop: rows and
    columns with many light pixels (the pointer's few light pixels do not count)."""
    image = QImage(str(desktop.screenshot(shot)))
    area_x, area_y = range(WIDTH // 2, WIDTH), range(HEIGHT // 2)
    light = {(x, y) for y in area_y for x in area_x if image.pixelColor(x, y).lightness() > 230}
    rows = [y for y in area_y if sum((x, y) in light for x in area_x) > 80]
    columns = [x for x in area_x if sum((x, y) in light for y in area_y) > 80]
    if not rows or not columns:
        return None
    return min(columns), min(rows), max(columns) - min(columns) + 1, max(rows) - min(rows) + 1


def right_click_and_quit(
    desktop: WaylandDesktop, bar: Bar, icon: tuple[int, int], log: Path
) -> None:
    """A right click gives a surface with Quit; that Quit ends the app."""
    desktop.click(*icon, button="right")
    if bar == "swaybar":
        # swaybar sends ContextMenu: the app shows the popover, whose last button is Quit.
        wait_for("the context activation", lambda: log_has(log, "context activation: popover"))
        x, y, w, h = assert_shown(desktop, f"wayland-{bar}-context.png").rect
        desktop.click(x + w * 7 // 8, y + h - 22)
        return
    # waybar draws the exported menu itself: "Show ClaudeMeter" first, "Quit ClaudeMeter" last.
    x, y, w, h = wait_for("waybar's menu", lambda: menu_box(desktop, f"wayland-{bar}-menu.png"))
    desktop.click(x + w // 2, y + 16)
    assert_shown(desktop, f"wayland-{bar}-menu-show.png")
    escape(desktop)
    desktop.click(*icon, button="right")
    x, y, w, h = wait_for("waybar's menu", lambda: menu_box(desktop, f"wayland-{bar}-menu.png"))
    desktop.click(x + w // 2, y + h - 17)


@pytest.mark.parametrize("bar", ["swaybar", "waybar"])
def test_tray_on_sway(bar: Bar, tmp_path: Path) -> None:
    with sway_desktop(bar, tmp_path) as desktop:
        log = tmp_path / "tray.log"
        app = start_demo_tray({**desktop.env, "CLAUDE_METER_POLL_SECONDS": "1"}, log)
        try:
            x, y, w, h = wait_for("the icon in the bar", desktop.icon)
            icon = (x + w // 2, y + h // 2)
            desktop.screenshot(f"wayland-{bar}-icon.png")

            desktop.click(*icon)
            assert_shown(desktop, f"wayland-{bar}-popover.png")
            escape(desktop)

            desktop.click(*icon)
            assert_shown(desktop, f"wayland-{bar}-popover-again.png")
            desktop.click(*icon)
            wait_gone(desktop, "a second click on the icon")

            desktop.click(*icon)
            assert_shown(desktop, f"wayland-{bar}-popover-focus.png")
            with desktop.other_window():  # takes the focus, as a click on another window does
                wait_gone(desktop, "losing the focus")

            second = desktop.run(claude_meter(), "--demo")  # a second launch opens the first's
            assert second.returncode == 0, second.stderr
            assert_shown(desktop, f"wayland-{bar}-second-launch.png")
            escape(desktop)

            right_click_and_quit(desktop, bar, icon, log)
            code = app.wait(10)  # Quit ends the app
        finally:
            if app.poll() is None:
                app.send_signal(signal.SIGTERM)
                try:
                    app.wait(10)
                except subprocess.TimeoutExpired:
                    app.kill()
                    app.wait(5)
        text = log.read_text(errors="replace")
        assert code == 0, text
        assert "Traceback" not in text
        assert "Failed to create grabbing popup" not in text
        assert "popover opened with 5 rows (panel)" in text


def sni_tooltip(desktop: WaylandDesktop) -> str | None:
    """The ToolTip property's strings of the one registered item, as the host reads them."""
    listed = desktop.run(
        "dbus-send", "--session", "--print-reply", "--dest=org.kde.StatusNotifierWatcher",
        "/StatusNotifierWatcher", "org.freedesktop.DBus.Properties.Get",
        "string:org.kde.StatusNotifierWatcher", "string:RegisteredStatusNotifierItems",
    ).stdout  # fmt: skip
    items = re.findall(r'string "([^"]+)"', listed)
    if not items:
        return None
    service, _, path = items[0].partition("/")
    answer = desktop.run(
        "dbus-send", "--session", "--print-reply", f"--dest={service}", f"/{path}",
        "org.freedesktop.DBus.Properties.Get", "string:org.kde.StatusNotifierItem",
        "string:ToolTip",
    )  # fmt: skip
    return answer.stdout if answer.returncode == 0 else None


def tooltip_box(desktop: WaylandDesktop, shot: str) -> tuple[int, int, int, int] | None:
    """The box of waybar's tooltip under the bar: GTK draws it near-black, over the grey
    desktop, with light text in it; None while there is none, or only an empty box."""
    image = QImage(str(desktop.screenshot(shot)))
    area_x, area_y = range(WIDTH // 2, WIDTH), range(BAR_HEIGHT + 4, HEIGHT // 2)
    dark = [(x, y) for y in area_y for x in area_x if image.pixelColor(x, y).lightness() < 30]
    if not dark:
        return None
    x0, x1 = min(x for x, _ in dark), max(x for x, _ in dark)
    y0, y1 = min(y for _, y in dark), max(y for _, y in dark)
    text = sum(
        image.pixelColor(x, y).lightness() > 200
        for y in range(y0, y1 + 1)
        for x in range(x0, x1 + 1)
    )
    return (x0, y0, x1 - x0 + 1, y1 - y0 + 1) if text > 50 else None


def test_waybar_shows_the_tooltip_of_a_window_with_an_ampersand(tmp_path: Path) -> None:
    """waybar reads the SNI tooltip as Pango markup: the demo's "Weekly · Claude Code & apps"
    window goes to it escaped, and hovering the icon shows every line (a bare ``&`` made the
    whole text invalid: waybar drew an empty box and logged "Failed to set text")."""
    with sway_desktop("waybar", tmp_path) as desktop:
        app = start_demo_tray(desktop.env, tmp_path / "tray.log")
        try:
            x, y, w, h = wait_for("the icon in the bar", desktop.icon)

            def numbers() -> str | None:
                tip = sni_tooltip(desktop)
                return tip if tip is not None and "Claude Code" in tip else None

            tip = wait_for("the numbers in the SNI tooltip", numbers)
            assert "Weekly · Claude Code &amp; apps: " in tip, tip
            assert "& " not in tip, tip
            assert desktop.pointer is not None
            desktop.pointer.move(x + w // 2, y + h // 2)
            _, _, tip_w, tip_h = wait_for(
                "waybar's tooltip with its text",
                lambda: tooltip_box(desktop, "wayland-waybar-tooltip.png"),
            )
            assert tip_w > 250, tip_w  # every line, not an empty box
            assert tip_h > 60, tip_h
        finally:
            app.send_signal(signal.SIGTERM)
            try:
                app.wait(10)
            except subprocess.TimeoutExpired:
                app.kill()
                app.wait(5)
        assert "Failed to set text" not in (tmp_path / "waybar.log").read_text(errors="replace")
