"""Settings' Paste new session… dialog over its window under sway (headless), kept as a
screenshot: the same dialog as on X11, laid out by a Wayland compositor."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtGui import QImage

from tests.e2e.desktop import wait_for
from tests.e2e.screens import distinct_colours, showing
from tests.e2e.wayland_desktop import sway_desktop

pytestmark = pytest.mark.e2e


def test_new_session_dialog_on_sway(tmp_path: Path) -> None:
    with sway_desktop("swaybar", tmp_path) as desktop:
        env = {**desktop.env, "QT_QPA_PLATFORM": "wayland"}
        with showing(env, "show_new_session", "--other-email") as shown:
            assert shown.stdout is not None
            assert shown.stdout.readline().strip() == b"shown"
            wait_for(
                "the dialog mapped",
                lambda: any(n.name == "Paste new session" for n in desktop.windows()) or None,
            )

            def drawn() -> QImage | None:  # mapped comes before the first frame on the screen
                image = QImage(str(desktop.screenshot("wayland-new-session-other-email.png")))
                return image if not image.isNull() and distinct_colours(image) > 20 else None

            wait_for("the dialog drawn", drawn)
