"""Servers that misbehave on purpose, for both transports' guarantees; the fake claude.ai
that challenges any TLS but Chrome's, and a web client for it."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator
from datetime import datetime

import pytest

from claude_meter.clients.http import ClientPool
from claude_meter.clients.web import WebClient
from claude_meter.clients.web_transport import TransportMode
from claude_meter.fake import FakeClaude
from claude_meter.sources.cookies import SessionCookies
from tests.conftest import NOW, TEST_SESSION_KEY


@pytest.fixture
def dripping_server() -> Iterator[str]:
    """An HTTP server that sends its body one byte at a time, forever (until stopped)."""
    stop = threading.Event()
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.settimeout(0.1)

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            with conn:
                conn.recv(65536)
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n")
                while not stop.wait(0.05):
                    try:
                        conn.sendall(b" ")
                    except OSError:
                        break

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    stop.set()
    thread.join(5)
    listener.close()


class CannedServer:
    """An HTTP/1.1 server on loopback that answers every request with ``answer``, as given."""

    def __init__(self, answer: bytes) -> None:
        self.answer = answer
        self.requests: list[bytes] = []
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._listener.getsockname()[1]}"

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return  # closed
            with conn:
                self.requests.append(conn.recv(65536))
                conn.sendall(self.answer)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept()
        self._listener.close()
        self._thread.join(5)


@pytest.fixture
def canned() -> Iterator[type[CannedServer]]:
    """Start :class:`CannedServer` s; each is closed when the test ends."""
    started: list[CannedServer] = []

    class Tracked(CannedServer):
        def __init__(self, answer: bytes) -> None:
            super().__init__(answer)
            started.append(self)

    yield Tracked
    for server in started:
        server.close()


def clock() -> datetime:
    return NOW


def web_client(
    server: FakeClaude, transport: TransportMode, *, pool: ClientPool | None = None
) -> WebClient:
    cookies = SessionCookies.parse(f"sessionKey={TEST_SESSION_KEY}")
    return WebClient(cookies, server.base_url, transport=transport, pool=pool, clock=clock)


@pytest.fixture
def chrome_tls(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeClaude]:
    """The fake over HTTPS, challenging non-Chrome TLS; its certificate is SSL_CERT_FILE."""
    with FakeClaude("chrome-tls", session_key=TEST_SESSION_KEY, tls=True) as server:
        assert server.cert_path is not None
        monkeypatch.setenv("SSL_CERT_FILE", server.cert_path)
        yield server
