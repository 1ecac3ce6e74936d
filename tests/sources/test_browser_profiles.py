"""The browser table and profile discovery: where each browser keeps its profiles on each
OS, found in real profile folders built in a temporary home."""

from __future__ import annotations

from pathlib import Path

import pytest

from claude_meter.sources import browser_profiles as b
from claude_meter.sources.browser_profiles import browser_named, discover_profiles, profile_roots
from tests.sources.profiles import chromium_profile, write_chromium_cookies, write_firefox_cookies

HOME = Path("/home/ada")


@pytest.mark.parametrize(
    ("browser", "platform", "env", "expected"),
    [
        (
            "chromium",
            "linux",
            {},
            [
                HOME / ".config/chromium",
                HOME / "snap/chromium/common/chromium",
                HOME / ".var/app/org.chromium.Chromium/config/chromium",
            ],
        ),
        ("chrome", "linux", {}, [HOME / ".config/google-chrome",
                                  HOME / ".config/google-chrome-beta",
                                  HOME / ".config/google-chrome-unstable",
                                  HOME / ".var/app/com.google.Chrome/config/google-chrome"]),
        ("brave", "darwin", {}, [HOME / "Library/Application Support/BraveSoftware/Brave-Browser"]),
        ("arc", "darwin", {}, [HOME / "Library/Application Support/Arc/User Data"]),
        ("arc", "linux", {}, []),
        ("safari", "linux", {}, []),
        (
            "safari",
            "darwin",
            {},
            [
                HOME / "Library/Containers/com.apple.Safari/Data/Library/Cookies",
                HOME / "Library/Cookies",
            ],
        ),
        ("edge", "win32", {"LOCALAPPDATA": "C:/Users/ada/AppData/Local"},
         [Path("C:/Users/ada/AppData/Local/Microsoft/Edge/User Data")]),
        ("firefox", "win32", {}, [HOME / "AppData/Roaming/Mozilla/Firefox"]),
        ("opera", "win32", {"APPDATA": "D:/roaming"},
         [Path("D:/roaming/Opera Software/Opera Stable")]),
        ("vivaldi", "linux", {}, [HOME / ".config/vivaldi", HOME / ".config/vivaldi-snapshot",
                                  HOME / ".var/app/com.vivaldi.Vivaldi/config/vivaldi"]),
        ("librewolf", "darwin", {}, [HOME / "Library/Application Support/librewolf"]),
        ("firefox", "linux", {}, [HOME / ".mozilla/firefox",
                                  HOME / "snap/firefox/common/.mozilla/firefox",
                                  HOME / ".var/app/org.mozilla.firefox/.mozilla/firefox"]),
    ],
)  # fmt: skip
def test_profile_roots_per_os(
    browser: str, platform: str, env: dict[str, str], expected: list[Path]
) -> None:
    found = browser_named(browser)
    assert found is not None
    assert profile_roots(found, platform, HOME, env) == expected


def test_the_table_has_every_browser_of_the_issue() -> None:
    assert b.BROWSER_KEYS == (
        "chrome", "chromium", "brave", "edge", "vivaldi", "opera", "arc", "firefox",
        "librewolf", "safari",
    )  # fmt: skip
    by_os = {key: set(browser_named(key).roots) for key in b.BROWSER_KEYS}  # type: ignore[union-attr]
    assert by_os["arc"] == {"darwin"}
    assert by_os["safari"] == {"darwin"}
    assert all(by_os[k] == {"linux", "darwin", "win32"} for k in b.BROWSER_KEYS[:6])
    assert browser_named("Firefox") is browser_named("firefox")
    assert browser_named("netscape") is None


def test_discovers_every_profile_of_every_browser(tmp_path: Path) -> None:
    home = tmp_path
    chromium = home / ".config/chromium"
    chromium_profile(chromium, "Default", {"sessionKey": "a"})
    chromium_profile(chromium, "Profile 2", {"sessionKey": "b"}, display="Work")
    write_chromium_cookies(home / ".config/google-chrome/Default/Network/Cookies", {"x": "y"})
    write_chromium_cookies(home / ".config/opera/Cookies", {"x": "y"})  # Opera: no profile folder
    (home / ".config/BraveSoftware/Brave-Browser/Default").mkdir(parents=True)  # no cookie file
    firefox = home / ".mozilla/firefox"
    write_firefox_cookies(firefox / "ab12.default-release/cookies.sqlite", {"x": "y"})
    write_firefox_cookies(firefox / "cd34.work/cookies.sqlite", {"x": "y"})
    (firefox / "profiles.ini").write_text(
        "[Profile0]\nName=default-release\nIsRelative=1\nPath=ab12.default-release\n\n"
        "[Profile1]\nName=Work\nIsRelative=1\nPath=cd34.work\n"
    )
    profiles = discover_profiles("linux", home, {})
    assert [(p.browser.key, p.name, p.display_name) for p in profiles] == [
        ("chrome", "Default", None),
        ("chromium", "Default", "Default"),
        ("chromium", "Profile 2", "Work"),
        ("opera", "Default", None),
        ("firefox", "ab12.default-release", "default-release"),
        ("firefox", "cd34.work", "Work"),
    ]
    assert profiles[0].cookie_file == home / ".config/google-chrome/Default/Network/Cookies"
    assert profiles[2].label == "Chromium (Profile 2, “Work”)"
    assert profiles[2].matches("work")
    assert profiles[2].matches("Profile 2")


def test_discovers_macos_profiles_by_their_paths(tmp_path: Path) -> None:
    support = tmp_path / "Library/Application Support"
    write_chromium_cookies(support / "Arc/User Data/Default/Cookies", {"x": "y"})
    safari = tmp_path / "Library/Containers/com.apple.Safari/Data/Library/Cookies"
    safari.mkdir(parents=True)
    (safari / "Cookies.binarycookies").write_bytes(b"cook")
    (tmp_path / "Library/Cookies").mkdir(parents=True)
    (tmp_path / "Library/Cookies/Cookies.binarycookies").write_bytes(b"cook")
    keys = [(p.browser.key, p.directory) for p in discover_profiles("darwin", tmp_path, {})]
    assert keys == [("arc", support / "Arc/User Data/Default"), ("safari", safari)]
    assert discover_profiles("linux", tmp_path, {}) == []
