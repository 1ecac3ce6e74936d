"""The real ``claude-meter --demo`` draws its first numbers before it writes its made-up past
(``poll/demo_seeding.py``), then writes every account's: the demo starts like the normal tray.

Screenshots of the popover opened as soon as the numbers are drawn, and again once every past is
in, are kept in ``test-artifacts/`` (the first may already show the past on a fast machine: the
order is asserted from the log, not from the pixels; ``tests/qt/test_compose.py`` holds the
past back to check the popover meanwhile).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.desktop import logged, private_desktop, start_demo_tray, stop_demo_tray, wait_for

pytestmark = pytest.mark.e2e

SEEDED = "demo history seeded"
ALL_SEEDED = "2 organizations' pasts so far"


def test_the_demo_draws_first_then_writes_each_accounts_past(tmp_path: Path) -> None:
    with private_desktop() as desktop:
        log_path = tmp_path / "tray.log"
        env = {**desktop.env, "CLAUDE_METER_DEMO_ACCOUNTS": "2"}
        app = start_demo_tray(env, log_path)
        try:
            x, y, w, h = wait_for("the icon embedded in trayer", desktop.tray_icon)
            wait_for("the first numbers drawn", lambda: logged(log_path, "snapshot drawn"))
            desktop.run("xdotool", "mousemove", str(x + w // 2), str(y + h // 2), "click", "1")
            wait_for("the popover", lambda: logged(log_path, "popover opened"))
            desktop.screenshot("demo-popover-at-start.png")
            wait_for(
                "both accounts' pasts written, and the open popover drawn again",
                lambda: "accounts shown" in log_path.read_text().partition(ALL_SEEDED)[2],
            )
            desktop.screenshot("demo-popover-seeded.png")
        finally:
            text = stop_demo_tray(app, log_path)
        assert text.index("snapshot drawn") < text.index(SEEDED)
        assert "the demo's past could not be written" not in text


def test_the_demo_quit_while_writing_its_past_ends_cleanly(tmp_path: Path) -> None:
    """Quit as soon as the numbers are drawn, while eight accounts' pasts are being written:
    status 0, no traceback, and the demo's throwaway folder is gone."""
    with private_desktop() as desktop:
        log_path, temporary = tmp_path / "tray.log", tmp_path / "tmp"
        temporary.mkdir()
        env = {**desktop.env, "CLAUDE_METER_DEMO_ACCOUNTS": "8", "TMPDIR": str(temporary)}
        app = start_demo_tray(env, log_path)
        try:
            wait_for("the first numbers drawn", lambda: logged(log_path, "snapshot drawn"))
            assert any(temporary.glob("claude-meter-demo-*"))
        finally:
            text = stop_demo_tray(app, log_path)  # status 0, no traceback
        assert not any(temporary.glob("claude-meter-demo-*"))
        assert "8 organizations' pasts so far" not in text  # it was quit before the end
