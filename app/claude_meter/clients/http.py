"""One guarded GET shared by both clients: bounded in time and size, errors made typed.

The standard library's HTTP/1.1 client (:mod:`http.client`) carries the requests, which
never follow a redirect. This module adds what it lacks: one total deadline from the connect
to the last byte (a watchdog shuts the socket down when it passes, whatever the request is
waiting for, so a server dripping its headers or body a byte at a time cannot hold a
request), finite connect and read timeouts besides, a size cap on the raw body and on every
stage of its decoding (:mod:`claude_meter.clients.decoding`), the environment's proxies
through a ``CONNECT`` tunnel, and kept-alive connections. Transport failures become
:class:`NetworkError` and HTTP failures the typed errors of :mod:`claude_meter.core.errors`
(:mod:`claude_meter.clients.http_errors`), with messages a person can act on. No message ever
carries a header value.
"""

from __future__ import annotations

import base64
import contextlib
import http.client
import socket
import ssl
import threading
import time
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Final, Literal, Protocol, TypeVar
from urllib.parse import unquote, urlsplit
from urllib.request import getproxies_environment, proxy_bypass

from claude_meter.clients import decoding

# Answer, EXPIRED_OAUTH, expired_web and raise_for_answer are re-exported: clients/web.py and
# poll/fetcher.py import them from here.
from claude_meter.clients.http_errors import EXPIRED_OAUTH as EXPIRED_OAUTH
from claude_meter.clients.http_errors import HOST, Headers, Route
from claude_meter.clients.http_errors import Answer as Answer
from claude_meter.clients.http_errors import expired_web as expired_web
from claude_meter.clients.http_errors import raise_for_answer as raise_for_answer
from claude_meter.clients.trust import ssl_context
from claude_meter.core import retry_words
from claude_meter.core.endpoints import is_loopback_url
from claude_meter.core.errors import ConfigurationError, NetworkError, UnexpectedResponse


class Closeable(Protocol):
    def close(self) -> None: ...


C = TypeVar("C", bound=Closeable)

CONNECT_TIMEOUT: Final = 5.0
READ_TIMEOUT: Final = 10.0
TOTAL_TIMEOUT: Final = 20.0
MAX_BODY: Final = 2 * 1024 * 1024
#: How long a polling app trusts its organization list, extras and account (seconds).
DISCOVERY_TTL: Final = 30 * 60.0
#: Idle connections kept per base URL (one per thread that asked at the same time).
MAX_IDLE: Final = 4


@dataclass(frozen=True)
class Timeouts:
    """Per-operation limits of a client; the total deadline of a request is at most twice
    ``read``. Shorter ones are for soak runs against a loopback fake server only."""

    connect: float = CONNECT_TIMEOUT
    read: float = READ_TIMEOUT


DEFAULT_TIMEOUTS: Final = Timeouts()

#: A current desktop Chrome, like the page's own requests: the very one the browser-like
#: transport impersonates (``clients.impersonate.IMPERSONATE``; a test holds them together).
BROWSER_USER_AGENT: Final = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/152.0.0.0 Safari/537.36"
)


@dataclass(frozen=True)
class Proxy:
    """An HTTP proxy that a ``CONNECT`` tunnel goes through; its credentials in ``headers``."""

    host: str
    port: int
    headers: Mapping[str, str] = field(default_factory=dict, repr=False)


def proxy_for(url: str) -> Proxy | None:
    """The proxy the environment names for ``url`` (``HTTPS_PROXY``, ``ALL_PROXY``, in either
    case, unless ``NO_PROXY`` names its host), or None. Loopback servers are reached directly."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    proxies = getproxies_environment()
    named = proxies.get(parts.scheme) or proxies.get("all")
    if not named or is_loopback_url(url) or proxy_bypass(host):
        return None
    proxy = urlsplit(named if "://" in named else f"http://{named}")
    try:
        port = proxy.port or 80
    except ValueError:
        port = 0
    if proxy.scheme != "http" or not proxy.hostname or not port:
        raise ConfigurationError(
            f"The proxy named for {host} ({proxy.scheme}://) is not one ClaudeMeter can use: "
            "it speaks to HTTP proxies (http://host:port). Name one, or unset the variable."
        )
    headers = {}
    if proxy.username is not None:
        user_pass = f"{unquote(proxy.username)}:{unquote(proxy.password or '')}".encode()
        headers["Proxy-Authorization"] = f"Basic {base64.b64encode(user_pass).decode()}"
    return Proxy(proxy.hostname, port, headers)


class HttpClient:
    """GETs against one base URL over HTTP/1.1, thread-safe; never follows a redirect.

    A request takes an idle connection (or makes one) and gives it back once its answer was
    read whole, so a polling app keeps its connection alive between polls. ``verify`` may be
    a context of the caller's own (tests); otherwise :func:`~claude_meter.clients.trust.
    ssl_context` decides whom to trust.
    """

    def __init__(
        self,
        base_url: str,
        *,
        verify: bool | ssl.SSLContext = True,
        timeouts: Timeouts = DEFAULT_TIMEOUTS,
        proxy: Proxy | None = None,
    ) -> None:
        parts = urlsplit(base_url)
        self.timeouts = timeouts
        self._host = parts.hostname or ""
        self._port = parts.port or (443 if parts.scheme == "https" else 80)
        self._prefix = parts.path.rstrip("/")
        self._context: ssl.SSLContext | None = None
        if parts.scheme == "https":  # plain http:// (loopback) skips loading the CA bundle
            self._context = verify if isinstance(verify, ssl.SSLContext) else ssl_context(base_url)
        self._proxy = proxy
        self._idle: list[http.client.HTTPConnection] = []
        self._lock = threading.Lock()
        self._closed = False

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        with self._lock:
            idle, self._idle, self._closed = self._idle, [], True
        for connection in idle:
            connection.close()

    def fetch(
        self, path: str, headers: Mapping[str, str], seconds: float, max_body: int
    ) -> tuple[int, Headers, bytes]:
        """GET ``path``: status, headers and raw body (at most ``max_body``) within ``seconds``.

        A kept-alive connection that the server closed meanwhile fails before any answer: the
        request is sent again on a new one (these GETs change nothing on the server).
        """
        deadline = time.monotonic() + seconds
        while True:
            connection, reused = self._take()
            try:
                return self._exchange(connection, path, headers, deadline, max_body)
            except _Failed as failed:
                connection.close()
                stale = isinstance(failed.__cause__, (ConnectionResetError, BrokenPipeError))
                if not (reused and stale):
                    raise
            except BaseException:
                connection.close()
                raise

    def _take(self) -> tuple[http.client.HTTPConnection, bool]:
        with self._lock:
            if self._idle:
                return self._idle.pop(), True
        host, port = (
            (self._proxy.host, self._proxy.port) if self._proxy else (self._host, self._port)
        )
        if self._context is None:
            connection = http.client.HTTPConnection(host, port)
        else:
            connection = http.client.HTTPSConnection(host, port, context=self._context)
        if self._proxy is not None:
            connection.set_tunnel(self._host, self._port, dict(self._proxy.headers))
        return connection, False

    def _exchange(
        self,
        connection: http.client.HTTPConnection,
        path: str,
        headers: Mapping[str, str],
        deadline: float,
        max_body: int,
    ) -> tuple[int, Headers, bytes]:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError
        stage: Stage = "connect"
        watchdog = _Watchdog(connection, left)
        try:
            if connection.sock is None:
                connection.timeout = min(self.timeouts.connect, left)
                connection.connect()  # TCP, the proxy's tunnel, TLS
            stage = "send"
            watchdog.sock = connection.sock
            watchdog.sock.settimeout(self.timeouts.read)
            connection.request("GET", self._prefix + path, headers=dict(headers))
            stage = "read"
            response = connection.getresponse()
            if response.length is not None and response.length > max_body:
                raise decoding.TooLarge
            body = response.read(max_body + 1)
            if response.length:  # its Content-Length promised more than came
                raise http.client.IncompleteRead(body, response.length)
            if len(body) > max_body:
                raise decoding.TooLarge
        except (OSError, http.client.HTTPException) as exc:
            raise _Failed(stage, via_proxy=self._proxy is not None) from exc
        finally:
            if watchdog.stop():
                raise TimeoutError  # the deadline's word, not the shut socket's
        if response.isclosed() and not response.will_close:
            self._give_back(connection)
        else:
            connection.close()
        return response.status, Headers(response.getheaders()), body

    def _give_back(self, connection: http.client.HTTPConnection) -> None:
        with self._lock:
            if not self._closed and len(self._idle) < MAX_IDLE:
                self._idle.append(connection)
                return
        connection.close()


Stage = Literal["connect", "send", "read"]


class _Failed(Exception):
    """A request that broke at ``stage``; what broke is ``__cause__``."""

    def __init__(self, stage: Stage, *, via_proxy: bool) -> None:
        super().__init__(stage)
        self.stage: Stage = stage
        self.via_proxy = via_proxy


class _Watchdog:
    """Shuts a connection's socket down when the deadline passes, whatever it is waiting on.

    Per-operation timeouts cannot bound a request: a server sending a byte every few seconds
    meets each of them. On a shut-down socket the blocked call returns at once.
    """

    def __init__(self, connection: http.client.HTTPConnection, seconds: float) -> None:
        self._connection = connection
        self.sock: socket.socket | None = connection.sock
        self._lock = threading.Lock()
        self._armed = True
        self._fired = False
        self._timer = threading.Timer(seconds, self._fire)
        self._timer.daemon = True
        self._timer.start()

    def _fire(self) -> None:
        with self._lock:
            if self._armed:
                self._fired = True
                # The connected socket, which the answer still reads after http.client let go
                # of it (``Connection: close``), or the one still connecting.
                for sock in (self.sock, self._connection.sock):
                    if sock is not None:
                        with contextlib.suppress(OSError):
                            socket.socket.shutdown(sock, socket.SHUT_RDWR)  # under any TLS

    def stop(self) -> bool:
        """Disarm; whether the deadline passed first (then the connection is spent)."""
        with self._lock:
            self._armed = False
        self._timer.cancel()
        return self._fired


def make_http_client(
    base_url: str, *, verify: bool | ssl.SSLContext = True, timeouts: Timeouts = DEFAULT_TIMEOUTS
) -> HttpClient:
    """A client for ``base_url`` with finite timeouts, through the environment's proxy.

    Redirects are never followed, so that a cookie or token never follows a ``Location`` to
    another host.
    """
    return HttpClient(base_url, verify=verify, timeouts=timeouts, proxy=proxy_for(base_url))


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
        self._clients: dict[tuple[str, bool], HttpClient] = {}
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

    def get(self, base_url: str, verify: bool | ssl.SSLContext) -> HttpClient | None:
        if not isinstance(verify, bool):
            return None  # custom trust (tests): not shared
        with self._lock:
            key = (base_url, verify)
            if key not in self._clients:
                self._clients[key] = make_http_client(
                    base_url, verify=verify, timeouts=self._timeouts
                )
            return self._clients[key]

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
        applied = decoding.codings(fields.get_list("content-encoding"))
        return Answer(status, fields, decoding.decode(raw, applied, max_body))
    except decoding.TooLarge:
        raise UnexpectedResponse(too_large) from None
    except decoding.UnknownCoding:
        raise UnexpectedResponse(
            f"{where} sent an answer in an encoding ClaudeMeter did not ask for; ignored it."
        ) from None
    except TimeoutError:
        raise NetworkError(_timeout_message(where)) from None
    except _Failed as failed:
        raise NetworkError(_failed_message(where, failed)) from None
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


def _failed_message(where: str, failed: _Failed) -> str:
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
        if not failed.via_proxy:
            return _connect_message(where, "other")
        # http.client tells a refused or cut tunnel with an OSError or its own exceptions
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
