"""Autostart on Linux end to end: the real CLI writes the XDG file, the desktop's validator
accepts it, and the command in its ``Exec`` line starts this installation of ClaudeMeter."""

from __future__ import annotations

import shlex
import subprocess
from pathlib import Path

import pytest

from claude_meter.platform.autostart.linux import parse_entry
from tests.e2e.desktop import claude_meter
from tests.support.tools import require_tool

pytestmark = pytest.mark.e2e


def test_linux_autostart_end_to_end(tmp_path: Path) -> None:
    """The real CLI writes the file, the desktop's own parser accepts it, its Exec runs."""
    validate = require_tool("desktop-file-validate", "desktop-file-utils")
    config = tmp_path / "config"
    env = {"HOME": str(tmp_path), "XDG_CONFIG_HOME": str(config), "PATH": "/usr/bin:/bin"}

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [claude_meter(), "autostart", *args],
            env=env, capture_output=True, text=True, timeout=30, check=False,
        )  # fmt: skip

    assert "Autostart is off" in cli("status").stdout
    on = cli("on")
    assert on.returncode == 0, on.stderr
    path = config / "autostart" / "claude-meter.desktop"
    assert f"Autostart is on: {path}" in on.stdout
    checked = subprocess.run(
        [validate, str(path)], capture_output=True, text=True, timeout=30, check=False
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    exec_value = parse_entry(path.read_text())["Exec"].replace("\\\\", "\\")
    argv = shlex.split(exec_value)
    # The command starts this very installation of ClaudeMeter.
    version = subprocess.run(
        [*argv, "--version"], env=env, capture_output=True, text=True, timeout=30, check=False
    )
    assert version.stdout.startswith("claude-meter "), version.stderr
    assert "Autostart is on" in cli("status").stdout
    off = cli("off")
    assert off.returncode == 0
    assert not path.exists()
    assert "Autostart is off" in cli("status").stdout
