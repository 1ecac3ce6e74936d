"""``claude-meter accounts``: list, add, remove, rename, over the real command line, a real
settings file, a keyring in memory and the multi-account fake claude.ai on a real socket."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import msgspec
import pytest

from claude_meter.core.accounts import keyring_entry
from claude_meter.core.paths import config_dir
from claude_meter.fake import FakeClaude
from claude_meter.fake.accounts import PERSONAL_ACCOUNT, THIRD_ACCOUNT, WORK_ACCOUNT
from claude_meter.sources.keyring_store import SERVICE
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


def test_with_nothing_added_the_default_account_is_listed(home: Path, capsys: Capsys) -> None:
    code, out, err = cli(["accounts"], capsys)
    assert code == 0, err
    assert out.startswith("Default")
    assert "automatic (first that works)" in out
    code, out, _ = cli(["accounts", "--json"], capsys)
    assert json.loads(out) == {
        "accounts": [
            {
                "id": "default", "name": "Default", "default": True, "kind": "auto",
                "from": "automatic (first that works)", "browser": None, "profile": None,
                "config_dir": None, "email": None, "metered": True,
            }
        ]
    }  # fmt: skip


def test_accounts_list_is_the_listing_too(home: Path, capsys: Capsys) -> None:
    """What a new person types first was a usage error ("invalid choice: 'list'")."""
    listed = cli(["accounts"], capsys)
    assert cli(["accounts", "list"], capsys) == listed
    as_json = cli(["accounts", "--json"], capsys)
    assert cli(["accounts", "list", "--json"], capsys) == as_json
    assert cli(["accounts", "--json", "list"], capsys) == as_json
    assert json.loads(as_json[1])["accounts"][0]["name"] == "Default"


def test_the_listing_lines_up_names_of_wide_letters(home: Path, capsys: Capsys) -> None:
    """An emoji or a CJK letter takes two columns: the rows after such a name were askew."""
    import unicodedata

    for name in ("💼 Work", "東京", "Cafe\u0301"):  # the last: a combining accent, no column
        assert cli(["accounts", "add", name, "--extension"], capsys)[0] == 0
    code, out, _ = cli(["accounts"], capsys)
    assert code == 0
    starts = set()
    for line in out.splitlines():
        name = line.split("  ")[0]
        wide = sum(unicodedata.east_asian_width(c) in "WF" for c in name)
        marks = sum(bool(unicodedata.combining(c)) for c in name)
        starts.add(line.index("automatic" if "automatic" in line else "browser") + wide - marks)
    assert len(starts) == 1, out  # every description starts in the same column


def test_add_pasted_stores_the_session_in_its_own_entry_and_reads_the_email(
    accounts_server: FakeClaude,
    keyring_items: Items,
    home: Path,
    capsys: Capsys,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pasted = f"Cookie: sessionKey={WORK_ACCOUNT.session_key}\n"
    code, out, err = cli(["accounts", "add", "Work", "--paste"], capsys, pasted, monkeypatch)
    assert code == 0, err
    assert out == "Added Work: pasted session (ada.lovelace@initech.example).\n"
    assert keyring_items == {
        (SERVICE, keyring_entry("work")): f"sessionKey={WORK_ACCOUNT.session_key}"
    }
    saved = settings_data()
    assert saved["accounts"] == [{
        "id": "work", "name": "Work", "kind": "pasted", "browser": None, "profile": None,
        "config_dir": None, "email": "ada.lovelace@initech.example",
    }]  # fmt: skip
    # the one poll sent the work session only, and for the work account's own org
    assert {r.account for r in accounts_server.request_log} == {"work"}
    assert accounts_server.cross_account_requests() == []
    for secret in ACCOUNT_SECRETS:
        assert secret not in out + err + settings_text()


def test_add_pasted_refuses_what_is_not_a_session_and_adds_nothing(
    keyring_items: Items, home: Path, capsys: Capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, err = cli(["accounts", "add", "Work", "--paste"], capsys, "hello there", monkeypatch)
    assert code == 1
    assert "that is not a claude.ai session" in err
    assert "hello there" not in out + err
    assert keyring_items == {}
    assert settings_text() == ""


def test_add_pasted_without_a_keyring_adds_nothing(
    home: Path, capsys: Capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    pasted = f"sessionKey={WORK_ACCOUNT.session_key}"
    code, out, err = cli(["accounts", "add", "Work", "--paste"], capsys, pasted, monkeypatch)
    assert code == 1
    assert err.startswith(
        "claude-meter: Work was not added: the session was not stored: no usable keyring was "
        "found ("
    )
    assert err.endswith(
        ", and ClaudeMeter never writes a session to a file. Install or unlock a keyring (GNOME "
        "Keyring, KWallet, KeePassXC; on macOS and Windows the system one), then add it again.\n"
    )
    assert "kept in memory" not in err  # the tray's words: a command ends at once
    assert settings_text() == ""
    assert WORK_ACCOUNT.session_key not in out + err


def test_add_browser_checks_the_profile(
    accounts_server: FakeClaude, keyring_items: Items, home: Path, capsys: Capsys
) -> None:
    code, _, err = cli(["accounts", "add", "Side", "--browser", "chromium"], capsys)
    assert code == 1
    assert "no Chromium profile was found" in err
    browser_profile(home, "Default", PERSONAL_ACCOUNT.session_key, "x")
    browser_profile(home, "Profile 2", THIRD_ACCOUNT.session_key, "y", display="Grace")
    code, _, err = cli(["accounts", "add", "Side", "--browser", "chromium"], capsys)
    assert code == 1
    assert "Chromium has several profiles; name one with --profile: Default, Profile 2 (Grace)" in (
        err
    )
    code, _, err = cli(["accounts", "add", "Side", "--browser", "chromium", "--profile", "Nope"],
                       capsys)  # fmt: skip
    assert code == 1
    assert "Chromium has no profile of that name; its profiles: Default, Profile 2 (Grace)" in err
    code, _, err = cli(["accounts", "add", "Side", "--browser", "netscape"], capsys)
    assert code == 1
    assert "unknown browser; choose one of: chrome, chromium" in err
    assert "Traceback" not in err
    # by the name the browser shows; stored by its folder name
    code, out, err = cli(
        ["accounts", "add", "Side", "--browser", "Chromium", "--profile", "grace"], capsys
    )
    assert code == 0, err
    assert out == "Added Side: chromium (Profile 2) (grace@example.net).\n"
    account = settings_data()["accounts"][0]
    assert (account["kind"], account["browser"], account["profile"]) == (
        "browser", "chromium", "Profile 2"
    )  # fmt: skip
    assert {r.account for r in accounts_server.request_log} == {"side"}


def test_a_taken_name_is_refused_before_any_note_about_the_folder(
    home: Path, capsys: Capsys, tmp_path: Path
) -> None:
    empty = tmp_path / "not-signed-in"
    empty.mkdir()
    code, out, err = cli(["accounts", "add", "default", "--claude-config", str(empty)], capsys)
    assert (code, out, err) == (
        1,
        "",
        "claude-meter: there is already an account called 'default'.\n",
    )
    code, out, err = cli(["accounts", "add", "Code", "--claude-config", str(empty)], capsys)
    assert code == 0, err
    assert err == (
        f"claude-meter: note: no Claude Code sign-in in {empty.resolve()} yet; run "
        f"`CLAUDE_CONFIG_DIR={empty.resolve()} claude` once to sign in.\n"
    )
    assert out == f"Added Code: Claude Code in {empty.resolve()}.\n"


def test_add_claude_code_folder_and_extension(
    accounts_server: FakeClaude, home: Path, capsys: Capsys, tmp_path: Path
) -> None:
    code, _, err = cli(["accounts", "add", "Code", "--claude-config", str(tmp_path / "nope")],
                       capsys)  # fmt: skip
    assert code == 1
    assert "that Claude Code configuration folder does not exist" in err
    folder = claude_config(tmp_path / "work-claude", WORK_ACCOUNT.oauth_token)
    code, out, err = cli(["accounts", "add", "Code", "--claude-config", str(folder)], capsys)
    assert code == 0, err
    assert out == f"Added Code: Claude Code in {folder} (ada.lovelace@initech.example).\n"
    assert {r.account for r in accounts_server.request_log} == {"work"}  # read once, its own
    code, out, err = cli(["accounts", "add", "Ext", "--extension", "--profile", "Work"], capsys)
    assert code == 0, err
    assert out.startswith("Added Ext: browser extension (Work).\n")
    code, out, _ = cli(["accounts", "--json"], capsys)
    listed = json.loads(out)["accounts"]
    assert [(a["name"], a["kind"], a["metered"]) for a in listed] == [
        ("Default", "auto", True), ("Code", "claude-code", True), ("Ext", "extension", True),
    ]  # fmt: skip
    assert listed[1]["config_dir"] == str(folder)
    for secret in ACCOUNT_SECRETS:
        assert secret not in out + err + settings_text()


def test_add_claude_code_reads_it_once_and_says_what_is_wrong(
    accounts_server: FakeClaude, home: Path, capsys: Capsys, tmp_path: Path
) -> None:
    """A Claude Code folder is read once on ``add``, like a browser or pasted account: its
    email is kept (``accounts`` lists it before any poll) and a sign-in the server refuses is
    said at once; a folder with no sign-in yet is not asked (the note says what to do)."""
    folder = claude_config(tmp_path / "agent", WORK_ACCOUNT.oauth_token)
    code, out, err = cli(["accounts", "add", "Agent", "--claude-config", str(folder)], capsys)
    assert code == 0, err
    assert "(ada.lovelace@initech.example)" in out
    assert settings_data()["accounts"][0]["email"] == "ada.lovelace@initech.example"
    code, out, _ = cli(["accounts"], capsys)
    assert "Agent" in out
    assert "ada.lovelace@initech.example" in out
    accounts_server.set_scenario("side", "expired")
    other = claude_config(tmp_path / "other", THIRD_ACCOUNT.oauth_token)
    code, out, err = cli(["accounts", "add", "Other", "--claude-config", str(other)], capsys)
    assert code == 0  # added all the same: the person may sign in again afterwards
    assert out == f"Added Other: Claude Code in {other}.\n"
    assert err.startswith("claude-meter: it could not be read yet: ")
    before = len(accounts_server.request_log)
    empty = tmp_path / "empty"
    empty.mkdir()
    code, out, err = cli(["accounts", "add", "Later", "--claude-config", str(empty)], capsys)
    assert code == 0, err
    assert "no Claude Code sign-in in" in err
    assert "could not be read" not in err
    assert len(accounts_server.request_log) == before
    for secret in ACCOUNT_SECRETS:
        assert secret not in out + err + settings_text()


def test_names_are_checked(
    accounts_server: FakeClaude, home: Path, capsys: Capsys, tmp_path: Path
) -> None:
    folder = claude_config(tmp_path / "c", WORK_ACCOUNT.oauth_token)
    add = ["accounts", "add"]
    assert cli([*add, "Work", "--claude-config", str(folder)], capsys)[0] == 0
    code, _, err = cli([*add, "work", "--claude-config", str(folder)], capsys)
    assert (code, err) == (1, "claude-meter: there is already an account called 'work'.\n")
    code, _, err = cli([*add, "default", "--claude-config", str(folder)], capsys)
    assert (code, err) == (1, "claude-meter: there is already an account called 'default'.\n")
    secret = f"sessionKey={WORK_ACCOUNT.session_key}"
    code, out, err = cli([*add, secret, "--claude-config", str(folder)], capsys)
    assert (code, err) == (1, "claude-meter: an account name is at most 40 characters.\n")
    code, out, err = cli([*add, "sk-ant-sid01-abc", "--claude-config", str(folder)], capsys)
    assert code == 1
    assert "this looks like a secret, not a name" in err
    assert "sk-ant-sid01-abc" not in out + err + settings_text()
    assert WORK_ACCOUNT.session_key not in out + err + settings_text()
    code, _, err = cli([*add, "   ", "--claude-config", str(folder)], capsys)
    assert (code, err) == (1, "claude-meter: an account name cannot be empty.\n")
    for number in range(2, 9):
        assert cli([*add, f"Acct {number}", "--claude-config", str(folder)], capsys)[0] == 0
    code, _, err = cli([*add, "Ninth", "--claude-config", str(folder)], capsys)
    assert code == 1
    assert err == ("claude-meter: at most 8 accounts besides the default one; remove one first "
                   "(`claude-meter accounts remove NAME`).\n")  # fmt: skip
    assert len(settings_data()["accounts"]) == 8
    with pytest.raises(SystemExit) as exited:
        cli(["accounts", "add", "X"], capsys)
    assert exited.value.code == 1
    err = capsys.readouterr().err
    assert "one of the arguments --browser --paste --claude-config --extension is required" in err


def test_an_extension_accounts_profile_is_a_label_the_extension_can_send(
    home: Path, capsys: Capsys
) -> None:
    """The popup and the bridge take a label by one rule (core/account_routing.py): a
    profile that fails it could never be matched, so it is refused here too."""
    add = ["accounts", "add"]
    code, _, err = cli([*add, "Long", "--extension", "--profile", "x" * 65], capsys)
    assert (code, err) == (1, "claude-meter: a profile label is at most 64 characters.\n")
    code, _, err = cli([*add, "Odd", "--extension", "--profile", "Work\u200b"], capsys)
    assert (code, err) == (1, "claude-meter: a profile label holds printable characters only.\n")
    code, _, err = cli([*add, "Ok", "--extension", "--profile", "  Work   laptop "], capsys)
    assert code == 0, err
    assert settings_data()["accounts"][0]["profile"] == "Work laptop"


def test_remove_deletes_a_pasted_accounts_session(
    accounts_server: FakeClaude,
    keyring_items: Items,
    home: Path,
    capsys: Capsys,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    default_session(keyring_items, PERSONAL_ACCOUNT.session_key)
    pasted = f"sessionKey={WORK_ACCOUNT.session_key}"
    assert cli(["accounts", "add", "Work", "--paste"], capsys, pasted, monkeypatch)[0] == 0
    code, out, err = cli(["accounts", "remove", "nobody"], capsys)
    assert code == 1
    assert err == "claude-meter: there is no account of that name; the accounts: Default, Work.\n"
    code, out, err = cli(["accounts", "remove", "WORK"], capsys)
    assert code == 0, err
    assert out == "Removed Work and its session in the keyring.\n"
    assert (SERVICE, keyring_entry("work")) not in keyring_items
    assert (SERVICE, "claude.ai session") in keyring_items  # the default one's stays
    assert settings_data()["accounts"] == []


def test_work_removed_and_added_again_starts_a_history_of_its_own(
    accounts_server: FakeClaude, home: Path, capsys: Capsys, tmp_path: Path
) -> None:
    from claude_meter.history import HistoryStore
    from tests.history.support import snapshot

    folder = claude_config(tmp_path / "work-claude", WORK_ACCOUNT.oauth_token)
    add = ["accounts", "add", "Work", "--claude-config", str(folder)]
    assert cli(add, capsys)[0] == 0
    with HistoryStore.open() as store:  # the first Work's past
        store.record(snapshot(datetime.now(UTC) - timedelta(hours=1), 42.0, None, account="work"))
    code, out, _ = cli(["accounts", "remove", "Work"], capsys)
    assert (code, out) == (0, "Removed Work.\nIts history stays until it is 90 days old, shown as "
                              "'Removed account (work)'; an account added under this name again "
                              "starts its own.\n")  # fmt: skip
    code, out, err = cli(add, capsys)
    assert code == 0, err
    assert out == (
        f"Added Work: Claude Code in {folder} (ada.lovelace@initech.example).\n"
        "It starts a history of its own: the removed account's stays apart, shown as "
        "'Removed account (work)' until it is 90 days old.\n"
    )
    assert [a["id"] for a in settings_data()["accounts"]] == ["work-2"]
    # removed by hand in the file, with no record of it: the history still says "taken"
    data = settings_data()
    data.update(accounts=[], retired_account_ids=[])
    (config_dir() / "settings.json").write_text(json.dumps(data))
    assert cli(add, capsys)[1].endswith("'Removed account (work)' until it is 90 days old.\n")
    assert [a["id"] for a in settings_data()["accounts"]] == ["work-2"]


def test_removing_the_default_turns_it_off_and_login_on_again(
    accounts_server: FakeClaude,
    keyring_items: Items,
    home: Path,
    capsys: Capsys,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    code, _, err = cli(["accounts", "remove", "Default"], capsys)
    assert (code, err) == (
        1, "claude-meter: 'Default' is the only account; add another first "
        "(`claude-meter accounts add NAME ...`).\n",
    )  # fmt: skip
    folder = claude_config(tmp_path / "c", WORK_ACCOUNT.oauth_token)
    assert cli(["accounts", "add", "Work", "--claude-config", str(folder)], capsys)[0] == 0
    code, out, err = cli(["accounts", "remove", "default"], capsys)
    assert code == 0, err
    assert "Default is no longer metered" in out
    assert "`claude-meter login` meters it again" in out
    assert settings_data()["default_account"] is False
    code, out, _ = cli(["accounts"], capsys)
    assert "not metered: `claude-meter login` meters it again" in out.splitlines()[0]
    code, _, err = cli(["accounts", "remove", "default"], capsys)
    assert code == 1
    assert "is not metered already" in err
    pasted = f"sessionKey={PERSONAL_ACCOUNT.session_key}"
    code, out, err = cli(["login", "--paste"], capsys, pasted, monkeypatch)
    assert code == 0, err
    assert "Default is metered again." in out
    assert settings_data()["default_account"] is True


def test_rename_keeps_the_id_and_the_keyring_entry(
    accounts_server: FakeClaude,
    keyring_items: Items,
    home: Path,
    capsys: Capsys,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pasted = f"sessionKey={WORK_ACCOUNT.session_key}"
    assert cli(["accounts", "add", "Work", "--paste"], capsys, pasted, monkeypatch)[0] == 0
    code, out, err = cli(["accounts", "rename", "work", "Initech"], capsys)
    assert code == 0, err
    assert out == "Renamed to Initech; its history and stored session stay with it.\n"
    account = settings_data()["accounts"][0]
    assert (account["id"], account["name"]) == ("work", "Initech")
    assert (SERVICE, keyring_entry("work")) in keyring_items
    code, _, err = cli(["accounts", "rename", "Initech", "default"], capsys)
    assert (code, err) == (1, "claude-meter: there is already an account called 'default'.\n")
    code, out, err = cli(["accounts", "rename", "Default", "Personal"], capsys)
    assert code == 0, err
    assert settings_data()["default_account_name"] == "Personal"
    code, _, err = cli(["accounts", "rename", "initech", "INITECH"], capsys)  # its own name
    assert code == 0, err
    code, _, err = cli(["accounts", "rename", "ghost", "X"], capsys)
    assert code == 1
    assert "there is no account of that name; the accounts: Personal, INITECH" in err


def test_a_damaged_settings_file_is_set_aside_and_said(
    accounts_server: FakeClaude, home: Path, capsys: Capsys, tmp_path: Path
) -> None:
    from claude_meter.core.paths import config_dir

    config_dir().mkdir(parents=True)
    (config_dir() / "settings.json").write_text("{not json")
    folder = claude_config(tmp_path / "c", WORK_ACCOUNT.oauth_token)
    code, _, err = cli(["accounts", "add", "Work", "--claude-config", str(folder)], capsys)
    assert code == 0
    assert "Your settings could not be read" in err
    assert list(config_dir().glob("settings.json.bad-*"))
    assert settings_data()["accounts"][0]["name"] == "Work"


def test_an_unexpected_failure_reading_it_is_said_in_words(
    accounts_server: FakeClaude,
    home: Path,
    capsys: Capsys,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A failure nobody foresaw while reading the new account (a bug) says what to do next,
    never an exception's type name: the account is added all the same."""
    from claude_meter.poll.fetcher import Fetcher

    def broken(self: Fetcher, account: object) -> None:
        raise LookupError("sessionKey=sk-ant-sid01-not-shown")

    monkeypatch.setattr(Fetcher, "fetch_account", broken)
    folder = claude_config(tmp_path / "agent", WORK_ACCOUNT.oauth_token)
    code, out, err = cli(["accounts", "add", "My Agent", "--claude-config", str(folder)], capsys)
    assert code == 0
    assert out == f"Added My Agent: Claude Code in {folder}.\n"
    assert err == (
        "claude-meter: it could not be read yet: something went wrong inside ClaudeMeter. "
        "It is added all the same: run `claude-meter status --account 'My Agent'` to read "
        "it again.\n"
    )
    assert "LookupError" not in err
    assert "sk-ant" not in err


def test_a_name_that_is_another_accounts_id_is_refused_and_never_guessed(
    accounts_server: FakeClaude, keyring_items: Items, home: Path, capsys: Capsys,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    pasted = f"sessionKey={WORK_ACCOUNT.session_key}"
    for name in ("Home", "Work"):
        assert cli(["accounts", "add", name, "--paste"], capsys, pasted, monkeypatch)[0] == 0
    assert cli(["accounts", "rename", "Work", "Office"], capsys)[0] == 0
    code, _, err = cli(["accounts", "rename", "Home", "Work"], capsys)
    assert (code, err) == (1, "claude-meter: 'Work' is the id of 'Office' (its first name): "
                              "choose another name.\n")  # fmt: skip
    # settings written before the rule: Home called "Work"; "work" means two accounts
    data = settings_data()
    data["accounts"][0]["name"] = "Work"
    (config_dir() / "settings.json").write_text(json.dumps(data))
    for command in (["remove", "work"], ["rename", "work", "Side"], ["paste", "work"]):
        code, _, err = cli(["accounts", *command], capsys, pasted, monkeypatch)
        assert code == 1
        assert "is the name of 'Work' and the id of 'Office': rename 'Work' first" in err
    assert [a["name"] for a in settings_data()["accounts"]] == ["Work", "Office"]
    assert (SERVICE, keyring_entry("home")) in keyring_items
    assert (SERVICE, keyring_entry("work")) in keyring_items


def test_add_pasted_saves_its_email_into_the_settings_as_they_are_then(
    accounts_server: FakeClaude, keyring_items: Items, home: Path, capsys: Capsys,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    """The tray saves while the new account's email is read: the email is saved with that
    change, not over it."""
    from claude_meter.cli import accounts
    from claude_meter.core.settings import load_settings, save_settings

    real = accounts._first_email

    def slow_read(*args: object) -> str | None:
        email = real(*args)  # type: ignore[arg-type]
        save_settings(msgspec.structs.replace(load_settings().settings, poll_seconds=300))
        return email

    monkeypatch.setattr(accounts, "_first_email", slow_read)
    pasted = f"sessionKey={WORK_ACCOUNT.session_key}"
    code, out, err = cli(["accounts", "add", "Work", "--paste"], capsys, pasted, monkeypatch)
    assert code == 0, err
    assert out == f"Added Work: pasted session ({WORK_ACCOUNT.email}).\n"
    after = settings_data()
    assert (after["poll_seconds"], after["accounts"][0]["email"]) == (300, WORK_ACCOUNT.email)
