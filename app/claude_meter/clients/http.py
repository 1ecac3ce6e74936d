"""One guarded GET shared by both clients: bounded in time and size, errors made typed.

The standard library's HTTP/1.1 client carries the requests (:mod:`claude_meter.clients.
connection`: kept-alive connections, the environment's proxy, finite connect and read timeouts
and one total deadline from the connect to the last byte, no redirect ever followed).
:func:`guarded_get` adds a size cap on the raw body and on every stage of its decoding
(:mod:`claude_meter.clients.decoding`) and makes transport failures :class:`NetworkError` and
HTTP failures the typed errors of :mod:`claude_meter.clients.http_errors`, with messages a
person can act on and never a header value.
"""

from __future__ import annotations

import http.client
import logging
import socket
import ssl
import threading
import time
import zlib
from collections.abc import Callable, Mapping
from typing import Final, Literal, Protocol, TypeVar

from claude_meter.clients import decoding
from claude_meter.clients.connection import DEFAULT_TIMEOUTS as DEFAULT_TIMEOUTS
from claude_meter.clients.connection import Failed, proxy_for
from claude_meter.clients.connection import HttpClient as HttpClient
from claude_meter.clients.connection import Timeouts as Timeouts

# Answer, EXPIRED_OAUTH, expired_web and raise_for_answer are re-exported: clients/web.py and
# poll/fetcher.py import them from here.
from claude_meter.clients.http_errors import EXPIRED_OAUTH as EXPIRED_OAUTH
from claude_meter.clients.http_errors import HOST, Route
from claude_meter.clients.http_errors import Answer as Answer
from claude_meter.clients.http_errors import expired_web as expired_web
from claude_meter.clients.http_errors import raise_for_answer as raise_for_answer
from claude_meter.core import retry_words
from claude_meter.core.errors import NetworkError, UnexpectedResponse

log = logging.getLogger(__name__)


class Closeable(Protocol):
    def close(self) -> None: ...


C = TypeVar("C", bound=Closeable)

TOTAL_TIMEOUT: Final = 20.0
MAX_BODY: Final = 2 * 1024 * 1024
#: How long a polling app trusts its organization list, extras and account (seconds).
DISCOVERY_TTL: Final = 30 * 60.0


#: A current desktop Chrome, like the page's own requests: the very one the browser-like
#: transport impersonates (``clients.impersonate.IMPERSONATE``; a test holds them together).
BROWSER_USER_AGENT: Final = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/152.0.0.0 Safari/537.36"
)


def make_http_client(base_url: str, *, timeouts: Timeouts = DEFAULT_TIMEOUTS) -> HttpClient:
    """A client for ``base_url`` through the environment's proxy. It follows no redirect, so
    that a cookie or token never follows a ``Location`` to another host."""
    return HttpClient(base_url, timeouts=timeouts, proxy=proxy_for(base_url))


class ClientPool:
    """Long-lived clients, one per base URL, for a process that polls (the tray app).

    Reusing a client keeps its connections alive between polls, which saves a TCP and TLS
    handshake and the CA bundle load on every poll. The tray's fetcher passes its pool to
    every client it makes (``pool=``); the CLI, which fetches once, passes none and gets a
    fresh client per call.
    """

    def __init__(
        self, clock: Callable[[], float] = time.monotonic, *, timeouts: Timeouts = DEFAULT_TIMEOUTS
    ) -> None:
        self._timeouts = timeouts
        self._clients: dict[str, HttpClient] = {}
        self._others: dict[str, Closeable] = {}
        self._memo: dict[str, tuple[float, object]] = {}
        self._clock = clock
        self._lock = threading.Lock()

    def remember(self, key: str, value: object, ttl: float) -> None:
        """Keep ``value`` for ``ttl`` seconds: answers that rarely change between polls."""
        with self._lock:
            self._memo[key] = (self._clock() + ttl, value)

    def recall(self, key: str) -> object | None:
        with self._lock:
            entry = self._memo.get(key)
            if entry is None or entry[0] < self._clock():
                self._memo.pop(key, None)
                return None
            return entry[1]

    def forget(self, prefix: str) -> None:
        with self._lock:
            for key in [k for k in self._memo if k.startswith(prefix)]:
                del self._memo[key]

    def get(self, base_url: str) -> HttpClient:
        with self._lock:
            if base_url not in self._clients:
                self._clients[base_url] = make_http_client(base_url, timeouts=self._timeouts)
            return self._clients[base_url]

    def shared(self, key: str, make: Callable[[], C]) -> C:
        """One long-lived object per ``key`` besides the HTTP clients (the browser-like
        transport of :mod:`claude_meter.clients.impersonate`), closed with the pool."""
        with self._lock:
            if key not in self._others:
                self._others[key] = make()
            return self._others[key]  # type: ignore[return-value]  # one kind per key

    def close(self) -> None:
        with self._lock:
            clients, self._clients = list(self._clients.values()), {}
            others, self._others = list(self._others.values()), {}
        for client in [*clients, *others]:
            client.close()


def guarded_get(
    client: HttpClient,
    path: str,
    headers: Mapping[str, str],
    route: Route,
    *,
    total_timeout: float = TOTAL_TIMEOUT,
    max_body: int = MAX_BODY,
) -> Answer:
    """GET ``path``, read the whole body within ``total_timeout``; transport errors typed.

    A client built with a shorter read timeout (see :class:`Timeouts`) also gets a shorter
    deadline: at most twice its read timeout.
    """
    total_timeout = min(total_timeout, 2 * client.timeouts.read)
    where = HOST[route]
    sent = {k: v for k, v in headers.items() if k.lower() != "accept-encoding"}
    sent["Accept-Encoding"] = decoding.ACCEPT_ENCODING  # only what we decode with a cap
    too_large = f"{where} sent an answer larger than {max_body // 1024} KiB; ignored it."
    try:
        status, fields, raw = client.fetch(path, sent, total_timeout, max_body)
        log.debug("GET %s from %s: HTTP %d, %d bytes", path, where, status, len(raw))
        applied = decoding.codings(fields.get_all("content-encoding", []))
        return Answer(status, fields, decoding.decode(raw, applied, max_body))
    except decoding.TooLarge:
        raise UnexpectedResponse(too_large) from None
    except decoding.UnknownCoding:
        raise UnexpectedResponse(
            f"{where} sent an answer in an encoding ClaudeMeter did not ask for; ignored it."
        ) from None
    except TimeoutError:
        raise NetworkError(_timeout_message(where)) from None
    except Failed as failed:
        raise NetworkError(_failed_message(where, failed, client.proxy is not None)) from None
    except zlib.error:
        raise NetworkError(f"{_undecodable(where)} {retry_words.again()}") from None


def _timeout_message(where: str) -> str:
    return f"{where} did not answer in time. {retry_words.again_after_check()}"


Unreachable = Literal["certificate", "address", "refused", "other"]
_UNREACHABLE: Final[dict[Unreachable, str]] = {
    "certificate": "the secure connection could not be verified (a proxy or antivirus may "
    "intercept it)",
    "address": "its address could not be looked up (no internet or DNS trouble)",
    "refused": "the connection was refused",
    "other": "no connection could be made",
}


def _connect_message(where: str, why: Unreachable) -> str:
    return f"Can't reach {where}: {_UNREACHABLE[why]}. {retry_words.again()}"


def _undecodable(where: str) -> str:
    return f"{where} sent an answer that could not be decoded (it may have been cut short)."


def _failed_message(where: str, failed: Failed, proxied: bool) -> str:
    """What went wrong in words, never the exception's type or text (which may quote a header)."""
    cause = failed.__cause__
    if isinstance(cause, TimeoutError):
        return _timeout_message(where)
    if failed.stage == "connect":
        if isinstance(cause, ssl.SSLError):
            return _connect_message(where, "certificate")
        if isinstance(cause, socket.gaierror):
            return _connect_message(where, "address")
        if isinstance(cause, ConnectionRefusedError):
            return _connect_message(where, "refused")
        if not proxied:
            return _connect_message(where, "other")
        broke = f"The proxy between this computer and {where} dropped the connection."
    elif isinstance(cause, (http.client.IncompleteRead, http.client.RemoteDisconnected)):
        broke = f"{where} closed the connection before its answer was complete."
    elif isinstance(cause, http.client.HTTPException):  # a malformed status line or header
        broke = _undecodable(where)
    elif failed.stage == "send":
        broke = f"The connection to {where} broke off while the request was being sent."
    else:
        broke = f"The connection to {where} broke off while its answer was being read."
    return f"{broke} {retry_words.again()}"
