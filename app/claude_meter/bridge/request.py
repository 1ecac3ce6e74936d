"""One HTTP request on the bridge: its head as parsed, its body as read, its answer as composed.

http.server's own parser and limits read the head (the listener hands over the bytes it
buffered); the answer is composed in :attr:`Request.out` and sent by whoever holds the request
(the listener for a refusal, a worker otherwise). Never a request's own text in an answer.
"""

from __future__ import annotations

import io
import json
import socket
import time
from http.server import BaseHTTPRequestHandler
from typing import Final

#: Each blocking read or write of a worker; also the longest pause inside the headers.
SOCKET_TIMEOUT: Final = 5.0
#: From the end of the headers to the end of the body.
BODY_DEADLINE: Final = 10.0

_METHODS: Final = frozenset({"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"})


class Request(BaseHTTPRequestHandler):
    """One request, parsed from its buffered head; every answer is composed in :attr:`out`.

    Not run by socketserver: nothing happens on construction. The listener parses it and
    runs the checks, a worker reads its body; whoever holds it sends :attr:`out`.
    """

    protocol_version = "HTTP/1.1"
    timeout = SOCKET_TIMEOUT  # of a worker's blocking socket, and the longest header pause
    raw_requestline: bytes

    def __init__(self, sock: socket.socket, head: bytes, rest: bytes) -> None:
        self.sock = self.connection = self.request = sock
        self.rfile = io.BytesIO(head)
        self.out = io.BytesIO()
        self.wfile = self.out
        self.rest = rest  # the body's first bytes, when they came with the headers
        self.command = self.path = self.requestline = ""
        self.request_version = self.protocol_version
        self.close_connection = True
        self.failed: int | None = None  # the status when the request could not be parsed
        self.expects_continue = False
        self.body_done = False  # the worker has stopped waiting for the body
        self.evicted = False  # cut off to make room for another request

    def parse(self) -> bool:
        """The request line and headers (http.server's own parser and limits)."""
        self.raw_requestline = self.rfile.readline(65537)
        if not self.parse_request():
            return False
        if self.command not in _METHODS:
            self.send_error(501)
            return False
        return True

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Remember the status only: the answer gives a fixed reason, never the request."""
        self.failed = int(code)

    def handle_expect_100(self) -> bool:
        """``100 Continue`` is sent by the worker, once the headers passed every check."""
        self.expects_continue = True
        return True

    def version_string(self) -> str:
        return "ClaudeMeter-bridge"

    def log_message(self, format: str, *args: object) -> None:
        """Silent: refusals are reported through :class:`Refusal`, with no header values."""

    def read_body(self, length: int) -> bytes | None:
        """Exactly ``length`` bytes within :data:`BODY_DEADLINE`; None when not (worker)."""
        deadline = time.monotonic() + BODY_DEADLINE
        chunks = [self.rest[:length]]
        remaining = length - len(chunks[0])
        try:
            while remaining > 0:
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self.sock.settimeout(min(SOCKET_TIMEOUT, left))
                chunk = self.sock.recv(min(remaining, 65536))
                if not chunk:
                    return None
                chunks.append(chunk)
                remaining -= len(chunk)
        except OSError:
            return None
        finally:
            self.body_done = True
        return b"".join(chunks)

    def answer(self, status: int, payload: dict[str, object]) -> None:
        body = b"" if self.command == "HEAD" else json.dumps(payload).encode()
        self.close_connection = True  # one request per connection: unread bodies never linger
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Connection", "close")
        if status == 405:
            self.send_header("Allow", "POST")
        self.end_headers()
        self.wfile.write(body)
