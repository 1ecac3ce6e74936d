"""claude.ai sessions in the browsers' own cookie stores, every profile of every browser.

Where each browser keeps its profiles, and finding them, is
:mod:`claude_meter.sources.browser_profiles` (a table per platform). Reading goes through
``browser-cookie3`` (imported only here, only when a profile is read), always on a *copy* of
the cookie database: a running browser keeps its own locked.

Known failures become :class:`BrowserUnreadable` / :class:`NoBrowserSession` with a message
that says what to do, never a traceback and never a cookie value:

- no D-Bus session on Linux: browser-cookie3 0.20.1 raises ``KeyError('DBUS_SESSION_BUS_ADDRESS')``
  instead of falling back; we read the profile with the basic password store's key, as
  Chromium itself does when it runs without a keyring (``--password-store=basic``);
- the macOS Keychain prompt refused (the "<Browser> Safe Storage" key never arrives);
- Chrome/Edge app-bound (``v20``) cookies on Windows, which no other program can decrypt;
- an expired ``sessionKey``.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Final

import msgspec

from claude_meter.core.errors import NotSignedIn
from claude_meter.core.retry_words import allow_again
from claude_meter.core.server_time import from_epoch

# Re-exported: tests/sources/test_browsers.py reads them as attributes of this module.
from claude_meter.sources.browser_profiles import BROWSER_KEYS as BROWSER_KEYS
from claude_meter.sources.browser_profiles import BROWSERS, os_key
from claude_meter.sources.browser_profiles import BrowserProfile as BrowserProfile
from claude_meter.sources.cookies import SESSION_COOKIE, InvalidCookie, SessionCookies

log = logging.getLogger("claude_meter.sources.browsers")

#: How the command line takes a session by hand, named at the end of the failures below; the
#: tray says its own Settings button instead (``poll/messages.py`` ``Advice.paste_control``).
PASTE_COMMAND: Final = "`claude-meter login --paste`"

CLAUDE_HOSTS: Final = ("claude.ai", ".claude.ai")
_CHROMIUM_EPOCH: Final = datetime(1601, 1, 1, tzinfo=UTC)


# -- reading ---------------------------------------------------------------------------------


class NoBrowserSession(NotSignedIn):
    """The profile holds no claude.ai sign-in (or only an expired one)."""

    def __init__(self, message: str, *, reason: str = "no_session") -> None:
        super().__init__(message)
        self.reason = reason


class BrowserUnreadable(NotSignedIn):
    """The profile's cookies could not be read; ``reason`` names the known cause."""

    def __init__(self, message: str, *, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


class BrowserSession(msgspec.Struct, frozen=True):
    """The claude.ai cookies of one profile; ``created_at`` / ``expires_at`` of its sessionKey."""

    profile: BrowserProfile
    cookies: SessionCookies
    created_at: datetime | None = None
    expires_at: datetime | None = None


class BrowserScan(msgspec.Struct):
    """What looking through the browsers found: sessions, and why the other profiles failed."""

    sessions: list[BrowserSession] = msgspec.field(default_factory=list)
    failures: list[tuple[BrowserProfile, NotSignedIn]] = msgspec.field(default_factory=list)
    looked_at: list[BrowserProfile] = msgspec.field(default_factory=list)


def read_profile(
    profile: BrowserProfile,
    *,
    platform: str,
    now: datetime,
    environ: Mapping[str, str] | None = None,
) -> BrowserSession:
    """The claude.ai session of ``profile``, read from a copy of its cookie database."""
    environ = os.environ if environ is None else environ
    with tempfile.TemporaryDirectory(prefix="claude-meter-cookies-") as tmp:
        copy = _copy_store(profile, Path(tmp), platform)
        created_at = _peek(profile, copy, platform)
        jar = _load(profile, copy, platform, environ)
    pairs = [
        (c.name, c.value)
        for c in jar
        if c.domain in CLAUDE_HOSTS and isinstance(c.value, str) and c.value
    ]
    session = next((c for c in jar if c.domain in CLAUDE_HOSTS and c.name == SESSION_COOKIE), None)
    if session is None or not session.value:
        raise NoBrowserSession(f"{profile.label} is not signed in to claude.ai.")
    expires_at = from_epoch(session.expires, clamp=True) if session.expires else None
    if expires_at is not None and expires_at <= now:
        raise NoBrowserSession(
            f"The claude.ai session in {profile.label} expired on {expires_at:%Y-%m-%d}. "
            f"Open claude.ai in {profile.browser.label} and sign in again.",
            reason="expired",
        )
    try:
        cookies = SessionCookies.from_browser(pairs)
    except InvalidCookie:
        raise NoBrowserSession(
            f"The claude.ai session in {profile.label} cannot be used (its sessionKey holds "
            "characters a Cookie header cannot carry). Sign out of claude.ai there and in again.",
            reason="unusable",
        ) from None
    return BrowserSession(profile, cookies, created_at, expires_at)


def _copy_store(profile: BrowserProfile, tmp: Path, platform: str) -> Path:
    """Copy the cookie database (with its journal or WAL, which hold committed rows)."""
    copy = tmp / profile.cookie_file.name
    try:
        shutil.copyfile(profile.cookie_file, copy)
        for suffix in ("-wal", "-journal"):
            sibling = profile.cookie_file.with_name(profile.cookie_file.name + suffix)
            if sibling.is_file():
                shutil.copyfile(sibling, copy.with_name(copy.name + suffix))
        if profile.browser.family == "firefox":
            recovery = profile.directory / "sessionstore-backups" / "recovery.jsonlz4"
            if recovery.is_file():
                (tmp / "sessionstore-backups").mkdir()
                shutil.copyfile(recovery, tmp / "sessionstore-backups" / recovery.name)
    except OSError as exc:
        raise BrowserUnreadable(_copy_failed(profile, exc, platform), reason="locked") from None
    return copy


def _copy_failed(profile: BrowserProfile, exc: OSError, platform: str) -> str:
    label, browser = profile.label, profile.browser.label
    if os_key(platform) == "darwin" and isinstance(exc, PermissionError):
        return (
            f"macOS did not let ClaudeMeter read {label}'s cookies. Allow it in System "
            "Settings → Privacy & Security → Full Disk Access, or paste the session with "
            f"{PASTE_COMMAND}."
        )
    hint = (
        " On Windows the browser extension is the dependable way to connect."
        if os_key(platform) == "win32"
        else ""
    )
    return (
        f"{label}'s cookie file could not be read ({exc.strerror or type(exc).__name__}). "
        f"Close {browser} and try again, or paste the session with "
        f"{PASTE_COMMAND}.{hint}"
    )


def _peek(profile: BrowserProfile, copy: Path, platform: str) -> datetime | None:
    """When the sessionKey was created; refuses app-bound (``v20``) cookies with a message."""
    if profile.browser.family == "safari":
        return None
    import sqlite3

    family = profile.browser.family
    query = (
        "SELECT creation_utc, substr(encrypted_value, 1, 3) FROM cookies "
        "WHERE host_key IN (?, ?) AND name = ?"
        if family == "chromium"
        else "SELECT creationTime, '' FROM moz_cookies WHERE host IN (?, ?) AND name = ?"
    )
    try:
        with contextlib.closing(sqlite3.connect(copy)) as db:
            row = db.execute(query, (*CLAUDE_HOSTS, SESSION_COOKIE)).fetchone()
    except sqlite3.Error:
        raise BrowserUnreadable(
            f"{profile.label}'s cookie file is not a cookie database this version understands. "
            f"Paste the session with {PASTE_COMMAND} instead.",
            reason="unreadable",
        ) from None
    if row is None:
        raise NoBrowserSession(f"{profile.label} is not signed in to claude.ai.")
    created, prefix = row
    if prefix == b"v20":
        raise BrowserUnreadable(
            f"{profile.browser.label} protects its cookies with app-bound encryption (Windows), "
            "which no other program can read. Use the ClaudeMeter browser extension there, "
            f"or paste the session with {PASTE_COMMAND}.",
            reason="app_bound",
        )
    if not isinstance(created, int) or created <= 0:
        return None
    with contextlib.suppress(OverflowError, ValueError):
        if family == "chromium":
            return _CHROMIUM_EPOCH + timedelta(microseconds=created)
        return datetime.fromtimestamp(created / 1_000_000, tz=UTC)
    return None


def _load(profile: BrowserProfile, copy: Path, platform: str, environ: Mapping[str, str]) -> Any:
    """The copy's claude.ai cookies as a cookie jar, decrypted by browser-cookie3."""
    import browser_cookie3

    reader_class = getattr(browser_cookie3, profile.browser.reader)
    linux = os_key(platform) == "linux"
    try:
        if (
            linux
            and profile.browser.family == "chromium"
            and not environ.get("DBUS_SESSION_BUS_ADDRESS")
        ):
            return _basic_store_reader(browser_cookie3, reader_class, copy).load()
        try:
            return reader_class(cookie_file=str(copy), domain_name="claude.ai").load()
        except KeyError as exc:
            # browser-cookie3 0.20.1 without a D-Bus session; Chromium then uses the basic key.
            if "DBUS_SESSION_BUS_ADDRESS" not in str(exc) or profile.browser.family != "chromium":
                raise
            return _basic_store_reader(browser_cookie3, reader_class, copy).load()
    except browser_cookie3.BrowserCookieError:
        raise BrowserUnreadable(_undecryptable(profile, platform, environ), reason="key") from None
    except Exception as exc:  # noqa: BLE001 - a third-party parser; any failure is "unreadable"
        log.debug("reading %s failed: %s", profile.label, type(exc).__name__)
        raise BrowserUnreadable(
            f"{profile.label}'s cookies could not be read (ClaudeMeter's cookie reader failed "
            f"on them). Paste the session with {PASTE_COMMAND} instead.",
            reason="unreadable",
        ) from None


def _basic_store_reader(module: Any, reader_class: Any, copy: Path) -> Any:
    """A browser-cookie3 reader keyed like Chromium's basic password store (no keyring).

    browser-cookie3 asks the Secret Service in ``__init__`` and fails without D-Bus, so the
    reader is assembled with the fixed ``peanuts`` key, the one Chromium itself uses then.
    """
    reader = object.__new__(reader_class)
    reader.salt, reader.iv, reader.length = b"saltysalt", b" " * 16, 16
    reader.browser, reader.cookie_file, reader.domain_name = "chromium", str(copy), "claude.ai"
    reader.key_file = None
    key = module.PBKDF2(module.CHROMIUM_DEFAULT_PASSWORD, reader.salt, reader.length, 1)
    reader.v10_key = reader.v11_key = key
    reader.v11_empty_key = module.PBKDF2(b"", reader.salt, reader.length, 1)
    return reader


def _undecryptable(profile: BrowserProfile, platform: str, environ: Mapping[str, str]) -> str:
    browser = profile.browser.label
    system = os_key(platform)
    if system == "darwin":
        return (
            f"macOS did not hand over the key to {browser}'s cookies (the Keychain item "
            f"“{browser} Safe Storage”): the prompt was refused or closed. {allow_again()}, "
            f"or paste the session with {PASTE_COMMAND}."
        )
    if system == "win32":
        return (
            f"{browser}'s cookies on this Windows account could not be decrypted. Use the "
            f"ClaudeMeter browser extension, or paste the session with {PASTE_COMMAND}."
        )
    if not environ.get("DBUS_SESSION_BUS_ADDRESS"):
        return (
            f"{profile.label} keeps its cookie key in the desktop keyring, which needs a D-Bus "
            "session, and there is none here. Run ClaudeMeter from your desktop session, "
            f"or paste the session with {PASTE_COMMAND}."
        )
    return (
        f"The key to {profile.label}'s cookies was not found in the desktop keyring "
        "(GNOME Keyring or KWallet): unlock it and try again, or paste the session with "
        f"{PASTE_COMMAND}."
    )


# -- looking through everything --------------------------------------------------------------


def scan_browsers(
    profiles: Sequence[BrowserProfile],
    *,
    platform: str,
    now: datetime,
    environ: Mapping[str, str] | None = None,
) -> BrowserScan:
    """Read every profile given; failures are kept with their message, never raised."""
    scan = BrowserScan(looked_at=list(profiles))
    for profile in profiles:
        try:
            scan.sessions.append(read_profile(profile, platform=platform, now=now, environ=environ))
        except NotSignedIn as exc:
            scan.failures.append((profile, exc))
    return scan


def iter_sessions(
    profiles: Sequence[BrowserProfile],
    *,
    platform: str,
    now: datetime,
    environ: Mapping[str, str] | None = None,
    failures: list[tuple[BrowserProfile, NotSignedIn]] | None = None,
) -> Iterator[BrowserSession]:
    """Read profiles one at a time (so ``auto`` stops at the first that works)."""
    for profile in profiles:
        try:
            yield read_profile(profile, platform=platform, now=now, environ=environ)
        except NotSignedIn as exc:
            if failures is not None:
                failures.append((profile, exc))


def account_key(cookies: SessionCookies) -> str:
    """What makes two sessions the same account without asking the server.

    The same ``sessionKey`` is the same sign-in; two sign-ins whose browsers last used the same
    organization (``lastActiveOrg``) are taken as the same account. The email, when the server
    has told us, is recorded with the remembered choice.
    """
    return f"org:{cookies.org_hint}" if cookies.org_hint else f"key:{hash(cookies.session_key)}"


def distinct_accounts(sessions: Iterable[BrowserSession]) -> list[BrowserSession]:
    """One session per account (the first found, in browser order)."""
    seen: set[str] = set()
    distinct = []
    for session in sessions:
        keys = {account_key(session.cookies), f"key:{hash(session.cookies.session_key)}"}
        if keys & seen:
            continue
        seen |= keys
        distinct.append(session)
    return distinct


def looked_for(platform: str) -> str:
    """The browsers ClaudeMeter reads on ``platform``, as a list for a sentence."""
    return ", ".join(b.label for b in BROWSERS if os_key(platform) in b.roots)


def no_session_message(profiles: Sequence[BrowserProfile], platform: str) -> str:
    """Which browsers and profiles were looked at, for the "not found" message."""
    if not profiles:
        return f"No browser profile was found (looked for {looked_for(platform)})."
    return f"No claude.ai sign-in in {', '.join(p.label for p in profiles)}."
