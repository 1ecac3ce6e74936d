"""Steps the window and tray tests share: find a window, keep a screenshot of it, see a menu
open at the tray icon and quit from it, and run a ``tests.e2e.show_*`` script that shows one
window by itself."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from PySide6.QtGui import QImage

from tests.e2e.desktop import Desktop, wait_for

ROOT = Path(__file__).resolve().parents[2]


def visible_window(desktop: Desktop, title: str) -> str | None:
    """The id of a visible window with exactly this title, or None."""
    found = desktop.run("xdotool", "search", "--onlyvisible", "--name", f"^{title}$").stdout
    return found.split()[0] if found.strip() else None


def shoot(desktop: Desktop, window_id: str, name: str) -> QImage:
    """A screenshot of one window, kept as ``name`` (the whole screen first, then the window)."""
    path = desktop.screenshot(name)
    done = desktop.run("import", "-window", window_id, str(path))
    assert done.returncode == 0, done.stderr
    image = QImage(str(path))
    assert not image.isNull()
    return image


def distinct_colours(image: QImage) -> int:
    """How many colours a sample of every fourth pixel holds: a blank rectangle has one."""
    step = 4
    return len(
        {
            image.pixel(x, y)
            for x in range(0, image.width(), step)
            for y in range(0, image.height(), step)
        }
    )


def changed(before: Path, after: Path, x: int, y: int) -> float:
    """The share of pixels that changed in a 200x200 box below and around (x, y)."""
    a, b = QImage(str(before)), QImage(str(after))
    box = [
        (px, py)
        for px in range(max(0, x - 200), min(a.width(), x + 200), 4)
        for py in range(y, min(a.height(), y + 200), 4)
    ]
    return sum(a.pixelColor(px, py) != b.pixelColor(px, py) for px, py in box) / len(box)


def right_click_menu(desktop: Desktop, icon: tuple[int, int, int, int], name: str) -> None:
    """Right-click the middle of the icon (x, y, width, height) docked in trayer, then wait
    for Qt's menu there: the screen around the pointer changes. Screenshots kept as
    ``<name>-before.png`` and ``<name>.png``."""
    x, y, w, h = icon
    before = desktop.screenshot(f"{name}-before.png")
    cx, cy = x + w // 2, y + h // 2
    desktop.run("xdotool", "mousemove", str(cx), str(cy), "click", "3")
    wait_for(
        "Qt's menu at the icon",
        lambda: changed(before, desktop.screenshot(f"{name}.png"), cx, cy) > 0.1,
    )


def quit_from_the_menu(desktop: Desktop, app: subprocess.Popen[bytes], log: Path) -> None:
    """Up wraps to the open menu's last entry, "Quit ClaudeMeter"; Return chooses it. The app
    must then end with status 0 and no traceback."""
    assert desktop.run("xdotool", "key", "Up", "Return").returncode == 0
    code = app.wait(10)
    assert code == 0, log.read_text(errors="replace")
    assert "Traceback" not in log.read_text(errors="replace")


@contextmanager
def showing(
    env: dict[str, str], script: str, *args: str, stdin: int = subprocess.DEVNULL
) -> Iterator[subprocess.Popen[bytes]]:
    """``python -m tests.e2e.<script>`` from this checkout, its output piped. At the end it is
    terminated if still running; it must not have printed a traceback, and if it ended by
    itself, with status 0."""
    shown = subprocess.Popen(
        [sys.executable, "-m", f"tests.e2e.{script}", *args],
        env={**env, "PYTHONPATH": f"{ROOT}:{ROOT / 'app'}"},
        cwd=ROOT,
        stdin=stdin,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        yield shown
    finally:
        ended_by_itself = shown.poll() is not None
        if not ended_by_itself:
            shown.terminate()
        _, err = shown.communicate(timeout=10)
    assert b"Traceback" not in err, err.decode()
    assert not ended_by_itself or shown.returncode == 0, err.decode()
