"""``claude-meter sources`` lists the accounts found; ``sources --add`` adds each new one in one
step, after asking the fake claude.ai (three accounts, real socket) whose each sign-in is."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from claude_meter.fake import FakeClaude
from claude_meter.fake.accounts import (
    PERSONAL_ACCOUNT,
    PERSONAL_MAX,
    THIRD_ACCOUNT,
    WORK_ACCOUNT,
    WORK_TEAM,
)
from tests.cli.accounts_support import (
    ACCOUNT_SECRETS,
    Items,
    browser_profile,
    claude_config,
    cli,
    default_session,
    settings_data,
    settings_text,
)

Capsys = pytest.CaptureFixture[str]


@pytest.fixture
def computer(keyring_items: Items, home: Path) -> Path:
    """Ada's personal account in the default Chromium profile (and stored by `login`), her
    work account in a second profile, Grace's in Claude Code's folder."""
    default_session(keyring_items, PERSONAL_ACCOUNT.session_key)
    browser_profile(home, "Default", PERSONAL_ACCOUNT.session_key, PERSONAL_MAX.uuid)
    browser_profile(home, "Profile 2", WORK_ACCOUNT.session_key, WORK_TEAM.uuid, display="Work")
    claude_config(home / ".claude", THIRD_ACCOUNT.oauth_token)
    return home


def test_sources_lists_each_account_found_with_its_command(
    accounts_server: FakeClaude, computer: Path, capsys: Capsys
) -> None:
    code, out, err = cli(["sources"], capsys)
    assert code == 0, err
    found = out.split("Accounts found (one per distinct sign-in):\n", 1)[1].splitlines()
    assert [line.split()[0:3] for line in found[:3]] == [
        ["Chromium", "(Default)", "claude-meter"],
        ["Chromium", "(Profile", "2,"],
        ["Claude", "Code", "(~/.claude)"],
    ]
    assert found[0].endswith(
        "claude-meter accounts add 'Chromium Default' --browser chromium --profile Default"
    )
    assert found[1].endswith(
        "claude-meter accounts add 'Chromium Work' --browser chromium --profile 'Profile 2'"
    )
    assert found[2].endswith("claude-meter accounts add 'Claude Code' --claude-config ~/.claude")
    assert "`claude-meter sources --add`" in found[3]
    assert accounts_server.request_log == []  # listing asks nothing of the network
    code, out, _ = cli(["sources", "--json"], capsys)
    listed = json.loads(out)["accounts_found"]
    assert [(a["kind"], a["profile"], a["metered_as"]) for a in listed] == [
        ("browser", "Default", None), ("browser", "Profile 2", None), ("claude-code", None, None),
    ]  # fmt: skip
    for secret in ACCOUNT_SECRETS:
        assert secret not in out + err


def test_sources_add_adds_each_new_account_once(
    accounts_server: FakeClaude, computer: Path, capsys: Capsys
) -> None:
    code, out, err = cli(["sources", "--add"], capsys)
    assert code == 0, err
    assert out.splitlines() == [
        "Added ada.lovelace@initech.example: chromium (Profile 2) (ada.lovelace@initech.example).",
        "Added Claude Code: Claude Code.",
        "Already metered: Chromium (Default) as Default.",
    ]
    saved = settings_data()["accounts"]
    assert [(a["name"], a["kind"], a["browser"], a["profile"]) for a in saved] == [
        ("ada.lovelace@initech.example", "browser", "chromium", "Profile 2"),
        ("Claude Code", "claude-code", None, None),
    ]
    assert accounts_server.cross_account_requests() == []
    for request in accounts_server.request_log:
        assert len(request.secrets_of) <= 1
    # again: nothing new, each is metered already
    code, out, _ = cli(["sources", "--add"], capsys)
    assert code == 0
    assert out.splitlines() == [
        "Already metered: Chromium (Default) as Default.",
        "Already metered: Chromium (Profile 2, “Work”) as ada.lovelace@initech.example.",
        "Already metered: Claude Code (~/.claude) as Claude Code.",
    ]
    code, out, _ = cli(["status"], capsys)
    assert code == 0
    assert [b.splitlines()[0] for b in out.split("\n\n")] == [
        "Default · automatic (first that works) · ada@example.com",
        "ada.lovelace@initech.example · chromium (Profile 2)",  # the email once
        "Claude Code · Claude Code · grace@example.net",
    ]
    for secret in ACCOUNT_SECRETS:
        assert secret not in out + settings_text()


def test_sources_add_with_nothing_found(
    accounts_server: FakeClaude, home: Path, capsys: Capsys
) -> None:
    code, out, _ = cli(["sources", "--add"], capsys)
    assert code == 0
    assert out == "No account was found to add (no browser sign-in, no Claude Code).\n"
    assert settings_text() == ""
