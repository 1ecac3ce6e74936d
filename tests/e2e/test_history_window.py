"""The History window on a real X server and on Wayland (headless sway) with 90 days of
made-up history, every span kept as a screenshot in ``test-artifacts/``."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

from claude_meter.history.chart_data import SPANS
from tests.e2e.desktop import private_desktop, wait_for
from tests.e2e.test_window_screenshots import distinct_colours, visible_window
from tests.e2e.wayland_desktop import sway_desktop

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
TITLE = "ClaudeMeter · History"


def shoot_every_span(
    env: dict[str, str],
    folder: Path,
    window_shown: Callable[[], bool],
    shoot: Callable[[str], Path],
) -> None:
    """Run ``show_history`` and keep a screenshot (``shoot(name)``) of each span it draws."""
    shown = subprocess.Popen(
        [sys.executable, "-m", "tests.e2e.show_history", str(folder)],
        env={**env, "PYTHONPATH": f"{ROOT}:{ROOT / 'app'}"},
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert shown.stdin is not None
    assert shown.stdout is not None
    try:
        for span in SPANS:
            assert shown.stdout.readline().decode().strip() == f"shown {span}"
            wait_for("the History window", lambda: window_shown() or None)
            image = QImage(str(shoot(f"history-{span}.png")))
            assert not image.isNull()
            assert distinct_colours(image) > 30  # a chart, labels, a calendar
            shown.stdin.write(b"\n")
            shown.stdin.flush()
        code = shown.wait(20)
    finally:
        if shown.poll() is None:
            shown.terminate()
        _, err = shown.communicate(timeout=10)
    assert b"Traceback" not in err, err.decode()
    assert code == 0, err.decode()


def test_every_span_drawn_and_kept_as_a_screenshot(tmp_path: Path) -> None:
    with private_desktop(1024, 760, tray=False, notifications=False) as desktop:
        shoot_every_span(
            desktop.env,
            tmp_path,
            lambda: visible_window(desktop, TITLE) is not None,
            desktop.screenshot,
        )


def test_every_span_on_wayland(tmp_path: Path) -> None:
    with sway_desktop("swaybar", tmp_path) as desktop:
        shoot_every_span(
            desktop.env,
            tmp_path,
            lambda: any(n.name == TITLE for n in desktop.windows()),
            lambda name: desktop.screenshot(f"wayland-{name}"),
        )
