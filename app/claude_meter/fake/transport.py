"""The fake claude.ai's connections: the HTTP(S) server and its handler, which send answers.

What to answer is decided by :class:`claude_meter.fake.server.FakeClaude` (``server.fake``);
this module only serves sockets: TLS with the ClientHello read first, bodies sent whole or
trickled, Cloudflare and error pages, connections dropped or reset, and every connection cut
off and joined on stop.
"""

from __future__ import annotations

import contextlib
import json
import socket
import socketserver
import ssl
import struct
import sys
import threading
import time
from collections.abc import Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING

from .hello import ClientHello, peek_client_hello

if TYPE_CHECKING:
    from .server import FakeClaude

_MAX_BODY = 1 << 16
_CF_PAGE = (
    b'<!DOCTYPE html><html lang="en-US"><head><title>Just a moment...</title></head>'
    b"<body><noscript>Enable JavaScript and cookies to continue</noscript>"
    b'<div id="challenge-body">Checking if the site connection is secure</div></body></html>'
)
_PAGE = "<!DOCTYPE html><html><head><title>{title}</title></head><body>{body}</body></html>"


def _error_body(kind: str, message: str) -> bytes:
    return json.dumps({"type": "error", "error": {"type": kind, "message": message}}).encode()


class Handler(BaseHTTPRequestHandler):
    """Answers one connection; all state lives on the ``FakeClaude`` behind ``server.fake``."""

    server: FakeHTTPServer
    protocol_version = "HTTP/1.1"
    timeout = 10.0
    disable_nagle_algorithm = True  # headers and body go out in two writes
    trickle = 0.0  # seconds over which a soak fault spreads the body
    hello: ClientHello | None = None  # the TLS ClientHello, read before the handshake

    def setup(self) -> None:
        # The TLS handshake happens here, in the connection's thread, so a client that
        # connects and never speaks cannot stall the accept loop.
        super().setup()
        if isinstance(self.connection, ssl.SSLSocket):
            self.hello = peek_client_hello(self.connection, self.timeout)
            self.connection.settimeout(self.timeout)
            self.connection.do_handshake()

    def log_message(self, format: str, *args: object) -> None:
        """Silent: ``request_log`` is the record, and stderr noise would bury test output."""

    def do_GET(self) -> None:
        self.server.fake._answer(self)

    def do_POST(self) -> None:
        declared = self.headers.get("Content-Length", "0")
        length = int(declared) if declared.isdigit() else 0
        self.rfile.read(min(length, _MAX_BODY))
        self.close_connection = self.close_connection or length > _MAX_BODY
        self.server.fake._answer(self)

    def send(
        self,
        status: int,
        body: bytes,
        content_type: str = "application/json",
        headers: Iterable[tuple[str, str]] = (),
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        if self.trickle <= 0:
            self.wfile.write(body)
            return
        pieces = 4  # a slow body: the whole answer, in pieces spread over ``trickle`` seconds
        step = max(1, -(-len(body) // pieces))
        for start in range(0, len(body), step):
            self.wfile.write(body[start : start + step])
            self.wfile.flush()
            if self.server.fake._stopping.wait(self.trickle / pieces):
                return

    def send_json(self, payload: object, headers: Iterable[tuple[str, str]] = ()) -> None:
        self.send(200, json.dumps(payload).encode(), headers=headers)

    def send_error_json(
        self,
        status: int,
        kind: str,
        message: str,
        headers: Iterable[tuple[str, str]] = (),
    ) -> None:
        self.send(status, _error_body(kind, message), headers=headers)

    def send_page(
        self, title: str, body: str, headers: Iterable[tuple[str, str]] = (), status: int = 200
    ) -> None:
        page = _PAGE.format(title=title, body=body).encode()
        self.send(status, page, "text/html; charset=utf-8", headers)

    def send_challenge(self) -> None:
        """Cloudflare's challenge page, as claude.ai sends it when the browser check fails."""
        self.send(
            403,
            _CF_PAGE,
            "text/html; charset=UTF-8",
            [("cf-mitigated", "challenge"), ("Cache-Control", "no-store")],
        )

    def drop(self, *, reset: bool) -> None:
        """Close without answering; with ``reset`` the peer gets a TCP RST, not a clean EOF."""
        if reset:
            with contextlib.suppress(OSError):
                self.connection.setsockopt(
                    socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                )
        self.close_connection = True
        self.connection.close()


class FakeHTTPServer(ThreadingHTTPServer):
    """Tracks each connection's thread and socket so ``stop()`` can cut them off and join."""

    daemon_threads = True
    block_on_close = False

    def __init__(self, fake: FakeClaude, host: str, port: int, tls: ssl.SSLContext | None):
        self.fake = fake
        self.tls = tls
        self.lock = threading.Lock()
        self.connections: dict[threading.Thread, socket.socket] = {}
        if ":" in host:
            self.address_family = socket.AF_INET6
        super().__init__((host, port), Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind resolves the host's FQDN, which can stall on odd DNS setups.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = str(self.server_address[0]), self.server_address[1]

    def get_request(self) -> tuple[socket.socket, object]:
        sock, address = super().get_request()
        if self.tls is not None:
            sock = self.tls.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
        return sock, address

    def process_request(self, request: socket.socket, client_address: object) -> None:  # type: ignore[override]
        thread = threading.Thread(
            target=self._serve,
            args=(request, client_address),
            daemon=True,
            name="fake-claude-connection",
        )
        with self.lock:
            self.connections[thread] = request
        thread.start()

    def _serve(self, request: socket.socket, client_address: object) -> None:
        try:
            self.process_request_thread(request, client_address)
        finally:
            with self.lock:
                self.connections.pop(threading.current_thread(), None)

    def handle_error(
        self, request: socket.socket | tuple[bytes, socket.socket], client_address: object
    ) -> None:
        """Resets, timeouts and failed handshakes are the client's business; bugs still print."""
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)

    def cut_connections(self, grace: float) -> None:
        """Wake every connection thread (blocked reads return at once) and join them."""
        with self.lock:
            connections = list(self.connections.items())
        for _, sock in connections:
            with contextlib.suppress(OSError):
                socket.socket.shutdown(sock, socket.SHUT_RDWR)
        deadline = time.monotonic() + grace
        for thread, _ in connections:
            thread.join(max(0.0, deadline - time.monotonic()))
