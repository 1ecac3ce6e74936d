"""What the accounts tests share: a keyring in memory, a home with browser profiles, the
multi-account fake claude.ai, and running the real command line."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from claude_meter.cli import main
from claude_meter.core.paths import config_dir
from claude_meter.fake.accounts import PERSONAL_ACCOUNT, THIRD_ACCOUNT, WORK_ACCOUNT
from claude_meter.sources.keyring_store import SERVICE, SESSION_ENTRY
from tests.sources.profiles import chromium_profile

Items = dict[tuple[str, str], str]
#: Every secret the three fake accounts hold.
ACCOUNT_SECRETS = tuple(
    secret
    for account in (PERSONAL_ACCOUNT, WORK_ACCOUNT, THIRD_ACCOUNT)
    for secret in (account.session_key, account.oauth_token)
)


def default_session(items: Items, key: str) -> None:
    """The default account's session, as ``login`` stores it."""
    items[(SERVICE, SESSION_ENTRY)] = f"sessionKey={key}"


def browser_profile(home: Path, name: str, key: str, org: str, **kw: Any) -> None:
    chromium_profile(
        home / ".config/chromium", name, {"sessionKey": key, "lastActiveOrg": org}, **kw
    )


def claude_config(folder: Path, token: str) -> Path:
    """A Claude Code configuration folder signed in with ``token``."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / ".credentials.json").write_text(json.dumps({"claudeAiOauth": {
        "accessToken": token, "expiresAt": 4102444800000, "scopes": ["user:profile"],
    }}))  # fmt: skip
    return folder


def cli(argv: list[str], capsys: pytest.CaptureFixture[str], stdin: str | None = None,
        monkeypatch: pytest.MonkeyPatch | None = None) -> tuple[int, str, str]:  # fmt: skip
    """Run the real command line: its exit status, standard output and standard error."""
    if stdin is not None:
        assert monkeypatch is not None
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    out = io.StringIO()
    code = main(argv, stdout=out)
    captured = capsys.readouterr()
    return code, out.getvalue() + captured.out, captured.err


def settings_text() -> str:
    path = config_dir() / "settings.json"
    return path.read_text() if path.exists() else ""


def settings_data() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(settings_text())
    return data
