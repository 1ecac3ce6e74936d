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


def test_a_dicts_key_is_never_named() -> None:
    """msgspec does not quote a dict's key (it may be anything, a secret too): ``*`` stands in."""

    class _Keyed(msgspec.Struct, frozen=True, kw_only=True):
        counts: dict[str, int] = {}

    secret = "sk-ant-sid01-" + "x" * 40
    with pytest.raises(validation.Invalid) as caught:
        validation.parse({"counts": {secret: {"a.b": 1}}}, _Keyed)
    assert validation.words(caught.value) == "counts.*: expected int, got object"
    assert secret not in str(caught.value)


def test_strict_takes_json_types_as_they_are() -> None:
    """For another program's data (the extension's posts): no "60" for 60, no 30.0 for 30."""
    for raw in (b'{"kind": "a", "seconds": "90"}', b'{"kind": "a", "seconds": 30.0}'):
        with pytest.raises(validation.Invalid) as caught:
            validation.parse_json(raw, _Outer, strict=True)
        assert validation.where(caught.value) == "seconds"
    assert validation.parse_json(b'{"kind": "a", "seconds": 90}', _Outer, strict=True).seconds == 90


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


class _Ruled(msgspec.Struct, frozen=True, kw_only=True):
    name: str = "x"
    sides: int = 4

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise validation.Refused("name", "a name cannot be empty")
        if self.sides < 3:
            raise ValueError("a shape needs three sides")


class _Shapes(msgspec.Struct, frozen=True, kw_only=True):
    shapes: tuple[_Ruled, ...] = ()


def test_a_rule_names_its_field_where_msgspec_knows_only_the_struct() -> None:
    with pytest.raises(validation.Invalid) as caught:
        validation.parse({"shapes": [{}, {"name": " "}]}, _Shapes)
    assert validation.where(caught.value) == "shapes.1.name"
    assert validation.words(caught.value) == "shapes.1.name: a name cannot be empty"
    with pytest.raises(validation.Invalid) as whole:  # a rule about the whole struct
        validation.parse({"shapes": [{"sides": 2}]}, _Shapes)
    assert validation.words(whole.value) == "shapes.0: a shape needs three sides"
    with pytest.raises(validation.Refused, match=r"^a name cannot be empty$") as built:
        _Ruled(name="")  # built in code: the rule's own sentence, a ValueError
    assert built.value.field == "name"
    assert isinstance(built.value, ValueError)


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


def test_a_word_outside_a_fixed_set_names_the_set_when_the_type_is_given() -> None:
    """The set is the app's own words, never the value (which may be a secret)."""
    secret = "sk-ant-sid01-" + "x" * 40
    failure = _failure({"kind": secret})
    assert validation.what(failure, _Outer) == "not one of a, b"
    assert validation.words(failure, _Outer) == "kind: not one of a, b"
    assert secret not in validation.words(failure, _Outer)
    assert validation.words(failure) == "kind: not one of the accepted values"  # no type given


class _Leaf(msgspec.Struct, frozen=True, kw_only=True):
    mode: Literal["on", "off"] | None = None


class _Tree(msgspec.Struct, frozen=True, kw_only=True):
    leaves: tuple[_Leaf, ...] = ()
    level: Annotated[Literal[1, 2], msgspec.Meta(description="how deep")] = 1


def test_the_set_is_found_through_nested_structs_lists_and_optional_fields() -> None:
    with pytest.raises(validation.Invalid) as caught:
        validation.parse({"leaves": [{"mode": "on"}, {"mode": "sideways"}]}, _Tree)
    assert validation.words(caught.value, _Tree) == "leaves.1.mode: not one of on, off"
    with pytest.raises(validation.Invalid) as caught:
        validation.parse({"level": 3}, _Tree)
    assert validation.words(caught.value, _Tree) == "level: not one of 1, 2"
