"""One guarded GET shared by both clients: bounded in time and size, errors made typed.

httpx's timeouts apply per network operation, so a server that drips a byte every few
seconds could hold a request forever; :func:`guarded_get` enforces one total deadline from
the connect to the last byte (:mod:`claude_meter.clients.deadline`: every socket operation,
headers included, gets only what is left) and a size cap on the raw body and on every stage
of its decoding (:mod:`claude_meter.clients.decoding`). Transport failures become
:class:`NetworkError` and HTTP failures the typed errors of :mod:`claude_meter.core.errors`
(:mod:`claude_meter.clients.http_errors`), with messages a person can act on. No message ever
carries a header value.
"""

from __future__ import annotations

import logging
import ssl
import threading
import time
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Final, Protocol, TypeVar

import httpx

from claude_meter.clients import deadline, decoding

# Answer, EXPIRED_OAUTH, expired_web and raise_for_answer are re-exported: clients/web.py and
# poll/fetcher.py import them from here.
from claude_meter.clients.http_errors import EXPIRED_OAUTH as EXPIRED_OAUTH
from claude_meter.clients.http_errors import HOST, Route
from claude_meter.clients.http_errors import Answer as Answer
from claude_meter.clients.http_errors import expired_web as expired_web
from claude_meter.clients.http_errors import raise_for_answer as raise_for_answer
from claude_meter.clients.trust import ssl_context
from claude_meter.core import retry_words
from claude_meter.core.endpoints import is_loopback_url
from claude_meter.core.errors import NetworkError, UnexpectedResponse


class Closeable(Protocol):
    def close(self) -> None: ...


C = TypeVar("C", bound=Closeable)

CONNECT_TIMEOUT: Final = 5.0
READ_TIMEOUT: Final = 10.0
TOTAL_TIMEOUT: Final = 20.0
MAX_BODY: Final = 2 * 1024 * 1024
#: How long a polling app trusts its organization list, extras and account (seconds).
DISCOVERY_TTL: Final = 30 * 60.0


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

# httpcore's DEBUG trace prints raw request and response headers (Cookie, Set-Cookie,
# Authorization): keep it silent whatever level the root logger is at.
logging.getLogger("httpcore").setLevel(logging.INFO)


def make_http_client(
    base_url: str, *, verify: bool | ssl.SSLContext = True, timeouts: Timeouts = DEFAULT_TIMEOUTS
) -> httpx.Client:
    """An httpx client with finite timeouts that never follows redirects.

    Redirects are refused so that a cookie or token never follows a ``Location`` to another
    host. Proxy settings from the environment are honoured, except for loopback test servers.
    """
    loopback = is_loopback_url(base_url)
    if base_url.startswith("http://"):
        verify = False  # no TLS on this connection: skip loading the CA bundle (~20 ms)
    elif verify is True:
        verify = ssl_context(base_url)  # certifi's roots; SSL_CERT_FILE for loopback only
    client = httpx.Client(
        base_url=base_url,
        timeout=httpx.Timeout(timeouts.read, connect=timeouts.connect),
        follow_redirects=False,
        trust_env=not loopback,
        verify=verify,
    )
    # The client's own transport and those it made for proxies from the environment.
    for transport in (client._transport, *client._mounts.values()):
        if isinstance(transport, httpx.HTTPTransport):
            deadline.install(transport)
    return client


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
        self._clients: dict[tuple[str, bool], httpx.Client] = {}
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

    def get(self, base_url: str, verify: bool | ssl.SSLContext) -> httpx.Client | None:
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
        """One long-lived object per ``key`` besides the httpx clients (the browser-like
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
    client: httpx.Client,
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
    read = client.timeout.read
    if read is not None:
        total_timeout = min(total_timeout, 2 * read)
    where = HOST[route]
    sent = {k: v for k, v in headers.items() if k.lower() != "accept-encoding"}
    sent["Accept-Encoding"] = decoding.ACCEPT_ENCODING  # only what we decode with a cap
    too_large = f"{where} sent an answer larger than {max_body // 1024} KiB; ignored it."
    try:
        with (
            deadline.total_deadline(total_timeout),
            client.stream("GET", path, headers=sent) as response,
        ):
            chunks: list[bytes] = []
            size = 0
            for chunk in response.iter_raw():
                size += len(chunk)
                if size > max_body:
                    raise UnexpectedResponse(too_large)
                chunks.append(chunk)
            applied = decoding.codings(response.headers.get_list("content-encoding"))
            body = decoding.decode(b"".join(chunks), applied, max_body)
            return Answer(response.status_code, response.headers, body)
    except decoding.TooLarge:
        raise UnexpectedResponse(too_large) from None
    except decoding.UnknownCoding:
        raise UnexpectedResponse(
            f"{where} sent an answer in an encoding ClaudeMeter did not ask for; ignored it."
        ) from None
    except httpx.TimeoutException:
        raise NetworkError(_timeout_message(where)) from None
    except httpx.ConnectError as exc:
        raise NetworkError(_connect_message(where, exc)) from None
    except (httpx.TransportError, httpx.DecodingError, zlib.error) as exc:
        raise NetworkError(f"{_broke_off(where, exc)} {retry_words.again()}") from None
    except httpx.InvalidURL:
        raise NetworkError(f"Could not build a request to {where}.") from None


def _timeout_message(where: str) -> str:
    return f"{where} did not answer in time. {retry_words.again_after_check()}"


def _connect_message(where: str, exc: Exception) -> str:
    text = str(exc).lower()
    if "certificate" in text or "ssl" in text or "tls" in text:
        why = "the secure connection could not be verified (a proxy or antivirus may intercept it)"
    elif "name" in text and ("resolve" in text or "known" in text or "temporary" in text):
        why = "its address could not be looked up (no internet or DNS trouble)"
    elif "refused" in text:
        why = "the connection was refused"
    else:
        why = "no connection could be made"
    return f"Can't reach {where}: {why}. {retry_words.again()}"


def _broke_off(where: str, exc: Exception) -> str:
    """What went wrong in words, never the exception's type or text (which may quote a header)."""
    if isinstance(exc, (httpx.DecodingError, zlib.error)):
        return f"{where} sent an answer that could not be decoded (it may have been cut short)."
    if isinstance(exc, httpx.ProxyError):
        return f"The proxy between this computer and {where} dropped the connection."
    if isinstance(exc, httpx.RemoteProtocolError):
        return f"{where} closed the connection before its answer was complete."
    if isinstance(exc, httpx.WriteError):
        return f"The connection to {where} broke off while the request was being sent."
    if isinstance(exc, httpx.ReadError):
        return f"The connection to {where} broke off while its answer was being read."
    return f"The connection to {where} broke off."
