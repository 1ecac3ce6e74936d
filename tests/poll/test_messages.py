"""The texts a poll gives when it has no credential: where it looked, what to do next."""

from __future__ import annotations

from claude_meter.core.accounts import AccountRef
from claude_meter.poll.messages import (
    NO_WEB_HOWTO,
    no_account_session,
    no_claude_code,
    no_claude_code_in,
)


def test_a_named_account_without_its_session_says_how_to_add_one() -> None:
    pasted = AccountRef(id="work", name="Work Team", kind="pasted")
    assert "claude-meter accounts add 'Work Team' --paste" in no_account_session(pasted)
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
