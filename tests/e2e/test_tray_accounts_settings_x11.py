"""Adding and removing an account in the real tray's Settings window on X11 (trayer on Xvfb,
gnome-keyring on the session bus), against the fake claude.ai serving both accounts: Work,
added with Add account… (its session pasted and typed by xdotool into the password field),
is polled at once and gets its section in the popover; Remove… asks first, then it stops
being polled, its keyring entry goes and its id is retired. Driven by the keyboard, as a
person without a mouse would (the buttons' mnemonics, Return for the default button).
Screenshots are kept in ``test-artifacts/``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from claude_meter.fake.accounts import WORK_ACCOUNT
from tests.e2e.accounts_tray import (
    accounts_shown,
    requests_of,
    secrets_kept_out,
    two_account_server,
    two_accounts_env,
)
from tests.e2e.desktop import (
    Desktop,
    logged,
    private_desktop,
    start_tray,
    stop_demo_tray,
    wait_for,
)
from tests.e2e.processes import gnome_keyring
from tests.e2e.screens import right_click_menu, shoot, visible_window

pytestmark = pytest.mark.e2e


def keys(desktop: Desktop, window: str, *names: str) -> None:
    done = desktop.run("xdotool", "windowfocus", "--sync", window, "key", "--delay", "60", *names)
    assert done.returncode == 0, done.stderr


def open_settings(desktop: Desktop, name: str) -> str:
    """The tray menu (a right click on the icon), then Settings…, third from the bottom."""
    right_click_menu(desktop, wait_for("the icon in place", desktop.tray_icon), name)
    # the menu has the keyboard: Up wraps to Quit ClaudeMeter, then Open log folder, Settings…
    assert (
        desktop.run("xdotool", "key", "--delay", "100", "Up", "Up", "Up", "Return").returncode == 0
    )
    return wait_for("the Settings window", lambda: visible_window(desktop, "ClaudeMeter Settings"))


def settings_file(env: dict[str, str]) -> dict[str, Any]:
    path = Path(env["XDG_CONFIG_HOME"]) / "claude-meter" / "settings.json"
    return json.loads(path.read_text()) if path.exists() else {}


def test_an_account_added_and_removed_in_settings(tmp_path: Path) -> None:
    with two_account_server() as server, private_desktop() as desktop:
        log_path = tmp_path / "tray.log"
        env = two_accounts_env(tmp_path, server, desktop.env)
        keyring = gnome_keyring(env["DBUS_SESSION_BUS_ADDRESS"], env)
        keyring.__enter__()
        app = start_tray(env, log_path)
        try:
            wait_for("the icon embedded in trayer", desktop.tray_icon)
            wait_for("Personal read", lambda: requests_of(server, "personal") >= 2 or None)
            assert requests_of(server, "work") == 0
            settings = open_settings(desktop, "settings-add")
            keys(desktop, settings, "alt+d")  # A&dd account…
            dialog = wait_for(
                "the Add account dialog", lambda: visible_window(desktop, "Add account")
            )
            wait_for(
                "the look for sign-ins ended", lambda: logged(log_path, "accounts found") or True
            )
            keys(desktop, dialog, "ctrl+a")
            desktop.run("xdotool", "type", "--delay", "20", "Work")
            keys(desktop, dialog, "alt+s")  # &Session
            desktop.run("xdotool", "type", "--delay", "5", f"sessionKey={WORK_ACCOUNT.session_key}")
            shoot(desktop, dialog, "settings-add-account-x11.png")
            keys(desktop, dialog, "Return")  # Add
            wait_for("the dialog closed", lambda: visible_window(desktop, "Add account") is None)
            wait_for("Work polled", lambda: requests_of(server, "work") >= 2 or None, timeout=30)
            saved = settings_file(env)
            assert [(a["id"], a["name"], a["kind"]) for a in saved["accounts"]] == [
                ("work", "Work", "pasted")
            ]
            assert WORK_ACCOUNT.session_key not in json.dumps(saved)
            shoot(desktop, settings, "settings-accounts-x11.png")

            keys(desktop, settings, "Escape")  # the popover next: the Settings window closes
            x, y, w, h = wait_for("the icon in place", desktop.tray_icon)
            desktop.run("xdotool", "mousemove", str(x + w // 2), str(y + h // 2), "click", "1")

            def with_work() -> str | None:
                shown = accounts_shown(log_path) or ""
                return shown if "Work · ada.lovelace@" in shown else None

            shown = wait_for("Work's section in the popover", with_work)
            assert shown.startswith("Default · ada@example.com"), shown
            assert shown.endswith("58%"), shown  # Work's worst window, its own number
            desktop.screenshot("settings-added-popover-x11.png")
            desktop.run("xdotool", "key", "Escape")

            settings = open_settings(desktop, "settings-remove")
            keys(desktop, settings, "alt+r")  # &Remove… on Work, the account just added
            question = wait_for("the question", lambda: visible_window(desktop, "Remove account"))
            shoot(desktop, question, "settings-remove-account-x11.png")
            keys(desktop, question, "Return")  # Remove, the default button
            wait_for(
                "Work no longer polled", lambda: logged(log_path, "stopped polling account work")
            )
            saved = settings_file(env)
            assert saved["accounts"] == []
            assert saved["retired_account_ids"] == ["work"]
            wait_for(
                "its keyring entry deleted", lambda: logged(log_path, "stored session deleted")
            )
            before = requests_of(server, "work")
            after_personal = requests_of(server, "personal")
            wait_for(
                "Personal polled again",
                lambda: requests_of(server, "personal") >= after_personal + 3 or None,
            )
            assert requests_of(server, "work") == before
        finally:
            text = stop_demo_tray(app, log_path)
            keyring.__exit__(None, None, None)
        secrets_kept_out(server, log_path)
        assert "polling account work" in text
        assert "account added in Settings (pasted)" in text
