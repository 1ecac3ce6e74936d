"""The settings and first-run windows on a real X server, kept as screenshots.

The first-run window comes from the real app: ``claude-meter`` with no browser, no stored
session and no Claude Code finds no source at its first poll and shows it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.e2e.desktop import private_desktop, start_tray, stop_demo_tray, wait_for
from tests.e2e.screens import distinct_colours, shoot, showing, visible_window

pytestmark = pytest.mark.e2e


def test_first_run_window_from_the_real_app(tmp_path: Path) -> None:
    with private_desktop() as desktop:
        log_path = tmp_path / "tray.log"
        app = start_tray(desktop.env, log_path)
        try:
            window = wait_for(
                "the first-run window", lambda: visible_window(desktop, "Connect ClaudeMeter")
            )
            image = shoot(desktop, window, "first-run.png")
            assert image.width() >= 500
            assert distinct_colours(image) > 20  # text, buttons: not a blank rectangle
        finally:
            text = stop_demo_tray(app, log_path)  # status 0, no traceback
        assert "showing the first-run window" in text


def test_settings_window_screenshot() -> None:
    with private_desktop() as desktop, showing(desktop.env, "show_settings") as shown:
        assert shown.stdout is not None
        assert shown.stdout.readline().strip() == b"shown"
        # 1024 x 700 holds the whole window, with its test result: nothing scrolls (the
        # result shown as it opened once left the last row under a scroll bar)
        assert shown.stdout.readline().strip() == b"scroll bar: no"
        window = wait_for(
            "the settings window", lambda: visible_window(desktop, "ClaudeMeter Settings")
        )
        image = shoot(desktop, window, "settings.png")
        assert image.height() > 400
        assert distinct_colours(image) > 20


@pytest.mark.parametrize("paste", [False, True])
def test_add_account_dialog_screenshot(paste: bool) -> None:
    """Settings' Add account… over its window: the sign-ins found, then Paste (its session
    never shown, a keyring problem said in red)."""
    args = ("--paste",) if paste else ()
    with private_desktop() as desktop, showing(desktop.env, "show_add_account", *args) as shown:
        assert shown.stdout is not None
        assert shown.stdout.readline().strip() == b"shown"
        window = wait_for("the dialog", lambda: visible_window(desktop, "Add account"))
        image = shoot(desktop, window, f"add-account{'-paste' if paste else ''}.png")
        assert image.width() >= 480
        assert distinct_colours(image) > 20


@pytest.mark.parametrize("other_email", [False, True])
def test_new_session_dialog_screenshot(other_email: bool) -> None:
    """Settings' Paste new session… over its window: the session never shown; a session of
    another email said in red, with "Use it anyway" to tick."""
    args = ("--other-email",) if other_email else ()
    with private_desktop() as desktop, showing(desktop.env, "show_new_session", *args) as shown:
        assert shown.stdout is not None
        assert shown.stdout.readline().strip() == b"shown"
        window = wait_for("the dialog", lambda: visible_window(desktop, "Paste new session"))
        name = f"new-session{'-other-email' if other_email else ''}-x11.png"
        image = shoot(desktop, window, name)
        assert image.width() >= 480
        assert distinct_colours(image) > (20 if other_email else 10)


def test_accounts_popover_says_each_problem_once_screenshot() -> None:
    """Three accounts: the default one signed out, Work fresh, Side expired and collapsed.
    Each problem in its own section (Side's still shown, closed), no top banner, and the
    footer's age is Work's fresh reading, not "not updated yet"."""
    with (
        private_desktop(tray=False) as desktop,
        showing(desktop.env, "show_accounts_popover", "--collapsed") as shown,
    ):
        assert shown.stdout is not None
        assert shown.stdout.readline().strip() == b"shown"
        said = json.loads(shown.stdout.readline())
        window = wait_for("the popover", lambda: visible_window(desktop, "ClaudeMeter"))
        image = shoot(desktop, window, "accounts-popover-problems.png")
        assert image.height() > 300
        assert distinct_colours(image) > 20
    assert not said["banner"]
    default, work, side = said["problems"]
    assert default.startswith("No sign-in of its own")
    assert work is None
    assert side.startswith("Your claude.ai session has expired")
    assert said["updated"] == "updated 12 s ago"
