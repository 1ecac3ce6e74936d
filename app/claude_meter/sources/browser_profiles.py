"""Where every browser keeps its profiles, as data per OS, and finding the profiles there.

:data:`BROWSERS` is the table (tests check it and build real profiles in a temporary
``HOME``); :func:`discover_profiles` lists every profile with a cookie file, with the name
the person gave it. Nothing here reads a cookie: that is :mod:`claude_meter.sources.browsers`.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Final, Literal

import msgspec

from claude_meter.core import json_input

Family = Literal["chromium", "firefox", "safari"]


class Browser(msgspec.Struct, frozen=True):
    """One supported browser: its name, its cookie format, where its profiles live per OS.

    ``roots`` maps ``linux`` / ``darwin`` / ``win32`` to folder templates: ``~/`` is the home
    folder, ``%LOCALAPPDATA%/`` and ``%APPDATA%/`` the Windows folders of those names.
    """

    key: str
    label: str
    family: Family
    reader: str  # the browser-cookie3 class that decrypts this browser's cookies
    roots: Mapping[str, tuple[str, ...]]


_MAC: Final = "~/Library/Application Support/"

#: Every browser we look in, in the order ``auto`` tries them.
BROWSERS: Final[tuple[Browser, ...]] = (
    Browser(
        "chrome",
        "Chrome",
        "chromium",
        "Chrome",
        {
            "linux": (
                "~/.config/google-chrome",
                "~/.config/google-chrome-beta",
                "~/.config/google-chrome-unstable",
                "~/.var/app/com.google.Chrome/config/google-chrome",
            ),
            "darwin": (_MAC + "Google/Chrome", _MAC + "Google/Chrome Beta"),
            "win32": ("%LOCALAPPDATA%/Google/Chrome/User Data",),
        },
    ),
    Browser(
        "chromium",
        "Chromium",
        "chromium",
        "Chromium",
        {
            "linux": (
                "~/.config/chromium",
                "~/snap/chromium/common/chromium",
                "~/.var/app/org.chromium.Chromium/config/chromium",
            ),
            "darwin": (_MAC + "Chromium",),
            "win32": ("%LOCALAPPDATA%/Chromium/User Data",),
        },
    ),
    Browser(
        "brave",
        "Brave",
        "chromium",
        "Brave",
        {
            "linux": (
                "~/.config/BraveSoftware/Brave-Browser",
                "~/.var/app/com.brave.Browser/config/BraveSoftware/Brave-Browser",
            ),
            "darwin": (_MAC + "BraveSoftware/Brave-Browser",),
            "win32": ("%LOCALAPPDATA%/BraveSoftware/Brave-Browser/User Data",),
        },
    ),
    Browser(
        "edge",
        "Edge",
        "chromium",
        "Edge",
        {
            "linux": (
                "~/.config/microsoft-edge",
                "~/.config/microsoft-edge-beta",
                "~/.config/microsoft-edge-dev",
                "~/.var/app/com.microsoft.Edge/config/microsoft-edge",
            ),
            "darwin": (_MAC + "Microsoft Edge",),
            "win32": ("%LOCALAPPDATA%/Microsoft/Edge/User Data",),
        },
    ),
    Browser(
        "vivaldi",
        "Vivaldi",
        "chromium",
        "Vivaldi",
        {
            "linux": (
                "~/.config/vivaldi",
                "~/.config/vivaldi-snapshot",
                "~/.var/app/com.vivaldi.Vivaldi/config/vivaldi",
            ),
            "darwin": (_MAC + "Vivaldi",),
            "win32": ("%LOCALAPPDATA%/Vivaldi/User Data",),
        },
    ),
    Browser(
        "opera",
        "Opera",
        "chromium",
        "Opera",
        {
            "linux": ("~/.config/opera", "~/.var/app/com.opera.Opera/config/opera"),
            "darwin": (_MAC + "com.operasoftware.Opera",),
            "win32": ("%APPDATA%/Opera Software/Opera Stable",),
        },
    ),
    Browser("arc", "Arc", "chromium", "Arc", {"darwin": (_MAC + "Arc/User Data",)}),
    Browser(
        "firefox",
        "Firefox",
        "firefox",
        "Firefox",
        {
            "linux": (
                "~/.mozilla/firefox",
                "~/snap/firefox/common/.mozilla/firefox",
                "~/.var/app/org.mozilla.firefox/.mozilla/firefox",
            ),
            "darwin": (_MAC + "Firefox",),
            "win32": ("%APPDATA%/Mozilla/Firefox",),
        },
    ),
    Browser(
        "librewolf",
        "LibreWolf",
        "firefox",
        "LibreWolf",
        {
            "linux": ("~/.librewolf", "~/.var/app/io.gitlab.librewolf-community/.librewolf"),
            "darwin": (_MAC + "librewolf",),
            "win32": ("%APPDATA%/librewolf",),
        },
    ),
    Browser(
        "safari",
        "Safari",
        "safari",
        "Safari",
        {
            "darwin": (
                "~/Library/Containers/com.apple.Safari/Data/Library/Cookies",
                "~/Library/Cookies",
            )
        },
    ),
)
BROWSER_KEYS: Final = tuple(b.key for b in BROWSERS)


def browser_named(name: str) -> Browser | None:
    """The browser called ``name`` (``chrome``, ``Firefox``, ...), or None."""
    wanted = name.strip().casefold()
    return next((b for b in BROWSERS if wanted in (b.key, b.label.casefold())), None)


def os_key(platform: str) -> str:
    """``sys.platform`` reduced to a key of :attr:`Browser.roots`."""
    if platform.startswith("win"):
        return "win32"
    return "darwin" if platform == "darwin" else "linux"


class BrowserProfile(msgspec.Struct, frozen=True):
    """One browser profile that has a cookie file."""

    browser: Browser
    name: str  # the folder name: "Default", "Profile 1", "abcd1234.default-release"
    directory: Path
    cookie_file: Path
    display_name: str | None = None  # what the browser shows: "Work", "Person 1"

    @property
    def label(self) -> str:
        shown = self.display_name if self.display_name and self.display_name != self.name else None
        return f"{self.browser.label} ({self.name}{f', “{shown}”' if shown else ''})"

    def matches(self, name: str) -> bool:
        wanted = name.strip().casefold()
        return wanted in (self.name.casefold(), (self.display_name or "").casefold())


def expand_root(template: str, home: Path, env: Mapping[str, str]) -> Path:
    """A folder template of :data:`BROWSERS` made concrete for this home and environment."""
    if template.startswith("~/"):
        return home / template[2:]
    match = re.fullmatch(r"%(LOCALAPPDATA|APPDATA)%/(.*)", template)
    if match is None:
        raise ValueError(f"unknown folder template {template!r}")
    var, rest = match.groups()
    default = home / "AppData" / ("Local" if var == "LOCALAPPDATA" else "Roaming")
    base = Path(env[var]) if env.get(var) else default
    return base / rest


def profile_roots(
    browser: Browser, platform: str, home: Path, env: Mapping[str, str]
) -> list[Path]:
    """The folders that may hold ``browser``'s profiles on ``platform``."""
    return [expand_root(t, home, env) for t in browser.roots.get(os_key(platform), ())]


def discover_profiles(
    platform: str,
    home: Path,
    env: Mapping[str, str],
    browsers: Iterable[Browser] = BROWSERS,
) -> list[BrowserProfile]:
    """Every profile with a cookie file, of every browser, in :data:`BROWSERS` order."""
    found: list[BrowserProfile] = []
    for browser in browsers:
        for root in profile_roots(browser, platform, home, env):
            if not root.is_dir():
                continue
            if browser.family == "chromium":
                found += _chromium_profiles(browser, root)
            elif browser.family == "firefox":
                found += _firefox_profiles(browser, root)
            elif (root / "Cookies.binarycookies").is_file():
                found.append(
                    BrowserProfile(browser, "Default", root, root / "Cookies.binarycookies")
                )
                break  # Safari has one store; the sandboxed one comes first
    return found


def _chromium_cookie_file(directory: Path) -> Path | None:
    for candidate in (directory / "Network" / "Cookies", directory / "Cookies"):
        if candidate.is_file():
            return candidate
    return None


def _chromium_profiles(browser: Browser, root: Path) -> list[BrowserProfile]:
    names = _chromium_profile_names(root)
    profiles = []
    own = _chromium_cookie_file(root)  # Opera keeps its one profile in the root itself
    if own is not None:
        profiles.append(BrowserProfile(browser, "Default", root, own))
    directories = [root / "Default", *sorted(root.glob("Profile *"))]
    for directory in directories:
        cookie_file = _chromium_cookie_file(directory) if directory.is_dir() else None
        if cookie_file is not None:
            name = directory.name
            profiles.append(BrowserProfile(browser, name, directory, cookie_file, names.get(name)))
    return profiles


def _chromium_profile_names(root: Path) -> dict[str, str]:
    """Folder name to the name the person gave the profile, from ``Local State``."""
    try:
        state = json_input.loads((root / "Local State").read_text(encoding="utf-8"))
        cache = state["profile"]["info_cache"]
        return {k: v["name"] for k, v in cache.items() if isinstance(v.get("name"), str)}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}


def _firefox_profiles(browser: Browser, root: Path) -> list[BrowserProfile]:
    import configparser  # here: only a Firefox folder has a profiles.ini to read

    names: dict[Path, str] = {}
    config = configparser.ConfigParser(interpolation=None)
    with contextlib.suppress(OSError, configparser.Error, UnicodeDecodeError):
        config.read(root / "profiles.ini", encoding="utf-8")
    for section in config.sections():
        path, name = config[section].get("Path"), config[section].get("Name")
        if path and name:
            relative = config[section].get("IsRelative", "1") != "0"
            names[(root / path if relative else Path(path)).resolve()] = name
    profiles = []
    for cookie_file in sorted(
        [*root.glob("*/cookies.sqlite"), *root.glob("Profiles/*/cookies.sqlite")]
    ):
        directory = cookie_file.parent
        profiles.append(
            BrowserProfile(
                browser, directory.name, directory, cookie_file, names.get(directory.resolve())
            )
        )
    return profiles
