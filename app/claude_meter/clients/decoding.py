"""Undo an answer's ``Content-Encoding`` with a cap on the decoded size, whatever the codings.

A decoder that undoes each chunk whole and chains codings (httpx's did) turns
``Content-Encoding: gzip, gzip`` with 1.8 KB on the wire into 1 GiB before any size check. Here
the raw body is read (already capped by the caller), then each coding is undone with zlib's
``max_length``, so no stage ever holds more than the cap plus one byte.

What is accepted is exactly what :data:`ACCEPT_ENCODING` asks for: ``gzip`` (and its old
name ``x-gzip``), ``deflate`` (zlib-wrapped, or raw as some servers send it) and
``identity``, at most :data:`MAX_CODINGS` of them in a row. Anything else (``br`` and
``zstd``, which we never ask for because the standard library cannot decode them with a
cap; ``compress``; unknown names; longer chains) is refused as an answer ClaudeMeter does not
understand, never guessed at. The module knows no HTTP library, so any transport that hands
over the raw body and the header can use it.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from typing import Final

ACCEPT_ENCODING: Final = "gzip, deflate"
MAX_CODINGS: Final = 3

_GZIP_WBITS: Final = 16 + zlib.MAX_WBITS


class TooLarge(Exception):
    """The decoded body would pass the cap."""


class UnknownCoding(Exception):
    """A coding we did not ask for, or a chain longer than :data:`MAX_CODINGS`."""


def codings(values: Iterable[str]) -> list[str]:
    """The codings named by ``Content-Encoding`` header values, in the order applied."""
    names = [part.strip().lower() for value in values for part in value.split(",")]
    return [name for name in names if name and name != "identity"]


def decode(body: bytes, applied: list[str], cap: int) -> bytes:
    """``body`` with ``applied`` codings undone (last applied first), never past ``cap``."""
    if len(applied) > MAX_CODINGS:
        raise UnknownCoding(f"{len(applied)} content codings in a row")
    for name in reversed(applied):
        if name in ("gzip", "x-gzip"):
            body = _inflate(body, _GZIP_WBITS, cap)
        elif name == "deflate":
            try:
                body = _inflate(body, zlib.MAX_WBITS, cap)
            except zlib.error:
                body = _inflate(body, -zlib.MAX_WBITS, cap)  # raw deflate, as some servers send
        else:
            raise UnknownCoding(name[:40])
    if len(body) > cap:
        raise TooLarge
    return body


def _inflate(data: bytes, wbits: int, cap: int) -> bytes:
    inflater = zlib.decompressobj(wbits)
    out = inflater.decompress(data, cap + 1)
    if len(out) > cap or inflater.unconsumed_tail:
        raise TooLarge
    return out
