"""A hostile HTTP server on loopback: it answers every request with a script of raw bytes.

A script is a list of ``(pause, data)`` steps: wait ``pause`` seconds, then send ``data``.
With it a test plays what no well-behaved server does: headers dripped one byte at a time, a
body that never ends, a decompression bomb under stacked ``Content-Encoding`` values. The
script can be changed between requests, or given per path prefix in ``routes``; the server
counts the requests it answered and keeps the last request's bytes.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from http.client import HTTPMessage

Script = Sequence[tuple[float, bytes]]


def answer(
    body: bytes, *, status: str = "200 OK", headers: Sequence[tuple[str, str]] = ()
) -> bytes:
    """A whole HTTP/1.1 answer with ``Content-Length`` and ``Connection: close``."""
    lines = [f"HTTP/1.1 {status}", "Content-Type: application/json"]
    lines += [f"{name}: {value}" for name, value in headers]
    lines += [f"Content-Length: {len(body)}", "Connection: close", "", ""]
    return "\r\n".join(lines).encode("latin-1") + body


def headers_of(fields: Mapping[str, str]) -> HTTPMessage:
    """Header fields as an answer carries them (``Answer.headers``)."""
    message = HTTPMessage()
    for name, value in fields.items():
        message[name] = value
    return message


def dripped(data: bytes, pause: float) -> list[tuple[float, bytes]]:
    """``data`` one byte at a time, ``pause`` seconds apart."""
    return [(pause, data[i : i + 1]) for i in range(len(data))]


class HostileServer:
    def __init__(self) -> None:
        self.script: Script = [(0.0, answer(b"{}"))]
        self.routes: dict[str, Script] = {}
        self.requests = 0
        self.last_request = b""
        self.paths: list[str] = []
        self._stop = threading.Event()
        self._listener = socket.socket()
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen()
        self._listener.settimeout(0.05)
        self._threads: list[threading.Thread] = []

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._listener.getsockname()[1]}"

    def serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            self.requests += 1
            thread = threading.Thread(target=self._answer, args=(conn,), daemon=True)
            thread.start()
            self._threads.append(thread)

    def requests_for(self, path: str) -> int:
        """How many requests asked for exactly ``path``."""
        return self.paths.count(path)

    def _script_for(self, request: bytes) -> Script:
        path = request.split(b" ", 2)[1].decode("latin-1") if request.count(b" ") >= 2 else ""
        self.paths.append(path)
        for prefix, script in sorted(self.routes.items(), key=lambda r: -len(r[0])):
            if path.startswith(prefix):
                return script
        return self.script

    def _answer(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(5)
            try:
                self.last_request = request = conn.recv(65536)
                script = self._script_for(request)
                for pause, data in script:
                    if self._stop.wait(pause):
                        return
                    conn.sendall(data)
                conn.shutdown(socket.SHUT_WR)
                conn.recv(1)  # until the client closes: no reset before it read everything
            except OSError:
                return

    def close(self, serving: threading.Thread) -> None:
        self._stop.set()
        serving.join(5)
        for thread in self._threads:
            thread.join(5)
        self._listener.close()


@contextmanager
def hostile_server() -> Iterator[HostileServer]:
    server = HostileServer()
    thread = threading.Thread(target=server.serve, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.close(thread)
