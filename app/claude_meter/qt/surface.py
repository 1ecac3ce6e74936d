"""What kind of surface the popover is, per windowing system, and what a tray's context
activation shows.

- X11, macOS, Windows: a ``Qt.Popup`` placed next to the icon (``placement.py``); it grabs
  the pointer and closes on a click elsewhere.
- Wayland: a popup needs a parent surface that has received input (xdg_popup), and a
  tray-only app has none; the compositor also ignores ``move()`` on top-level surfaces and
  ``QCursor.pos()`` is (0, 0). So there the popover is a frameless top-level ``panel``: the
  compositor places it (sway floats it, centred on the output, because its width is fixed)
  and it closes on Esc, on a second click on the icon and when it loses the focus.
- No tray at all: a normal window (``window``).

See ``docs/install-linux.md`` for where it appears on each desktop.
"""

from __future__ import annotations

from typing import Literal

from PySide6.QtCore import Qt

PopoverKind = Literal["popup", "panel", "window"]

#: A second activation this soon after one is the same click reported twice: for the second
#: press of a double click swaybar and waybar (GTK's press and double-press events) each send
#: ``Activate`` twice, a few milliseconds apart; a person's clicks are further apart.
REPEAT_SECONDS = 0.05
Shown = Literal["menu", "popover", "nothing"]


def is_wayland(platform_name: str) -> bool:
    """``QGuiApplication.platformName()`` is ``wayland`` or e.g. ``wayland-egl``."""
    return platform_name.startswith("wayland")


def popover_kind(platform_name: str, *, as_window: bool = False) -> PopoverKind:
    if as_window:
        return "window"
    return "panel" if is_wayland(platform_name) else "popup"


def window_flags(kind: PopoverKind) -> Qt.WindowType:
    if kind == "window":
        return Qt.WindowType.Window
    if kind == "panel":
        return Qt.WindowType.Tool | Qt.WindowType.FramelessWindowHint
    return Qt.WindowType.Popup | Qt.WindowType.FramelessWindowHint


def context_surface(platform_name: str, *, menu_visible: bool) -> Shown:
    """What a context activation (a right click the host reports with ``ContextMenu``)
    shows: nothing more when Qt has already popped up the menu (XEmbed trays do), the
    popover on Wayland (which has Refresh, Settings and Quit; a parentless menu cannot map
    there), the menu at the pointer on X11. macOS and Windows show the menu themselves and
    keep doing so (nothing more)."""
    if menu_visible:
        return "nothing"
    if is_wayland(platform_name):
        return "popover"
    return "menu" if platform_name == "xcb" else "nothing"
