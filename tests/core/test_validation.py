"""Outside data into structs: lenient where a person's file needs it, and failures in words
that never repeat the value (core/validation.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

import msgspec
import pytest

from claude_meter.core import validation


class _Inner(msgspec.Struct, frozen=True, kw_only=True):
    count: int = 1


class _Outer(msgspec.Struct, frozen=True, kw_only=True):
    kind: Literal["a", "b"]
    seconds: Annotated[int, msgspec.Meta(ge=30)] = 60
    at: datetime | None = None
    inner: tuple[_Inner, ...] = ()


def _failure(data: object) -> validation.Invalid:
    with pytest.raises(validation.Invalid) as caught:
        validation.parse(data, _Outer)
    return caught.value


def test_lenient_where_a_file_needs_it_and_unknown_keys_ignored() -> None:
    parsed = validation.parse(
        {"kind": "a", "seconds": "90", "at": "2026-01-02T03:04:05Z", "newer": 1}, _Outer
    )
    assert parsed == _Outer(kind="a", seconds=90, at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC))
    assert validation.parse_json(b'{"kind": "b", "seconds": 30.0}', _Outer).seconds == 30


def test_words_say_where_and_what() -> None:
    assert validation.words(_failure({"kind": "a", "seconds": 5})) == "seconds: expected int >= 30"
    nested = _failure({"kind": "a", "inner": [{"count": 1}, {"count": "many"}]})
    assert validation.where(nested) == "inner.1.count"
    assert validation.what(nested) == "expected int, got str"
    assert validation.words(_failure(5)) == "expected object, got int"
    assert validation.words(_failure({})) == "object missing required field kind"


def test_words_never_repeat_the_value() -> None:
    secret = "sk-ant-sid01-" + "x" * 40
    failure = _failure({"kind": secret})
    assert secret in str(failure)  # msgspec's own text quotes it: never show that
    assert secret not in validation.words(failure)
    assert validation.words(failure) == "kind: not one of the accepted values"


def test_not_json_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="malformed"):
        validation.parse_json(b"{not json", _Outer)


def test_as_json_data_is_json_s_python_form() -> None:
    value = _Outer(kind="a", at=datetime(2026, 1, 2, tzinfo=UTC), inner=(_Inner(),))
    assert validation.as_json_data(value) == {
        "kind": "a",
        "seconds": 60,
        "at": "2026-01-02T00:00:00Z",
        "inner": [{"count": 1}],
    }


def test_a_lone_surrogate_where_a_value_was_expected_is_invalid_not_a_crash() -> None:
    """JSON's ``"\\ud800"`` decodes to a lone surrogate, which msgspec cannot read as a word, a
    number or a time: the data does not fit, like any other wrong value."""
    with pytest.raises(validation.Invalid) as caught:
        validation.parse({"kind": "\ud800"}, _Outer)
    assert validation.words(caught.value) == "a text that is not valid Unicode"
    with pytest.raises(validation.Invalid):
        validation.parse({"kind": "a", "seconds": "\ud800"}, _Outer)


def test_as_json_data_keeps_texts_and_numbers_for_json_dumps_to_write() -> None:
    """A server's name may hold a lone surrogate and a number may be NaN: both are written
    by ``json.dumps`` as they were when pydantic dumped the models (msgspec's own encoder
    refuses the first)."""
    value = {"name": "\ud800", "ratio": float("inf"), "at": (datetime(2026, 1, 2, tzinfo=UTC),)}
    assert validation.as_json_data(value) == {
        "name": "\ud800",
        "ratio": float("inf"),
        "at": ["2026-01-02T00:00:00Z"],
    }
