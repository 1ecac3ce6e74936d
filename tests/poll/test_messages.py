"""The texts a poll gives when it has no credential: where it looked, what to do next."""

from __future__ import annotations

from pathlib import Path

from claude_meter.core.accounts import AccountRef
from claude_meter.poll.messages import (
    CLI_ADVICE,
    NO_WEB_HOWTO,
    TRAY_ADVICE,
    expired_pasted,
    no_account_session,
    no_claude_code,
    no_claude_code_in,
    no_web,
)
from claude_meter.sources.selection import Selection
from tests.sources.test_selection import selection


def test_a_named_account_without_its_session_says_how_to_add_one() -> None:
    pasted = AccountRef(id="work", name="Work Team", kind="pasted")
    assert "`claude-meter accounts paste 'Work Team'`" in no_account_session(pasted)
    browser = AccountRef(id="b", name="B", kind="browser", browser="firefox", profile="work")
    text = no_account_session(browser)
    assert "firefox (work)" in text
    assert text.endswith(NO_WEB_HOWTO)


def test_a_claude_code_folder_is_quoted_for_the_shell() -> None:
    text = no_claude_code_in("/home/me/claude work")
    assert "`CLAUDE_CONFIG_DIR='/home/me/claude work' claude`" in text


def test_claude_code_missing_names_the_places_looked_at_on_this_system() -> None:
    """The Keychain is read on macOS only: elsewhere the message does not send anyone to it."""

    linux = no_claude_code("linux")
    assert "Keychain" not in linux
    assert "$CLAUDE_CODE_OAUTH_TOKEN, $CLAUDE_CONFIG_DIR or ~/.claude/.credentials.json" in linux
    assert "~/.claude/.credentials.json or the macOS Keychain" in no_claude_code("darwin")
    assert linux.endswith("Run `claude` and sign in first.")


def _only_others(tmp_path: Path) -> Selection:
    chosen = selection(tmp_path)
    chosen.left_to.append("Firefox (work) is Work's")
    assert chosen.only_others()
    return chosen


def test_only_others_names_the_command_line_s_commands(tmp_path: Path) -> None:
    text = no_web(_only_others(tmp_path), CLI_ADVICE)
    assert text == (
        "No sign-in of its own: Firefox (work) is Work's. Give it one with `claude-meter "
        "login`, or stop metering it with `claude-meter accounts remove` and its name."
    )


def test_only_others_in_the_tray_names_settings_not_login(tmp_path: Path) -> None:
    text = no_web(_only_others(tmp_path), TRAY_ADVICE)
    assert "Give it one with Settings… (Paste session…" in text
    assert text.endswith("or stop metering it with Settings… → Accounts → Remove….")
    assert "claude-meter" not in text
    assert text.startswith("No sign-in of its own: Firefox (work) is Work's.")


def test_a_pasted_account_without_its_session_in_the_tray_names_settings() -> None:
    """Both name the way to give the same account a new session, never remove and add (a
    new id, a history split in two)."""
    pasted = AccountRef(id="work", name="Work Team", kind="pasted")
    text = no_account_session(pasted, TRAY_ADVICE)
    assert text == (
        "No claude.ai session is stored for the account Work Team. Give it a new session in "
        "Settings… → Accounts: choose Work Team, then Paste new session… (the Cookie header, or "
        "just the sessionKey value, copied from the browser's developer tools)."
    )
    cli = no_account_session(pasted, CLI_ADVICE)
    assert "claude-meter accounts paste 'Work Team'" in cli
    assert "remove" not in text + cli


def test_an_expired_pasted_session_names_the_way_to_paste_a_new_one() -> None:
    pasted = AccountRef(id="work", name="Work", kind="pasted")
    assert expired_pasted(pasted) == (
        "The claude.ai session pasted for Work has expired or was signed out. Give it a new "
        "session with `claude-meter accounts paste Work` (the Cookie header, or just the "
        "sessionKey value, copied from the browser's developer tools)."
    )
    assert "Paste new session…" in expired_pasted(pasted, TRAY_ADVICE)
