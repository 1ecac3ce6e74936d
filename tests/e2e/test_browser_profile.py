"""A real Chromium profile, signed in to the fake claude.ai, read by a real ``claude-meter``.

Debian's ``chromium`` runs headless with ``--user-data-dir`` at the standard place inside a
temporary ``HOME`` and ``--password-store=basic``, resolves claude.ai to the fake server over
HTTPS and visits its sign-in link, which sets ``sessionKey`` the way claude.ai does. Then
``claude-meter status --json --source web`` with that ``HOME`` finds the profile by itself,
reads the cookie and shows the fake server's numbers. The CLI's own requests go to a second
fake server (same session key) over plain loopback HTTP, so the CLI needs no extra trust
store: the browser half proves the cookie came over HTTPS, the CLI half that it was read.

Run with a private D-Bus session and with no D-Bus at all (browser-cookie3 0.20.1 raises
``KeyError('DBUS_SESSION_BUS_ADDRESS')`` there unless handled).
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from claude_meter.fake import FakeClaude
from tests.conftest import TEST_SESSION_KEY
from tests.e2e.processes import private_dbus, wait_until
from tests.support.tools import require_tool

pytestmark = pytest.mark.e2e


def chromium_sign_in(
    chromium: str,
    home: Path,
    https: FakeClaude,
    env: dict[str, str],
    *,
    account: str | None = None,
    user_data: Path | None = None,
) -> Path:
    """Visit the fake sign-in page in a headless Chromium (as ``account`` of a fake serving
    several); the profile's cookie file. ``user_data``: another browser than ``home``'s."""
    user_data = user_data or home / ".config" / "chromium"
    which = f"account={account}&" if account else ""
    args = [
        chromium, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-quic", f"--user-data-dir={user_data}", "--password-store=basic",
        "--ignore-certificate-errors",
        f"--host-resolver-rules=MAP claude.ai 127.0.0.1:{https.port}",
        "--dump-dom", f"https://claude.ai/login?{which}session=1",
    ]  # fmt: skip
    done = subprocess.run(args, capture_output=True, text=True, timeout=90, check=False, env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Signed in" in done.stdout
    cookie_file = user_data / "Default" / "Cookies"
    wait_until(lambda: _has_session_row(cookie_file), 20, "the sessionKey row in Chromium's DB")
    return cookie_file


def _has_session_row(cookie_file: Path) -> bool:
    if not cookie_file.is_file():
        return False
    try:
        with contextlib.closing(sqlite3.connect(f"file:{cookie_file}?mode=ro", uri=True)) as db:
            row = db.execute(
                "SELECT encrypted_value FROM cookies WHERE host_key = 'claude.ai'"
                " AND name = 'sessionKey'"
            ).fetchone()
    except sqlite3.Error:
        return False
    return row is not None and bytes(row[0]).startswith(b"v10")


@pytest.fixture(params=["private-dbus", "no-dbus"])
def bus_env(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dict[str, str]]:
    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "DBUS_SESSION_BUS_ADDRESS"}
    env.update(HOME=str(home), XDG_RUNTIME_DIR=str(tmp_path / "run"))
    (tmp_path / "run").mkdir(mode=0o700)
    if request.param == "no-dbus":
        yield env
        return
    with private_dbus(tmp_path / "bus") as address:
        yield {**env, "DBUS_SESSION_BUS_ADDRESS": address}


def test_status_reads_a_real_chromium_profile(bus_env: dict[str, str]) -> None:
    chromium = require_tool("chromium")
    home = Path(bus_env["HOME"])
    with (
        FakeClaude(tls=True, session_key=TEST_SESSION_KEY) as https,
        FakeClaude(session_key=TEST_SESSION_KEY) as http,
    ):
        chromium_sign_in(chromium, home, https, bus_env)
        assert any(r.path == "/login?session=1" for r in https.request_log)
        done = subprocess.run(
            [sys.executable, "-m", "claude_meter", "status", "--json", "--source", "web"],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
            env={**bus_env, "CLAUDE_METER_BASE_URL": http.base_url},
        )
        assert done.returncode == 0, done.stderr
        data = json.loads(done.stdout)
        assert data["source"] == "web"
        org = data["organizations"][0]
        window = org["windows"][0]
        assert (window["key"], window["percent"]) == ("five_hour", 37.0)
        assert org["worst"] == {"key": "seven_day", "percent": 64.0}
        calls = [r for r in http.request_log if r.path == "/api/organizations"]
        assert calls
        assert all(r.authenticated for r in calls)
        assert TEST_SESSION_KEY not in done.stdout + done.stderr
        assert "Traceback" not in done.stderr

        sources = subprocess.run(
            [sys.executable, "-m", "claude_meter", "sources", "--json"],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
            env=bus_env,
        )
        assert sources.returncode == 0, sources.stderr
        found = [s for s in json.loads(sources.stdout)["sources"] if s["kind"] == "browser"]
        assert [(s["browser"], s["profile"], s["state"]) for s in found] == [
            ("chromium", "Default", "signed_in")
        ]
        assert found[0]["org_hint"]
        assert TEST_SESSION_KEY not in sources.stdout + sources.stderr
