"""Whether a display server answers where the environment points the tray (Linux, BSD).

Qt aborts the whole process (SIGABRT, exit status 134) when the display ``$DISPLAY`` names
has no X server behind it, and blames a missing ``libxcb-cursor0`` with the advice to
reinstall: a stale variable in a tmux or SSH session, an X server that has gone, a
``DISPLAY=:99`` typed for a test. Connecting to the display's socket first, without any
handshake, tells the tray what is wrong before Qt starts. The X server's socket is
``/tmp/.X11-unix/X<n>`` (and its Linux abstract twin, which Xorg and Xvfb also listen on), or
TCP port 6000 + n for ``host:n``; the Wayland compositor's is ``$WAYLAND_DISPLAY``, a path or
a name in ``$XDG_RUNTIME_DIR`` (``wayland-0`` when unset, as libwayland reads it).

``QT_QPA_PLATFORM`` chooses for Qt: ``xcb`` needs the X server, ``wayland`` (and its
``wayland-egl``-like variants) the compositor, a fall-back list such as ``wayland;xcb`` any
one of its entries, and every other platform (``offscreen``, ``minimal``, ``vnc``, ``eglfs``,
a name Qt does not know) no display this module could check: those are left to Qt. Without
it Qt picks Wayland or X11 by itself, so either answering is enough.

A local connect costs a few tens of microseconds (``benchmarks/display_probe.py``); only a
display on another host waits, up to :data:`TIMEOUT`.
"""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Final

X11_SOCKETS: Final = Path("/tmp/.X11-unix")  # noqa: S108 - where every X server listens
TIMEOUT: Final = 1.0  # seconds, for a display on another host (a local socket answers at once)


def x11_answers(display: str, sockets: Path = X11_SOCKETS) -> bool:
    """True when an X server accepts a connection at ``display`` (``[host]:n[.screen]``)."""
    host, colon, rest = display.rpartition(":")
    number = rest.partition(".")[0]
    if not colon or not number.isdigit():
        return False  # not a display name Qt could use either
    host = host.removeprefix("tcp/")
    if host in ("", "unix") or host.startswith("unix/"):
        path = f"{sockets}/X{int(number)}"
        return _unix_answers(path) or _unix_answers(f"\0{path}")
    try:
        with socket.create_connection((host, 6000 + int(number)), timeout=TIMEOUT):
            return True
    except OSError:
        return False


def wayland_answers(name: str, runtime_dir: str | None) -> bool:
    """True when a Wayland compositor accepts a connection at ``$WAYLAND_DISPLAY``."""
    if name.startswith("/"):
        return _unix_answers(name)
    return bool(runtime_dir) and _unix_answers(str(Path(str(runtime_dir)) / name))


def unanswered(env: Mapping[str, str], sockets: Path = X11_SOCKETS) -> str | None:
    """None when a display the environment names answers (or none is named, or
    ``QT_QPA_PLATFORM`` names a platform that needs none); else which were named and found
    silent, in the words of the tray's message."""
    if env.get("QT_QPA_PLATFORM", "").strip():
        return _platforms_unanswered(env, sockets)
    display, wayland = env.get("DISPLAY", ""), env.get("WAYLAND_DISPLAY", "")
    if not display and not wayland:
        return None
    if wayland and wayland_answers(wayland, env.get("XDG_RUNTIME_DIR")):
        return None
    if display and x11_answers(display, sockets):
        return None
    silent = []
    if display:
        silent.append(f"no X server answers at DISPLAY={display}")
    if wayland:
        silent.append(f"no Wayland compositor answers at WAYLAND_DISPLAY={wayland}")
    return " and ".join(silent)


def _platforms_unanswered(env: Mapping[str, str], sockets: Path) -> str | None:
    """:func:`unanswered` for the platforms ``QT_QPA_PLATFORM`` lists (``name[:options]``,
    separated by ``;``; Qt tries each in turn)."""
    silent: list[str] = []
    for entry in env["QT_QPA_PLATFORM"].split(";"):
        name = entry.partition(":")[0].strip().lower()
        if name == "xcb":
            said = _x11_silent(env.get("DISPLAY", ""), sockets)
        elif name.startswith("wayland"):
            said = _wayland_silent(env)
        elif name:
            return None  # no display to check here (offscreen, minimal, vnc...): Qt's to judge
        else:
            continue  # an empty entry ("xcb;"), which Qt skips too
        if said is None:
            return None
        if said not in silent:
            silent.append(said)
    return " and ".join(silent) if silent else None


def _x11_silent(display: str, sockets: Path) -> str | None:
    if not display:
        return "DISPLAY is not set"
    return None if x11_answers(display, sockets) else f"no X server answers at DISPLAY={display}"


def _wayland_silent(env: Mapping[str, str]) -> str | None:
    if env.get("WAYLAND_SOCKET"):
        return None  # a connection its parent opened and handed down: nothing to probe
    name = env.get("WAYLAND_DISPLAY", "")
    if wayland_answers(name or "wayland-0", env.get("XDG_RUNTIME_DIR")):
        return None
    if name:
        return f"no Wayland compositor answers at WAYLAND_DISPLAY={name}"
    return "no Wayland compositor answers at wayland-0 (WAYLAND_DISPLAY is not set)"


def _unix_answers(path: str) -> bool:
    with contextlib.closing(socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)) as probe:
        probe.settimeout(TIMEOUT)
        try:
            probe.connect(path)
        except (OSError, ValueError):
            return False
        return True


NO_DESKTOP = (
    "the tray app needs a graphical desktop, and none was found (DISPLAY and WAYLAND_DISPLAY "
    "are not set). Start it from your desktop session; in a terminal or over SSH, "
    "`claude-meter status` prints the same numbers."
)


def no_display_answers(silent: str, platform: str = "") -> str:
    if platform:
        return (
            f"the tray app needs a graphical desktop (QT_QPA_PLATFORM={platform}), and {silent}. "
            "Start it from your desktop session (or unset QT_QPA_PLATFORM, "
            "or point it and DISPLAY or WAYLAND_DISPLAY at a display that is running); in a "
            "terminal or over SSH, `claude-meter status` prints the same numbers."
        )
    return (
        f"the tray app needs a graphical desktop, and {silent}. Start it from your desktop "
        "session (or set DISPLAY to a display that is running); in a terminal or over SSH, "
        "`claude-meter status` prints the same numbers."
    )


def no_desktop_reason(
    env: Mapping[str, str],
    platform: str,
    silent: Callable[[Mapping[str, str]], str | None] = unanswered,
) -> str | None:
    """Why the tray cannot start here, or None. Qt itself would abort with a core dump, also
    when the display named is not there (``platform/display.py`` connects to it), or the one
    ``QT_QPA_PLATFORM`` asks for."""
    if not platform.startswith("linux"):
        return None
    chosen = env.get("QT_QPA_PLATFORM", "").strip()
    if not chosen and not env.get("DISPLAY") and not env.get("WAYLAND_DISPLAY"):
        return NO_DESKTOP
    which = silent(env)
    return None if which is None else no_display_answers(which, chosen)
