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
they reject it). No answer carries ``Access-Control-Allow-Origin``. Refusals are counted and
reported without any header value (the log only up to a rate, see :class:`_LogBudget`).

Many, slow, malformed or oversized connections are bounded in count, time and memory, so
they cannot starve a good post:

- One listener thread reads the request line and headers of every connection itself, from
  non-blocking sockets and one selector: at most :data:`MAX_HEADER_BYTES` of them (else
  431), complete within :data:`HEADER_DEADLINE` of the connection and with no pause longer
  than the socket timeout (an extension sends them in one write; a client that drips them,
  slowloris-style, is closed). At most :data:`MAX_PENDING` connections (fewer under a low
  open-file limit) may be waiting for their headers: the one that has waited longest is
  closed to admit a newcomer (once it has had :data:`EVICTION_GRACE`; until then newcomers
  wait in the kernel's queue), so idle or dripping connections never keep a fresh post out.
- The checks above need no I/O, so they run on that thread as well and each refusal is
  answered there at once: bad requests, however many, cost no thread.
- A request that passed them goes to one of at most :data:`MAX_CONNECTIONS` worker threads,
  which reads its body (from a blocking socket with a timeout, within
  :data:`BODY_DEADLINE`). When every worker is busy, the one that has waited longest for
  its body is cut off (400) to make room. Only a paired extension, or a would-be one while
  the pairing window is open, gets that far.
"""

from __future__ import annotations

import contextlib
import errno
import io
import json
import logging
import re
import selectors
import socket
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from types import TracebackType
from typing import Final

from claude_meter.bridge.pairing import Pairing
from claude_meter.bridge.wire import RejectedPost, parse_post
from claude_meter.core.endpoints import DEFAULT_BRIDGE_PORT
from claude_meter.core.models import FetchResult

log = logging.getLogger("claude_meter.bridge")

HOST: Final = "127.0.0.1"
DEFAULT_PORT: Final = DEFAULT_BRIDGE_PORT
MAX_BODY: Final = 256 * 1024
MAX_PAIR_BODY: Final = 1024
#: Each blocking read or write of a worker; also the longest pause inside the headers.
SOCKET_TIMEOUT: Final = 5.0
BODY_DEADLINE: Final = 10.0
#: Worker threads, each reading the body of one request that passed every check.
MAX_CONNECTIONS: Final = 64
#: The request line and headers together (an extension's are well under 1 KiB; http.server
#: alone would take 100 lines of 64 KiB each).
MAX_HEADER_BYTES: Final = 16 * 1024
#: From accepting a connection to the end of its headers (an extension needs milliseconds).
HEADER_DEADLINE: Final = 2.0
#: Connections still sending their headers, at most; a quarter of the open-file limit when
#: that is lower (macOS gives apps 256 files).
MAX_PENDING: Final = 256
#: A connection waiting for its headers is closed for a newcomer only after this long: an
#: extension that is slow to write after connecting (a busy machine) still gets its turn.
#: Meanwhile newcomers wait in the kernel's queue. Longer protects a slow writer better and
#: slows a flood down, but admits at most MAX_PENDING / grace connections a second, so under
#: a flood of silent ones a good post waits longer in that queue (benchmarks/bridge_abuse.py
#: --only silent, 2,000 at once: 0.1 s gave good posts up to 0.44 s, 0.05 s up to 0.12 s).
EVICTION_GRACE: Final = 0.05
#: The kernel's queue of connections not yet accepted (capped by the system's own limit).
LISTEN_BACKLOG: Final = 1024
#: Refusals logged one by one per :data:`LOG_WINDOW` seconds; the rest are summed up.
LOG_BURST: Final = 20
LOG_WINDOW: Final = 60.0

_EXTENSION_ORIGIN: Final = re.compile(
    r"chrome-extension://[a-p]{32}|moz-extension://[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-"
    r"[0-9a-f]{4}-[0-9a-f]{12}"
)
_PATHS: Final = ("/pair", "/snapshots")
_METHODS: Final = frozenset({"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"})
_END_OF_HEAD: Final = re.compile(rb"\n\r?\n")
#: Why a request that could not be parsed is refused; never the request's own text.
_MALFORMED: Final = {
    400: "the request line or headers are malformed",
    414: "the request line is too long",
    431: "the headers are too large",
    501: "unknown method",
    505: "this HTTP version is not supported",
}
#: accept() failures that concern one client only (it left the queue).
_CLIENT_GONE: Final = frozenset(
    {errno.ECONNABORTED, errno.ECONNRESET, errno.EPROTO, errno.EPERM, errno.EAGAIN}
)
_ACCEPT_PAUSE: Final = 0.1  # seconds without accepting after running out of descriptors


def _now() -> datetime:
    return datetime.now(UTC)


def _pending_limit() -> int:
    """:data:`MAX_PENDING`, or a quarter of the soft open-file limit when that is lower."""
    try:
        import resource
    except ImportError:  # pragma: no cover - Windows: select() takes 512 sockets, enough
        return MAX_PENDING
    soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    if soft == resource.RLIM_INFINITY:
        return MAX_PENDING
    return max(16, min(MAX_PENDING, soft // 4))


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


@dataclass(frozen=True)
class Load:
    """The listener's connections and workers now, and the most there have been at once."""

    connections: int
    peak_connections: int
    waiting_for_headers: int
    workers: int
    peak_workers: int
    pending_limit: int


def port_in_use_message(port: int) -> str:
    return (
        f"Port {port} on {HOST} is already in use, so the browser extension's bridge is not "
        "running. Another ClaudeMeter (the app, or `claude-meter bridge`) may be running: quit "
        "it, or choose another port (--port N, or the port in the app's Settings) and enter "
        "the same port in the extension's popup."
    )


class _Handler(BaseHTTPRequestHandler):
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


@dataclass(eq=False, slots=True)
class _Pending:
    """A connection whose request line and headers are still arriving."""

    sock: socket.socket
    accepted: float
    last: float
    head: bytearray = field(default_factory=bytearray)


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_WR)  # the answer, if any, is sent before the close
    sock.close()


class _Listener:
    """The listening socket, the header phase (one selector, one thread) and the workers."""

    def __init__(self, bridge: BridgeServer, port: int) -> None:
        self.bridge = bridge
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            if sys.platform == "win32":  # pragma: no cover - Windows only
                self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_EXCLUSIVEADDRUSE, 1)  # type: ignore[attr-defined,unused-ignore]
            else:
                # Rebind at once after a restart. Not on Windows, where SO_REUSEADDR lets a
                # second program take a port that is in use.
                self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            self.socket.bind((HOST, port))
            self.socket.listen(LISTEN_BACKLOG)
            self.socket.setblocking(False)
        except OSError:
            self.socket.close()
            raise
        self.port = int(self.socket.getsockname()[1])
        self._wake_in, self._wake_out = socket.socketpair()
        self._wake_in.setblocking(False)
        self._wake_out.setblocking(False)
        self._selector = selectors.DefaultSelector()
        self._selector.register(self.socket, selectors.EVENT_READ)
        self._selector.register(self._wake_in, selectors.EVENT_READ)
        self._stopping = False
        self._listening = True  # the listening socket is in the selector
        self._paused_until = 0.0  # out of descriptors: no accept() before this
        # The header phase: only the listener thread touches these.
        self._pending: dict[socket.socket, _Pending] = {}  # oldest first
        self.pending_limit = _pending_limit()
        self._accept_batch = max(1, self.pending_limit // 4)
        # The workers, shared with their threads under the lock.
        self._lock = threading.Lock()
        self._busy: dict[_Handler, None] = {}  # in a worker, oldest first
        self._waiting: deque[tuple[_Handler, str]] = deque()  # for a free worker
        self._workers = 0
        self._peak_workers = 0
        self._open = 0
        self._peak_open = 0

    # -- lifecycle --------------------------------------------------------------------------

    def serve_forever(self) -> None:
        try:
            while not self._stopping:
                ready = self._selector.select(self._wait())
                accept = False
                for key, _ in ready:
                    if isinstance(key.data, _Pending):
                        self._receive(key.data)
                    elif key.fileobj is self.socket:
                        accept = True  # after the reads: data already here goes first
                    else:
                        with contextlib.suppress(OSError):
                            self._wake_in.recv(64)
                if accept and not self._stopping:
                    self._accept()
                now = time.monotonic()
                self._expire(now)
                self._listen(now)
        finally:
            for pending in list(self._pending.values()):
                self._drop(pending, None)

    def shutdown(self) -> None:
        """Ask :meth:`serve_forever` to return; it does within one loop."""
        self._stopping = True
        with contextlib.suppress(OSError):
            self._wake_out.send(b"x")

    def server_close(self) -> None:
        """Close everything; workers still reading a body are cut off."""
        with self._lock:
            waiting, self._waiting = list(self._waiting), deque()
            for req in self._busy:
                req.evicted = True
                with contextlib.suppress(OSError):
                    req.sock.shutdown(socket.SHUT_RDWR)
        for req, _origin in waiting:
            self._finish(req)
        with contextlib.suppress(OSError, RuntimeError):
            self._selector.close()
        for sock in (self.socket, self._wake_in, self._wake_out):
            sock.close()

    def load(self) -> Load:
        with self._lock:
            return Load(
                connections=self._open,
                peak_connections=self._peak_open,
                waiting_for_headers=len(self._pending),
                workers=self._workers,
                peak_workers=self._peak_workers,
                pending_limit=self.pending_limit,
            )

    # -- the header phase (listener thread) -------------------------------------------------

    def _wait(self) -> float | None:
        """Seconds until the next deadline; None (sleep until a connection) when there is none."""
        deadlines = []
        if self._pending:
            oldest = next(iter(self._pending.values()))
            deadlines.append(oldest.accepted + HEADER_DEADLINE)
            if _Handler.timeout is not None and _Handler.timeout < HEADER_DEADLINE:
                deadlines.append(min(p.last for p in self._pending.values()) + _Handler.timeout)
            if len(self._pending) >= self.pending_limit:
                deadlines.append(oldest.accepted + EVICTION_GRACE)
        now = time.monotonic()
        if now < self._paused_until:
            deadlines.append(self._paused_until)
        if not deadlines:
            return None
        return max(0.0, min(deadlines) - now)

    def _can_accept(self, now: float) -> bool:
        """Room in the header phase, or an oldest connection that has had its grace."""
        if now < self._paused_until:
            return False
        if len(self._pending) < self.pending_limit:
            return True
        return now - next(iter(self._pending.values())).accepted >= EVICTION_GRACE

    def _listen(self, now: float) -> None:
        """Select the listening socket only when a connection could be accepted: else it
        stays readable and the loop would spin."""
        wanted = self._can_accept(now)
        if wanted != self._listening:
            if wanted:
                self._selector.register(self.socket, selectors.EVENT_READ)
            else:
                self._selector.unregister(self.socket)
            self._listening = wanted

    def _accept(self) -> None:
        """Accept a batch of connections; a full header phase closes its oldest for each."""
        for _ in range(self._accept_batch):
            if not self._can_accept(time.monotonic()):
                return
            try:
                sock, _address = self.socket.accept()
            except BlockingIOError:
                return
            except OSError as exc:
                if exc.errno in _CLIENT_GONE:
                    continue
                # Out of descriptors or memory: stop accepting for a moment, and free one.
                self.bridge._count("accept_failed")
                now = time.monotonic()
                self._paused_until = now + _ACCEPT_PAUSE
                if self._pending:
                    oldest = next(iter(self._pending.values()))
                    if now - oldest.accepted >= EVICTION_GRACE:
                        self._drop(oldest, "evicted")
                return
            if len(self._pending) >= self.pending_limit:
                self._drop(next(iter(self._pending.values())), "evicted")
            sock.setblocking(False)
            now = time.monotonic()
            pending = _Pending(sock, now, now)
            self._pending[sock] = pending
            self._selector.register(sock, selectors.EVENT_READ, pending)
            with self._lock:
                self._open += 1
                self._peak_open = max(self._peak_open, self._open)

    def _expire(self, now: float) -> None:
        while self._pending:
            oldest = next(iter(self._pending.values()))
            if now - oldest.accepted < HEADER_DEADLINE:
                break
            self._drop(oldest, "header_timeout")
        pause = _Handler.timeout
        if pause is not None and pause < HEADER_DEADLINE:
            for idle in [p for p in self._pending.values() if now - p.last >= pause]:
                self._drop(idle, "header_timeout")

    def _receive(self, pending: _Pending) -> None:
        """Read what arrived; once the headers are complete, parse and check them."""
        try:
            data = pending.sock.recv(MAX_HEADER_BYTES)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            self._drop(pending, "closed_early")
            return
        if not data:
            self._drop(pending, "closed_early")  # the client gave up before its headers ended
            return
        start = max(0, len(pending.head) - 2)
        pending.head += data
        pending.last = time.monotonic()
        end = _END_OF_HEAD.search(pending.head, start)
        if end is None and len(pending.head) <= MAX_HEADER_BYTES:
            return
        self._forget(pending)
        if end is None or end.end() > MAX_HEADER_BYTES:
            req = _Handler(pending.sock, b"", b"")
            req.failed = 431
            self._refuse_malformed(req)
            self._finish(req)
            return
        head, rest = bytes(pending.head[: end.end()]), bytes(pending.head[end.end() :])
        self._request(_Handler(pending.sock, head, rest))

    def _request(self, req: _Handler) -> None:
        try:
            if not req.parse():
                self._refuse_malformed(req)
            else:
                origin = self.bridge._admit(req)
                if origin is not None:
                    self._dispatch(req, origin)
                    return
        except Exception:
            log.exception("bridge: a request could not be handled")
        self._finish(req)

    def _refuse_malformed(self, req: _Handler) -> None:
        status = req.failed or 400
        req.request_version = req.protocol_version  # an answer with a status line
        reason = _MALFORMED.get(status, _MALFORMED[400])
        self.bridge._refuse(req, Refusal(status, req.path or "-", reason, None))

    def _finish(self, req: _Handler) -> None:
        """Send the composed answer without waiting (a fresh socket's buffer takes it all;
        a client that does not read loses the rest), then close."""
        with contextlib.suppress(OSError):
            req.sock.send(req.out.getvalue())
        self._closed(req.sock)

    def _forget(self, pending: _Pending) -> None:
        self._selector.unregister(pending.sock)
        del self._pending[pending.sock]

    def _drop(self, pending: _Pending, why: str | None) -> None:
        self._forget(pending)
        self._closed(pending.sock)
        if why is not None:
            self.bridge._count(why)

    def _closed(self, sock: socket.socket) -> None:
        if sock.fileno() == -1:
            return  # closed already (a failure after the answer was sent)
        _close(sock)
        with self._lock:
            self._open -= 1

    # -- the workers --------------------------------------------------------------------------

    def _dispatch(self, req: _Handler, origin: str) -> None:
        """A request that passed every check goes to a worker (listener thread)."""
        start = busy = False
        with self._lock:
            if self._stopping:
                busy = True
            elif self._workers < MAX_CONNECTIONS:
                self._workers += 1
                self._peak_workers = max(self._peak_workers, self._workers)
                start = True
            elif len(self._waiting) < MAX_CONNECTIONS:
                self._waiting.append((req, origin))
                self._evict_slowest_body()
            else:
                busy = True
        if start:
            try:
                threading.Thread(
                    target=self._work,
                    args=(req, origin),
                    name=f"claude-meter-bridge-worker-{self.port}",
                    daemon=True,
                ).start()
            except RuntimeError:  # no thread to be had
                with self._lock:
                    self._workers -= 1
                busy = True
        if busy:
            refusal = Refusal(503, req.path, "the bridge is busy: try again", origin)
            self.bridge._refuse(req, refusal)
            self._finish(req)

    def _evict_slowest_body(self) -> None:
        """Under the lock: cut off the worker that has waited longest for its body."""
        for req in self._busy:
            if not req.body_done and not req.evicted:
                req.evicted = True
                with contextlib.suppress(OSError):
                    # Its read returns at once (on Windows at its socket timeout); it answers.
                    req.sock.shutdown(socket.SHUT_RD)
                self.bridge._count("evicted_body")
                return

    def _work(self, req: _Handler, origin: str) -> None:
        job: tuple[_Handler, str] | None = (req, origin)
        while job is not None:
            self._serve(*job)
            with self._lock:
                job = self._waiting.popleft() if self._waiting else None
                if job is None:
                    self._workers -= 1

    def _serve(self, req: _Handler, origin: str) -> None:
        with self._lock:
            self._busy[req] = None
        try:
            req.sock.settimeout(req.timeout)
            if req.expects_continue:
                req.sock.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
            try:
                self.bridge._serve(req, origin)
            finally:
                req.sock.sendall(req.out.getvalue())  # the answer, even when on_result failed
        except OSError:
            pass  # resets and timeouts are the client's business
        except Exception:
            log.exception("bridge: a request could not be handled")
        finally:
            with self._lock:  # off the list first: an eviction never meets a closed socket
                del self._busy[req]
            self._closed(req.sock)


class _LogBudget:
    """At most :data:`LOG_BURST` refusal lines per :data:`LOG_WINDOW`: a flood of bad
    requests must not push everything else out of the rotating log. The rest are counted
    and summed up in one line when the next window opens."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._window_start = -LOG_WINDOW
        self._logged = 0
        self._skipped = 0

    def take(self, now: float) -> tuple[bool, int]:
        """Whether to log this refusal, and how many earlier ones were not logged."""
        with self._lock:
            skipped = 0
            if now - self._window_start >= LOG_WINDOW:
                skipped, self._skipped = self._skipped, 0
                self._window_start, self._logged = now, 0
            if self._logged >= LOG_BURST:
                self._skipped += 1
                return False, skipped
            self._logged += 1
            return True, skipped


class BridgeServer:
    """Listens on 127.0.0.1 for the extension; accepted results go to ``on_result``.

    ``on_result`` runs on a worker thread: the tray hands it to the GUI thread through a
    queued signal, the CLI prints under a lock. ``on_refusal`` (optional) hears every
    refused request, on the listener thread (or a worker's): it must return quickly.
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
        self._bound_port = port
        self._lock = threading.Lock()
        self._log_budget = _LogBudget()
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
        self._bound_port = self._listener.port
        self._thread = threading.Thread(
            target=self._listener.serve_forever,
            daemon=True,
            name=f"claude-meter-bridge-{self.port}",
        )
        self._thread.start()
        log.info("bridge listening on %s:%d", HOST, self.port)
        return self

    def stop(self) -> None:
        """Stop listening; bounded (the listener wakes at once, workers are cut off)."""
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
        return self._listener.port

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def load(self) -> Load:
        """Open connections and busy workers, now and at most so far."""
        if self._listener is None:
            raise RuntimeError("the bridge is not running; call start() first")
        return self._listener.load()

    def _count(self, what: str) -> None:
        with self._lock:
            self.counts[what] = self.counts.get(what, 0) + 1

    # -- one request ----------------------------------------------------------------------

    def _admit(self, req: _Handler) -> str | None:
        """On the listener thread: the checks; the origin when they pass, else None (refused)."""
        path = req.path
        origins = req.headers.get_all("Origin") or []
        origin = origins[0] if len(origins) == 1 else None
        refusal = self._check_headers(req, path, origin)
        if refusal is not None:
            self._refuse(req, refusal)
            return None
        assert origin is not None
        return origin

    def _serve(self, req: _Handler, origin: str) -> None:
        """On a worker thread: the body, and what the request asks for."""
        if req.path == "/pair":
            self._pair(req, origin)
        else:
            self._snapshots(req, origin)

    def _check_headers(self, req: _Handler, path: str, origin: str | None) -> Refusal | None:
        """Everything decided on headers alone, before any body is read."""
        hosts = req.headers.get_all("Host") or []
        allowed = {f"127.0.0.1:{self._bound_port}", f"localhost:{self._bound_port}"}
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
        if not (declared.isascii() and declared.isdigit()) or len(declared) > 12:  # not "²"
            return Refusal(400, path, "the Content-Length is not a number", origin)
        if int(declared) > limit:
            return Refusal(413, path, f"the body is larger than {limit // 1024} KiB", origin)
        return None

    def _read_body(self, req: _Handler) -> bytes | None:
        """Exactly ``Content-Length`` bytes within :data:`BODY_DEADLINE`; None when not."""
        length = int(req.headers.get("Content-Length") or 0)
        deadline = time.monotonic() + BODY_DEADLINE
        chunks = [req.rest[:length]]
        remaining = length - len(chunks[0])
        try:
            while remaining > 0:
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                req.sock.settimeout(min(SOCKET_TIMEOUT, left))
                chunk = req.sock.recv(min(remaining, 65536))
                if not chunk:
                    return None
                chunks.append(chunk)
                remaining -= len(chunk)
        except OSError:
            return None
        finally:
            req.body_done = True
        return b"".join(chunks)

    def _late_body(self, req: _Handler, path: str, origin: str) -> None:
        reason = (
            "the body was the slowest while the bridge was busy"
            if req.evicted
            else "the body did not arrive in time"
        )
        self._refuse(req, Refusal(400, path, reason, origin))

    def _refuse(self, req: _Handler, refusal: Refusal) -> None:
        self._count(str(refusal.status))
        log_this, skipped = self._log_budget.take(time.monotonic())
        if skipped:
            log.info("bridge refused %d more requests that were not logged one by one", skipped)
        if log_this:
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
            self._late_body(req, "/pair", origin)
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
            self._late_body(req, "/snapshots", origin)
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
