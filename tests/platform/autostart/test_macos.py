"""The launchd agent (:mod:`claude_meter.platform.autostart.macos`): the plist, and the file
under a temporary home."""

from __future__ import annotations

import plistlib
from pathlib import Path

from claude_meter.platform.autostart import pick
from claude_meter.platform.autostart.macos import LABEL, LaunchAgent, agent_plist


def test_launch_agent_plist() -> None:
    agent = plistlib.loads(
        agent_plist(["/Applications/ClaudeMeter.app/Contents/MacOS/ClaudeMeter"])
    )
    assert agent == {
        "Label": LABEL,
        "ProgramArguments": ["/Applications/ClaudeMeter.app/Contents/MacOS/ClaudeMeter"],
        "RunAtLoad": True,
        "KeepAlive": False,
        "ProcessType": "Interactive",
        "LimitLoadToSessionType": "Aqua",
    }


def test_launch_agent_file(tmp_path: Path) -> None:
    backend = pick("darwin", {"HOME": str(tmp_path)})
    assert isinstance(backend, LaunchAgent)
    status = backend.enable(["/usr/local/bin/claude-meter"])
    path = tmp_path / "Library/LaunchAgents" / f"{LABEL}.plist"
    assert status.enabled
    assert status.where == str(path)
    assert status.command == "/usr/local/bin/claude-meter"
    assert plistlib.loads(path.read_bytes())["RunAtLoad"] is True
    assert not backend.disable().enabled
    assert not path.exists()
