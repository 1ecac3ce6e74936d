"""macOS: a per-user LaunchAgent with ``RunAtLoad``, loaded by launchd at the next login.

Writing the plist is enough (launchd reads ``~/Library/LaunchAgents`` at login); nothing is
loaded now, because the app is already running when the person flips the switch.
``LimitLoadToSessionType=Aqua`` keeps it out of SSH and background sessions, which have no
menu bar.
"""

from __future__ import annotations

import plistlib
import shlex
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final

from claude_meter.core.files import write_atomically
from claude_meter.platform.autostart import AutostartStatus

LABEL: Final = "ai.claudemeter.ClaudeMeter"


def agent_plist(argv: Sequence[str]) -> bytes:
    """The LaunchAgent's XML plist."""
    agent: dict[str, Any] = {
        "Label": LABEL,
        "ProgramArguments": list(argv),
        "RunAtLoad": True,
        "KeepAlive": False,
        "ProcessType": "Interactive",
        "LimitLoadToSessionType": "Aqua",
    }
    return plistlib.dumps(agent, fmt=plistlib.FMT_XML, sort_keys=True)


class LaunchAgent:
    """The plist backend."""

    def __init__(self, home: Path) -> None:
        self.path = home / "Library" / "LaunchAgents" / f"{LABEL}.plist"

    def status(self) -> AutostartStatus:
        try:
            agent = plistlib.loads(self.path.read_bytes())
        except (OSError, plistlib.InvalidFileException, ValueError):
            return AutostartStatus(False, str(self.path))
        argv = agent.get("ProgramArguments") if isinstance(agent, dict) else None
        enabled = bool(argv) and bool(agent.get("RunAtLoad")) and not agent.get("Disabled")
        command = shlex.join(str(a) for a in argv) if enabled and argv else None
        return AutostartStatus(enabled, str(self.path), command)

    def enable(self, argv: Sequence[str]) -> AutostartStatus:
        write_atomically(self.path, agent_plist(argv), mode=0o644, folder_mode=0o755)
        return self.status()

    def disable(self) -> AutostartStatus:
        self.path.unlink(missing_ok=True)
        return self.status()
