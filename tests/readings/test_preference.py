"""The one setting the fast commands read without the settings model: used or remaining."""

from __future__ import annotations

import pytest

from claude_meter.core.settings import PercentShown, Settings, save_settings, settings_path
from claude_meter.readings.preference import settings_file, shows_remaining


def test_the_file_is_the_one_the_settings_write() -> None:
    assert settings_file() == settings_path()


@pytest.mark.parametrize(("shown", "expected"), [("used", False), ("remaining", True)])
def test_the_choice_saved_in_settings(shown: PercentShown, expected: bool) -> None:
    save_settings(Settings(percent_shown=shown))
    assert shows_remaining() is expected


@pytest.mark.parametrize(
    "content",
    [
        None,  # no settings yet: the default
        b"",
        b"{broken",
        b"[" * 100_000,
        b'["remaining"]',
        b'{"percent_shown": "REMAINING"}',
        b'{"percent_shown": true}',
        b"\xff\xfe",
    ],
)
def test_anything_else_means_used(content: bytes | None) -> None:
    if content is not None:
        settings_file().parent.mkdir(parents=True, exist_ok=True)
        settings_file().write_bytes(content)
    assert shows_remaining() is False


def test_an_unreadable_file_means_used() -> None:
    settings_file().mkdir(parents=True)  # a folder where the file should be
    assert shows_remaining() is False


def test_the_accounts_names_as_the_settings_give_them() -> None:
    from claude_meter.core.accounts import AccountRef
    from claude_meter.readings.preference import account_names, find_account, read_settings

    work = AccountRef(id="work", name="Work Team", kind="pasted")
    save_settings(Settings(accounts=(work,), default_account_name="Personal"))
    names = account_names(read_settings())
    assert names == {None: "Personal", "work": "Work Team"}
    assert find_account(names, "work  team") == (True, "work")  # a name in any case
    assert find_account(names, "work") == (True, "work")  # or an id
    assert find_account(names, "personal") == (True, None)
    assert find_account(names, "default") == (True, None)  # the default account's id
    assert find_account(names, "Nobody") == (False, None)
    # Home called "work" (settings from before such names were refused), Work's id ``work``
    mixed = {None: "Default", "home": "work", "work": "Office"}
    assert find_account(mixed, "work") == (True, "work")  # the id, as status --account
    assert find_account(mixed, "WORK") == (True, "home")
    save_settings(Settings(accounts=(work,), default_account=False))
    assert account_names(read_settings()) == {"work": "Work Team"}  # left out
    assert account_names({}) == {None: "Default"}
    assert account_names({"accounts": [{"id": 3}, "x", {"id": "a", "name": " "}]}) == {
        None: "Default"
    }


def test_a_damaged_file_is_read_as_empty_and_its_problem_said() -> None:
    from claude_meter.readings.preference import read_settings_or_problem

    assert read_settings_or_problem() == ({}, None)  # none yet: a first run, nothing to say
    settings_file().parent.mkdir(parents=True, exist_ok=True)
    for content, why in (
        (b"{broken", "not valid JSON (line 1, column 2: expecting property name"),
        (b"[1]", "not a JSON object"),
    ):
        settings_file().write_bytes(content)
        data, problem = read_settings_or_problem()
        assert data == {}
        assert problem is not None
        assert problem.startswith(f"the settings file {settings_file()} could not be read ({why}")
    settings_file().unlink()
    settings_file().mkdir()
    assert "could not be read (Is a directory)" in str(read_settings_or_problem()[1])
