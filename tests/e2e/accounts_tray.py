"""Shared by the several-accounts tray tests (X11 and Wayland): the fake claude.ai serving two
accounts, a tray configured with both, and what to read back from its log and the server."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from claude_meter.fake import FakeClaude
from claude_meter.fake.accounts import PERSONAL_ACCOUNT, WORK_ACCOUNT
from tests.e2e.desktop import claude_meter


def two_accounts_env(tmp_path: Path, server: FakeClaude, env: dict[str, str]) -> dict[str, str]:
    """Personal is the default account (its session in ``CLAUDE_METER_COOKIE``, as ``auto``
    reads it first); the caller adds Work, a pasted session in its own keyring entry
    (:func:`add_work`, while the tray runs), with gnome-keyring on the desktop's bus."""
    runtime = tmp_path / "run"
    runtime.mkdir(mode=0o700, exist_ok=True)
    return {
        "XDG_RUNTIME_DIR": str(runtime),  # unless the desktop has its own
        **{k: v for k, v in env.items() if k != "PYTHON_KEYRING_BACKEND"},  # the real one
        "HOME": str(tmp_path / "home"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "CLAUDE_METER_BASE_URL": server.base_url,
        "CLAUDE_METER_OAUTH_BASE_URL": server.base_url,
        "CLAUDE_METER_COOKIE": f"sessionKey={PERSONAL_ACCOUNT.session_key}",
        "CLAUDE_METER_POLL_SECONDS": "1",
    }


def add_work(env: dict[str, str]) -> None:
    """``claude-meter accounts add Work --paste``: its session into its own keyring entry."""
    done = subprocess.run(
        [claude_meter(), "accounts", "add", "Work", "--paste"],
        input=f"sessionKey={WORK_ACCOUNT.session_key}\n",
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    assert WORK_ACCOUNT.session_key not in done.stdout + done.stderr
    settings = json.loads(
        (Path(env["XDG_CONFIG_HOME"]) / "claude-meter" / "settings.json").read_text()
    )
    assert settings["accounts"][0]["kind"] == "pasted"
    assert WORK_ACCOUNT.session_key not in json.dumps(settings)
    settings["default_account_name"] = "Personal"
    (Path(env["XDG_CONFIG_HOME"]) / "claude-meter" / "settings.json").write_text(
        json.dumps(settings)
    )


def two_account_server() -> FakeClaude:
    return FakeClaude("normal", accounts=(PERSONAL_ACCOUNT, WORK_ACCOUNT))


def requests_of(server: FakeClaude, account: str) -> int:
    """How many requests the server had with this account's credentials."""
    return sum(1 for r in list(server.request_log) if r.account == account)


def accounts_shown(log_path: Path) -> str | None:
    """The popover's last account sections, as the tray logged them."""
    lines = [
        line
        for line in log_path.read_text(errors="replace").splitlines()
        if "accounts shown: " in line
    ]
    return lines[-1].split("accounts shown: ", 1)[1] if lines else None


def secrets_kept_out(server: FakeClaude, log_path: Path) -> None:
    """No request mixed the accounts; no secret reached the log."""
    assert server.cross_account_requests() == []
    text = log_path.read_text(errors="replace")
    for account in (PERSONAL_ACCOUNT, WORK_ACCOUNT):
        assert account.session_key not in text
        assert account.oauth_token not in text
