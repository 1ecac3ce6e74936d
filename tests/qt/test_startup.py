"""What the tray process needs around Qt: no desktop is a message, not a core dump; fast
polling only against loopback."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from claude_meter.core.endpoints import points_at_loopback
from claude_meter.platform.display import X11_SOCKETS


def test_no_desktop_is_a_clear_message_not_a_qt_abort() -> None:
    from claude_meter.platform.display import NO_DESKTOP, no_desktop_reason

    assert no_desktop_reason({}, "linux") == NO_DESKTOP
    answers = lambda _env: None  # noqa: E731 - a display that answers
    assert no_desktop_reason({"DISPLAY": ":0"}, "linux", answers) is None
    assert no_desktop_reason({"WAYLAND_DISPLAY": "wayland-0"}, "linux", answers) is None
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


def test_a_display_that_does_not_answer_is_a_clear_message_not_a_qt_abort(
    tmp_path: Path,
) -> None:
    """``DISPLAY=:99`` with no X server there: Qt aborted (134) blaming xcb-cursor0."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")
    }
    free = next(n for n in range(4000, 4100) if not (X11_SOCKETS / f"X{n}").exists())
    env |= {"DISPLAY": f":{free}", "WAYLAND_DISPLAY": "gone-0", "XDG_RUNTIME_DIR": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "claude_meter", "--demo"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    assert f"no X server answers at DISPLAY=:{free}" in done.stderr
    assert "no Wayland compositor answers at WAYLAND_DISPLAY=gone-0" in done.stderr
    assert "xcb-cursor" not in done.stderr
    assert "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def _desktop_free_env() -> dict[str, str]:
    return {
        k: v
        for k, v in os.environ.items()
        if k not in ("DISPLAY", "WAYLAND_DISPLAY", "WAYLAND_SOCKET", "QT_QPA_PLATFORM")
        and not k.startswith("DBUS_")
    }


@pytest.mark.parametrize("platform", ["xcb", "wayland;xcb", "wayland-egl"])
def test_qt_qpa_platform_on_a_dead_display_is_a_clear_message_not_a_qt_abort(
    tmp_path: Path, platform: str
) -> None:
    """``QT_QPA_PLATFORM`` set skipped the check, and Qt aborted (134) blaming xcb-cursor0."""
    free = next(n for n in range(4000, 4100) if not (X11_SOCKETS / f"X{n}").exists())
    env = _desktop_free_env() | {
        "DISPLAY": f":{free}",
        "WAYLAND_DISPLAY": "gone-0",
        "XDG_RUNTIME_DIR": str(tmp_path),
        "QT_QPA_PLATFORM": platform,
    }
    done = subprocess.run(
        [sys.executable, "-m", "claude_meter", "--demo"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    assert f"(QT_QPA_PLATFORM={platform})" in done.stderr
    if "xcb" in platform:
        assert f"no X server answers at DISPLAY=:{free}" in done.stderr
    if "wayland" in platform:
        assert "no Wayland compositor answers at WAYLAND_DISPLAY=gone-0" in done.stderr
    assert "unset QT_QPA_PLATFORM" in done.stderr
    assert "xcb-cursor" not in done.stderr
    assert "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


@pytest.fixture
def xvfb() -> Iterator[str]:
    """A real X server; its ``DISPLAY``."""
    from tests.support.tools import require_tool

    require_tool("Xvfb", "xvfb")
    read_fd, write_fd = os.pipe()
    server = subprocess.Popen(
        [
            "Xvfb",
            "-displayfd",
            str(write_fd),
            "-screen",
            "0",
            "800x600x24",
            "-nolisten",
            "tcp",
            "-noreset",
        ],
        pass_fds=(write_fd,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write_fd)
    try:
        with os.fdopen(read_fd) as pipe:
            number = pipe.readline().strip()
        assert number.isdigit(), "Xvfb did not report a display"
        yield f":{number}"
    finally:
        server.terminate()
        server.wait(5)


@pytest.mark.e2e
@pytest.mark.parametrize("platform", ["xcb", "wayland;xcb", "wayland-egl;xcb"])
def test_qt_qpa_platform_on_a_live_x_server_still_starts(
    tmp_path: Path, xvfb: str, platform: str
) -> None:
    """The check lets a working choice through: Qt falls back from the dead Wayland to X."""
    from tests.e2e.desktop import start_demo_tray, stop_demo_tray, wait_for

    env = _desktop_free_env() | {
        "DISPLAY": xvfb,
        "WAYLAND_DISPLAY": "gone-0",
        "QT_QPA_PLATFORM": platform,
        "CLAUDE_METER_TRAY_WAIT": "60",  # no tray here: the start is what is checked
    }
    log_path = tmp_path / "tray.log"
    app = start_demo_tray(env, log_path)
    try:
        wait_for(
            "the first snapshot drawn",
            lambda: "snapshot drawn" in log_path.read_text(errors="replace"),
            timeout=60,
        )
    finally:
        log = stop_demo_tray(app, log_path)
    assert "graphical desktop" not in log
