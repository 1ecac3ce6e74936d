"""The bridge listener: a small HTTP server on 127.0.0.1 that only paired extensions get through.

The design this product comes from accepted any POST with ``Access-Control-Allow-Origin: *``:
any web page or local process could inject numbers (docs/protocol.md section 6). Here every
request is checked on its headers, in this order, before a byte of its body is read:

1. ``Host`` is ``127.0.0.1:<port>`` or ``localhost:<port>`` (a DNS-rebinding page has its own
   host name there) - else 403;
2. the method is POST and the path ``/pair`` or ``/snapshots`` - else 405 / 404;
3. ``Origin`` is a browser extension's (``chrome-extension://<32 a-p>``,
   ``moz-extension://<uuid>``): web pages cannot forge it, and Chromium sends it on an
   extension's POST (not on its GET, hence POST only) - else 403;
4. ``/pair``: the pairing window is open - else 403;
   ``/snapshots``: ``Authorization: Bearer <token>`` names a token given to that origin -
   else 401 (unknown) or 403 (another extension's);
5. ``Content-Type: application/json``, which a web page cannot send without a CORS
   preflight that this server never approves - else 415;
6. a ``Content-Length`` (no chunked bodies: 411) of at most :data:`MAX_BODY` - else 413.

Only then is the body read, within a deadline, and parsed by the app's own models (400 when
they reject it). No answer carries ``Access-Control-Allow-Origin``. Each connection has a
socket timeout and the number of connections is capped, so slow or many clients cannot
starve a good post. Refusals are counted and reported without any header value.
"""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import re
import socket
import socketserver
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Final

from claude_meter.bridge.pairing import Pairing
from claude_meter.bridge.wire import RejectedPost, parse_post
from claude_meter.core.models import FetchResult

log = logging.getLogger("claude_meter.bridge")

HOST: Final = "127.0.0.1"
DEFAULT_PORT: Final = 63762
MAX_BODY: Final = 256 * 1024
MAX_PAIR_BODY: Final = 1024
SOCKET_TIMEOUT: Final = 5.0
BODY_DEADLINE: Final = 10.0
MAX_CONNECTIONS: Final = 64

_EXTENSION_ORIGIN: Final = re.compile(
    r"chrome-extension://[a-p]{32}|moz-extension://[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-"
    r"[0-9a-f]{4}-[0-9a-f]{12}"
)
_PATHS: Final = ("/pair", "/snapshots")


def _now() -> datetime:
    return datetime.now(UTC)


class PortInUse(OSError):
    """The port could not be bound; the message says what to do."""


@dataclass(frozen=True)
class Refusal:
    """One refused request, for logs and ``claude-meter bridge``: never a header's value
    except the ``Origin``, which is public."""

    status: int
    path: str
    reason: str
    origin: str | None


def port_in_use_message(port: int) -> str:
    return (
        f"Port {port} on {HOST} is already in use, so the browser extension's bridge is not "
        "running. Another ClaudeMeter (the app, or `claude-meter bridge`) may be running: quit "
        "it, or choose another port (--port N, or the port in the app's Settings) and enter "
        "the same port in the extension's popup."
    )


class _Handler(BaseHTTPRequestHandler):
    server: _Listener
    protocol_version = "HTTP/1.1"
    timeout = SOCKET_TIMEOUT

    def version_string(self) -> str:
        return "ClaudeMeter-bridge"

    def log_message(self, format: str, *args: object) -> None:
        """Silent: refusals are reported through :class:`Refusal`, with no header values."""

    def do_POST(self) -> None:
        self.server.bridge._handle(self)

    do_GET = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_HEAD = do_POST

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


class _Listener(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    # SO_REUSEADDR on Windows lets a second program take a port that is in use.
    allow_reuse_address = sys.platform != "win32"
    request_queue_size = 128  # socketserver's 5 overflows under a burst and resets clients

    def __init__(self, bridge: BridgeServer, port: int) -> None:
        self.bridge = bridge
        self._slots = threading.BoundedSemaphore(MAX_CONNECTIONS)
        super().__init__((HOST, port), _Handler)

    def server_bind(self) -> None:
        if sys.platform == "win32":  # pragma: no cover - Windows only
            self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_EXCLUSIVEADDRUSE, 1)  # type: ignore[attr-defined,unused-ignore]
        # HTTPServer.server_bind resolves the host's FQDN, which can stall on odd DNS setups.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = HOST, int(self.server_address[1])

    def process_request(self, request: socket.socket, client_address: object) -> None:  # type: ignore[override]
        if not self._slots.acquire(blocking=False):
            self.bridge._count("busy")
            self.shutdown_request(request)  # too many at once: drop, a real extension retries
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._slots.release()
            raise

    def process_request_thread(self, request: socket.socket, client_address: object) -> None:  # type: ignore[override]
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()

    def handle_error(
        self, request: socket.socket | tuple[bytes, socket.socket], client_address: object
    ) -> None:
        """Resets and timeouts are the client's business; bugs still print."""
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)


class BridgeServer:
    """Listens on 127.0.0.1 for the extension; accepted results go to ``on_result``.

    ``on_result`` runs on a connection thread: the tray hands it to the GUI thread through a
    queued signal, the CLI prints under a lock. ``on_refusal`` (optional) hears every
    refused request.
    """

    def __init__(
        self,
        pairing: Pairing,
        on_result: Callable[[FetchResult], None],
        *,
        port: int = DEFAULT_PORT,
        on_refusal: Callable[[Refusal], None] | None = None,
        on_pair: Callable[[str], None] | None = None,
        clock: Callable[[], datetime] = _now,
    ) -> None:
        self.pairing = pairing
        self._on_result = on_result
        self._on_refusal = on_refusal
        self._on_pair = on_pair
        self._requested_port = port
        self._clock = clock
        self._listener: _Listener | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.counts: dict[str, int] = {}

    # -- lifecycle ------------------------------------------------------------------------

    def start(self) -> BridgeServer:
        """Bind and serve in a daemon thread; :class:`PortInUse` when the port is taken."""
        if self._listener is not None:
            return self
        try:
            self._listener = _Listener(self, self._requested_port)
        except OSError as exc:
            if exc.errno in (errno.EADDRINUSE, errno.EACCES, getattr(errno, "WSAEADDRINUSE", -1)):
                raise PortInUse(exc.errno, port_in_use_message(self._requested_port)) from None
            raise
        self._thread = threading.Thread(
            target=self._listener.serve_forever,
            kwargs={"poll_interval": 0.1},
            daemon=True,
            name=f"claude-meter-bridge-{self.port}",
        )
        self._thread.start()
        log.info("bridge listening on %s:%d", HOST, self.port)
        return self

    def stop(self) -> None:
        """Stop listening; bounded (connections are daemon threads with socket timeouts)."""
        listener, thread = self._listener, self._thread
        self._listener = self._thread = None
        if listener is not None and thread is not None:
            listener.shutdown()
            thread.join(2.0)
            listener.server_close()

    def __enter__(self) -> BridgeServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._listener is not None

    @property
    def port(self) -> int:
        if self._listener is None:
            raise RuntimeError("the bridge is not running; call start() first")
        return int(self._listener.server_address[1])

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def _count(self, what: str) -> None:
        with self._lock:
            self.counts[what] = self.counts.get(what, 0) + 1

    # -- one request ----------------------------------------------------------------------

    def _handle(self, req: _Handler) -> None:
        path = req.path
        origins = req.headers.get_all("Origin") or []
        origin = origins[0] if len(origins) == 1 else None
        refusal = self._check_headers(req, path, origin)
        if refusal is not None:
            self._refuse(req, refusal)
            return
        assert origin is not None
        if path == "/pair":
            self._pair(req, origin)
        else:
            self._snapshots(req, origin)

    def _check_headers(self, req: _Handler, path: str, origin: str | None) -> Refusal | None:
        """Everything decided on headers alone, before any body is read."""
        hosts = req.headers.get_all("Host") or []
        allowed = {f"127.0.0.1:{self.port}", f"localhost:{self.port}"}
        if len(hosts) != 1 or hosts[0].strip().lower() not in allowed:
            return Refusal(403, path, "the Host is not this computer's loopback address", origin)
        if req.command != "POST":
            return Refusal(405, path, "only POST is answered", origin)
        if path not in _PATHS:
            return Refusal(404, path, "no such path", origin)
        if origin is None or not _EXTENSION_ORIGIN.fullmatch(origin):
            return Refusal(403, path, "the request does not come from a browser extension", origin)
        if path == "/pair":
            if not self.pairing.window_open():
                return Refusal(
                    403, path, "pairing is closed: press Pair browser extension first", origin
                )
        else:
            refusal = self._check_token(req, path, origin)
            if refusal is not None:
                return refusal
            kind = (req.headers.get("Content-Type") or "").split(";")[0].strip().lower()
            if kind != "application/json":
                return Refusal(415, path, "the body must be application/json", origin)
        return self._check_length(req, path, origin, MAX_PAIR_BODY if path == "/pair" else MAX_BODY)

    def _check_token(self, req: _Handler, path: str, origin: str) -> Refusal | None:
        headers = req.headers.get_all("Authorization") or []
        scheme, _, token = (headers[0] if len(headers) == 1 else "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return Refusal(401, path, "no pairing token: pair the extension first", origin)
        verdict = self.pairing.check(token.strip(), origin)
        if verdict == "unknown":
            return Refusal(401, path, "unknown pairing token: pair the extension again", origin)
        if verdict == "other_origin":
            return Refusal(403, path, "the token was given to another extension", origin)
        return None

    @staticmethod
    def _check_length(req: _Handler, path: str, origin: str, limit: int) -> Refusal | None:
        if req.headers.get("Transfer-Encoding") is not None:
            return Refusal(411, path, "chunked bodies are not accepted", origin)
        lengths = req.headers.get_all("Content-Length") or []
        if not lengths and path == "/pair":
            return None  # a bare POST /pair carries no body
        if len(lengths) != 1:
            return Refusal(411, path, "a Content-Length is required", origin)
        declared = lengths[0].strip()
        if not declared.isdigit() or len(declared) > 12:
            return Refusal(400, path, "the Content-Length is not a number", origin)
        if int(declared) > limit:
            return Refusal(413, path, f"the body is larger than {limit // 1024} KiB", origin)
        return None

    def _read_body(self, req: _Handler) -> bytes | None:
        """Exactly ``Content-Length`` bytes within :data:`BODY_DEADLINE`; None when not."""
        length = int(req.headers.get("Content-Length") or 0)
        deadline = time.monotonic() + BODY_DEADLINE
        chunks: list[bytes] = []
        remaining = length
        try:
            while remaining > 0:
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                req.connection.settimeout(min(SOCKET_TIMEOUT, left))
                chunk = req.rfile.read1(remaining)
                if not chunk:
                    return None
                chunks.append(chunk)
                remaining -= len(chunk)
        except OSError:
            return None
        return b"".join(chunks)

    def _refuse(self, req: _Handler, refusal: Refusal) -> None:
        self._count(str(refusal.status))
        log.info(
            "bridge refused %s (%d): %s; origin %s",
            refusal.path[:64],
            refusal.status,
            refusal.reason,
            (refusal.origin or "none")[:100],
        )
        if self._on_refusal is not None:
            self._on_refusal(refusal)
        with contextlib.suppress(OSError):
            req.answer(refusal.status, {"error": refusal.reason})

    def _pair(self, req: _Handler, origin: str) -> None:
        if self._read_body(req) is None:
            self._refuse(req, Refusal(400, "/pair", "the body did not arrive in time", origin))
            return
        token = self.pairing.pair(origin)
        if token is None:  # the window closed while the body arrived
            self._refuse(req, Refusal(403, "/pair", "pairing is closed", origin))
            return
        self._count("paired")
        log.info("bridge paired an extension: %s", origin)
        if self._on_pair is not None:
            self._on_pair(origin)
        with contextlib.suppress(OSError):
            req.answer(200, {"token": token.reveal()})

    def _snapshots(self, req: _Handler, origin: str) -> None:
        body = self._read_body(req)
        if body is None:
            self._refuse(req, Refusal(400, "/snapshots", "the body did not arrive in time", origin))
            return
        try:
            result = parse_post(body, self._clock())
        except RejectedPost as exc:
            self._refuse(req, Refusal(400, "/snapshots", str(exc), origin))
            return
        self._count("accepted")
        try:
            self._on_result(result)
        finally:
            with contextlib.suppress(OSError):
                req.answer(200, {"accepted": len(result.snapshots)})
