"""What the tray process needs around Qt: no desktop is a message, not a core dump; fast
polling only against loopback."""

from __future__ import annotations

import pytest

from claude_meter.qt.startup import points_at_loopback


def test_no_desktop_is_a_clear_message_not_a_qt_abort() -> None:
    import os
    import subprocess
    import sys

    from claude_meter.qt.startup import NO_DESKTOP, no_desktop_reason

    assert no_desktop_reason({}, "linux") == NO_DESKTOP
    assert no_desktop_reason({"DISPLAY": ":0"}, "linux") is None
    assert no_desktop_reason({"WAYLAND_DISPLAY": "wayland-0"}, "linux") is None
    assert no_desktop_reason({"QT_QPA_PLATFORM": "offscreen"}, "linux") is None
    assert no_desktop_reason({}, "darwin") is None
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")
    }
    done = subprocess.run(
        [sys.executable, "-m", "claude_meter", "--demo"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    assert "needs a graphical desktop" in done.stderr
    assert "claude-meter status" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("env", "loopback"),
    [
        ({}, False),
        ({"CLAUDE_METER_BASE_URL": "http://127.0.0.1:8000"}, True),
        ({"CLAUDE_METER_BASE_URL": "https://claude.ai"}, False),
        (
            {
                "CLAUDE_METER_BASE_URL": "http://127.0.0.1:8000",
                "CLAUDE_METER_OAUTH_BASE_URL": "https://api.anthropic.com",
            },
            False,
        ),
    ],
)
def test_fast_polling_is_only_for_a_loopback_server(env: dict[str, str], loopback: bool) -> None:
    assert points_at_loopback(env) is loopback
