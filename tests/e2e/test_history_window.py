"""The History window on a real X server and on Wayland (headless sway) with 90 days of
made-up history, every span kept as a screenshot in ``test-artifacts/``."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

from claude_meter.history.chart_data import SPANS
from tests.e2e.desktop import private_desktop, wait_for
from tests.e2e.screens import distinct_colours, showing, visible_window
from tests.e2e.wayland_desktop import sway_desktop

pytestmark = pytest.mark.e2e
TITLE = "ClaudeMeter · History"


def shoot_every_span(
    env: dict[str, str],
    folder: Path,
    window_shown: Callable[[], bool],
    shoot: Callable[[str], Path],
) -> None:
    """Run ``show_history`` and keep a screenshot (``shoot(name)``) of each span it draws;
    it ends by itself after the last (with status 0: :func:`showing` checks it)."""
    with showing(env, "show_history", str(folder), stdin=subprocess.PIPE) as shown:
        assert shown.stdin is not None
        assert shown.stdout is not None
        for span in SPANS:
            assert shown.stdout.readline().decode().strip() == f"shown {span}"
            wait_for("the History window", lambda: window_shown() or None)
            image = QImage(str(shoot(f"history-{span}.png")))
            assert not image.isNull()
            assert distinct_colours(image) > 30  # a chart, labels, a calendar
            shown.stdin.write(b"\n")
            shown.stdin.flush()
        shown.wait(20)


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
