"""Choosing the autostart backend and the command it starts
(:mod:`claude_meter.platform.autostart`); each backend has its own file in
``tests/platform/autostart/``."""

from __future__ import annotations

from pathlib import Path

import pytest

from claude_meter.platform.autostart import launch_command, pick
from claude_meter.platform.autostart.linux import XdgAutostart
from claude_meter.platform.autostart.macos import LaunchAgent


@pytest.mark.parametrize(
    ("platform", "kind"),
    [("linux", XdgAutostart), ("freebsd14", XdgAutostart), ("darwin", LaunchAgent)],
)
def test_pick(platform: str, kind: type, tmp_path: Path) -> None:
    assert isinstance(pick(platform, {"HOME": str(tmp_path)}), kind)


def test_launch_command(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    python = str(bin_dir / "python")
    assert launch_command("linux", python, frozen=False) == [python, "-m", "claude_meter"]
    (bin_dir / "claude-meter").write_text("")
    assert launch_command("linux", python, frozen=False) == [str(bin_dir / "claude-meter")]
    assert launch_command("darwin", "/App/ClaudeMeter", frozen=True) == ["/App/ClaudeMeter"]
    (bin_dir / "pythonw.exe").write_text("")
    assert launch_command("win32", python, frozen=False) == [
        str(bin_dir / "pythonw.exe"),
        "-m",
        "claude_meter",
    ]
