"""An HTTP/2 server that only listens: what a client's first frames say about it.

A client's HTTP/2 fingerprint (Akamai's form, ``SETTINGS|WINDOW_UPDATE|PRIORITY|pseudo-header
order``) is in the frames it sends before any answer: its SETTINGS, the connection's
WINDOW_UPDATE, and the first HEADERS frame (its priority fields, and the order of ``:method``,
``:authority``, ``:scheme`` and ``:path``). :func:`h2_listener` serves TLS with ALPN ``h2`` on
loopback, reads those frames from every connection, records them, and hangs up: no answer is
ever sent. Only the four pseudo-headers' names are decoded from HPACK (they are in the static
table), so no HPACK library is needed.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import struct
import threading
from collections.abc import Iterator
from dataclasses import dataclass

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
_DATA, _HEADERS, _PRIORITY, _SETTINGS, _WINDOW_UPDATE = 0, 1, 2, 4, 8
_PSEUDO = {1: "a", 2: "m", 3: "m", 4: "p", 5: "p", 6: "s", 7: "s"}  # HPACK static table


@dataclass(frozen=True)
class H2Fingerprint:
    settings: tuple[tuple[int, int], ...]  # (identifier, value) in the order sent
    window_update: int  # the connection's first WINDOW_UPDATE increment, 0 if none
    priority: tuple[bool, int, int] | None  # the first HEADERS' (exclusive, depends on, weight)
    pseudo_order: str  # e.g. "m,a,s,p"

    @property
    def akamai(self) -> str:
        settings = ";".join(f"{k}:{v}" for k, v in self.settings)
        return f"{settings}|{self.window_update}|0|{self.pseudo_order}"


def _read_exactly(sock: ssl.SSLSocket, count: int) -> bytes:
    data = b""
    while len(data) < count:
        chunk = sock.recv(count - len(data))
        if not chunk:
            raise ConnectionError("closed")
        data += chunk
    return data


def _integer(block: bytes, pos: int, bits: int) -> tuple[int, int]:
    """An HPACK integer with a ``bits``-bit prefix at ``pos``: (value, next position)."""
    limit = (1 << bits) - 1
    value = block[pos] & limit
    pos += 1
    if value < limit:
        return value, pos
    shift = 0
    while True:
        byte = block[pos]
        pos += 1
        value += (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return value, pos


def pseudo_order(block: bytes) -> str:
    """The order of the pseudo-headers at the start of an HPACK header block."""
    order: list[str] = []
    pos = 0
    while pos < len(block):
        first = block[pos]
        if first & 0x80:  # indexed field
            index, pos = _integer(block, pos, 7)
        elif first & 0xE0 == 0x20:  # dynamic table size update
            _, pos = _integer(block, pos, 5)
            continue
        else:  # a literal: name by index (0: a literal name, never a pseudo-header here)
            index, pos = _integer(block, pos, 6 if first & 0x40 else 4)
            if index == 0:
                break
            length, pos = _integer(block, pos, 7)
            pos += length
        if index not in _PSEUDO:
            break
        order.append(_PSEUDO[index])
    return ",".join(order)


def read_fingerprint(sock: ssl.SSLSocket) -> H2Fingerprint | None:
    """The frames up to the first HEADERS; None if the client does not speak HTTP/2."""
    if _read_exactly(sock, len(PREFACE)) != PREFACE:
        return None
    settings: list[tuple[int, int]] = []
    window = 0
    while True:
        length, kind, flags, _stream = struct.unpack("!3sBBI", _read_exactly(sock, 9))
        payload = _read_exactly(sock, int.from_bytes(length, "big"))
        if kind == _SETTINGS and not flags & 0x1:
            settings += struct.iter_unpack("!HI", payload)
        elif kind == _WINDOW_UPDATE and not window:
            window = struct.unpack("!I", payload)[0] & 0x7FFFFFFF
        elif kind == _HEADERS:
            pos = 1 + payload[0] if flags & 0x8 else 0  # padded
            priority = None
            if flags & 0x20:
                dependency, weight = struct.unpack_from("!IB", payload, pos)
                priority = (bool(dependency >> 31), dependency & 0x7FFFFFFF, weight + 1)
                pos += 5
            block = payload[pos:]
            return H2Fingerprint(tuple(settings), window, priority, pseudo_order(block))


@contextlib.contextmanager
def h2_listener(cert: str, key: str) -> Iterator[tuple[int, list[H2Fingerprint]]]:
    """Listen on 127.0.0.1 (port given) and record every connection's fingerprint."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    context.set_alpn_protocols(["h2"])
    seen: list[H2Fingerprint] = []
    listener = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return  # closed
            conn.settimeout(10)
            with (
                contextlib.suppress(OSError, ConnectionError, ValueError, struct.error),
                context.wrap_socket(conn, server_side=True) as tls,
            ):
                found = read_fingerprint(tls)
                if found is not None:
                    seen.append(found)
            conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1], seen
    finally:
        with contextlib.suppress(OSError):
            listener.shutdown(socket.SHUT_RDWR)
        listener.close()
        thread.join(5)
