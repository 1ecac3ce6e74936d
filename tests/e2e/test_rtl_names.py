"""An account with a right-to-left name in what the hosts draw: dunst's notification (X11;
Pango takes a line's direction from its first letter even inside an isolate, so the name
alone isolated is not enough there) and waybar's tooltip of the SNI icon (sway; it honours
the isolate). Judged on screenshots (``test-artifacts/rtl-*.png``), each test first showing
that its check tells a line turned around (the name as it is) from one that is not."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

from tests.e2e.desktop import Desktop, private_desktop, wait_for
from tests.e2e.show_rtl_names import tooltip

pytestmark = pytest.mark.e2e


def light(image: QImage, x: int, y: int) -> bool:
    return image.pixelColor(x, y).lightness() > 170


def text_lines(image: QImage, area: tuple[int, int, int, int]) -> list[range]:
    """The rows of each line of light text in ``area`` (x, y, w, h), top to bottom."""
    x0, y0, w, h = area
    lines: list[range] = []
    top: int | None = None
    for y in range(y0, y0 + h + 1):
        lit = y < y0 + h and any(light(image, x, y) for x in range(x0, x0 + w))
        if lit and top is None:
            top = y
        elif not lit and top is not None:
            lines.append(range(top, y))
            top = None
    return lines


def columns(image: QImage, area: tuple[int, int, int, int], rows: range) -> list[int]:
    """How many light pixels each column of ``area`` holds within ``rows``."""
    x0, _, w, _ = area
    return [sum(light(image, x, y) for y in rows) for x in range(x0, x0 + w)]


def starts(image: QImage, area: tuple[int, int, int, int]) -> list[int]:
    """Where each line of text starts, from the left of ``area``."""
    return [
        next(i for i, n in enumerate(columns(image, area, rows)) if n)
        for rows in text_lines(image, area)
    ]


def ending(image: QImage, area: tuple[int, int, int, int], rows: range, width: int) -> list[int]:
    """The last ``width`` columns of a line's text: what its last words look like."""
    counts = columns(image, area, rows)
    end = max(i for i, n in enumerate(counts) if n) + 1
    return counts[end - width : end]


def show(desktop: Desktop, how: str) -> list[int]:
    desktop.run("dunstctl", "close-all")
    sent = subprocess.run(
        [sys.executable, "-m", "tests.e2e.show_rtl_names", "notify", how],
        env=desktop.env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert sent.stdout.strip() == "sent", sent.stderr
    wait_for("the notification", lambda: desktop.run("dunstctl", "count", "displayed").stdout
             .strip() == "1" or None)  # fmt: skip
    name = f"rtl-dunst-{how.replace(' ', '-')}.png"

    def drawn() -> list[int] | None:
        image = QImage(str(desktop.screenshot(name)))
        found = starts(image, (desktop.width // 2, 0, desktop.width // 2, 250))
        return found if len(found) >= 3 else None  # title, body, [how]

    return wait_for("the notification drawn", drawn)


def test_dunst_draws_a_right_to_left_name_in_a_title_left_to_right(tmp_path: Path) -> None:
    """dunst aligns each line by its own direction: one turned around is pushed right."""
    with private_desktop(tray=False) as desktop:
        title, body, *_ = show(desktop, "as it is")
        assert title > body + 20, (title, body)  # turned around: pushed right
        title, body, *_ = show(desktop, "isolated")
        assert title > body + 20, (title, body)  # Pango: the isolate alone does not do
        title, body, *_ = show(desktop, "as sent")
        assert abs(title - body) <= 2, (title, body)


@pytest.mark.parametrize("how", ["as it is", "as sent"])
def test_waybar_draws_the_tooltip_of_a_right_to_left_name_left_to_right(
    tmp_path: Path, how: str
) -> None:
    from tests.e2e.test_tray_wayland import sni_tooltip, tooltip_box
    from tests.e2e.wayland_desktop import sway_desktop

    with sway_desktop("waybar", tmp_path) as desktop:
        app = subprocess.Popen(
            [sys.executable, "-m", "tests.e2e.show_rtl_names", "tray", how], env=desktop.env
        )
        try:
            x, y, w, h = wait_for("the icon in the bar", desktop.icon)
            wait_for("the SNI tooltip", lambda: "the icon shows" in (sni_tooltip(desktop) or "")
                     or None)  # fmt: skip
            assert desktop.pointer is not None
            desktop.pointer.move(x + w // 2, y + h // 2)
            box = wait_for(
                "waybar's tooltip", lambda: tooltip_box(desktop, "rtl-waybar-tooltip.png")
            )
            image = QImage(str(desktop.screenshot(f"rtl-waybar-{how.replace(' ', '-')}.png")))
        finally:
            app.kill()
            app.wait(10)
    lines = text_lines(image, box)
    assert len(lines) == len(tooltip().splitlines()) == 3, lines
    # GTK lines a label's lines up by the first one's direction, so where a line starts says
    # nothing; how it ends does: "Personal: ... not started" and "<name>: ... not started".
    personal, named = (ending(image, box, rows, 60) for rows in lines[1:])
    same = sum(a == b for a, b in zip(personal, named, strict=True))
    if how == "as it is":
        assert same < 45, (personal, named)  # turned around: it ends with the name
    else:
        assert same >= 57, (personal, named)
