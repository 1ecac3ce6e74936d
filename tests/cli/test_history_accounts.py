"""What ``claude-meter status`` records per account, read back by ``history --account`` and
``status --cached --account``: three accounts on the fake claude.ai over a real socket."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from claude_meter.core.accounts import AccountRef
from claude_meter.core.settings import Settings, save_settings
from claude_meter.fake import FakeClaude
from claude_meter.fake.accounts import (
    PERSONAL_ACCOUNT,
    PERSONAL_MAX,
    THIRD_ACCOUNT,
    THIRD_PRO,
    WORK_ACCOUNT,
    WORK_TEAM,
    FakeAccount,
)
from claude_meter.sources.keyring_store import SERVICE
from tests.cli.accounts_support import (
    Items,
    browser_profile,
    cli,
    default_session,
)

Capsys = pytest.CaptureFixture[str]


def session(account: FakeAccount) -> float:
    """The session percent the fake serves for this ready-made account."""
    assert account.percents is not None
    return account.percents[0]


@pytest.fixture
def polled(keyring_items: Items, home: Path, accounts_server: FakeClaude, capsys: Capsys) -> None:
    """The default account, Work (pasted) and Side (a Chromium profile), read once by
    `claude-meter status`, which records each into the history and the last readings."""
    default_session(keyring_items, PERSONAL_ACCOUNT.session_key)
    keyring_items[(SERVICE, "claude.ai session (work)")] = f"sessionKey={WORK_ACCOUNT.session_key}"
    browser_profile(home, "Default", THIRD_ACCOUNT.session_key, THIRD_PRO.uuid)
    work = AccountRef(id="work", name="Work", kind="pasted")
    side = AccountRef(id="side", name="Side", kind="browser", browser="chromium", profile="Default")
    save_settings(Settings(accounts=(work, side)))
    code, _, err = cli(["status"], capsys)
    assert code == 0, err


def five_hour(rows: list[dict[str, object]]) -> list[tuple[object, object, object]]:
    return [(r["account"], r["org"], r["percent"]) for r in rows if r["window"] == "five_hour"]


@pytest.mark.usefixtures("polled")
def test_status_records_each_account_and_history_reads_it_back(capsys: Capsys) -> None:
    _, out, _ = cli(["history", "--json", "--account", "Work"], capsys)
    assert five_hour(json.loads(out)) == [("Work", WORK_TEAM.uuid, session(WORK_ACCOUNT))]
    _, out, _ = cli(["history", "--json"], capsys)
    assert sorted(five_hour(json.loads(out)), key=str) == sorted(
        [
            ("Default", PERSONAL_MAX.uuid, session(PERSONAL_ACCOUNT)),
            ("Work", WORK_TEAM.uuid, session(WORK_ACCOUNT)),
            ("Side", THIRD_PRO.uuid, session(THIRD_ACCOUNT)),
        ],
        key=str,
    )


@pytest.mark.usefixtures("polled")
def test_the_cached_readings_are_each_accounts(capsys: Capsys) -> None:
    _, out, _ = cli(["status", "--cached", "--json"], capsys)
    shown = {a["account"]: a for a in json.loads(out)["accounts"]}
    assert set(shown) == {"Default", "Work", "Side"}
    assert shown["Work"]["org_uuid"] == WORK_TEAM.uuid
    _, out, _ = cli(["status", "--cached", "--account", "Side", "--format", "i3blocks"], capsys)
    assert out.startswith(f"5h {session(THIRD_ACCOUNT):.0f}% · 7d")
    _, out, _ = cli(["status", "--cached", "--format", "waybar"], capsys)
    assert json.loads(out)["percentage"] == int(session(THIRD_ACCOUNT))  # the worst one


@pytest.mark.usefixtures("polled")
def test_a_damaged_settings_file_is_said_not_taken_for_an_unknown_name(capsys: Capsys) -> None:
    """The file, not the name, is what to fix (as `status` says it); nothing is moved aside."""
    from claude_meter.core.settings import settings_path

    settings_path().write_text('{"accounts": [')
    said = (
        f"claude-meter: the settings file {settings_path()} could not be read (not valid JSON "
        "(line 1, column 15: expecting value)), so the accounts it names are unknown until it "
        "is fixed.\n"
    )
    for argv in (["history", "--account", "Work"], ["status", "--cached", "--account", "Work"]):
        code, out, err = cli(argv, capsys)
        assert (code, out, err) == (1, "", said)
    code, out, err = cli(["history", "--json"], capsys)  # every reading, the cause said
    assert (code, err) == (0, said)
    assert "work" in {r["account"] for r in json.loads(out)}  # named by id: its name is unknown
    assert settings_path().read_text() == '{"accounts": ['
