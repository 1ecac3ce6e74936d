"""One guarded GET shared by both clients: bounded in time and size, errors made typed.

httpx's timeouts apply per network operation, so a server that drips a byte every few
seconds could hold a request forever; :func:`guarded_get` enforces one total deadline from
the connect to the last byte (:mod:`claude_meter.clients.deadline`: every socket operation,
headers included, gets only what is left) and a size cap on the raw body and on every stage
of its decoding (:mod:`claude_meter.clients.decoding`). Transport failures become
:class:`NetworkError` and HTTP failures the typed errors of :mod:`claude_meter.core.errors`,
with messages a person can act on. No message ever carries a header value.
"""

from __future__ import annotations

import logging
import ssl
import threading
import time
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final, Literal, Protocol, TypeVar

import httpx

from claude_meter.clients import deadline, decoding
from claude_meter.clients.trust import ssl_context
from claude_meter.core import json_input
from claude_meter.core.endpoints import is_loopback_url
from claude_meter.core.errors import (
    CloudflareChallenge,
    MeterError,
    NetworkError,
    NotSignedIn,
    RateLimited,
    RegionUnavailable,
    ServerError,
    SessionExpired,
    UnexpectedResponse,
)
from claude_meter.core.server_time import parse_http_date

Route = Literal["web", "oauth"]


class Closeable(Protocol):
    def close(self) -> None: ...


C = TypeVar("C", bound=Closeable)

CONNECT_TIMEOUT: Final = 5.0
READ_TIMEOUT: Final = 10.0
TOTAL_TIMEOUT: Final = 20.0
MAX_BODY: Final = 2 * 1024 * 1024


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

_CHALLENGE_MARKERS: Final = (b"just a moment", b"cf-chl", b"challenge-platform", b"cloudflare")
_HOST: Final[dict[Route, str]] = {"web": "claude.ai", "oauth": "Anthropic's API"}


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


@dataclass(frozen=True)
class Answer:
    """A complete HTTP answer, read within the deadline."""

    status: int
    headers: httpx.Headers
    body: bytes

    @property
    def is_html(self) -> bool:
        kind = self.headers.get("content-type", "").lower()
        head = self.body.lstrip()[:15].lower()
        return "text/html" in kind or head.startswith((b"<!doctype", b"<html"))

    @property
    def is_challenge(self) -> bool:
        """A Cloudflare bot check: its header, or a web page that is one.

        A 403 page is taken as a block page; a plain 503 page is an outage, not a check.
        """
        return self.has_challenge_marks or (self.status == 403 and self.is_html)

    @property
    def has_challenge_marks(self) -> bool:
        """Cloudflare's ``cf-mitigated: challenge`` header, or a page naming its check.

        A 200 web page without them is not a check but a moved endpoint (an app's page
        where data used to be): see :func:`raise_for_answer`'s callers.
        """
        if self.headers.get("cf-mitigated", "").lower() == "challenge":
            return True
        if not self.is_html:
            return False
        text = self.body[:65536].lower()
        return any(marker in text for marker in _CHALLENGE_MARKERS)

    def json(self, route: Route) -> object:
        """The body as JSON, or :class:`UnexpectedResponse`."""
        try:
            return json_input.loads(self.body)
        except json_input.NotJson:
            raise UnexpectedResponse(_changed(route)) from None

    def error_type(self) -> str:
        """``error.type`` of an Anthropic JSON error body, or ''."""
        try:
            data = json_input.loads(self.body)
        except json_input.NotJson:
            return ""
        error = data.get("error") if isinstance(data, dict) else None
        kind = error.get("type") if isinstance(error, dict) else None
        return kind if isinstance(kind, str) else ""

    def error_message(self) -> str:
        try:
            data = json_input.loads(self.body)
        except json_input.NotJson:
            return ""
        error = data.get("error") if isinstance(data, dict) else None
        message = error.get("message") if isinstance(error, dict) else None
        return message if isinstance(message, str) else ""


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
    where = _HOST[route]
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
        raise NetworkError(
            f"The connection to {where} broke off ({type(exc).__name__}). "
            "The last numbers are kept; ClaudeMeter will try again."
        ) from None
    except httpx.InvalidURL:
        raise NetworkError(f"Could not build a request to {where}.") from None


def _timeout_message(where: str) -> str:
    return (
        f"{where} did not answer in time. Check your internet connection; "
        "the last numbers are kept and ClaudeMeter will try again."
    )


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
    return f"Can't reach {where}: {why}. The last numbers are kept; ClaudeMeter will try again."


def _changed(route: Route) -> str:
    return (
        f"{_HOST[route]} answered in a shape ClaudeMeter does not understand (the private "
        "endpoint may have changed). The last good numbers are kept; look for an update."
    )


def parse_retry_after(value: str | None, now: datetime) -> datetime | None:
    """``Retry-After`` as a time: seconds (``0`` included) or an HTTP date; None if absent/bad.

    A date out of :mod:`~claude_meter.core.server_time`'s range is unknown (None).
    """
    if value is None or not value.strip():
        return None
    value = value.strip()
    if value.isdigit():
        return now + timedelta(seconds=min(int(value), 7 * 86400))
    return parse_http_date(value)


EXPIRED_WEB: Final = (
    "Your claude.ai session has expired or was signed out. Sign in to claude.ai in your "
    "browser again (or paste a new session), then refresh."
)
EXPIRED_OAUTH: Final = "Claude Code's sign-in has expired: run `claude` once to renew the sign-in."
CLOUDFLARE: Final = (
    "claude.ai asked for a browser check (Cloudflare) instead of answering. Your session is "
    "probably fine: open claude.ai in your browser once, or use the ClaudeMeter browser "
    "extension, then refresh."
)


def raise_for_answer(answer: Answer, route: Route, now: datetime) -> None:
    """Raise the typed error an unsuccessful answer stands for; return on 2xx."""
    status = answer.status
    if 200 <= status < 300:
        return
    where = _HOST[route]
    if status in (403, 503) and answer.is_challenge:
        raise CloudflareChallenge(CLOUDFLARE if route == "web" else _cloudflare_api(where))
    if status == 401:
        raise SessionExpired(EXPIRED_WEB if route == "web" else EXPIRED_OAUTH)
    if status == 403:
        raise _forbidden(answer, route)
    if status == 429:
        retry_at = parse_retry_after(answer.headers.get("retry-after"), now)
        raise RateLimited(_rate_limited_message(where, retry_at), retry_at=retry_at)
    if status >= 500:
        raise ServerError(
            f"{where} had a server error (HTTP {status}). The last numbers are kept; "
            "ClaudeMeter will try again."
        )
    if 300 <= status < 400:
        raise _redirected(answer, where)
    raise UnexpectedResponse(
        f"{where} refused the request (HTTP {status}); the private endpoint may have changed. "
        "The last good numbers are kept; look for a ClaudeMeter update."
    )


#: Where claude.ai sends people it does not serve (docs/protocol.md section 4).
_REGION_PAGE: Final = "unavailable-in-region"
REGION: Final = (
    "claude.ai is not available from this network or region; a VPN exit can cause this. "
    "Try again from another network (or with the VPN off). The last numbers are kept."
)


def _redirected(answer: Answer, where: str) -> MeterError:
    """Redirects are never followed: a region page has its own message, others are changes."""
    if _REGION_PAGE in answer.headers.get("location", "").lower():
        return RegionUnavailable(REGION)
    return UnexpectedResponse(
        f"{where} redirected the request elsewhere (HTTP {answer.status}) instead of "
        "answering; the private endpoint may have changed. The last good numbers are kept; "
        "look for a ClaudeMeter update."
    )


def _cloudflare_api(where: str) -> str:
    return f"{where} answered with a bot check instead of data. ClaudeMeter will try again later."


def _forbidden(answer: Answer, route: Route) -> MeterError:
    kind = answer.error_type()
    message = answer.error_message().lower()
    if route == "oauth" and "scope" in message:
        return NotSignedIn(MISSING_SCOPE)
    if route == "oauth":
        return SessionExpired(EXPIRED_OAUTH)
    if kind == "permission_error" and "organization" in message:
        return SessionExpired(
            "claude.ai says this session is not valid for the organization (signed out, "
            "switched account, or a VPN exit claude.ai distrusts). Sign in to claude.ai in "
            "your browser again, then refresh."
        )
    return SessionExpired(EXPIRED_WEB)


MISSING_SCOPE: Final = (
    "This Claude Code token lacks the user:profile scope (tokens made by `claude setup-token` "
    "do), so it cannot read usage. Sign in with `claude` itself, or use the claude.ai route."
)


def _rate_limited_message(where: str, retry_at: datetime | None) -> str:
    if retry_at is None:
        return f"{where} is rate-limiting requests; ClaudeMeter will back off and try again."
    local = retry_at.astimezone().strftime("%H:%M")
    return f"{where} is rate-limiting requests; ClaudeMeter will try again at {local}."
