"""HTTP/1.1 connections for :mod:`claude_meter.clients.http`, on the standard library's client
(:mod:`http.client`, which follows no redirect): kept alive for the next request, through the
environment's proxy (:func:`proxy_for`), each request with finite connect and read timeouts and
one deadline from the connect to the last byte (:class:`_Watchdog`).
"""

from __future__ import annotations

import base64
import contextlib
import http.client
import socket
import threading
import time
from collections.abc import Mapping
from typing import Final, Literal
from urllib.parse import unquote, urlsplit
from urllib.request import getproxies_environment, proxy_bypass

import msgspec

from claude_meter.clients import decoding
from claude_meter.clients.trust import ssl_context
from claude_meter.core.endpoints import is_loopback_url
from claude_meter.core.errors import ConfigurationError


class Timeouts(msgspec.Struct, frozen=True):
    """Per-operation limits of a client; the total deadline of a request is at most twice
    ``read``. Shorter ones are for soak runs against a loopback fake server only."""

    connect: float = 5.0
    read: float = 10.0


DEFAULT_TIMEOUTS: Final = Timeouts()


class Proxy(msgspec.Struct, frozen=True):
    """An HTTP proxy to tunnel through (``CONNECT``); its credentials, if any, in ``headers``
    (never in its ``repr``)."""

    host: str
    port: int
    headers: Mapping[str, str] = msgspec.field(default_factory=dict)

    def __repr__(self) -> str:
        return f"Proxy(host={self.host!r}, port={self.port!r})"


def proxy_for(url: str) -> Proxy | None:
    """The proxy the environment names for ``url`` (``HTTPS_PROXY``, ``ALL_PROXY``, either case)
    unless ``NO_PROXY`` names its host; never one for a loopback server."""
    parts = urlsplit(url)
    proxies = getproxies_environment()
    named = proxies.get(parts.scheme) or proxies.get("all")
    if not named or is_loopback_url(url) or proxy_bypass(parts.hostname or ""):
        return None
    proxy = urlsplit(named if "://" in named else f"http://{named}")
    try:
        port = proxy.port or 80
    except ValueError:
        port = 0
    if proxy.scheme != "http" or not proxy.hostname or not port:
        raise ConfigurationError(
            f"The proxy named for {parts.hostname} ({proxy.scheme}://) is not one ClaudeMeter "
            "can use: it speaks to HTTP proxies (http://host:port). Name one, or unset it."
        )
    user = f"{unquote(proxy.username or '')}:{unquote(proxy.password or '')}".encode()
    auth = {"Proxy-Authorization": f"Basic {base64.b64encode(user).decode()}"}
    return Proxy(proxy.hostname, port, auth if proxy.username else {})


class HttpClient:
    """GETs against one base URL over HTTP/1.1, thread-safe; never follows a redirect.

    A request takes an idle connection (or makes one) and gives it back once its answer was
    read whole: a polling app keeps its connection between polls.
    """

    def __init__(
        self,
        base_url: str,
        *,
        timeouts: Timeouts = DEFAULT_TIMEOUTS,
        proxy: Proxy | None = None,
    ) -> None:
        parts = urlsplit(base_url)
        self.timeouts = timeouts
        self._host = parts.hostname or ""
        self._port = parts.port or (443 if parts.scheme == "https" else 80)
        self._prefix = parts.path.rstrip("/")
        # certifi's roots (SSL_CERT_FILE for loopback); plain http:// skips loading them
        self._context = ssl_context(base_url) if parts.scheme == "https" else None
        self.proxy = proxy
        self._idle: list[http.client.HTTPConnection] = []
        self._lock = threading.Lock()

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for connection in idle:
            connection.close()

    def fetch(
        self, path: str, headers: Mapping[str, str], seconds: float, max_body: int
    ) -> tuple[int, http.client.HTTPMessage, bytes]:
        """GET ``path``: status, headers and raw body (at most ``max_body``) within ``seconds``.

        A kept connection that the server closed meanwhile fails before any answer: then the
        request goes again on a new one (these GETs change nothing on the server).
        """
        deadline = time.monotonic() + seconds
        while True:
            with self._lock:
                kept = self._idle.pop() if self._idle else None
            connection = kept or self._new_connection()
            try:
                return self._exchange(connection, path, headers, deadline, max_body)
            except Failed as failed:
                if kept is None or not isinstance(failed.__cause__, _STALE):
                    raise

    def _new_connection(self) -> http.client.HTTPConnection:
        proxy = self.proxy
        host, port = (proxy.host, proxy.port) if proxy else (self._host, self._port)
        if self._context is None:
            connection = http.client.HTTPConnection(host, port)
        else:
            connection = http.client.HTTPSConnection(host, port, context=self._context)
        if proxy is not None:
            connection.set_tunnel(self._host, self._port, dict(proxy.headers))
        return connection

    def _exchange(
        self,
        connection: http.client.HTTPConnection,
        path: str,
        headers: Mapping[str, str],
        deadline: float,
        max_body: int,
    ) -> tuple[int, http.client.HTTPMessage, bytes]:
        """One request on ``connection``, which is kept for the next one or closed."""
        stage: Stage = "connect"
        left = deadline - time.monotonic()
        watchdog = _Watchdog(connection, left)
        try:
            if left <= 0:
                raise TimeoutError
            if connection.sock is None:
                connection.timeout = min(self.timeouts.connect, left)
                connection.connect()  # TCP, the proxy's tunnel, TLS
            stage = "send"
            watchdog.sock = connection.sock
            watchdog.sock.settimeout(self.timeouts.read)
            connection.request("GET", self._prefix + path, headers=dict(headers))
            stage = "read"
            response = connection.getresponse()
            body = response.read(max_body + 1)
            if len(body) > max_body:
                raise decoding.TooLarge
            if response.length:  # its Content-Length promised more than came
                raise http.client.IncompleteRead(body, response.length)
            if watchdog.stop():
                raise TimeoutError  # the shut socket read as the end of the answer
        except BaseException as exc:
            connection.close()
            if watchdog.stop():
                raise TimeoutError from None  # the deadline's word, not the shut socket's
            if isinstance(exc, OSError | http.client.HTTPException):
                raise Failed(stage) from exc
            raise
        if response.isclosed() and not response.will_close:
            with self._lock:
                self._idle.append(connection)
        else:
            connection.close()  # the server closes it, or the answer was not read whole
        return response.status, response.msg, body


Stage = Literal["connect", "send", "read"]
_STALE: Final = (ConnectionResetError, BrokenPipeError)  # a kept connection the server closed


class Failed(Exception):
    """A request that broke at ``stage`` (for its message); what broke is ``__cause__``."""

    def __init__(self, stage: Stage) -> None:
        super().__init__(stage)
        self.stage: Stage = stage


class _Watchdog(threading.Timer):
    """Shuts a connection's socket down when the deadline passes, whatever it is waiting on:
    per-operation timeouts cannot bound a request, a server sending a byte every few seconds
    meets each of them. On a shut socket the blocked call returns at once."""

    def __init__(self, connection: http.client.HTTPConnection, seconds: float) -> None:
        super().__init__(seconds, self._fire)
        self.daemon = True
        self.connection = connection
        self.sock: socket.socket | None = connection.sock
        self.fired = self._stopped = False
        self._lock = threading.Lock()
        self.start()

    def _fire(self) -> None:
        with self._lock:
            if self._stopped:
                return
            self.fired = True
            # The connected socket, which the answer still reads after http.client let go of
            # it (``Connection: close``), or the one still connecting.
            for sock in (self.sock, self.connection.sock):
                if sock is not None:
                    with contextlib.suppress(OSError):
                        socket.socket.shutdown(sock, socket.SHUT_RDWR)  # the TCP under any TLS

    def stop(self) -> bool:
        """Disarm; whether the deadline passed first (then the connection is spent)."""
        with self._lock:
            self._stopped = True
        self.cancel()
        return self.fired
