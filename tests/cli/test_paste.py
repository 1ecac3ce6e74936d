"""The pasted session: read whole from a pipe, never echoed, never quoted when refused."""

from __future__ import annotations

import io

from claude_meter.cli.paste import read_session
from tests.conftest import TEST_SESSION_KEY


def test_a_pasted_cookie_header_is_read_from_a_pipe() -> None:
    err = io.StringIO()
    cookies = read_session(io.StringIO(f"Cookie: sessionKey={TEST_SESSION_KEY}\n"), err)
    assert cookies is not None
    assert cookies.session_key.reveal() == TEST_SESSION_KEY
    assert err.getvalue() == ""


def test_what_is_not_a_session_is_said_without_quoting_it() -> None:
    err = io.StringIO()
    assert read_session(io.StringIO("my password is hunter2"), err) is None
    assert "that is not a claude.ai session" in err.getvalue()
    assert "hunter2" not in err.getvalue()
