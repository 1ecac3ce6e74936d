"""The bridge listener: a small HTTP server on 127.0.0.1 that only paired extensions get through.

It puts three jobs together, each in its own module:

- :mod:`~claude_meter.bridge.admission`: who gets in, decided on a request's head alone, in a
  fixed order, before a byte of its body is read (pure; tested as a table of requests);
- :mod:`~claude_meter.bridge.transport`: the listening socket, one selector for every
  request's head, and the worker threads for bodies, with their limits and evictions (and
  :mod:`~claude_meter.bridge.request`, one request's parsing and answer);
- :mod:`~claude_meter.bridge.handlers`: what an admitted ``/pair`` or ``/snapshots`` does.

This module starts and stops them, and counts and reports refusals without any header value
(the log only up to a rate, see :class:`_LogBudget`).
"""

from __future__ import annotations

import contextlib
import errno
import logging
import threading
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from types import TracebackType
from typing import Final

from claude_meter.bridge.admission import MAX_BODY, Admitted, Refusal, admit
from claude_meter.bridge.handlers import Handlers
from claude_meter.bridge.pairing import Pairing
from claude_meter.bridge.request import Request
from claude_meter.bridge.transport import HOST, Listener, Load
from claude_meter.core.account_routing import Routable
from claude_meter.core.endpoints import DEFAULT_BRIDGE_PORT
from claude_meter.core.models import FetchResult

log = logging.getLogger("claude_meter.bridge")

DEFAULT_PORT: Final = DEFAULT_BRIDGE_PORT
#: Refusals logged one by one per :data:`LOG_WINDOW` seconds; the rest are summed up.
LOG_BURST: Final = 20
LOG_WINDOW: Final = 60.0

__all__ = [
    "DEFAULT_PORT",
    "HOST",
    "MAX_BODY",
    "BridgeServer",
    "Load",
    "PortInUse",
    "Refusal",
    "port_in_use_message",
]


def _now() -> datetime:
    return datetime.now(UTC)


class PortInUse(OSError):
    """The port could not be bound; the message says what to do."""


def port_in_use_message(port: int) -> str:
    return (
        f"Port {port} on {HOST} is already in use, so the browser extension's bridge is not "
        "running. Another ClaudeMeter (the app, or `claude-meter bridge`) may be running: quit "
        "it, or choose another port (--port N, or the port in the app's Settings) and enter "
        "the same port in the extension's popup."
    )


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
    ``accounts`` gives the configured accounts at each post (on a worker thread), so each
    result is marked with its own (see ``handlers.py``); none: every post is the default
    account's.
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
        accounts: Callable[[], Sequence[Routable]] = tuple,
    ) -> None:
        self.pairing = pairing
        self._on_refusal = on_refusal
        self._handlers = Handlers(pairing, self, on_result, on_pair, clock, accounts)
        self._requested_port = port
        self._listener: Listener | None = None
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
            self._listener = Listener(self, self._requested_port)
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

    # -- the transport's service ----------------------------------------------------------

    def admit(self, request: Request) -> Admitted | None:
        """On the listener thread: the checks; a refusal is answered (composed) here."""
        verdict = admit(
            request.command,
            request.path,
            request.headers,
            port=self._bound_port,
            gate=self.pairing,
        )
        if isinstance(verdict, Refusal):
            self.refuse(request, verdict)
            return None
        return verdict

    def serve(self, request: Request, admitted: Admitted) -> None:
        """On a worker thread: the body, and what the request asks for."""
        self._handlers.serve(request, admitted)

    def count(self, what: str) -> None:
        with self._lock:
            self.counts[what] = self.counts.get(what, 0) + 1

    def refuse(self, request: Request, refusal: Refusal) -> None:
        self.count(str(refusal.status))
        log_this, skipped = self._log_budget.take(time.monotonic())
        if skipped:
            log.info("bridge refused %d more requests that were not logged one by one", skipped)
        if log_this:
            log.info("bridge refused %s", refusal.line())
        if self._on_refusal is not None:
            self._on_refusal(refusal)
        with contextlib.suppress(OSError):
            request.answer(refusal.status, {"error": refusal.reason})
