"""A TLS ClientHello, read before the handshake, and its JA4 fingerprint.

The fake server peeks at the first bytes a client sends on a TLS connection (``MSG_PEEK``, so
OpenSSL still reads them for the real handshake afterwards), parses the ClientHello and computes
JA4 (FoxIO's TLS client fingerprint): ``t13d1516h2_<ciphers>_<extensions>``. JA4 sorts the
cipher and extension lists before hashing, so Chrome's shuffled extension order gives one
fingerprint, and it leaves out GREASE values, which Chrome picks at random per connection.

Only what a fingerprint needs is parsed; anything malformed gives ``None``, never an exception.
"""

from __future__ import annotations

import hashlib
import socket
import struct
import time

import msgspec

_GREASE = frozenset((0x0A0A + 0x1010 * i) for i in range(16))
_SNI, _ALPN, _SIG_ALGS, _VERSIONS, _GROUPS = 0x0000, 0x0010, 0x000D, 0x002B, 0x000A
_PSK, _EARLY_DATA = 0x0029, 0x002A
_VERSION_CODES = {0x0304: "13", 0x0303: "12", 0x0302: "11", 0x0301: "10", 0x0300: "s3"}
_MAX_HELLO = 1 << 16


class ClientHello(msgspec.Struct, frozen=True):
    """The parts of a ClientHello that fingerprints are made of, GREASE left out."""

    legacy_version: int
    ciphers: tuple[int, ...]
    extensions: tuple[int, ...]  # in the order sent
    server_name: str | None
    alpn: tuple[str, ...]
    signature_algorithms: tuple[int, ...]
    supported_versions: tuple[int, ...]
    groups: tuple[int, ...]
    grease: bool  # whether the client sent GREASE values (Chrome always does)

    @property
    def ja4(self) -> str:
        """The JA4 fingerprint: ``<a>_<b>_<c>`` (see the module docstring)."""
        return f"{self.ja4_a}_{self.ja4_b}_{self.ja4_c}"

    @property
    def ja4_core(self) -> str:
        """JA4 as a first connection to an IP address would give it.

        A browser comes by name (claude.ai mapped to loopback), the app by ``127.0.0.1`` (the
        loopback override), and TLS sends no server name for an address; a resumed connection
        adds ``pre_shared_key`` (and may add ``early_data``). Leaving those out compares two
        clients on everything that is theirs rather than the connection's.
        """
        dropped = {_SNI, _PSK, _EARLY_DATA}
        core = msgspec.structs.replace(
            self,
            server_name=None,
            extensions=tuple(e for e in self.extensions if e not in dropped),
        )
        return core.ja4

    @property
    def ja4_a(self) -> str:
        """Protocol, TLS version, SNI kind, counts of ciphers and extensions, ALPN."""
        version = max(self.supported_versions, default=self.legacy_version)
        sni = "d" if self.server_name and not _is_ip(self.server_name) else "i"
        first = self.alpn[0] if self.alpn else ""
        alpn = f"{first[0]}{first[-1]}" if first and first.isascii() else "00"
        return (
            f"t{_VERSION_CODES.get(version, '00')}{sni}"
            f"{min(len(self.ciphers), 99):02d}{min(len(self.extensions), 99):02d}{alpn}"
        )

    @property
    def ja4_b(self) -> str:
        """The sorted cipher suites, hashed."""
        return _hash12(",".join(f"{c:04x}" for c in sorted(self.ciphers)))

    @property
    def ja4_c(self) -> str:
        """The sorted extensions (without SNI and ALPN) and the signature algorithms, hashed."""
        extensions = ",".join(f"{e:04x}" for e in sorted(self.extensions) if e not in (0, 0x10))
        algorithms = ",".join(f"{a:04x}" for a in self.signature_algorithms)
        return _hash12(f"{extensions}_{algorithms}" if algorithms else extensions)


def _hash12(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:12] if text else "000000000000"


def _is_ip(name: str) -> bool:
    try:
        socket.inet_pton(socket.AF_INET6 if ":" in name else socket.AF_INET, name)
    except OSError:
        return False
    return True


def handshake_bytes(data: bytes) -> bytes | None:
    """The first handshake message carried by the TLS records in ``data``; None until whole."""
    message = b""
    offset = 0
    while offset + 5 <= len(data):
        kind, length = data[offset], struct.unpack_from("!H", data, offset + 3)[0]
        if kind != 0x16:
            return None
        message += data[offset + 5 : offset + 5 + length]
        offset += 5 + length
        if len(message) >= 4 and len(message) >= 4 + int.from_bytes(message[1:4], "big"):
            return message[: 4 + int.from_bytes(message[1:4], "big")]
    return None


def parse_client_hello(message: bytes) -> ClientHello | None:
    """A handshake message as a :class:`ClientHello`; None when it is not one."""
    try:
        return _parse(message)
    except (IndexError, struct.error, UnicodeDecodeError, ValueError):
        return None


def _parse(message: bytes) -> ClientHello | None:
    if len(message) < 4 or message[0] != 0x01:
        return None
    body = memoryview(message)[4:]
    legacy_version = struct.unpack_from("!H", body, 0)[0]
    pos = 2 + 32
    pos += 1 + body[pos]  # session id
    (cipher_len,) = struct.unpack_from("!H", body, pos)
    raw_ciphers = struct.unpack_from(f"!{cipher_len // 2}H", body, pos + 2)
    pos += 2 + cipher_len
    pos += 1 + body[pos]  # compression methods
    raw_extensions: list[int] = []
    fields: dict[int, bytes] = {}
    if pos + 2 <= len(body):
        (ext_total,) = struct.unpack_from("!H", body, pos)
        pos += 2
        end = pos + ext_total
        while pos + 4 <= end:
            kind, length = struct.unpack_from("!HH", body, pos)
            raw_extensions.append(kind)
            fields[kind] = bytes(body[pos + 4 : pos + 4 + length])
            pos += 4 + length
    grease = any(v in _GREASE for v in (*raw_ciphers, *raw_extensions))
    return ClientHello(
        legacy_version=legacy_version,
        ciphers=tuple(c for c in raw_ciphers if c not in _GREASE),
        extensions=tuple(e for e in raw_extensions if e not in _GREASE),
        server_name=_server_name(fields.get(_SNI)),
        alpn=_alpn(fields.get(_ALPN)),
        signature_algorithms=_u16_list(fields.get(_SIG_ALGS), 2),
        supported_versions=_u16_list(fields.get(_VERSIONS), 1),
        groups=_u16_list(fields.get(_GROUPS), 2),
        grease=grease,
    )


def _u16_list(data: bytes | None, prefix: int) -> tuple[int, ...]:
    """A length-prefixed list of 16-bit values, GREASE left out."""
    if not data:
        return ()
    length = int.from_bytes(data[:prefix], "big")
    values = struct.unpack_from(f"!{length // 2}H", data, prefix)
    return tuple(v for v in values if v not in _GREASE)


def _server_name(data: bytes | None) -> str | None:
    if not data or len(data) < 5 or data[2] != 0:
        return None
    length = struct.unpack_from("!H", data, 3)[0]
    return data[5 : 5 + length].decode("ascii")


def _alpn(data: bytes | None) -> tuple[str, ...]:
    if not data:
        return ()
    names, pos, end = [], 2, 2 + struct.unpack_from("!H", data, 0)[0]
    while pos < min(end, len(data)):
        length = data[pos]
        names.append(data[pos + 1 : pos + 1 + length].decode("ascii", "replace"))
        pos += 1 + length
    return tuple(names)


def peek_client_hello(sock: socket.socket, timeout: float) -> ClientHello | None:
    """The ClientHello waiting on ``sock``, read without consuming it; None if there is none.

    Returns when the whole message has arrived (it may span TCP segments and TLS records),
    the peer stops sending, or ``timeout`` runs out. ``sock`` may be an ``ssl.SSLSocket``
    whose handshake has not started: the bytes are read from the file descriptor beneath.
    """
    deadline = time.monotonic() + timeout
    previous = -1
    wanted = 5
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return None
        sock.settimeout(remaining)
        try:
            data = socket.socket.recv(sock, wanted, socket.MSG_PEEK | socket.MSG_WAITALL)
        except OSError:
            return None
        message = handshake_bytes(data)
        if message is not None:
            return parse_client_hello(message)
        if len(data) == previous or not data or data[0] != 0x16:
            return None  # the peer stopped short, or speaks something else
        previous = len(data)
        wanted = min(_MAX_HELLO, _needed(data))


def _needed(data: bytes) -> int:
    """How many bytes the records seen so far announce, plus the next record's header."""
    offset = 0
    while offset + 5 <= len(data):
        offset += 5 + struct.unpack_from("!H", data, offset + 3)[0]
    return offset if offset > len(data) else len(data) + 5
