"""Real cookie databases, built the way the browsers write them, for the source tests."""

from __future__ import annotations

import contextlib
import hashlib
import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from Cryptodome.Cipher import AES
from Cryptodome.Protocol.KDF import PBKDF2
from Cryptodome.Util.Padding import pad

CHROMIUM_EPOCH = datetime(1601, 1, 1, tzinfo=UTC)
FAR_FUTURE = datetime(2030, 1, 1, tzinfo=UTC)


def chromium_time(moment: datetime) -> int:
    return (moment - CHROMIUM_EPOCH) // timedelta(microseconds=1)


def encrypt_v10(value: str, host: str, password: bytes = b"peanuts") -> bytes:
    """What Chromium on Linux with ``--password-store=basic`` writes (cookie DB version 24)."""
    key = PBKDF2(password, b"saltysalt", 16, 1)  # type: ignore[arg-type]
    plain = hashlib.sha256(host.encode()).digest() + value.encode()
    return b"v10" + AES.new(key, AES.MODE_CBC, b" " * 16).encrypt(pad(plain, 16))


def write_chromium_cookies(
    path: Path,
    cookies: dict[str, str],
    *,
    host: str = "claude.ai",
    created: datetime = datetime(2026, 11, 20, tzinfo=UTC),
    expires: datetime = FAR_FUTURE,
    password: bytes = b"peanuts",
    prefix: bytes | None = None,
) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.closing(sqlite3.connect(path)) as db:
        db.execute("CREATE TABLE meta(key LONGVARCHAR NOT NULL UNIQUE PRIMARY KEY, value)")
        db.execute("INSERT INTO meta VALUES ('version', '24'), ('last_compatible_version', '24')")
        db.execute(
            "CREATE TABLE cookies(creation_utc INTEGER, host_key TEXT, name TEXT, value TEXT,"
            " encrypted_value BLOB, path TEXT, expires_utc INTEGER, is_secure INTEGER,"
            " is_httponly INTEGER)"
        )
        for name, value in cookies.items():
            encrypted = encrypt_v10(value, host, password)
            if prefix is not None:
                encrypted = prefix + encrypted[3:]
            db.execute(
                "INSERT INTO cookies VALUES (?, ?, ?, '', ?, '/', ?, 1, 1)",
                (chromium_time(created), host, name, encrypted, chromium_time(expires)),
            )
        db.commit()
    return path


def chromium_profile(
    root: Path,
    profile: str,
    cookies: dict[str, str],
    *,
    display: str | None = None,
    **kw: Any,
) -> Path:
    """A profile folder under a Chromium user-data folder, named in ``Local State``."""
    path = write_chromium_cookies(root / profile / "Cookies", cookies, **kw)
    state_file = root / "Local State"
    state = json.loads(state_file.read_text()) if state_file.exists() else {}
    cache = state.setdefault("profile", {}).setdefault("info_cache", {})
    cache[profile] = {"name": display or profile}
    state_file.write_text(json.dumps(state))
    return path


def write_firefox_cookies(
    path: Path,
    cookies: dict[str, str],
    *,
    host: str = ".claude.ai",
    created: datetime = datetime(2026, 11, 20, tzinfo=UTC),
    expires: datetime = FAR_FUTURE,
) -> Path:
    """Firefox's ``cookies.sqlite`` (schema of Firefox 1xx, the columns that matter)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.closing(sqlite3.connect(path)) as db:
        db.execute(
            "CREATE TABLE moz_cookies(id INTEGER PRIMARY KEY, originAttributes TEXT NOT NULL"
            " DEFAULT '', name TEXT, value TEXT, host TEXT, path TEXT, expiry INTEGER,"
            " lastAccessed INTEGER, creationTime INTEGER, isSecure INTEGER, isHttpOnly INTEGER,"
            " inBrowserElement INTEGER DEFAULT 0, sameSite INTEGER DEFAULT 0,"
            " rawSameSite INTEGER DEFAULT 0, schemeMap INTEGER DEFAULT 0)"
        )
        micros = int(created.timestamp() * 1_000_000)
        for name, value in cookies.items():
            db.execute(
                "INSERT INTO moz_cookies(name, value, host, path, expiry, lastAccessed,"
                " creationTime, isSecure, isHttpOnly) VALUES (?, ?, ?, '/', ?, ?, ?, 1, 1)",
                (name, value, host, int(expires.timestamp()), micros, micros),
            )
        db.commit()
    return path
