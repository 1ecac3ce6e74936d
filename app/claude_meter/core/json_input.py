"""JSON from outside (answers, posts, files, a helper process): any parser failure is one error.

``json.loads`` raises more than ``ValueError``: 400 KB of ``[`` is a ``RecursionError``, a
huge document can be a ``MemoryError``. Every reader of outside JSON calls :func:`loads` and
handles :class:`NotJson`, so each turns any such failure into its own documented message
(an answer "in a shape ClaudeMeter does not understand", a damaged file ignored with a
message) instead of a traceback.
"""

from __future__ import annotations

import json
from typing import Any


class NotJson(ValueError):
    """The text is not JSON ClaudeMeter can read: malformed, nested too deeply or too big."""


def loads(data: str | bytes | bytearray) -> Any:
    """The JSON value of ``data``, or :class:`NotJson` whatever went wrong in the parser."""
    try:
        return json.loads(data)
    except json.JSONDecodeError as exc:  # where, for a person fixing a file in an editor
        raise NotJson(f"line {exc.lineno}, column {exc.colno}: {_first_lower(exc.msg)}") from None
    except (ValueError, RecursionError, MemoryError, TypeError) as exc:
        raise NotJson(_reason(exc)) from None


def not_valid(exc: NotJson) -> str:
    """Why a file is unusable, in the words every damaged-file message uses: ``not valid JSON
    (line 3, column 7: expecting ',' delimiter)``, where to look in an editor."""
    return f"not valid JSON ({exc})"


def _reason(exc: BaseException) -> str:
    """A failure that is not a syntax error, in a person's words (never the exception's own
    text: a decoding error quotes the bytes it could not read)."""
    if isinstance(exc, RecursionError):
        return "nested too deeply"
    if isinstance(exc, MemoryError):
        return "too big to read"
    if isinstance(exc, UnicodeDecodeError):
        return "not text in UTF-8, UTF-16 or UTF-32"
    if isinstance(exc, ValueError) and "digits" in str(exc):  # int()'s limit, 4,300 digits
        return "a number with too many digits"
    return "not text the JSON reader accepts"


def _first_lower(text: str) -> str:
    """The parser's own words (``Expecting ',' delimiter``: never a piece of the document)."""
    text = text.removesuffix(" at")  # "Unterminated string starting at": the place follows
    return text[:1].lower() + text[1:]
