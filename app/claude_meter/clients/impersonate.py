"""claude.ai through a transport that shakes hands like Chrome (curl_cffi's impersonation).

Cloudflare in front of claude.ai challenges many clients by their TLS ClientHello (and their
HTTP/2 settings): Python's ``ssl`` (OpenSSL) does not look like any browser. curl_cffi drives
curl-impersonate, a libcurl built on BoringSSL that sends Chrome's ClientHello (cipher and
extension lists, GREASE, ML-KEM key share, ALPS, certificate compression) and Chrome's HTTP/2
SETTINGS and header order. :class:`BrowserTransport` is one long-lived curl handle (its
connection stays open between polls) behind the same contract as
:func:`claude_meter.clients.http.guarded_get`: finite connect and read timeouts, one total
deadline from the first byte of the connection to the last of the body (curl's own
``TIMEOUT_MS``), a cap on the decoded body, no redirects followed, no cookie engine (cookies
travel only in the header we build), the same typed errors, and nothing from a header in a
message or a log. When it is used is decided in :mod:`claude_meter.clients.web_transport`.

curl_cffi is imported only when this transport is first needed: it costs about 7 MB of memory
and a 41 MB library load (docs/benchmarks.md). Where no wheel exists for a platform, or the
library does not load, :func:`available` says so once in the log and the caller stays on
Python's own client.
"""

from __future__ import annotations

import errno
import logging
import threading
from collections.abc import Mapping
from http.client import HTTPMessage
from types import ModuleType
from typing import Final

from claude_meter.clients.http import (
    DEFAULT_TIMEOUTS,
    MAX_BODY,
    TOTAL_TIMEOUT,
    Timeouts,
    _connect_message,
    _timeout_message,
)
from claude_meter.clients.http_errors import HOST, Answer, Route
from claude_meter.clients.trust import ca_file
from claude_meter.core import retry_words
from claude_meter.core.endpoints import is_loopback_url
from claude_meter.core.errors import NetworkError, UnexpectedResponse

log = logging.getLogger(__name__)

#: curl_cffi's newest Chrome target; its ClientHello equals Chromium 156's (tests/e2e).
IMPERSONATE: Final = "chrome152"

#: The page's own API calls are same-origin fetches, not navigations: override the
#: navigation headers curl-impersonate adds by default (an empty value removes a header).
_FETCH_HEADERS: Final = {
    "sec-fetch-site": "same-origin",
    "sec-fetch-mode": "cors",
    "sec-fetch-dest": "empty",
    "upgrade-insecure-requests": "",
    "sec-fetch-user": "",
    "cache-control": "",
}
_TIMEOUT, _RESOLVE, _CONNECT, _WRITE = 28, 6, 7, 23
_TLS_CODES: Final = frozenset((35, 53, 54, 58, 59, 60, 64, 66, 77, 80, 82, 83, 90, 91, 98))

_library: ModuleType | None = None
_checked = False
_load_lock = threading.Lock()


def available() -> bool:
    """Whether curl_cffi loads here; the first call imports it, a failure is logged once."""
    return _curl_cffi() is not None


def _curl_cffi() -> ModuleType | None:
    global _library, _checked
    with _load_lock:
        if not _checked:
            _checked = True
            try:
                import curl_cffi

                _library = curl_cffi
            except (ImportError, OSError) as exc:
                log.warning(
                    "the browser-like transport is not available on this system (%s: %s); "
                    "claude.ai is read with Python's own TLS, which Cloudflare may challenge",
                    type(exc).__name__,
                    exc,
                )
        return _library


class BrowserTransport:
    """GETs against one base URL with Chrome's TLS and HTTP/2 fingerprint.

    Thread-safe (one request at a time on the handle). Create it only after :func:`available`
    said yes.
    """

    def __init__(self, base_url: str, *, timeouts: Timeouts = DEFAULT_TIMEOUTS) -> None:
        library = _curl_cffi()
        if library is None:
            raise RuntimeError("curl_cffi is not available; check available() first")
        self._lib = library
        self._base_url = base_url.rstrip("/")
        self._timeouts = timeouts
        self._lock = threading.Lock()
        self._curl = library.Curl(cacert=ca_file(self._base_url))
        opt = library.CurlOpt
        self._curl.impersonate(IMPERSONATE, default_headers=True)
        # HTTP/2 over TLS as Chrome does; plain http:// (loopback tests) stays HTTP/1.1 rather
        # than curl's h2c upgrade, which no browser sends.
        self._curl.setopt(opt.HTTP_VERSION, library.CurlHttpVersion.V2TLS)
        self._curl.setopt(opt.FOLLOWLOCATION, 0)
        # Decode what Chrome accepts (the cap below counts decoded bytes).
        self._curl.setopt(opt.ACCEPT_ENCODING, b"gzip, deflate, br, zstd")
        self._curl.setopt(opt.CONNECTTIMEOUT_MS, int(timeouts.connect * 1000))
        # A read timeout: abort when fewer than 1 byte a second arrives for `read` seconds.
        self._curl.setopt(opt.LOW_SPEED_LIMIT, 1)
        self._curl.setopt(opt.LOW_SPEED_TIME, max(1, round(timeouts.read)))
        if is_loopback_url(self._base_url):
            self._curl.setopt(opt.PROXY, "")  # as Python's client: none for loopback

    def close(self) -> None:
        with self._lock:
            self._curl.close()

    def get(
        self,
        path: str,
        headers: Mapping[str, str],
        route: Route,
        *,
        total_timeout: float = TOTAL_TIMEOUT,
        max_body: int = MAX_BODY,
    ) -> Answer:
        """GET ``path``: the whole answer within ``total_timeout``, or a typed error."""
        total_timeout = min(total_timeout, 2 * self._timeouts.read)
        where = HOST[route]
        body = bytearray()
        lines: list[bytes] = []

        def on_body(chunk: bytes) -> int:
            body.extend(chunk)
            if len(body) > max_body:
                raise UnexpectedResponse(
                    f"{where} sent an answer larger than {max_body // 1024} KiB; ignored it."
                )
            return len(chunk)

        def on_header(line: bytes) -> int:
            if line.startswith(b"HTTP/"):
                lines.clear()  # a new response (after a 1xx): keep only the last one's headers
            lines.append(line)
            return len(line)

        opt = self._lib.CurlOpt
        sent = {**{k.lower(): v for k, v in headers.items()}, **_FETCH_HEADERS}
        with self._lock:
            curl = self._curl
            curl.setopt(opt.URL, self._base_url + path)
            curl.setopt(opt.HTTPHEADER, [_line(k, v) for k, v in sent.items()])
            curl.setopt(opt.TIMEOUT_MS, int(total_timeout * 1000))
            curl.setopt(opt.WRITEFUNCTION, on_body)
            curl.setopt(opt.HEADERFUNCTION, on_header)
            try:
                curl.perform()
            except self._lib.CurlError as exc:
                refused = curl.getinfo(self._lib.CurlInfo.OS_ERRNO) == errno.ECONNREFUSED
                raise _network_error(where, exc, refused=refused) from None
            status = int(curl.getinfo(self._lib.CurlInfo.RESPONSE_CODE))
        return Answer(status, _headers(lines), bytes(body))


def _line(name: str, value: str) -> bytes:
    """One request header as curl takes it; an empty value removes a default header."""
    return (f"{name}: {value}" if value else f"{name}:").encode("latin-1")


def _headers(lines: list[bytes]) -> HTTPMessage:
    fields = HTTPMessage()
    for line in lines[1:]:
        name, sep, value = line.decode("latin-1").partition(":")
        if sep and name.strip():
            fields[name.strip()] = value.strip()  # added, never replacing a repeated one
    return fields


def _network_error(where: str, exc: Exception, *, refused: bool) -> NetworkError:
    """curl's error codes as the other transport's messages (never curl's text with a header)."""
    code = getattr(exc, "code", 0)
    if code == _TIMEOUT:
        return NetworkError(_timeout_message(where))
    if code in _TLS_CODES:
        return NetworkError(_connect_message(where, "certificate"))
    if code == _RESOLVE:
        return NetworkError(_connect_message(where, "address"))
    if code == _CONNECT:
        return NetworkError(_connect_message(where, "refused" if refused else "other"))
    return NetworkError(
        f"The connection to {where} broke off (curl error {code}). {retry_words.again()}"
    )
