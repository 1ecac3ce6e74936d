"""Undoing ``Content-Encoding`` with a cap (:mod:`claude_meter.clients.decoding`), on bytes
made by the standard library's own compressors."""

from __future__ import annotations

import gzip
import zlib

import pytest

from claude_meter.clients import decoding

BODY = b'{"five_hour": {"utilization": 12.0}}' * 20


def raw_deflate(data: bytes) -> bytes:
    packer = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    return packer.compress(data) + packer.flush()


@pytest.mark.parametrize(
    ("values", "names"),
    [
        ([], []),
        (["gzip"], ["gzip"]),
        (["GZip , deflate"], ["gzip", "deflate"]),
        (["gzip", "deflate"], ["gzip", "deflate"]),  # the header given twice
        (["identity", " , gzip,,"], ["gzip"]),
        (["br"], ["br"]),
    ],
)
def test_the_codings_named_by_the_headers(values: list[str], names: list[str]) -> None:
    assert decoding.codings(values) == names


@pytest.mark.parametrize(
    ("wire", "applied"),
    [
        (BODY, []),
        (gzip.compress(BODY), ["gzip"]),
        (gzip.compress(BODY), ["x-gzip"]),
        (zlib.compress(BODY), ["deflate"]),
        (raw_deflate(BODY), ["deflate"]),
        (gzip.compress(zlib.compress(BODY)), ["deflate", "gzip"]),
        (gzip.compress(gzip.compress(gzip.compress(BODY))), ["gzip", "gzip", "gzip"]),
    ],
)
def test_what_we_ask_for_is_decoded(wire: bytes, applied: list[str]) -> None:
    assert decoding.decode(wire, applied, cap=len(BODY)) == BODY


@pytest.mark.parametrize("applied", [["br"], ["zstd"], ["compress"], ["gzip", "xz"], ["gzip"] * 4])
def test_what_we_did_not_ask_for_is_refused(applied: list[str]) -> None:
    wire = BODY
    for name in applied:
        wire = gzip.compress(wire) if name == "gzip" else wire
    with pytest.raises(decoding.UnknownCoding):
        decoding.decode(wire, applied, cap=10 * len(BODY))


def test_the_accept_header_names_what_decode_takes() -> None:
    asked = decoding.codings([decoding.ACCEPT_ENCODING])
    assert decoding.decode(zlib.compress(gzip.compress(BODY)), asked, cap=len(BODY)) == BODY


@pytest.mark.parametrize(
    ("wire", "applied"),
    [
        (BODY, []),
        (gzip.compress(BODY), ["gzip"]),
        (zlib.compress(BODY), ["deflate"]),
        (gzip.compress(gzip.compress(BODY)), ["gzip", "gzip"]),
    ],
)
def test_one_byte_past_the_cap_is_too_large(wire: bytes, applied: list[str]) -> None:
    assert decoding.decode(wire, applied, cap=len(BODY)) == BODY
    with pytest.raises(decoding.TooLarge):
        decoding.decode(wire, applied, cap=len(BODY) - 1)


def test_a_bomb_is_stopped_at_the_cap() -> None:
    bomb = gzip.compress(gzip.compress(b" " * (64 * 1024 * 1024)))
    with pytest.raises(decoding.TooLarge):
        decoding.decode(bomb, ["gzip", "gzip"], cap=1024)


def test_a_broken_stream_is_zlibs_error() -> None:
    with pytest.raises(zlib.error):
        decoding.decode(b"not gzip at all", ["gzip"], cap=1024)
