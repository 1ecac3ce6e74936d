"""The bridge's transport: one listening socket, one selector for every request's head, and
a few worker threads for the bodies, bounded in count, time and memory.

Past 400 lines because the header phase and the workers are one job: they share the open
connections' count, the stopping flag and the lock, and a refusal by either is sent the
same way; split, each half would reach into the other's state.

Many, slow, malformed or oversized connections cannot starve a good post:

- One listener thread reads the request line and headers of every connection itself, from
  non-blocking sockets and one selector: at most :data:`MAX_HEADER_BYTES` of them (else
  431), complete within :data:`HEADER_DEADLINE` of the connection and with no pause longer
  than the socket timeout (``Request.timeout``; an extension sends them in one write; a
  client that drips them, slowloris-style, is closed). At most :data:`MAX_PENDING`
  connections (fewer under a low open-file limit) may be waiting for their headers: the one
  that has waited longest is closed to admit a newcomer (once it has had
  :data:`EVICTION_GRACE`; until then newcomers wait in the kernel's queue), so idle or
  dripping connections never keep a fresh post out.
- Admission (:mod:`claude_meter.bridge.admission`) needs no I/O, so it runs on that thread
  as well and each refusal is answered there at once: bad requests, however many, cost no
  thread.
- A request that passed it goes to one of at most :data:`MAX_CONNECTIONS` worker threads,
  which reads its body (from a blocking socket with a timeout, within ``BODY_DEADLINE`` of
  :mod:`claude_meter.bridge.request`). When every worker is busy, the one that has waited
  longest for its body is cut off (400) to make room. Only a paired extension, or a
  would-be one while the pairing window is open, gets that far.

What a request is for is the :class:`Service`'s business (the server: admission, the
handlers, the refusal log); this module only moves bytes and keeps the limits.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import re
import selectors
import socket
import sys
import threading
import time
from collections import deque
from typing import Final, Protocol

import msgspec

from claude_meter.bridge.admission import Admitted, Refusal, malformed
from claude_meter.bridge.request import Request

log = logging.getLogger("claude_meter.bridge")

HOST: Final = "127.0.0.1"
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

_END_OF_HEAD: Final = re.compile(rb"\n\r?\n")
#: accept() failures that concern one client only (it left the queue).
_CLIENT_GONE: Final = frozenset(
    {errno.ECONNABORTED, errno.ECONNRESET, errno.EPROTO, errno.EPERM, errno.EAGAIN}
)
_ACCEPT_PAUSE: Final = 0.1  # seconds without accepting after running out of descriptors


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


class Load(msgspec.Struct, frozen=True):
    """The listener's connections and workers now, and the most there have been at once."""

    connections: int
    peak_connections: int
    waiting_for_headers: int
    workers: int
    peak_workers: int
    pending_limit: int


class Service(Protocol):
    """What the listener hands each request to (the bridge server)."""

    def admit(self, request: Request) -> Admitted | None:
        """On the listener thread, no I/O: admitted, or None with the refusal composed."""

    def serve(self, request: Request, admitted: Admitted) -> None:
        """On a worker thread: read the body and compose the answer."""

    def refuse(self, request: Request, refusal: Refusal) -> None:
        """Count and report a refusal, and compose its answer."""

    def count(self, what: str) -> None:
        """Count an event that has no answer (an eviction, a timeout)."""


class _Pending(msgspec.Struct, eq=False):
    """A connection whose request line and headers are still arriving."""

    sock: socket.socket
    accepted: float
    last: float
    head: bytearray = msgspec.field(default_factory=bytearray)


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_WR)  # the answer, if any, is sent before the close
    sock.close()


class Listener:
    """The listening socket, the header phase (one selector, one thread) and the workers."""

    def __init__(self, service: Service, port: int) -> None:
        self.service = service
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
        self._busy: dict[Request, None] = {}  # in a worker, oldest first
        self._waiting: deque[tuple[Request, Admitted]] = deque()  # for a free worker
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
        for req, _admitted in waiting:
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
            if Request.timeout is not None and Request.timeout < HEADER_DEADLINE:
                deadlines.append(min(p.last for p in self._pending.values()) + Request.timeout)
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
                self.service.count("accept_failed")
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
        pause = Request.timeout
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
            req = Request(pending.sock, b"", b"")
            req.failed = 431
            self._refuse_malformed(req)
            self._finish(req)
            return
        head, rest = bytes(pending.head[: end.end()]), bytes(pending.head[end.end() :])
        self._request(Request(pending.sock, head, rest))

    def _request(self, req: Request) -> None:
        try:
            if not req.parse():
                self._refuse_malformed(req)
            else:
                admitted = self.service.admit(req)
                if admitted is not None:
                    self._dispatch(req, admitted)
                    return
        except Exception:
            log.exception("bridge: a request could not be handled")
        self._finish(req)

    def _refuse_malformed(self, req: Request) -> None:
        req.request_version = req.protocol_version  # an answer with a status line
        self.service.refuse(req, malformed(req.failed, req.path))

    def _finish(self, req: Request) -> None:
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
            self.service.count(why)

    def _closed(self, sock: socket.socket) -> None:
        if sock.fileno() == -1:
            return  # closed already (a failure after the answer was sent)
        _close(sock)
        with self._lock:
            self._open -= 1

    # -- the workers --------------------------------------------------------------------------

    def _dispatch(self, req: Request, admitted: Admitted) -> None:
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
                self._waiting.append((req, admitted))
                self._evict_slowest_body()
            else:
                busy = True
        if start:
            try:
                threading.Thread(
                    target=self._work,
                    args=(req, admitted),
                    name=f"claude-meter-bridge-worker-{self.port}",
                    daemon=True,
                ).start()
            except RuntimeError:  # no thread to be had
                with self._lock:
                    self._workers -= 1
                busy = True
        if busy:
            refusal = Refusal(503, req.path, "the bridge is busy: try again", admitted.origin)
            self.service.refuse(req, refusal)
            self._finish(req)

    def _evict_slowest_body(self) -> None:
        """Under the lock: cut off the worker that has waited longest for its body."""
        for req in self._busy:
            if not req.body_done and not req.evicted:
                req.evicted = True
                with contextlib.suppress(OSError):
                    # Its read returns at once (on Windows at its socket timeout); it answers.
                    req.sock.shutdown(socket.SHUT_RD)
                self.service.count("evicted_body")
                return

    def _work(self, req: Request, admitted: Admitted) -> None:
        job: tuple[Request, Admitted] | None = (req, admitted)
        while job is not None:
            self._serve(*job)
            with self._lock:
                job = self._waiting.popleft() if self._waiting else None
                if job is None:
                    self._workers -= 1

    def _serve(self, req: Request, admitted: Admitted) -> None:
        with self._lock:
            self._busy[req] = None
        try:
            req.sock.settimeout(req.timeout)
            if req.expects_continue:
                req.sock.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
            try:
                self.service.serve(req, admitted)
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
