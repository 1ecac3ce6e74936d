"""Outside data made into the app's typed structs, and why it could not be, in words.

Every model is a frozen :class:`msgspec.Struct` (``docs/architecture.md``, "Models"): a
struct built in code is trusted (mypy checks it) and runs only its ``__post_init__``; data
from outside (an answer, a file, a post) goes through :func:`parse` or :func:`parse_json`,
which check every field's type and constraint. They are lenient the way a person's file
needs (``"60"`` for 60, a whole float for an int, an ISO 8601 text for a time) and ignore
keys they do not know, so a file from a newer version still loads.

:func:`words` turns a failure into ``where: what`` for a message. It never repeats the
value that failed: a damaged file may hold anything, a secret included.
"""

from __future__ import annotations

import re
from types import UnionType
from typing import Annotated, Any, Literal, TypeVar, Union, get_args, get_origin

import msgspec

T = TypeVar("T")

#: What a failure is, for a caller that handles every kind of bad input at once.
Invalid = msgspec.ValidationError


class Refused(ValueError):
    """A ``__post_init__`` rule refusing one field: msgspec knows only which struct failed,
    so the rule names its field and :func:`where` adds it (``thresholds``, not the whole
    file). ``str()`` is the rule's own sentence, for a window that shows no field names."""

    def __init__(self, field: str, what: str) -> None:
        super().__init__(what)
        self.field = field


# "Expected `int`, got `str` - at `$.accounts[0].name`"
_AT = re.compile(r"^(?P<what>.*?)(?: - at `\$(?P<where>[^`]*)`)?$", re.DOTALL)
# msgspec writes a dict's key as [...], never the key itself (it may be anything): shown as *
_PART = re.compile(r"\[\.\.\.\]|\.(?P<key>[^.\[]+)|\[(?P<index>\d+)\]")


def parse(data: object, kind: type[T]) -> T:
    """``data`` (JSON's Python form) as ``kind``; :data:`Invalid` when it does not fit."""
    try:
        return msgspec.convert(data, kind, strict=False)
    except UnicodeEncodeError:  # a lone surrogate (JSON's "\ud800") where a number, a time or
        # a word was expected: msgspec reads such a text as UTF-8 and fails there
        raise Invalid("a text that is not valid Unicode") from None


def parse_json(raw: bytes | str, kind: type[T], *, strict: bool = False) -> T:
    """JSON text as ``kind``; :data:`Invalid` when it does not fit, and
    :class:`msgspec.DecodeError` (a :class:`ValueError`, as :data:`Invalid` is) when it is
    not JSON. ``strict`` takes JSON's types as they are (no ``"60"`` for 60, no ``1.0`` for
    1): for what another program sends, such as the extension's posts."""
    return msgspec.json.decode(raw, type=kind, strict=strict)


def as_json_data(struct: Any) -> Any:
    """A struct as JSON's Python form (times as ISO 8601 text, tuples as lists): what a file
    or ``--json`` holds. Texts and numbers are kept as they are, as pydantic's JSON-mode dump
    kept them: a lone surrogate from a server's ``"\\ud800"`` (which msgspec's encoder
    refuses) and NaN are for ``json.dumps`` to write, as before."""
    return _listed(msgspec.to_builtins(struct))


def _listed(data: Any) -> Any:
    if isinstance(data, dict):
        return {key: _listed(value) for key, value in data.items()}
    if isinstance(data, list | tuple):
        return [_listed(value) for value in data]
    return data


def where(exc: msgspec.ValidationError) -> str:
    """The failing field's path, ``accounts.0.name`` (``*`` for a key of a dict, which is not
    named); empty for the whole object."""
    found = _AT.match(str(exc))
    path = (found and found["where"]) or ""
    parts = [m["key"] or m["index"] or "*" for m in _PART.finditer(path)]
    if isinstance(exc.__cause__, Refused):
        parts.append(exc.__cause__.field)
    return ".".join(parts)


def what(exc: msgspec.ValidationError, kind: object = None) -> str:
    """What was wrong, without the value: ``expected int, got str``, or a validator's own
    sentence. A word that is not one of a fixed set names the set when ``kind`` (the type
    parsed) is given: ``one of auto, browser, pasted`` (the app's own words, never the
    value)."""
    found = _AT.match(str(exc))
    text = (found["what"] if found else str(exc)).strip()
    if text.startswith("Invalid enum value"):
        choices = _choices(kind, where(exc).split(".")) if kind is not None else ()
        if choices:
            return "not one of " + ", ".join(str(c) for c in choices)
        return "not one of the accepted values"
    text = text.replace("`", "")
    return text[:1].lower() + text[1:]


def _choices(kind: object, path: list[str]) -> tuple[object, ...]:
    """The values of the ``Literal`` at ``path`` in ``kind`` (struct fields by name, items of
    a tuple or list by index); empty when the path leads elsewhere."""
    for part in path:
        kind = _bare(kind)
        if isinstance(kind, type) and issubclass(kind, msgspec.Struct):
            named = {f.name: f.type for f in msgspec.structs.fields(kind)}
            if part not in named:
                return ()
            kind = named[part]
        elif get_origin(kind) in (tuple, list) and part.isdigit():
            kind = get_args(kind)[0]
        else:
            return ()
    kind = _bare(kind)
    return get_args(kind) if get_origin(kind) is Literal else ()


def _bare(kind: object) -> object:
    """``kind`` without ``Annotated`` and without ``| None``."""
    while True:
        if get_origin(kind) is Annotated:
            kind = get_args(kind)[0]
        elif get_origin(kind) in (Union, UnionType):
            rest = [a for a in get_args(kind) if a is not type(None)]
            if len(rest) != 1:
                return kind
            kind = rest[0]
        else:
            return kind


def words(exc: msgspec.ValidationError, kind: object = None) -> str:
    """``where: what``, or only ``what`` when the whole object failed (``kind``: see
    :func:`what`)."""
    at = where(exc)
    return f"{at}: {what(exc, kind)}" if at else what(exc, kind)
