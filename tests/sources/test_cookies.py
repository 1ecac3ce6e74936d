"""Pasted sessions and the Cookie header; the value never shows in text forms."""

from __future__ import annotations

import pickle

import pytest
from hypothesis import given
from hypothesis import strategies as st

from claude_meter.core.secret import Secret
from claude_meter.sources.cookies import InvalidCookie, SessionCookies, cookies_from_env

KEY = "sk-ant-sid02-SECRETVALUE-0123456789"


@pytest.mark.parametrize(
    ("text", "names"),
    [
        (KEY, ("sessionKey",)),
        (f"  {KEY}\n", ("sessionKey",)),
        (f"sessionKey={KEY}", ("sessionKey",)),
        (
            f"Cookie: a=1; sessionKey={KEY}; lastActiveOrg=org-1",
            ("a", "sessionKey", "lastActiveOrg"),
        ),
        (f'sessionKey="{KEY}";', ("sessionKey",)),
        ("sessionKey=anything-goes-no-prefix-check", ("sessionKey",)),
    ],
)
def test_parse_accepts_header_or_bare_value(text: str, names: tuple[str, ...]) -> None:
    cookies = SessionCookies.parse(text)
    assert cookies.names == names


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "a=1; b=2",
        "two words",
        "sessionKey=",
        "sessionKey=a\x00b",
        "bad name=1; sessionKey=x",
    ],
)
def test_parse_rejects(text: str) -> None:
    with pytest.raises(InvalidCookie) as info:
        SessionCookies.parse(text)
    assert "a\x00b" not in str(info.value)


def test_header_org_hint_and_rotation() -> None:
    cookies = SessionCookies.parse(f"sessionKey={KEY}; lastActiveOrg=org-9; cf_clearance=c1")
    assert cookies.org_hint == "org-9"
    assert cookies.header().reveal() == f"sessionKey={KEY}; lastActiveOrg=org-9; cf_clearance=c1"
    rotated = cookies.updated([("sessionKey", "new-key"), ("cf_clearance", ""), ("x y", "1")])
    assert rotated.session_key == Secret("new-key")
    assert rotated.header().reveal() == "sessionKey=new-key; lastActiveOrg=org-9; cf_clearance=c1"
    assert cookies.session_key == Secret(KEY)  # immutable


def test_value_never_in_text_forms() -> None:
    cookies = SessionCookies.parse(f"sessionKey={KEY}")
    for text in (
        repr(cookies),
        str(cookies),
        f"{cookies}",
        repr(cookies.header()),
        str(cookies.session_key),
        f"{cookies.session_key}",
    ):
        assert KEY not in text
    with pytest.raises(TypeError):
        pickle.dumps(cookies)
    with pytest.raises(TypeError):
        pickle.dumps(cookies.session_key)


def test_from_env() -> None:
    assert cookies_from_env({}) is None
    env_cookies = cookies_from_env({"CLAUDE_METER_COOKIE": KEY})
    assert env_cookies is not None
    assert env_cookies.session_key.reveal() == KEY
    with pytest.raises(InvalidCookie):
        cookies_from_env({"CLAUDE_METER_COOKIE": "a=b"})


@pytest.mark.parametrize(
    "text",
    ['sessionKey="abc\n"', 'sessionKey="abc\r"', "sessionKey=abc\x00def", "sessionKey=ab\x1bc"],
)
def test_control_characters_are_refused_even_at_the_end(text: str) -> None:
    """Issue 16, finding 8: ``$`` let a quoted trailing newline through, and every request
    then failed as a network error."""
    with pytest.raises(InvalidCookie):
        SessionCookies.parse(text)


@given(value=st.text(max_size=20), control=st.characters(max_codepoint=0x1F) | st.just("\x7f"))
def test_a_value_with_any_control_character_is_refused(value: str, control: str) -> None:
    for placed in (value + control, control + value, value[:3] + control + value[3:]):
        with pytest.raises(InvalidCookie):
            SessionCookies({"sessionKey": "k" + placed})
