"""Outside JSON: any parser failure is :class:`NotJson` (issue 16, finding 5)."""

from __future__ import annotations

import contextlib
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from claude_meter.core import json_input
from claude_meter.core.json_input import NotJson, loads

pytestmark = pytest.mark.fuzz


@given(
    depth=st.integers(1, 300_000),
    opener=st.sampled_from(["[", '{"a":']),
    closed=st.booleans(),
)
def test_any_nesting_depth_is_a_value_or_not_json(depth: int, opener: str, closed: bool) -> None:
    closer = "]" if opener == "[" else "}"
    text = opener * depth + ("0" + closer * depth if closed else "")
    try:
        value = loads(text)
    except NotJson:
        return
    assert closed
    assert value is not None


@given(st.binary(max_size=200) | st.text(max_size=200))
def test_any_bytes_or_text_is_a_value_or_not_json(data: bytes | str) -> None:
    with contextlib.suppress(NotJson):
        loads(data)


def test_the_reason_says_nested_too_deeply() -> None:
    with pytest.raises(NotJson, match="nested too deeply"):
        loads("[" * 200_000 + "]" * 200_000)
    assert loads(json.dumps([[1]])) == [[1]]


@pytest.mark.parametrize(
    ("data", "said"),
    [
        (b'{"cookie": "\xff SECRET"}', "not text in UTF-8, UTF-16 or UTF-32"),
        ('{"poll_seconds": ' + "6" * 5000 + "}", "a number with too many digits"),
    ],
)
def test_a_failure_that_is_not_a_syntax_error_says_what_in_plain_words(
    data: str | bytes, said: str
) -> None:
    """Once only a Python type name (``UnicodeDecodeError``, ``ValueError``): a person reads
    it in "Your settings could not be read (not valid JSON (...))"."""
    with pytest.raises(NotJson) as raised:
        loads(data)
    assert str(raised.value) == said
    assert "SECRET" not in str(raised.value)


@pytest.mark.parametrize(
    ("failure", "said"),
    [
        (MemoryError(), "too big to read"),
        (
            TypeError("the JSON object must be str, bytes or bytearray, not int"),
            "not text the JSON reader accepts",
        ),
        (ValueError("something new in a later Python"), "not text the JSON reader accepts"),
    ],
)
def test_the_rarest_failures_say_what_too(
    failure: Exception, said: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What cannot be produced on demand here (a document too big for memory, a reader
    handed no text), as the parser raises it."""

    def failing(data: object) -> object:
        raise failure

    monkeypatch.setattr(json, "loads", failing)  # the module json_input calls
    with pytest.raises(NotJson) as raised:
        loads("{}")
    assert str(raised.value) == said


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ('{"theme": "dark",\n "poll_seconds" 60}', "line 2, column 17: expecting ':' delimiter"),
        ('{"cookie": "sk-ant-sid01-SECRET', "line 1, column 12: unterminated string starting"),
    ],
)
def test_the_reason_says_where_and_never_what(text: str, said: str) -> None:
    """Where the file breaks, for a person fixing it in an editor (not ``JSONDecodeError``),
    and never a piece of it: a settings file may hold a pasted secret."""
    with pytest.raises(NotJson) as raised:
        loads(text)
    assert str(raised.value) == said
    assert "SECRET" not in str(raised.value)


def test_every_damaged_file_is_described_alike() -> None:
    """settings.json and sources.json (and the others) say what is wrong in one set of words,
    with the place to look in an editor."""
    with pytest.raises(json_input.NotJson) as caught:
        json_input.loads('{"a": 1,\n "b" 2}')
    assert json_input.not_valid(caught.value) == (
        "not valid JSON (line 2, column 6: expecting ':' delimiter)"
    )
