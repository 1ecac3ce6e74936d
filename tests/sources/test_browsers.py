"""Reading browser profiles: real cookie databases, every failure and its message (where the
profiles are: test_browser_profiles.py)."""

from __future__ import annotations

import contextlib
import shutil
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from claude_meter.core import retry_words
from claude_meter.core.errors import NotSignedIn
from claude_meter.sources import browsers as b
from claude_meter.sources.browser_profiles import discover_profiles
from claude_meter.sources.browsers import (
    BrowserUnreadable,
    NoBrowserSession,
    distinct_accounts,
    no_session_message,
    read_profile,
    scan_browsers,
)
from tests.conftest import NOW, TEST_SESSION_KEY
from tests.sources.profiles import (
    chromium_profile,
    write_firefox_cookies,
)

ORG = "5c2a7f10-0000-4000-8000-000000000001"


def _profile(tmp_path: Path, **kw: Any) -> b.BrowserProfile:
    cookies = kw.pop("cookies", {"sessionKey": TEST_SESSION_KEY, "lastActiveOrg": ORG})
    root = tmp_path / ".config/chromium"
    chromium_profile(root, "Default", cookies, **kw)
    (profile,) = discover_profiles("linux", tmp_path, {})
    return profile


def test_reads_a_basic_store_profile_without_dbus(tmp_path: Path) -> None:
    profile = _profile(tmp_path)
    session = read_profile(profile, platform="linux", now=NOW, environ={})
    assert session.cookies.session_key.reveal() == TEST_SESSION_KEY
    assert session.cookies.org_hint == ORG
    assert session.created_at == datetime(2026, 11, 20, tzinfo=UTC)
    assert session.expires_at == datetime(2030, 1, 1, tzinfo=UTC)


def test_browser_cookie3_dbus_keyerror_is_caught(tmp_path: Path) -> None:
    """0.20.1 raises KeyError('DBUS_SESSION_BUS_ADDRESS') with no session bus; we read anyway."""
    import browser_cookie3

    profile = _profile(tmp_path)
    with pytest.raises(KeyError, match="DBUS_SESSION_BUS_ADDRESS"):
        browser_cookie3.Chromium(cookie_file=str(profile.cookie_file), domain_name="claude.ai")
    # The environment claims a bus (so browser-cookie3 is asked first) but the process has none.
    environ = {"DBUS_SESSION_BUS_ADDRESS": "unix:path=/nonexistent"}
    session = read_profile(profile, platform="linux", now=NOW, environ=environ)
    assert session.cookies.session_key.reveal() == TEST_SESSION_KEY


def test_reads_firefox_cookies_sqlite(tmp_path: Path) -> None:
    root = tmp_path / ".mozilla/firefox"
    write_firefox_cookies(
        root / "ab12.default/cookies.sqlite",
        {"sessionKey": TEST_SESSION_KEY, "lastActiveOrg": ORG, "cf_clearance": "cf-1"},
    )
    with contextlib.closing(sqlite3.connect(root / "ab12.default/cookies.sqlite")) as db:
        db.execute(
            "INSERT INTO moz_cookies(name, value, host, path, expiry, creationTime)"
            " VALUES ('sessionKey', 'not-ours', 'notclaude.ai', '/', 1900000000, 1)"
        )
        db.commit()
    (profile,) = discover_profiles("linux", tmp_path, {})
    session = read_profile(profile, platform="linux", now=NOW)
    assert session.cookies.session_key.reveal() == TEST_SESSION_KEY
    assert set(session.cookies.names) == {"sessionKey", "lastActiveOrg", "cf_clearance"}
    assert session.created_at == datetime(2026, 11, 20, tzinfo=UTC)


def test_a_locked_database_is_read_from_a_copy(tmp_path: Path) -> None:
    profile = _profile(tmp_path)
    with contextlib.closing(sqlite3.connect(profile.cookie_file, timeout=0)) as browser:
        browser.execute("PRAGMA locking_mode = EXCLUSIVE")
        browser.execute("BEGIN EXCLUSIVE")
        browser.execute("UPDATE cookies SET path = '/' WHERE 0")
        other = contextlib.closing(sqlite3.connect(profile.cookie_file, timeout=0))
        with pytest.raises(sqlite3.OperationalError, match="locked"), other as db:
            db.execute("SELECT count(*) FROM cookies").fetchone()
        session = read_profile(profile, platform="linux", now=NOW, environ={})
        browser.rollback()
    assert session.cookies.session_key.reveal() == TEST_SESSION_KEY


def _failure(profile: b.BrowserProfile, platform: str = "linux", **kw: Any) -> NotSignedIn:
    with pytest.raises(NotSignedIn) as info:
        read_profile(profile, platform=platform, now=NOW, **kw)
    assert TEST_SESSION_KEY not in str(info.value)
    return info.value


def test_no_claude_session(tmp_path: Path) -> None:
    profile = _profile(tmp_path, cookies={"other": "x"})
    failure = _failure(profile, environ={})
    assert isinstance(failure, NoBrowserSession)
    assert failure.message == "Chromium (Default) is not signed in to claude.ai."
    scan = scan_browsers([profile], platform="linux", now=NOW, environ={})
    assert scan.sessions == []
    assert [p for p, _ in scan.failures] == [profile]


def test_no_browser_message_names_what_was_looked_for(tmp_path: Path) -> None:
    assert no_session_message([], "linux") == (
        "No browser profile was found (looked for Chrome, Chromium, Brave, Edge, Vivaldi, "
        "Opera, Firefox, LibreWolf)."
    )
    assert "Arc" in no_session_message([], "darwin")
    assert "Safari" in no_session_message([], "darwin")
    profile = _profile(tmp_path, cookies={"other": "x"})
    assert no_session_message([profile], "linux") == ("No claude.ai sign-in in Chromium (Default).")


def test_expired_cookie(tmp_path: Path) -> None:
    profile = _profile(tmp_path, expires=datetime(2026, 11, 1, tzinfo=UTC))
    failure = _failure(profile, environ={})
    assert getattr(failure, "reason", None) == "expired"
    assert failure.message == (
        "The claude.ai session in Chromium (Default) expired on 2026-11-01. "
        "Open claude.ai in Chromium and sign in again."
    )


def test_app_bound_v20_cookies_on_windows(tmp_path: Path) -> None:
    profile = _profile(tmp_path, prefix=b"v20")
    failure = _failure(profile, platform="win32", environ={})
    assert isinstance(failure, BrowserUnreadable)
    assert failure.reason == "app_bound"
    assert "app-bound encryption" in failure.message
    assert "browser extension" in failure.message


def test_macos_keychain_prompt_refused(tmp_path: Path) -> None:
    # Encrypted with a key the reader never got: what happens when the prompt is refused.
    profile = _profile(tmp_path, password=b"the-keychain-key")
    failure = _failure(profile, platform="darwin", environ={})
    assert getattr(failure, "reason", None) == "key"
    assert "Chromium Safe Storage" in failure.message
    assert "Refresh and choose Allow when macOS asks, or paste" in failure.message
    assert "command" not in failure.message  # the tray has no command to run again
    with retry_words.one_shot():
        failure = _failure(profile, platform="darwin", environ={})
    assert "Run the command again and choose Allow, or paste" in failure.message


def test_linux_keyring_key_without_dbus(tmp_path: Path) -> None:
    profile = _profile(tmp_path, password=b"from-gnome-keyring", prefix=b"v11")
    failure = _failure(profile, environ={})
    assert "needs a D-Bus session" in failure.message
    failure = _failure(profile, environ={"DBUS_SESSION_BUS_ADDRESS": "unix:path=/nonexistent"})
    assert "was not found in the desktop keyring" in failure.message


def test_copy_refused_by_a_running_browser_on_windows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    profile = _profile(tmp_path)

    def refuse(*_: object, **__: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(shutil, "copyfile", refuse)
    failure = _failure(profile, platform="win32", environ={})
    assert getattr(failure, "reason", None) == "locked"
    assert "Close Chromium and try again" in failure.message
    assert "extension" in failure.message
    failure = _failure(profile, platform="darwin", environ={})
    assert "Full Disk Access" in failure.message


def test_not_a_cookie_database(tmp_path: Path) -> None:
    profile = _profile(tmp_path)
    profile.cookie_file.write_bytes(b"this is not sqlite" * 100)
    failure = _failure(profile, environ={})
    assert getattr(failure, "reason", None) == "unreadable"


def test_distinct_accounts(tmp_path: Path) -> None:
    root = tmp_path / ".config/chromium"
    chromium_profile(root, "Default", {"sessionKey": "k1", "lastActiveOrg": ORG})
    chromium_profile(root, "Profile 1", {"sessionKey": "k2", "lastActiveOrg": ORG})
    chromium_profile(root, "Profile 2", {"sessionKey": "k3", "lastActiveOrg": "other-org"})
    chromium_profile(root, "Profile 3", {"sessionKey": "k3"})
    profiles = discover_profiles("linux", tmp_path, {})
    scan = scan_browsers(profiles, platform="linux", now=NOW, environ={})
    assert len(scan.sessions) == 4
    assert [s.profile.name for s in distinct_accounts(scan.sessions)] == ["Default", "Profile 2"]


def test_a_failure_inside_browser_cookie3_is_said_in_words(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whatever the third-party parser raises (here: a bug of its own) is said as what to do,
    never as the exception's type name or text."""

    class Broken:
        def load(self) -> None:
            raise ValueError("sessionKey=sk-ant-sid01-not-shown")

    monkeypatch.setattr(b, "_basic_store_reader", lambda *_: Broken())
    failure = _failure(_profile(tmp_path), environ={})
    assert getattr(failure, "reason", None) == "unreadable"
    assert failure.message == (
        "Chromium (Default)'s cookies could not be read (ClaudeMeter's cookie reader failed on "
        "them). Paste the session with `claude-meter login --paste` instead."
    )
