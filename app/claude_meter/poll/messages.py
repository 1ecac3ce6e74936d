"""What a poll tells the person when it has no credential to use: where it looked and what
to do next (the texts only; :mod:`claude_meter.poll.fetcher` decides when)."""

from __future__ import annotations

import shlex
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from claude_meter.core.accounts import AccountRef
    from claude_meter.sources.selection import Selection

NO_SOURCE = (
    "Or sign in to Claude Code with `claude`. "
    "To look around without an account: claude-meter status --demo"
)
NO_COOKIE = "No claude.ai session given, stored or found in a browser."
NO_WEB_HOWTO = (
    "Sign in to claude.ai in your browser, or run `claude-meter login --paste` with the Cookie "
    "header (or just the sessionKey value) copied from the browser's developer tools, or set "
    "CLAUDE_METER_COOKIE to it."
)


def no_claude_code(platform: str = sys.platform) -> str:
    """Where Claude Code's sign-in was looked for, as on this computer (the Keychain: macOS)."""
    places = ["$CLAUDE_CODE_OAUTH_TOKEN", "$CLAUDE_CONFIG_DIR", "~/.claude/.credentials.json"]
    if platform == "darwin":
        places.append("the macOS Keychain")
    looked = f"{', '.join(places[:-1])} or {places[-1]}"
    return f"Claude Code's sign-in was not found ({looked}). Run `claude` and sign in first."


NO_CLAUDE_CODE = no_claude_code()
WAITING_FOR_EXTENSION = (
    "Waiting for the ClaudeMeter browser extension. Install it (see the README), sign in to "
    "claude.ai in that browser, then choose Pair browser extension in the ClaudeMeter menu."
)


def no_web(selection: Selection) -> str:
    if selection.only_others():
        return selection.only_others_message()
    if selection.failures or selection.looked_at:
        return f"{selection.no_web_session_message()} {NO_WEB_HOWTO}"
    return f"{NO_COOKIE} {NO_WEB_HOWTO}"


def no_account_session(account: AccountRef) -> str:
    if account.kind == "pasted":
        return (
            f"No claude.ai session is stored for the account {account.name}. Paste one with "
            f"`claude-meter accounts add {_quoted(account.name)} --paste`."
        )
    return f"No claude.ai session was found in {account.describe()}. {NO_WEB_HOWTO}"


def no_claude_code_in(folder: str) -> str:
    return (
        f"Claude Code's sign-in was not found in {folder}. Run "
        f"`CLAUDE_CONFIG_DIR={_quoted(folder)} claude` and sign in first."
    )


def _quoted(text: str) -> str:
    return shlex.quote(text)
