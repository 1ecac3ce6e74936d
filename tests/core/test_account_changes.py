"""The rules of adding, removing and renaming accounts, as pure functions of the settings."""

from __future__ import annotations

import msgspec
import pytest

from claude_meter.core import validation
from claude_meter.core.account_changes import (
    AccountProblem,
    ById,
    TooMany,
    added,
    avoided_ids,
    earlier_id,
    named,
    no_keyring,
    removable,
    removal,
    removal_words,
    removed,
    renamed,
    room_for_one_more,
    sentence,
    unique_name,
    with_email,
)
from claude_meter.core.accounts import AccountRef
from claude_meter.core.settings import Settings

WORK = AccountRef(id="work", name="Work", kind="pasted")


def test_added_makes_an_id_from_the_name_and_validates() -> None:
    settings, account = added(Settings(), "  Work   Team ", "browser", (), browser="chromium")
    assert (account.id, account.name, account.browser) == ("work-team", "Work Team", "chromium")
    assert settings.accounts == (account,)
    settings, again = added(settings, "work-team!", "pasted", ())
    assert again.id == "work-team-2"


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("work", "there is already an account called 'work'"),
        ("DEFAULT", "there is already an account called 'DEFAULT'"),
        ("", "an account name cannot be empty"),
        ("sk-ant-sid01-x", "this looks like a secret, not a name; secrets belong in the keyring"),
        ("a\x00b", "an account name cannot hold control characters"),
        ("W\udcff", "an account name must be valid Unicode text"),  # a byte argv could not decode
    ],
)
def test_added_refuses(name: str, why: str) -> None:
    with pytest.raises(AccountProblem) as refused:
        added(Settings(accounts=(WORK,)), name, "pasted", ())
    assert str(refused.value) == why


def test_a_reference_that_looks_like_a_secret_is_refused_unquoted() -> None:
    with pytest.raises(AccountProblem) as refused:
        added(Settings(), "X", "browser", (), browser="chromium", profile="sessionKey=sk-ant-1")
    assert "sk-ant" not in str(refused.value)
    assert "secrets belong in the keyring" in str(refused.value)


@pytest.mark.parametrize(
    ("refs", "why"),
    [
        ({"config_dir": "/home/me/caf\udce9"}, "the folder name is not valid Unicode text"),
        ({"profile": "Lab\ud800"}, "the profile name is not valid Unicode text"),
        ({"browser": "b" * 41}, "accounts.0.browser: expected str of length <= 40"),
        ({"profile": "p" * 201}, "accounts.0.profile: expected str of length <= 200"),
    ],
)
def test_a_reference_no_file_can_keep_is_refused_in_words(refs: dict[str, str], why: str) -> None:
    """Checked as the file is (types, bounds, rules), never left to an encoder's traceback."""
    with pytest.raises(AccountProblem) as refused:
        added(Settings(), "X", "claude-code", (), **refs)
    assert str(refused.value) == why


def test_at_most_eight() -> None:
    settings = Settings()
    for number in range(8):
        settings, _ = added(settings, f"A{number}", "pasted", ())
    with pytest.raises(AccountProblem, match="at most 8 accounts"):
        added(settings, "Ninth", "pasted", ())


def test_removed() -> None:
    settings = Settings(accounts=(WORK,), icon_account="work")
    after, gone = removed(settings, "WORK")
    assert (after.accounts, gone, after.icon_account) == ((), WORK, None)
    after, gone = removed(settings, "Default")
    assert (after.default_account, gone, after.accounts) == (False, None, (WORK,))
    with pytest.raises(AccountProblem, match="is not metered already"):
        removed(after, "default")
    with pytest.raises(AccountProblem, match="is the only account"):
        removed(Settings(), "Default")
    with pytest.raises(AccountProblem, match="no account of that name; the accounts: Default, W"):
        removed(settings, "Home")


def test_an_account_added_again_under_a_removed_ones_name_gets_a_fresh_id() -> None:
    """Its history, notification memory and backoff deadline are kept by id: reusing ``work``
    would show the removed account's past as the new one's."""
    settings, _ = removed(Settings(accounts=(WORK,)), "Work")
    assert settings.retired_account_ids == ("work",)
    settings, again = added(settings, "Work", "pasted", ())
    assert (again.id, again.name) == ("work-2", "Work")
    assert earlier_id(settings, again) == "work"
    settings, _ = removed(settings, "Work")
    settings, third = added(settings, "work", "pasted", ())
    assert third.id == "work-3"
    assert settings.retired_account_ids == ("work", "work-2")
    assert validation.parse_json(msgspec.json.encode(settings), Settings) == settings  # on disk


def test_the_historys_ids_are_not_given_either() -> None:
    """An account removed by an editor (or before ids were retired) left readings only."""
    settings, account = added(Settings(), "Work", "pasted", ("work",))
    assert account.id == "work-2"
    assert earlier_id(settings, account, ("work",)) == "work"
    settings, fresh = added(Settings(), "Side", "pasted", ("work",))
    assert (fresh.id, earlier_id(settings, fresh, ("work",))) == ("side", None)
    renamed_to = renamed(Settings(accounts=(WORK,)), "Work", "Initech")
    settings, other = added(renamed_to, "Work!", "pasted", ())  # the id is in use, not removed
    assert (other.id, earlier_id(settings, other)) == ("work-2", None)


def test_renamed_keeps_the_id() -> None:
    settings = renamed(Settings(accounts=(WORK,)), "work", "Initech")
    assert settings.accounts[0] == msgspec.structs.replace(WORK, name="Initech")
    assert renamed(settings, "default", "Mine").default_account_name == "Mine"
    assert renamed(settings, "initech", "INITECH").accounts[0].name == "INITECH"
    with pytest.raises(AccountProblem, match="already an account called 'Default'"):
        renamed(settings, "Initech", "Default")


def test_named_and_with_email() -> None:
    settings = Settings(accounts=(WORK,), default_account_name="Home")
    assert named(settings, "home") == "default"
    assert named(settings, "default") == "default"
    assert named(settings, "work") == WORK
    assert named(settings, "nobody") is None
    assert with_email(settings, "work", "w@example.com").accounts[0].email == "w@example.com"
    assert with_email(settings, "work", "sessionKey=x") is settings  # refused, not kept
    assert with_email(settings, "work", "w\ud800@example.com") is settings
    assert with_email(settings, "work", "w" * 321) is settings  # past the bound: not kept


def test_every_way_of_adding_avoids_the_same_ids() -> None:
    """In use, retired, or only in the history: ``accounts add``, ``sources --add``, the
    first-run window and the Settings window all pass the history to ``added``."""
    settings = Settings(accounts=(WORK,), retired_account_ids=("side",))
    assert avoided_ids(settings, ("home", "work")) == ("work", "side", "home")
    for name, expected in (("Side", "side-2"), ("Home", "home-2"), ("Other", "other")):
        _, account = added(settings, name, "pasted", ("home",))
        assert account.id == expected


def test_unique_name_numbers_a_name_in_use() -> None:
    settings = Settings(accounts=(WORK,))
    assert unique_name(settings, "Personal") == "Personal"
    assert unique_name(settings, "work") == "work 2"
    assert unique_name(settings, "Default") == "Default 2"
    assert unique_name(settings, "  ") == "Account"
    assert unique_name(settings, "Chrome", ("chrome", "Chrome 2")) == "Chrome 3"
    assert len(unique_name(Settings(accounts=(msgspec.structs.replace(WORK, name="W" * 40),)),
                           "W" * 40)) <= 40  # fmt: skip


def test_removal_names_the_secret_that_goes_with_a_named_account_only() -> None:
    settings = Settings(accounts=(WORK,))
    done = removal(settings, "work")
    assert (done.account, done.secret_entry) == (WORK, "claude.ai session (work)")
    assert done.settings.retired_account_ids == ("work",)
    default = removal(settings, "Default")
    assert (default.account, default.secret_entry) == (None, None)
    assert default.settings.default_account is False
    with pytest.raises(AccountProblem, match="is the only account"):
        removal(Settings(), "Default")


def test_removal_words_say_what_is_kept_and_what_is_deleted() -> None:
    browser = AccountRef(id="home", name="Home", kind="browser", browser="firefox", profile="p")
    settings = Settings(accounts=(WORK, browser))
    question, details = removal_words(settings, "Work", in_history=True)
    assert question == "Remove Work?"
    assert "Kept: its usage history, shown as “Removed account (work)”" in details
    assert "Deleted: its session stored in the keyring." in details
    _, details = removal_words(settings, "home", in_history=False)
    assert "no usage history yet" in details
    assert "Nothing else is deleted: the sign-in it read (firefox (p)) stays." in details
    question, details = removal_words(settings, "default", in_history=True)
    assert question == "Stop metering Default?"
    assert "its history are kept" in details
    with pytest.raises(AccountProblem, match="no account of that name"):
        removal_words(settings, "Nobody", in_history=False)


HOME = AccountRef(id="home", name="Home", kind="pasted")


def test_a_name_is_never_another_accounts_id() -> None:
    """Work renamed Office, then Home renamed Work: "work" would name two accounts."""
    settings = renamed(Settings(accounts=(HOME, WORK)), "Work", "Office")
    with pytest.raises(AccountProblem, match="'Work' is the id of 'Office'"):
        renamed(settings, "Home", "Work")
    with pytest.raises(AccountProblem, match="'WORK' is the id of 'Office'"):
        added(settings, "WORK", "pasted", ())
    assert renamed(settings, "Office", "work").accounts[1] == msgspec.structs.replace(
        WORK, name="work"
    )  # its own id is its own to take back


def test_a_window_removes_by_id_and_a_name_meaning_two_accounts_is_not_guessed() -> None:
    """Settings written before the rule: Home called "Work", Work (id work) called "Office"."""
    home = msgspec.structs.replace(HOME, name="Work")
    office = msgspec.structs.replace(WORK, name="Office")
    settings = Settings(accounts=(home, office))
    done = removal(settings, ById("work"))
    assert (done.account, done.secret_entry) == (office, "claude.ai session (work)")
    assert removal_words(settings, ById("work"), in_history=False)[0] == "Remove Office?"
    assert removal(settings, ById("home")).account == home
    assert removal(settings, ById("default")).account is None
    with pytest.raises(AccountProblem, match="no account of that name"):
        removal(settings, ById("gone"))
    with pytest.raises(AccountProblem, match="the name of 'Work' and the id of 'Office'"):
        named(settings, "work")
    with pytest.raises(AccountProblem, match="the name of 'Work' and the id of 'Office'"):
        removal(settings, "work")
    with pytest.raises(AccountProblem, match="rename 'Work' first"):
        renamed(settings, "work", "Elsewhere")
    assert named(settings, "Work") == home  # ids are lower case: "Work" is a name only
    assert named(settings, "office") == office
    assert renamed(settings, "Office", "Initech").accounts[1].id == "work"


def test_the_rules_words_serve_every_front_end() -> None:
    """One message each, lower case and without a stop (the command line prints it after
    ``claude-meter:``; a window makes a sentence of it); no command named in a window."""
    full = Settings(accounts=tuple(AccountRef(id=f"a{n}", name=f"A{n}", kind="pasted")
                                   for n in range(8)))  # fmt: skip
    with pytest.raises(TooMany) as exc:
        room_for_one_more(full)
    assert sentence(exc.value) == "At most 8 accounts besides the default one; remove one first."
    with pytest.raises(TooMany):
        added(full, "Ninth", "pasted", ())
    room_for_one_more(Settings())
    assert sentence("already done.") == "Already done."
    adding = no_keyring("Work", None, adding=True)
    assert adding.startswith("Work was not added: no usable keyring was found (unknown)")
    assert adding.endswith("then add it again")
    assert no_keyring("Work", "locked", adding=False).startswith(
        "Work's session was not replaced: no usable keyring was found (locked)"
    )


def test_removable_is_what_removal_removes() -> None:
    """The Settings window enables Remove… for exactly these."""
    alone = Settings()
    assert removable(alone) == frozenset()
    with pytest.raises(AccountProblem):
        removal(alone, ById("default"))
    two = Settings(accounts=(WORK,))
    assert removable(two) == {"default", "work"}
    off = Settings(accounts=(WORK,), default_account=False)
    assert removable(off) == {"work"}
    with pytest.raises(AccountProblem, match="not metered already"):
        removal(off, ById("default"))
