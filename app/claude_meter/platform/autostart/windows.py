"""Windows: the ``ClaudeMeter`` value under ``HKCU\\...\\CurrentVersion\\Run``.

The value is one command line, quoted the way the C runtime splits it
(:func:`subprocess.list2cmdline`). The registry is reached through :class:`RunKey`, so the
value written can be tested on any OS with a dictionary; ``winreg`` is imported only on
Windows, inside :class:`WinregRunKey`.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Sequence
from typing import Final, Protocol

from claude_meter.platform.autostart import AutostartStatus

RUN_KEY: Final = r"Software\Microsoft\Windows\CurrentVersion\Run"
VALUE_NAME: Final = "ClaudeMeter"


def run_value(argv: Sequence[str]) -> str:
    """The command line stored in the ``Run`` value."""
    return subprocess.list2cmdline(list(argv))


class RunKey(Protocol):
    """The string values of one registry key."""

    def get(self, name: str) -> str | None: ...

    def set(self, name: str, value: str) -> None: ...

    def delete(self, name: str) -> None: ...


class WinregRunKey:
    """``HKEY_CURRENT_USER\\<RUN_KEY>`` through ``winreg`` (Windows only)."""

    def get(self, name: str) -> str | None:
        if sys.platform == "win32":
            import winreg

            try:
                with winreg.OpenKey(winreg.HKEY_CURRENT_USER, RUN_KEY) as key:
                    value, kind = winreg.QueryValueEx(key, name)
            except FileNotFoundError:
                return None
            return str(value) if kind in (winreg.REG_SZ, winreg.REG_EXPAND_SZ) else None
        raise OSError("the Windows registry exists only on Windows")

    def set(self, name: str, value: str) -> None:
        if sys.platform == "win32":
            import winreg

            with winreg.CreateKey(winreg.HKEY_CURRENT_USER, RUN_KEY) as key:
                winreg.SetValueEx(key, name, 0, winreg.REG_SZ, value)
            return
        raise OSError("the Windows registry exists only on Windows")

    def delete(self, name: str) -> None:
        if sys.platform == "win32":
            import winreg

            try:
                with winreg.OpenKey(
                    winreg.HKEY_CURRENT_USER, RUN_KEY, 0, winreg.KEY_SET_VALUE
                ) as key:
                    winreg.DeleteValue(key, name)
            except FileNotFoundError:
                pass
            return
        raise OSError("the Windows registry exists only on Windows")


class RunValue:
    """The ``Run`` value backend."""

    def __init__(self, key: RunKey | None = None) -> None:
        self.key: RunKey = key or WinregRunKey()
        self.where = f"HKEY_CURRENT_USER\\{RUN_KEY}\\{VALUE_NAME}"

    def status(self) -> AutostartStatus:
        value = self.key.get(VALUE_NAME)
        return AutostartStatus(bool(value), self.where, value or None)

    def enable(self, argv: Sequence[str]) -> AutostartStatus:
        self.key.set(VALUE_NAME, run_value(argv))
        return self.status()

    def disable(self) -> AutostartStatus:
        self.key.delete(VALUE_NAME)
        return self.status()
