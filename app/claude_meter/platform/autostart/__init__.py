"""Start ClaudeMeter at login: one interface, one backend per OS, chosen in :func:`pick`.

- Linux (and other XDG desktops): ``$XDG_CONFIG_HOME/autostart/claude-meter.desktop``;
- macOS: ``~/Library/LaunchAgents/ai.claudemeter.ClaudeMeter.plist`` (``RunAtLoad``);
- Windows: the ``ClaudeMeter`` value under
  ``HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Run``.

The OS entry itself is the truth (there is no copy in the settings file), so ``claude-meter
autostart on|off|status`` and the settings window's toggle can never disagree. Each backend
turns a command (an argv list) into its entry; the generated text or value is a pure function,
tested on every OS.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Protocol

import msgspec


class AutostartStatus(msgspec.Struct, frozen=True):
    """``enabled``: the entry exists and is active; ``where``: the file or registry value;
    ``command``: what it starts, as the OS will run it (None when off)."""

    enabled: bool
    where: str
    command: str | None = None


class Autostart(Protocol):
    """One OS's way of starting a program at login."""

    def status(self) -> AutostartStatus: ...

    def enable(self, argv: Sequence[str]) -> AutostartStatus: ...

    def disable(self) -> AutostartStatus: ...


def launch_command(
    platform: str = sys.platform,
    executable: str = sys.executable,
    frozen: bool | None = None,
) -> list[str]:
    """How to start the tray app from a login item.

    A frozen build (PyInstaller) is its own executable. Otherwise the ``claude-meter`` entry
    point beside the interpreter (a venv or pipx install); on Windows ``pythonw -m
    claude_meter`` instead, because the console entry point would flash a terminal window.
    """
    if frozen if frozen is not None else bool(getattr(sys, "frozen", False)):
        return [executable]
    here = Path(executable).parent
    if platform == "win32":
        windowless = here / "pythonw.exe"
        return [str(windowless if windowless.exists() else executable), "-m", "claude_meter"]
    script = here / "claude-meter"
    if script.exists():
        return [str(script)]
    return [executable, "-m", "claude_meter"]


def pick(
    platform: str = sys.platform,
    env: Mapping[str, str] | None = None,
    home: Path | None = None,
) -> Autostart:
    """The backend for this OS."""
    env = os.environ if env is None else env
    home = home or Path(env.get("HOME") or Path.home())
    if platform == "darwin":
        from claude_meter.platform.autostart.macos import LaunchAgent

        return LaunchAgent(home)
    if platform == "win32":
        from claude_meter.platform.autostart.windows import RunValue

        return RunValue()
    from claude_meter.platform.autostart.linux import XdgAutostart

    return XdgAutostart.for_environment(env, home)
