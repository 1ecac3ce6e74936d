"""Two accounts in the real tray on X11 (trayer on Xvfb, dunst), against the fake claude.ai
serving both over real sockets: Work, added on the command line while the tray runs (its
session pasted into its own gnome-keyring entry), starts polling at once; the popover has a
section per account with its own numbers;
when one account's session expires, it says so (a notification naming it) and the other
keeps updating. Screenshots are kept in ``test-artifacts/``."""

from __future__ import annotations

import re
from pathlib import Path

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
    private_desktop,
    start_demo_tray,
    start_tray,
    stop_demo_tray,
    wait_for,
)
from tests.e2e.processes import gnome_keyring

pytestmark = pytest.mark.e2e
GEOMETRY = re.compile(r"(\d+)x(\d+)\+-?\d+\+-?\d+\s+\+(-?\d+)\+(-?\d+)")


def popover_fits(desktop: Desktop) -> bool:
    """The popover is shown and lies wholly within the screen (it scrolls instead)."""
    heights = []
    for line in desktop.window_tree().splitlines():
        match = GEOMETRY.search(line)
        if "claude-meter" in line and match:
            _w, h, _x, y = (int(v) for v in match.groups())
            heights.append((h, y))
    tallest = max(heights, default=(0, 0))
    return tallest[0] > 200 and tallest[1] >= 0 and sum(tallest) <= desktop.height


def test_two_accounts_side_by_side_and_one_expires(tmp_path: Path) -> None:
    with two_account_server() as server, private_desktop() as desktop:
        log_path = tmp_path / "tray.log"
        env = two_accounts_env(tmp_path, server, desktop.env)
        keyring = gnome_keyring(env["DBUS_SESSION_BUS_ADDRESS"], env)
        keyring.__enter__()
        app = start_tray(env, log_path)
        try:
            wait_for("the icon embedded in trayer", desktop.tray_icon)
            wait_for("Personal read", lambda: requests_of(server, "personal") >= 2 or None)
            add_work(env)  # on the command line, while the tray runs: no restart
            wait_for("both accounts read", lambda: requests_of(server, "work") >= 2 or None)

            def click() -> None:
                x, y, w, h = wait_for("the icon in place", desktop.tray_icon)
                desktop.run("xdotool", "mousemove", str(x + w // 2), str(y + h // 2), "click", "1")

            def both(work: str) -> str | None:
                shown = accounts_shown(log_path) or ""
                return shown if "Personal · ada@" in shown and work in shown else None

            click()
            shown = wait_for(
                "the popover with a section per account",
                lambda: both("Work · ada.lovelace@initech.example · Team 58%"),
            )
            assert shown.startswith("Personal · ada@example.com"), shown
            assert "; Work · ada.lovelace@initech.example" in shown, shown
            assert shown.endswith("58%"), shown  # Work's worst window, its own number
            assert " 34%; " in shown, shown  # Personal's worst window
            wait_for("the popover within the screen", lambda: popover_fits(desktop))
            desktop.screenshot("accounts-popover-x11.png")
            desktop.run("xdotool", "key", "Escape")

            server.set_scenario("work", "expired")
            summaries = wait_for(
                "the expiry notification naming the account",
                lambda: (
                    [
                        n["summary"]["data"]
                        for n in desktop.notifications()
                        if n["summary"]["data"].startswith("Claude session expired")
                    ]
                    or None
                ),
                timeout=30,
            )
            assert summaries == [expired_title("Work")]
            before = requests_of(server, "personal")
            wait_for(
                "the other account to keep updating",
                lambda: requests_of(server, "personal") >= before + 4 or None,
            )
            click()
            wait_for("the popover again", lambda: both("Team 58%"))
            wait_for("the popover within the screen", lambda: popover_fits(desktop))
            desktop.screenshot("accounts-popover-expired-x11.png")
        finally:
            text = stop_demo_tray(app, log_path)
            keyring.__exit__(None, None, None)
        secrets_kept_out(server, log_path)
        assert "polling account work" in text


def test_the_demo_shows_two_accounts(tmp_path: Path) -> None:
    """``CLAUDE_METER_DEMO_ACCOUNTS=2 claude-meter --demo``: the feature without an account,
    and nothing of the demo's accounts in the person's settings."""
    with private_desktop() as desktop:
        log_path = tmp_path / "tray.log"
        config = tmp_path / "config"
        env = {
            **desktop.env,
            "XDG_CONFIG_HOME": str(config),
            "CLAUDE_METER_DEMO_ACCOUNTS": "2",
            "CLAUDE_METER_POLL_SECONDS": "1",
        }
        app = start_demo_tray(env, log_path)
        try:
            x, y, w, h = wait_for("the icon embedded in trayer", desktop.tray_icon)

            def both() -> str | None:
                shown = accounts_shown(log_path) or ""
                return shown if "Personal · ada@" in shown and "Work · ada." in shown else None

            desktop.run("xdotool", "mousemove", str(x + w // 2), str(y + h // 2), "click", "1")
            wait_for("the demo's two accounts in the popover", both)
            wait_for("the popover within the screen", lambda: popover_fits(desktop))
            desktop.screenshot("accounts-demo-x11.png")
        finally:
            stop_demo_tray(app, log_path)
        assert not (config / "claude-meter" / "settings.json").exists()
