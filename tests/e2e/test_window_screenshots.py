"""The settings and first-run windows on a real X server, kept as screenshots.

The first-run window comes from the real app: ``claude-meter`` with no browser, no stored
session and no Claude Code finds no source at its first poll and shows it.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

from tests.e2e.desktop import Desktop, claude_meter, private_desktop, wait_for

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]


def visible_window(desktop: Desktop, title: str) -> str | None:
    found = desktop.run("xdotool", "search", "--onlyvisible", "--name", f"^{title}$").stdout
    return found.split()[0] if found.strip() else None


def shoot(desktop: Desktop, window_id: str, name: str) -> QImage:
    path = desktop.screenshot(name)  # the whole screen first, then the window alone
    done = desktop.run("import", "-window", window_id, str(path))
    assert done.returncode == 0, done.stderr
    image = QImage(str(path))
    assert not image.isNull()
    return image


def distinct_colours(image: QImage) -> int:
    step = 4
    return len(
        {
            image.pixel(x, y)
            for x in range(0, image.width(), step)
            for y in range(0, image.height(), step)
        }
    )


def test_first_run_window_from_the_real_app(tmp_path: Path) -> None:
    with private_desktop() as desktop:
        log_path = tmp_path / "tray.log"
        with log_path.open("wb") as log:
            app = subprocess.Popen(
                [claude_meter(), "--debug"],
                env=desktop.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        try:
            window = wait_for(
                "the first-run window", lambda: visible_window(desktop, "Connect ClaudeMeter")
            )
            image = shoot(desktop, window, "first-run.png")
            assert image.width() >= 500
            assert distinct_colours(image) > 20  # text, buttons: not a blank rectangle
        finally:
            app.send_signal(signal.SIGTERM)
            code = app.wait(10)
        text = log_path.read_text(errors="replace")
        assert code == 0, text
        assert "showing the first-run window" in text
        assert "Traceback" not in text


def test_settings_window_screenshot(tmp_path: Path) -> None:
    with private_desktop() as desktop:
        shown = subprocess.Popen(
            [sys.executable, "-m", "tests.e2e.show_settings"],
            env={**desktop.env, "PYTHONPATH": f"{ROOT}:{ROOT / 'app'}"},
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        try:
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
        finally:
            shown.terminate()
            _, err = shown.communicate(timeout=10)
        assert b"Traceback" not in err, err.decode()


def test_accounts_popover_says_each_problem_once_screenshot() -> None:
    """Three accounts: the default one signed out, Work fresh, Side expired and collapsed.
    Each problem in its own section (Side's still shown, closed), no top banner, and the
    footer's age is Work's fresh reading, not "not updated yet"."""
    with private_desktop(tray=False) as desktop:
        shown = subprocess.Popen(
            [sys.executable, "-m", "tests.e2e.show_accounts_popover", "--collapsed"],
            env={**desktop.env, "PYTHONPATH": f"{ROOT}:{ROOT / 'app'}"},
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        try:
            assert shown.stdout is not None
            assert shown.stdout.readline().strip() == b"shown"
            said = json.loads(shown.stdout.readline())
            window = wait_for("the popover", lambda: visible_window(desktop, "ClaudeMeter"))
            image = shoot(desktop, window, "accounts-popover-problems.png")
            assert image.height() > 300
            assert distinct_colours(image) > 20
        finally:
            shown.terminate()
            _, err = shown.communicate(timeout=10)
        assert b"Traceback" not in err, err.decode()
    assert not said["banner"]
    default, work, side = said["problems"]
    assert default.startswith("No sign-in of its own")
    assert work is None
    assert side.startswith("Your claude.ai session has expired")
    assert said["updated"] == "updated 12 s ago"
