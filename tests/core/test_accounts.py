"""Accounts as the settings keep them: names and references, never a secret."""

from __future__ import annotations

from pathlib import Path

import msgspec
import pytest

from claude_meter.core import validation
from claude_meter.core.accounts import (
    MAX_ACCOUNTS,
    AccountRef,
    browser_owner,
    check_accounts,
    check_name,
    claude_code_owner,
    find,
    keyring_entry,
    make_id,
    reading_key,
    shown_name,
)
from claude_meter.core.settings import Settings, load_settings, save_settings


def named(name: str, kind: str = "pasted", **more: str) -> AccountRef:
    data = {"id": make_id(name, ()), "name": name, "kind": kind, **more}
    return validation.parse(data, AccountRef)


def test_ids_come_from_the_first_name_and_stay_unique() -> None:
    assert make_id("Work Team", ()) == "work-team"
    assert make_id("Work Team", ["work-team"]) == "work-team-2"
    assert make_id("Ünïcödé!", ()) == "unicode"
    assert make_id("日本", ()) == "account"
    assert make_id("Default", ()) == "default-2"  # the default account's id is never given


def test_names_are_trimmed_and_checked_without_being_quoted() -> None:
    assert check_name("  Personal   Max ") == "Personal Max"
    for bad in ("", "   ", "x" * 41, "tab\there\x07", "sk-ant-sid01-abc"):
        with pytest.raises(ValueError, match=r"account name|secret") as caught:
            check_name(bad)
        assert "sk-ant" not in str(caught.value)


def test_a_reference_that_looks_like_a_secret_is_refused() -> None:
    with pytest.raises(validation.Invalid) as caught:
        named("Work", "browser", browser="chrome", profile="sessionKey=sk-ant-sid01-x")
    assert "sk-ant-sid01-x" not in str(caught.value)
    assert validation.words(caught.value) == (
        "profile: this is not a name or a folder; secrets belong in the keyring"
    )
    with pytest.raises(ValueError, match="not a name or a folder") as built:  # built in code too
        AccountRef(id="work", name="Work", kind="pasted", email="sk-ant-sid01-x")
    assert "sk-ant-sid01-x" not in str(built.value)


def test_each_account_has_its_own_name_and_at_most_eight() -> None:
    work = named("Work")
    with pytest.raises(ValueError, match="its own name"):
        check_accounts([work, AccountRef(id="other", name="WORK", kind="pasted")])
    many = [named(f"Account {i}") for i in range(MAX_ACCOUNTS + 1)]
    with pytest.raises(ValueError, match="at most"):
        check_accounts(many)
    with pytest.raises(ValueError, match="its own name"):
        Settings(accounts=(named("Default"),))  # the default account's name is taken too


def test_find_by_name_or_id_and_the_keys_readings_carry() -> None:
    accounts = [named("Work Team"), named("Personal", "claude-code", config_dir="/tmp/cc")]
    assert find(accounts, "work team") is accounts[0]
    assert find(accounts, "personal") is accounts[1]
    assert find(accounts, "work-team") is accounts[0]
    assert find(accounts, "nobody") is None
    # an exact id wins over a name (Home called "work", Work's id ``work``): ids never change
    home = AccountRef(id="home", name="work", kind="pasted")
    office = AccountRef(id="work", name="Office", kind="pasted")
    assert find([home, office], "work") is office
    assert find([home, office], "WORK") is home
    assert keyring_entry(None) == keyring_entry("default") == "claude.ai session"
    assert keyring_entry("work-team") == "claude.ai session (work-team)"
    assert reading_key("default") is None
    assert reading_key("work-team") == "work-team"
    assert accounts[1].describe() == "Claude Code in /tmp/cc"


def test_settings_keep_accounts_through_a_save_and_meter_the_default_first(tmp_path) -> None:  # type: ignore[no-untyped-def]
    work = named("Work", "browser", browser="chrome", profile="Profile 1")
    settings = Settings(accounts=(work,), default_account_name="Personal", icon_account="work")
    path = save_settings(settings, tmp_path / "settings.json")
    loaded = load_settings(path).settings
    assert loaded == settings
    assert loaded.metered == (None, work)
    assert loaded.account_name(None) == "Personal"
    assert loaded.account_name("work") == "Work"
    off = msgspec.structs.replace(loaded, default_account=False)
    assert off.metered == (work,)
    assert Settings(default_account=False).metered == (None,)  # never nothing to meter


def test_a_settings_file_with_a_broken_account_is_set_aside(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "settings.json"
    path.write_text('{"accounts": [{"id": "Bad Id", "name": "x", "kind": "pasted"}]}')
    loaded = load_settings(path)
    assert loaded.settings == Settings()
    assert loaded.notice is not None
    assert loaded.backup is not None
    assert loaded.backup.exists()


@pytest.mark.parametrize(
    ("browser", "names", "owner"),
    [
        ("chromium", ("Profile 2", "Work"), "Work"),  # by its folder
        ("chromium", ("Profile 7", "work"), None),  # a display name is not Work's folder
        ("Chromium", ("profile 2", None), "Work"),  # names as typed, any case
        ("firefox", ("abc.default", None), "Fox"),  # no profile: every profile of it
        ("chrome", ("Profile 2", None), None),  # another browser's profile of that name
    ],
)
def test_a_named_browser_account_owns_its_profile(
    browser: str, names: tuple[str | None, ...], owner: str | None
) -> None:
    accounts = (
        named("Side", "pasted"),
        named("Work", "browser", browser="chromium", profile="Profile 2"),
        named("Fox", "browser", browser="firefox"),
    )
    found = browser_owner(accounts, browser, names)
    assert (found.name if found else None) == owner


def test_a_named_claude_code_account_owns_its_folder(tmp_path: Path) -> None:
    home = tmp_path / "home"
    (home / ".claude").mkdir(parents=True)
    agent = named("Agent", "claude-code", config_dir=str(tmp_path / "agent"))
    plain = named("Plain", "claude-code")  # ~/.claude
    assert claude_code_owner((agent,), tmp_path / "agent", home) == agent
    assert claude_code_owner((agent,), tmp_path / "x" / ".." / "agent", home) == agent
    assert claude_code_owner((agent,), home / ".claude", home) is None
    assert claude_code_owner((agent, plain), home / ".claude", home) == plain
    assert claude_code_owner((named("Web", "pasted"),), home / ".claude", home) is None


def test_the_history_shows_the_names_of_now_and_says_removed() -> None:
    settings = Settings(accounts=(named("Work"),), default_account_name="Home",
                        default_account=False)  # fmt: skip
    names = settings.names()
    assert names == {None: "Home", "work": "Work"}  # the default's history keeps its name
    assert shown_name(names, "work") == "Work"
    assert shown_name(names, None) == "Home"
    assert shown_name(names, "side") == "Removed account (side)"
    assert shown_name({}, None) == "Default"
