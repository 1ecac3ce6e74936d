"""The fake server's ClientHello reader: a real hello parses, anything else gives None."""

from __future__ import annotations

import contextlib
import ssl

from hypothesis import given
from hypothesis import strategies as st

from claude_meter.fake.hello import handshake_bytes, parse_client_hello


def python_client_hello(server_name: str | None) -> bytes:
    """The first flight of Python's own TLS client, as it would go on the wire."""
    context = ssl.create_default_context()
    context.check_hostname = server_name is not None
    context.set_alpn_protocols(["h2", "http/1.1"])
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = context.wrap_bio(incoming, outgoing, server_hostname=server_name)
    with contextlib.suppress(ssl.SSLWantReadError):  # it waits for the server's answer
        tls.do_handshake()
    return outgoing.read()


def test_a_real_client_hello_parses_into_ja4() -> None:
    record = python_client_hello("claude.ai")
    message = handshake_bytes(record)
    assert message is not None
    hello = parse_client_hello(message)
    assert hello is not None
    assert hello.server_name == "claude.ai"
    assert hello.alpn == ("h2", "http/1.1")
    assert 0x0304 in hello.supported_versions
    assert not hello.grease  # OpenSSL sends none; Chrome always does
    a, b, c = hello.ja4.split("_")
    assert a.startswith("t13d")
    assert a.endswith("h2")
    assert int(a[4:6]) == len(hello.ciphers)
    assert int(a[6:8]) == len(hello.extensions)
    assert len(b) == len(c) == 12


def test_the_core_form_drops_the_server_name() -> None:
    named = parse_client_hello(handshake_bytes(python_client_hello("claude.ai")) or b"")
    bare = parse_client_hello(handshake_bytes(python_client_hello(None)) or b"")
    assert named is not None
    assert bare is not None
    assert named.ja4 != bare.ja4
    assert named.ja4_core == bare.ja4 == bare.ja4_core


def test_a_hello_cut_short_is_not_whole_yet() -> None:
    record = python_client_hello("claude.ai")
    assert handshake_bytes(record[: len(record) // 2]) is None
    assert handshake_bytes(b"GET / HTTP/1.1\r\n\r\n") is None


@given(st.binary(max_size=600))
def test_any_bytes_give_a_hello_or_none(data: bytes) -> None:
    parse_client_hello(b"\x01" + len(data).to_bytes(3, "big") + data)
    parse_client_hello(data)
    handshake_bytes(b"\x16\x03\x01" + len(data).to_bytes(2, "big") + data)
