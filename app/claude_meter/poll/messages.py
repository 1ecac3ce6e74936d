"""What a poll tells the person when it has no credential to use: where it looked and what
to do next (the texts only; :mod:`claude_meter.poll.fetcher` decides when)."""

from __future__ import annotations

import shlex
import sys
from typing import TYPE_CHECKING, Final

import msgspec

if TYPE_CHECKING:
    from claude_meter.core.accounts import AccountRef
    from claude_meter.sources.selection import Selection

NO_COOKIE = "No claude.ai session given, stored or found in a browser."


class Advice(msgspec.Struct, frozen=True):
    """The words of "what to do next" that name a surface's own controls: the command line
    names its commands, the tray its windows and buttons. Everything else in a message
    (where the poll looked, Claude Code's ``claude``) is the same on both."""

    paste: str  # how to hand over a session copied from the browser
    demo: str  # how to look around without an account
    #: What a browser's failure (``sources/browsers.py``) names as the way to paste instead.
    paste_control: str
    #: How the default account gets a sign-in of its own, and how it stops being metered.
    give_sign_in: str
    stop_metering: str
    #: How a pasted account with no session stored gets one (``{name}``: its name as said,
    #: ``{quoted}``: quoted for the shell).
    paste_again: str


CLI_ADVICE: Final = Advice(
    paste=(
        "run `claude-meter login --paste` with the Cookie header (or just the sessionKey "
        "value) copied from the browser's developer tools, or set CLAUDE_METER_COOKIE to it"
    ),
    demo="claude-meter status --demo",
    paste_control="`claude-meter login --paste`",
    give_sign_in="`claude-meter login`",
    stop_metering="`claude-meter accounts remove` and its name",
    # the same account, id and history: `accounts paste` replaces only its keyring entry
    paste_again=(
        "Give it a new session with `claude-meter accounts paste {quoted}` (the Cookie header, "
        "or just the sessionKey value, copied from the browser's developer tools)."
    ),
)
TRAY_ADVICE: Final = Advice(
    paste=(
        "paste the session with Settings… → Paste session… (the Cookie header, or just the "
        "sessionKey value, copied from the browser's developer tools)"
    ),
    demo="choose Connect ClaudeMeter… in the ClaudeMeter menu, then Try the demo.",
    paste_control="Settings… → Paste session…",
    give_sign_in="Settings… (Paste session…, or another source or browser profile)",
    stop_metering="Settings… → Accounts → Remove…",
    paste_again=(
        "Give it a new session in Settings… → Accounts: choose {name}, then Paste new "
        "session… (the Cookie header, or just the sessionKey value, copied from the browser's "
        "developer tools)."
    ),
)


def no_web_howto(advice: Advice = CLI_ADVICE) -> str:
    return f"Sign in to claude.ai in your browser, or {advice.paste}."


def no_source(advice: Advice = CLI_ADVICE) -> str:
    """``auto`` found neither route's sign-in: the other route, and the demo."""
    return (
        f"Or sign in to Claude Code with `claude`. To look around without an account: {advice.demo}"
    )


NO_WEB_HOWTO: Final = no_web_howto()


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


def no_web(selection: Selection, advice: Advice = CLI_ADVICE) -> str:
    if selection.only_others():
        return selection.only_others_message(advice.give_sign_in, advice.stop_metering)
    if selection.failures or selection.looked_at:
        looked = selection.no_web_session_message()
        if advice.paste_control != CLI_ADVICE.paste_control:
            from claude_meter.sources.browsers import PASTE_COMMAND

            looked = looked.replace(PASTE_COMMAND, advice.paste_control)
        return f"{looked} {no_web_howto(advice)}"
    return f"{NO_COOKIE} {no_web_howto(advice)}"


def no_account_session(account: AccountRef, advice: Advice = CLI_ADVICE) -> str:
    if account.kind == "pasted":
        again = advice.paste_again.format(name=account.name, quoted=_quoted(account.name))
        return f"No claude.ai session is stored for the account {account.name}. {again}"
    return f"No claude.ai session was found in {account.describe()}. {no_web_howto(advice)}"


def expired_pasted(account: AccountRef, advice: Advice = CLI_ADVICE) -> str:
    """The session pasted for a named account has expired: how to give it a new one (the
    same account: ``accounts paste`` or Settings' Paste new session…, never remove and add)."""
    again = advice.paste_again.format(name=account.name, quoted=_quoted(account.name))
    return f"The claude.ai session pasted for {account.name} has expired or was signed out. {again}"


def no_claude_code_in(folder: str) -> str:
    return (
        f"Claude Code's sign-in was not found in {folder}. Run "
        f"`CLAUDE_CONFIG_DIR={_quoted(folder)} claude` and sign in first."
    )


def _quoted(text: str) -> str:
    return shlex.quote(text)
