"""Windows: let the windowed app print when it is run from a console with a command.

The Windows bundle's ``ClaudeMeter.exe`` is a GUI-subsystem program, so starting the tray
flashes no console window; the price is that Windows gives it no console, and
``ClaudeMeter.exe status`` would print nowhere. So when a command is given (anything but the
tray's own flags) the program attaches to its parent's console and reopens its standard
streams on it. Streams that were redirected (``> file``, ``| more``) already work and are kept.

Limits, and why the bundle also ships a console program ``claude-meter.exe``: a GUI program
does not make ``cmd.exe`` wait, so the prompt returns before the output and ``%ERRORLEVEL%``
is not its exit status. Scripts use ``claude-meter.exe``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from typing import Final, Literal, TextIO

#: Flags that only shape the tray app; with nothing else on the command line the tray starts.
TRAY_FLAGS: Final = frozenset({"--demo", "--debug"})
ATTACH_PARENT_PROCESS: Final = -1


def wants_console(argv: Sequence[str]) -> bool:
    """Whether this command line prints something (a command, ``--help``, ``--version``, or a
    mistake argparse will explain) rather than starting the tray."""
    return any(arg not in TRAY_FLAGS for arg in argv)


def _attach_windows() -> bool:
    import ctypes

    kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)  # type: ignore[attr-defined,unused-ignore]
    return bool(kernel32.AttachConsole(ATTACH_PARENT_PROCESS))


def _open_console(name: str, mode: Literal["r", "w"]) -> TextIO:
    return open(name, mode, encoding="utf-8", errors="replace", buffering=1)


def attach_parent_console(
    argv: Sequence[str],
    *,
    platform: str = sys.platform,
    attach: Callable[[], bool] = _attach_windows,
    open_console: Callable[[str, Literal["r", "w"]], TextIO] = _open_console,
) -> bool:
    """On Windows, with a command given and no usable standard output, attach to the parent's
    console and point the missing standard streams at it. True when attached."""
    if platform != "win32" or not wants_console(argv):
        return False
    if sys.stdout is not None and sys.stderr is not None:
        return False  # a console program, or output redirected to a file or pipe
    if not attach():
        return False  # started from Explorer or a shortcut: there is no console to print to
    if sys.stdout is None:
        sys.stdout = open_console("CONOUT$", "w")
    if sys.stderr is None:
        sys.stderr = open_console("CONOUT$", "w")
    if sys.stdin is None:
        sys.stdin = open_console("CONIN$", "r")
    return True
