"""A pasted claude.ai session, read the one way ``login --paste`` and ``accounts add --paste``
share: without echo on a terminal, else the whole of standard input; never printed back."""

from __future__ import annotations

import getpass
from typing import TextIO

from claude_meter.sources.cookies import InvalidCookie, SessionCookies

PASTE_PROMPT = "Paste the claude.ai Cookie header or sessionKey value (it is not shown): "


def read_pasted(stdin: TextIO, err: TextIO) -> str:
    """The pasted text: without echo on a terminal (the prompt on ``err``), else all of stdin."""
    isatty = getattr(stdin, "isatty", None)
    if isatty is not None and isatty():
        return getpass.getpass(PASTE_PROMPT, stream=err)
    return stdin.read()


def read_session(stdin: TextIO, err: TextIO) -> SessionCookies | None:
    """The pasted session; None (and a message on ``err`` that never quotes the text) when
    what was pasted is not one."""
    try:
        return SessionCookies.parse(read_pasted(stdin, err))
    except InvalidCookie as exc:
        print(
            f"claude-meter: that is not a claude.ai session: {exc}. Copy the Cookie header of a "
            "request to claude.ai (developer tools, Network tab), or the sessionKey value.",
            file=err,
        )
        return None
