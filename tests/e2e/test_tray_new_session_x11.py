"""A pasted account's session expires and gets a new one in the real tray's Settings window on
X11 (trayer on Xvfb, dunst, gnome-keyring on the session bus), against the fake claude.ai
serving both accounts: Work (added on the command line, its session in its own keyring entry)
is signed out on the server; the tray says so, naming Settings' Paste new session…; a new
session typed there (by xdotool, into the password field) is stored, Work reads again at
once under the same id, its "expired" state gives way, and its history is still its own
(never "Removed account (work)"). Screenshots are kept in ``test-artifacts/``."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from claude_meter.core.account_view import expired_title
from tests.e2e.accounts_tray import (
    accounts_shown,
    add_work,
    requests_of,
    secrets_kept_out,
    two_account_server,
    two_accounts_env,
)
from tests.e2e.desktop import (
    Desktop,
    claude_meter,
    logged,
    private_desktop,
    start_tray,
    stop_demo_tray,
    wait_for,
)
from tests.e2e.processes import gnome_keyring
from tests.e2e.screens import shoot, visible_window
from tests.e2e.test_tray_accounts_settings_x11 import keys, open_settings, settings_file

pytestmark = pytest.mark.e2e
RENEWED = "sk-ant-sid01-fake-work-renewed-0a1b2c3d4e5f60718293a4b5c6d7e8f9"
PASTE_NEW = "Settings… → Accounts: choose Work, then Paste new session…"


def command(env: dict[str, str], *args: str) -> Any:
    """``claude-meter ARGS`` (a JSON answer), as a script would run it beside the tray."""
    done = subprocess.run([claude_meter(), *args], capture_output=True, text=True, timeout=60,
                          check=False, env=env)  # fmt: skip
    assert RENEWED not in done.stdout + done.stderr
    return json.loads(done.stdout)


def work_cached(env: dict[str, str]) -> dict[str, Any]:
    """Work's newest reading as the tray stored it (``status --cached``; empty: none yet)."""
    shown = command(env, "status", "--cached", "--json", "--account", "Work")["accounts"]
    assert len(shown) <= 1
    entry: dict[str, Any] = shown[0] if shown else {}
    return entry


def click_icon(desktop: Desktop) -> None:
    x, y, w, h = wait_for("the icon in place", desktop.tray_icon)
    desktop.run("xdotool", "mousemove", str(x + w // 2), str(y + h // 2), "click", "1")


def test_an_expired_pasted_account_gets_a_new_session_in_settings(tmp_path: Path) -> None:
    with two_account_server() as server, private_desktop() as desktop:
        log_path = tmp_path / "tray.log"
        env = two_accounts_env(tmp_path, server, desktop.env)
        keyring = gnome_keyring(env["DBUS_SESSION_BUS_ADDRESS"], env)
        keyring.__enter__()
        app = start_tray(env, log_path)
        try:
            wait_for("the icon embedded in trayer", desktop.tray_icon)
            wait_for("Personal read", lambda: requests_of(server, "personal") >= 2 or None)
            add_work(env)
            wait_for("Work read", lambda: requests_of(server, "work") >= 2 or None, timeout=30)
            wait_for("Work's reading kept", lambda: work_cached(env).get("org_uuid"))
            history_before = command(env, "history", "--json", "--account", "Work")
            assert history_before

            server.sign_in_again("work", RENEWED)  # the pasted session expires
            bodies = wait_for(
                "the expiry notification naming the way to paste a new one",
                lambda: [
                    n["body"]["data"]
                    for n in desktop.notifications()
                    if n["summary"]["data"] == expired_title("Work")
                ] or None,
                timeout=30,
            )  # fmt: skip
            assert PASTE_NEW in bodies[0], bodies
            expired = wait_for("Work's reading says so", lambda: work_cached(env).get("error"))
            assert expired.startswith("The claude.ai session pasted for Work has expired")
            click_icon(desktop)
            wait_for("the popover", lambda: "Work · " in (accounts_shown(log_path) or "") or None)
            desktop.screenshot("new-session-popover-expired-x11.png")
            desktop.run("xdotool", "key", "Escape")

            settings = open_settings(desktop, "new-session-settings")
            shoot(desktop, settings, "new-session-settings-x11.png")
            keys(desktop, settings, "alt+n")  # Paste &new session… on Work, the newest
            dialog = wait_for(
                "the Paste new session dialog", lambda: visible_window(desktop, "Paste new session")
            )
            desktop.run("xdotool", "type", "--delay", "5", f"sessionKey={RENEWED}")
            shoot(desktop, dialog, "new-session-dialog-x11.png")
            asked = requests_of(server, "work")
            keys(desktop, dialog, "Return")  # Store
            wait_for(
                "the dialog closed",
                lambda: visible_window(desktop, "Paste new session") is None,
                timeout=30,
            )
            assert logged(log_path, "new session stored for a pasted account")
            wait_for("Work read again", lambda: requests_of(server, "work") >= asked + 3 or None,
                     timeout=30)  # fmt: skip
            wait_for("Work's reading without the error",
                     lambda: work_cached(env).get("error") is None or None, timeout=30)  # fmt: skip
            keys(desktop, settings, "Escape")

            click_icon(desktop)
            shown = wait_for(
                "Work's numbers in the popover",
                lambda: (accounts_shown(log_path) or "").endswith("Team 58%") or None,
            )
            assert shown
            desktop.screenshot("new-session-popover-again-x11.png")
            desktop.run("xdotool", "key", "Escape")

            saved = settings_file(env)
            assert [(a["id"], a["name"]) for a in saved["accounts"]] == [("work", "Work")]
            assert saved.get("retired_account_ids", []) == []
            assert RENEWED not in json.dumps(saved)
            history = command(env, "history", "--json")
            work_rows = [r for r in history if r["account_id"] == "work"]
            assert {r["account"] for r in work_rows} == {"Work"}  # never "Removed account"
            assert {r["time"] for r in history_before} <= {r["time"] for r in work_rows}
        finally:
            text = stop_demo_tray(app, log_path)
            keyring.__exit__(None, None, None)
        secrets_kept_out(server, log_path)
        assert RENEWED not in text
        assert "polling account work-2" not in text
