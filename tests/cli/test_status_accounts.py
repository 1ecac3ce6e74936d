"""``claude-meter status`` with several accounts, against the fake claude.ai serving three
accounts on a real socket: a block per account, the JSON's ``accounts``, ``--account``, each
account's requests its own, one expired beside one working."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

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
)
from claude_meter.sources.keyring_store import SERVICE
from tests.cli.accounts_support import (
    ACCOUNT_SECRETS,
    Items,
    browser_profile,
    claude_config,
    cli,
    default_session,
)

Capsys = pytest.CaptureFixture[str]

WORK = AccountRef(id="work", name="Work", kind="pasted")
SIDE = AccountRef(id="side", name="Side", kind="browser", browser="chromium", profile="Default")


@pytest.fixture
def three(keyring_items: Items, home: Path) -> Items:
    """The default account (Ada's personal session, as `login` stores it), Work pasted into
    its own entry, Side read from a Chromium profile."""
    default_session(keyring_items, PERSONAL_ACCOUNT.session_key)
    keyring_items[(SERVICE, "claude.ai session (work)")] = f"sessionKey={WORK_ACCOUNT.session_key}"
    browser_profile(home, "Default", THIRD_ACCOUNT.session_key, THIRD_PRO.uuid)
    save_settings(Settings(accounts=(WORK, SIDE)))
    return keyring_items


def status_json(capsys: Capsys, *args: str) -> tuple[int, dict[str, Any], str]:
    code, out, err = cli(["status", "--json", *args], capsys)
    data: dict[str, Any] = json.loads(out)
    return code, data, err


def usage_requests(server: FakeClaude) -> list[tuple[str | None, str]]:
    return [(r.account, r.path) for r in server.request_log if r.path.endswith("/usage")]


def test_every_account_in_its_own_block(
    accounts_server: FakeClaude, three: Items, capsys: Capsys
) -> None:
    code, out, err = cli(["status"], capsys)
    assert code == 0, err
    blocks = out.split("\n\n")
    assert blocks[0].splitlines()[:2] == [
        "Default · automatic (first that works) · ada@example.com",
        "  Ada's Max · ada@example.com · Max 20x",
    ]
    assert " 21%" in blocks[0]
    assert blocks[1].splitlines()[:2] == [
        "Work · pasted session · ada.lovelace@initech.example",
        "  Initech Team · ada.lovelace@initech.example · Team",
    ]
    assert " 58%" in blocks[1]
    assert blocks[2].splitlines()[0] == "Side · chromium (Default) · grace@example.net"
    assert " 86%" in blocks[2]
    assert err == ""
    assert accounts_server.cross_account_requests() == []


def test_json_keeps_the_top_level_and_adds_accounts(
    accounts_server: FakeClaude, three: Items, capsys: Capsys
) -> None:
    code, data, _ = status_json(capsys)
    assert code == 0
    # the top level is the default account's, exactly as before
    assert [o["uuid"] for o in data["organizations"]] == [PERSONAL_MAX.uuid]
    assert data["worst"] == {"org": PERSONAL_MAX.uuid, "key": "seven_day", "percent": 34.0}
    assert (data["source"], data["error"]) == ("web", None)
    accounts = data["accounts"]
    assert [set(a) for a in accounts] == [{
        "id", "name", "kind", "from", "source", "email", "fetched_at", "organizations", "worst",
        "error", "exit_status",
    }] * 3  # fmt: skip
    assert [(a["id"], a["name"], a["kind"], a["from"], a["email"]) for a in accounts] == [
        ("default", "Default", "auto", "automatic (first that works)", "ada@example.com"),
        ("work", "Work", "pasted", "pasted session", "ada.lovelace@initech.example"),
        ("side", "Side", "browser", "chromium (Default)", "grace@example.net"),
    ]
    assert accounts[0]["organizations"] == data["organizations"]
    assert [[o["uuid"] for o in a["organizations"]] for a in accounts] == [
        [PERSONAL_MAX.uuid], [WORK_TEAM.uuid], [THIRD_PRO.uuid],
    ]  # fmt: skip
    work_org = accounts[1]["organizations"][0]
    assert set(work_org) == set(data["organizations"][0])  # the organizations' shape is today's
    assert [w["percent"] for w in work_org["windows"][:2]] == [58.0, 43.0]
    assert [(a["error"], a["exit_status"]) for a in accounts] == [(None, 0)] * 3


def test_each_accounts_requests_are_its_own_and_cost_one_per_org(
    accounts_server: FakeClaude, three: Items, capsys: Capsys
) -> None:
    assert cli(["status"], capsys)[0] == 0
    first = list(accounts_server.request_log)
    assert {r.account for r in first} == {"personal", "work", "side"}
    for request in first:
        assert request.secrets_of == (request.account,)  # never two accounts' secrets at once
    assert accounts_server.cross_account_requests() == []
    accounts_server.request_log.clear()
    assert cli(["status", "--json"], capsys)[0] == 0
    # the organization lists are remembered per session: one /usage per organization
    assert sorted(usage_requests(accounts_server)) == sorted([
        ("personal", f"/api/organizations/{PERSONAL_MAX.uuid}/usage"),
        ("work", f"/api/organizations/{WORK_TEAM.uuid}/usage"),
        ("side", f"/api/organizations/{THIRD_PRO.uuid}/usage"),
    ])  # fmt: skip
    assert len(accounts_server.request_log) == 3


def test_one_account_only(accounts_server: FakeClaude, three: Items, capsys: Capsys) -> None:
    code, data, _ = status_json(capsys, "--account", "work")
    assert code == 0
    assert [a["name"] for a in data["accounts"]] == ["Work"]
    assert [o["uuid"] for o in data["organizations"]] == [WORK_TEAM.uuid]  # the one shown
    assert {r.account for r in accounts_server.request_log} == {"work"}
    code, out, _ = cli(["status", "--account", "Default"], capsys)
    assert code == 0
    assert out.startswith("Default · automatic (first that works) · ada@example.com\n")
    assert "Initech" not in out


def test_an_unknown_account_is_a_usage_error(
    accounts_server: FakeClaude, three: Items, capsys: Capsys
) -> None:
    code, out, err = cli(["status", "--account", "Nobody"], capsys)
    assert (code, out) == (1, "")
    assert err == (
        "claude-meter: there is no account of that name; the accounts: Default, Work, Side.\n"
    )
    code, _, err = cli(["status", "--account", "Work", "--source", "web"], capsys)
    assert code == 1
    assert "--account does not go with --source, --browser or --demo" in err
    assert accounts_server.request_log == []


def test_an_expired_account_beside_working_ones(
    accounts_server: FakeClaude, three: Items, capsys: Capsys
) -> None:
    accounts_server.set_scenario("work", "expired")
    code, data, err = status_json(capsys)
    assert code == 2  # the most severe over every account, as over organizations
    errors = [(a["name"], a["error"] and a["error"]["kind"], a["exit_status"])
              for a in data["accounts"]]  # fmt: skip
    assert errors == [("Default", None, 0), ("Work", "session_expired", 2), ("Side", None, 0)]
    assert data["error"] is None  # the top level is the default account's, which is fine
    assert data["accounts"][2]["organizations"][0]["windows"][0]["percent"] == 86.0
    code, out, err = cli(["status"], capsys)
    assert code == 2
    work = out.split("\n\n")[1]
    assert work.startswith("Work · pasted session\n  ! ")
    assert err.startswith("claude-meter: Work: ")
    assert accounts_server.cross_account_requests() == []


def test_with_the_default_account_off_the_top_level_is_the_first_named(
    accounts_server: FakeClaude, three: Items, capsys: Capsys
) -> None:
    save_settings(Settings(accounts=(WORK, SIDE), default_account=False))
    code, data, _ = status_json(capsys)
    assert code == 0
    assert [a["name"] for a in data["accounts"]] == ["Work", "Side"]
    assert [o["uuid"] for o in data["organizations"]] == [WORK_TEAM.uuid]
    assert "personal" not in {r.account for r in accounts_server.request_log}


def test_default_only_output_is_as_before_with_accounts_added_to_the_json(
    accounts_server: FakeClaude, keyring_items: Items, home: Path, capsys: Capsys
) -> None:
    default_session(keyring_items, PERSONAL_ACCOUNT.session_key)
    code, out, _ = cli(["status"], capsys)
    assert code == 0
    assert out.startswith("Ada's Max · ada@example.com · Max 20x\n  Session (5h)")
    code, data, _ = status_json(capsys)
    assert code == 0
    assert [a["name"] for a in data["accounts"]] == ["Default"]
    assert data["accounts"][0]["organizations"] == data["organizations"]


def test_no_secret_in_any_output(accounts_server: FakeClaude, three: Items, capsys: Capsys) -> None:
    accounts_server.set_scenario("side", "expired")
    texts = [cli(["status"], capsys), cli(["status", "--json"], capsys)]
    for _, out, err in texts:
        for secret in ACCOUNT_SECRETS:
            assert secret not in out + err


def test_an_extension_account_is_the_trays_and_never_fails_status(
    accounts_server: FakeClaude, three: Items, capsys: Capsys
) -> None:
    laptop = AccountRef(id="laptop", name="Laptop", kind="extension", profile="Work")
    save_settings(Settings(accounts=(WORK, laptop)))
    code, data, _ = status_json(capsys)
    assert code == 0
    entry = data["accounts"][2]
    assert (entry["name"], entry["organizations"], entry["exit_status"]) == ("Laptop", [], 0)
    code, out, err = cli(["status"], capsys)
    assert code == 0
    assert out.split("\n\n")[2] == (
        "Laptop · browser extension (Work)\n  (its numbers come from the browser extension "
        "through the tray; `claude-meter status --cached --account 'Laptop'` shows the last "
        "ones)\n"
    )
    assert "Laptop" not in err
    assert "laptop" not in {r.account for r in accounts_server.request_log}


def test_the_accounts_list_shows_the_emails_status_read(
    accounts_server: FakeClaude, three: Items, capsys: Capsys
) -> None:
    code, out, _ = cli(["accounts", "--json"], capsys)
    assert code == 0
    assert [a["email"] for a in json.loads(out)["accounts"]] == [None, None, None]
    assert cli(["status"], capsys)[0] == 0
    code, out, _ = cli(["accounts", "--json"], capsys)
    assert [a["email"] for a in json.loads(out)["accounts"]] == [
        "ada@example.com", "ada.lovelace@initech.example", "grace@example.net",
    ]  # fmt: skip
    code, out, _ = cli(["accounts"], capsys)
    assert code == 0
    assert out.splitlines()[1] == "Work     pasted session · ada.lovelace@initech.example"


def test_the_default_account_leaves_a_named_accounts_browser_profile_alone(
    accounts_server: FakeClaude, keyring_items: Items, home: Path, capsys: Capsys
) -> None:
    """Nothing stored for the default account: its `auto` skips the profile Work owns and
    reads the next one, so Work's numbers are shown once, under Work only."""
    browser_profile(home, "Default", WORK_ACCOUNT.session_key, WORK_TEAM.uuid)
    browser_profile(home, "Profile 2", PERSONAL_ACCOUNT.session_key, PERSONAL_MAX.uuid)
    work = AccountRef(id="work", name="Work", kind="browser", browser="chromium",
                      profile="Default")  # fmt: skip
    save_settings(Settings(accounts=(work,)))
    code, out, err = cli(["status"], capsys)
    assert (code, err) == (0, "")
    assert out.count("Initech Team") == 1
    assert out.startswith("Default · automatic (first that works) · ada@example.com\n")
    assert (
        usage_requests(accounts_server).count(
            ("work", f"/api/organizations/{WORK_TEAM.uuid}/usage")
        )
        == 1
    )
    assert accounts_server.cross_account_requests() == []


def test_with_every_sign_in_owned_the_default_account_says_so(
    accounts_server: FakeClaude, keyring_items: Items, home: Path, capsys: Capsys
) -> None:
    """Work owns the only browser profile and Agent Claude Code's folder: the default account
    reads neither, and says what it left to whom and what to do."""
    browser_profile(home, "Default", WORK_ACCOUNT.session_key, WORK_TEAM.uuid)
    claude_config(home / ".claude", THIRD_ACCOUNT.oauth_token)
    work = AccountRef(id="work", name="Work", kind="browser", browser="chromium")
    agent = AccountRef(id="agent", name="Agent", kind="claude-code")
    save_settings(Settings(accounts=(work, agent)))
    code, out, err = cli(["status"], capsys)
    assert code == 2  # the default account has no sign-in of its own
    assert out.count("Initech Team") == 1
    assert out.count("Grace's Pro") == 1
    assert out.split("\n", 2)[1] == (
        "  ! No sign-in of its own: Chromium (Default) is Work's; Claude Code's sign-in is "
        "Agent's. Give it one with `claude-meter login`, or stop metering it with "
        "`claude-meter accounts remove` and its name."
    )
    assert "read the same account" not in err
    assert [r.account for r in accounts_server.request_log if "usage" in r.path] == [
        "work", "side"
    ]  # fmt: skip
    code, data, _ = status_json(capsys)
    assert [a["error"] is not None for a in data["accounts"]] == [True, False, False]


def test_two_accounts_reading_the_same_account_are_said(
    accounts_server: FakeClaude, keyring_items: Items, home: Path, capsys: Capsys
) -> None:
    """The default account's own stored session is the one Work's profile holds: both are
    read (each its own credential), and the note says how to part them."""
    default_session(keyring_items, WORK_ACCOUNT.session_key)
    browser_profile(home, "Default", WORK_ACCOUNT.session_key, WORK_TEAM.uuid)
    work = AccountRef(id="work", name="Work", kind="browser", browser="chromium")
    save_settings(Settings(accounts=(work,)))
    code, out, err = cli(["status"], capsys)
    assert code == 0
    assert out.count("Initech Team") == 2  # shown twice, hence the note
    assert err == (
        "claude-meter: Default and Work read the same account (ada.lovelace@initech.example); "
        "remove one (`claude-meter accounts remove NAME`), or give the default account its own "
        "sign-in with `claude-meter login`.\n"
    )
    assert accounts_server.cross_account_requests() == []


def test_a_history_held_by_another_program_is_waited_for_once_not_once_each(
    accounts_server: FakeClaude, three: Items, capsys: Capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each account's reading waited half a second for a lock the first already found held:
    three accounts, a second and a half. The first is said, the others not tried."""
    import sqlite3

    from claude_meter.history import HistoryStore

    with HistoryStore.open() as store:
        path = store.path
    tried: list[int] = []
    record_many = HistoryStore.record_many

    def counted(self: HistoryStore, snapshots: Any, *, raise_locked: bool = False) -> int:
        tried.append(1)
        return record_many(self, snapshots, raise_locked=raise_locked)

    monkeypatch.setattr(HistoryStore, "record_many", counted)
    holder = sqlite3.connect(path, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")
        code, out, err = cli(["status"], capsys)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert code == 0, err
    assert [figure in out for figure in (" 21%", " 58%", " 86%")] == [True] * 3
    assert err.count("this reading was not added to the usage history: ") == 1, err
    assert len(tried) == 1
    tried.clear()
    assert cli(["status"], capsys)[0] == 0
    assert len(tried) == 3  # free again: every account's reading is recorded
