"""What a refusal tells the person to expect: the tray tries again by itself (and has a
Refresh), a command that ends at once says when to run it again.

The message tables (``clients/http.py``, ``clients/http_errors.py``,
``clients/impersonate.py``) build each message once, what happened followed by one of these
endings, so the tray and the command line share every table. Whose words they are is the
process's: the tray's unless a one-shot command runs inside :func:`one_shot` (the command line's
``main`` does, for every command but the tray). A module value rather than a context variable:
a command's fetches run on worker threads too, and one process is one or the other.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime
from typing import Literal

from claude_meter.core.display import local_time

Audience = Literal["tray", "command"]

_audience: Audience = "tray"


@contextmanager
def speaking_to(who: Audience) -> Iterator[None]:
    """Messages built inside speak to ``who``; the words before come back after."""
    global _audience
    before, _audience = _audience, who
    try:
        yield
    finally:
        _audience = before


def one_shot() -> AbstractContextManager[None]:
    """Messages built inside speak to someone who ran a command that ends at once."""
    return speaking_to("command")


def audience() -> Audience:
    return _audience


def again() -> str:
    """After a failure that may pass (network, server error): what happens next."""
    if _audience == "command":
        return "Try again in a minute."
    return "The last numbers are kept; ClaudeMeter will try again."


def again_after_check() -> str:
    """After "did not answer in time": check the connection, then what happens next."""
    if _audience == "command":
        return "Check your internet connection, then try again."
    return (
        "Check your internet connection; the last numbers are kept and ClaudeMeter will try again."
    )


def again_later() -> str:
    """After a check the server may drop by itself (a bot check on the API)."""
    if _audience == "command":
        return "Try again later."
    return "ClaudeMeter will try again later."


def then_refresh() -> str:
    """After what the person must do first (sign in again, open claude.ai once): how to see
    whether it worked. The tray's Refresh; a command is run again."""
    if _audience == "command":
        return "then run the command again."
    return "then refresh."


def allow_again() -> str:
    """After "the macOS Keychain prompt was refused": how to be asked again. A command asks
    when it is run again; the tray asks at its next read, which Refresh brings at once."""
    if _audience == "command":
        return "Run the command again and choose Allow"
    return "Refresh and choose Allow when macOS asks"


def again_at(retry_at: datetime | None, now: datetime) -> str:
    """After "<server> is rate-limiting requests;": when the server said to come back
    (``Retry-After``), if it did. A clause that follows a semicolon."""
    if retry_at is None:
        if _audience == "command":
            return "wait a few minutes, then try again."
        return "ClaudeMeter will back off and try again."
    when = clock_time(retry_at, now)
    if _audience == "command":
        return f"it asks to wait until {when}: try again then."
    return f"ClaudeMeter will try again at {when}."


def clock_time(at: datetime, now: datetime) -> str:
    """``at`` on the local clock, as a person reads it next to ``now``: ``09:20`` today,
    ``Mon 03:05`` on another day (a wait that crosses midnight)."""
    return local_time(at, same_day_as=now)
