"""Two accounts in the real tray on Wayland (headless sway, with swaybar's and with waybar's
StatusNotifierItem tray, ``QT_QPA_PLATFORM=wayland``) against the fake claude.ai serving both
over real sockets: the popover has a section per account with its own numbers, whole on the
output (it scrolls); when Work's session expires Personal keeps updating. And Settings' Add
account dialog, drawn on sway. Screenshots (grim) are kept in ``test-artifacts/``
(``wayland-<bar>-accounts-*.png``, ``wayland-add-account.png``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from claude_meter.core.account_view import expired_title
from claude_meter.core.logs import printable
from tests.e2e.accounts_tray import (
    accounts_shown,
    add_work,
    requests_of,
    secrets_kept_out,
    two_account_server,
    two_accounts_env,
)
from tests.e2e.desktop import start_tray, stop_demo_tray, wait_for
from tests.e2e.processes import gnome_keyring
from tests.e2e.screens import showing
from tests.e2e.test_tray_wayland import assert_shown, escape
from tests.e2e.wayland_desktop import Bar, sway_desktop

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("bar", ["swaybar", "waybar"])
def test_two_accounts_on_sway(bar: Bar, tmp_path: Path) -> None:
    with two_account_server() as server, sway_desktop(bar, tmp_path) as desktop:
        log_path = tmp_path / "tray.log"
        env = two_accounts_env(tmp_path, server, desktop.env)
        with gnome_keyring(env["DBUS_SESSION_BUS_ADDRESS"], env):
            add_work(env)
            app = start_tray(env, log_path)
            try:
                x, y, w, h = wait_for("the icon in the bar", desktop.icon)
                wait_for("both accounts read", lambda: requests_of(server, "work") >= 2 or None)
                desktop.click(x + w // 2, y + h // 2)
                shown = wait_for(  # the popover may open before Work's answer has arrived
                    "a section per account, each with its own numbers",
                    lambda: _both_shown(log_path),
                )
                assert "Personal · ada@example.com · Max 20x 34%" in shown, shown
                assert "Work · ada.lovelace@initech.example · Team 58%" in shown, shown
                assert_shown(desktop, f"wayland-{bar}-accounts-popover.png")
                escape(desktop)

                server.set_scenario("work", "expired")
                wait_for(
                    "the notification naming Work (a daemon's or the popover's banner)",
                    lambda: _expired_logged(log_path),
                    timeout=30,
                )
                before = requests_of(server, "personal")
                wait_for(
                    "Personal to keep updating",
                    lambda: requests_of(server, "personal") >= before + 4 or None,
                )
                desktop.click(x + w // 2, y + h // 2)
                assert_shown(desktop, f"wayland-{bar}-accounts-popover-expired.png")
            finally:
                stop_demo_tray(app, log_path)
        secrets_kept_out(server, log_path)


def _both_shown(log_path: Path) -> str | None:
    shown = accounts_shown(log_path) or ""
    return shown if "Personal · ada@" in shown and "Work · ada.lovelace@" in shown else None


def _expired_logged(log_path: Path) -> bool:
    said = printable(expired_title("Work"), 200)  # the name isolated, escaped in the log
    return said in log_path.read_text(errors="replace")


def test_add_account_dialog_on_sway(tmp_path: Path) -> None:
    """Settings' Add account… over its window on headless sway: a dialog of its own (sway
    floats it), drawn, with the sign-ins found and Paste; kept as a grim screenshot."""
    with (
        sway_desktop("swaybar", tmp_path) as desktop,
        showing(desktop.env, "show_add_account") as shown,
    ):
        assert shown.stdout is not None
        assert shown.stdout.readline().strip() == b"shown"
        node = wait_for(
            "the Add account dialog",
            lambda: next((n for n in desktop.windows() if n.name == "Add account"), None),
        )
        assert node.rect[2] >= 480
        wait_for("the dialog drawn", lambda: desktop.drawn(node, "wayland-add-account.png"))
