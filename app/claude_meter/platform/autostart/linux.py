"""XDG autostart: a ``.desktop`` file in ``$XDG_CONFIG_HOME/autostart`` (GNOME, KDE, Xfce...).

The desktop starts autostart entries early, often before its panel (and so the tray) exists.
Two things cover that: ``X-GNOME-Autostart-Delay`` (GNOME, and Xfce/MATE/Cinnamon which read
it too) and ``X-KDE-autostart-after=panel`` hold the start back a little, and the app itself
waits for a tray for a few seconds before falling back to a window (see ``qt/app.py``). No
``sh -c "sleep 5; ..."`` wrapper: it would hide the real command from the desktop.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Final

from claude_meter.core.files import write_atomically
from claude_meter.platform.autostart import AutostartStatus

FILE_NAME: Final = "claude-meter.desktop"
START_DELAY_SECONDS: Final = 5

# Desktop Entry Specification, "The Exec key": characters that force quoting, and those
# that must be backslash-escaped inside the quotes.
_NEEDS_QUOTES: Final = re.compile(r"""[\s"'\\><~|&;$*?#()`]""")


def quote_exec_argument(argument: str) -> str:
    """One argument of an ``Exec`` line, quoted and escaped as the specification says."""
    argument = argument.replace("%", "%%")  # field codes start with %
    if argument and not _NEEDS_QUOTES.search(argument):
        return argument
    escaped = re.sub(r'(["`$\\])', r"\\\1", argument)
    return f'"{escaped}"'


def exec_line(argv: Sequence[str]) -> str:
    """The ``Exec`` value: quoted arguments, then the string-value escaping of backslashes."""
    line = " ".join(quote_exec_argument(a) for a in argv)
    return line.replace("\\", "\\\\")


def desktop_entry(argv: Sequence[str], delay: int = START_DELAY_SECONDS) -> str:
    """The whole file."""
    return (
        "[Desktop Entry]\n"
        "Type=Application\n"
        "Version=1.0\n"
        "Name=ClaudeMeter\n"
        "GenericName=Claude usage meter\n"
        "Comment=Claude's plan usage limits in the system tray\n"
        f"Exec={exec_line(argv)}\n"
        "Icon=utilities-system-monitor\n"
        "Terminal=false\n"
        "Categories=Utility;\n"
        "StartupNotify=false\n"
        "X-GNOME-Autostart-enabled=true\n"
        f"X-GNOME-Autostart-Delay={delay}\n"
        "X-KDE-autostart-after=panel\n"
    )


def parse_entry(text: str) -> dict[str, str]:
    """The keys of the ``[Desktop Entry]`` group (enough to read our own file back)."""
    values: dict[str, str] = {}
    group = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            group = line
            continue
        if group == "[Desktop Entry]" and "=" in line:
            key, value = line.split("=", 1)
            values[key.strip()] = value.strip()
    return values


class XdgAutostart:
    """The ``.desktop`` file backend."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / FILE_NAME

    @classmethod
    def for_environment(cls, env: Mapping[str, str], home: Path) -> XdgAutostart:
        config = env.get("XDG_CONFIG_HOME") or ""
        base = Path(config) if os.path.isabs(config) else home / ".config"
        return cls(base / "autostart")

    def status(self) -> AutostartStatus:
        try:
            values = parse_entry(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return AutostartStatus(False, str(self.path))
        except (OSError, UnicodeDecodeError):
            return AutostartStatus(False, str(self.path))
        enabled = (
            values.get("Hidden", "false").lower() != "true"
            and values.get("X-GNOME-Autostart-enabled", "true").lower() != "false"
            and bool(values.get("Exec"))
        )
        return AutostartStatus(enabled, str(self.path), values.get("Exec") if enabled else None)

    def enable(self, argv: Sequence[str]) -> AutostartStatus:
        write_atomically(self.path, desktop_entry(argv), mode=0o644, folder_mode=0o755)
        return self.status()

    def disable(self) -> AutostartStatus:
        self.path.unlink(missing_ok=True)
        return self.status()
