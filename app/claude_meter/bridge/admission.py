"""Who gets through the bridge's door: every refusal decided on a request's head alone.

The design this product comes from accepted any POST with ``Access-Control-Allow-Origin: *``:
any web page or local process could inject numbers (docs/protocol.md section 6). Here every
request is checked on its request line and headers, in this order, before a byte of its body
is read:

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

Pure: :func:`admit` reads the method, the path and the headers it is given, and asks the
pairing two questions (is the window open, whose token is this); no socket, no clock. A
refusal names its reason, never a header's value except the ``Origin``, which is public.
"""

from __future__ import annotations

import re
from typing import Final, Protocol

import msgspec

from claude_meter.bridge.pairing import TokenCheck
from claude_meter.core.logs import printable

MAX_BODY: Final = 256 * 1024
MAX_PAIR_BODY: Final = 1024
PATHS: Final = ("/pair", "/snapshots")

_EXTENSION_ORIGIN: Final = re.compile(
    r"chrome-extension://[a-p]{32}|moz-extension://[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-"
    r"[0-9a-f]{4}-[0-9a-f]{12}"
)
#: Why a request that could not be parsed is refused; never the request's own text.
_MALFORMED: Final = {
    400: "the request line or headers are malformed",
    414: "the request line is too long",
    431: "the headers are too large",
    501: "unknown method",
    505: "this HTTP version is not supported",
}


class Headers(Protocol):
    """A request's headers as parsed (:class:`http.client.HTTPMessage`): each name's values."""

    def get_all(self, name: str) -> list[str] | None: ...


class Gate(Protocol):
    """What admission asks the pairing (:class:`~claude_meter.bridge.pairing.Pairing`)."""

    def window_open(self) -> bool: ...

    def check(self, token: str, origin: str) -> TokenCheck: ...


class Refusal(msgspec.Struct, frozen=True):
    """One refused request, for logs and ``claude-meter bridge``: never a header's value
    except the ``Origin``, which is public."""

    status: int
    path: str
    reason: str
    origin: str | None

    def line(self) -> str:
        """The refusal as one line for a log or a terminal: every outside value escaped."""
        origin = printable(self.origin, 100) if self.origin is not None else "none"
        return (
            f"{printable(self.path, 64)} ({self.status}): {printable(self.reason)}; origin {origin}"
        )


class Admitted(msgspec.Struct, frozen=True):
    """A request that passed every check: its path, its origin and its declared body."""

    path: str
    origin: str
    length: int


def malformed(status: int | None, path: str) -> Refusal:
    """A request whose line or headers could not be parsed (``status`` from the parser)."""
    code = status or 400
    return Refusal(code, path or "-", _MALFORMED.get(code, _MALFORMED[400]), None)


def admit(method: str, path: str, headers: Headers, *, port: int, gate: Gate) -> Admitted | Refusal:
    """The checks of the module's docstring, in its order; the first that fails refuses."""
    origins = headers.get_all("Origin") or []
    origin = origins[0] if len(origins) == 1 else None
    hosts = headers.get_all("Host") or []
    allowed = {f"127.0.0.1:{port}", f"localhost:{port}"}
    if len(hosts) != 1 or hosts[0].strip().lower() not in allowed:
        return Refusal(403, path, "the Host is not this computer's loopback address", origin)
    if method != "POST":
        return Refusal(405, path, "only POST is answered", origin)
    if path not in PATHS:
        return Refusal(404, path, "no such path", origin)
    if origin is None or not _EXTENSION_ORIGIN.fullmatch(origin):
        return Refusal(403, path, "the request does not come from a browser extension", origin)
    if path == "/pair":
        if not gate.window_open():
            return Refusal(
                403, path, "pairing is closed: press Pair browser extension first", origin
            )
    else:
        refusal = _check_token(headers, path, origin, gate)
        if refusal is not None:
            return refusal
        kinds = headers.get_all("Content-Type") or [""]
        if kinds[0].split(";")[0].strip().lower() != "application/json":
            return Refusal(415, path, "the body must be application/json", origin)
    return _check_length(headers, path, origin, MAX_PAIR_BODY if path == "/pair" else MAX_BODY)


def _check_token(headers: Headers, path: str, origin: str, gate: Gate) -> Refusal | None:
    values = headers.get_all("Authorization") or []
    scheme, _, token = (values[0] if len(values) == 1 else "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return Refusal(401, path, "no pairing token: pair the extension first", origin)
    verdict = gate.check(token.strip(), origin)
    if verdict == "unknown":
        return Refusal(401, path, "unknown pairing token: pair the extension again", origin)
    if verdict == "other_origin":
        return Refusal(403, path, "the token was given to another extension", origin)
    return None


def _check_length(headers: Headers, path: str, origin: str, limit: int) -> Admitted | Refusal:
    if headers.get_all("Transfer-Encoding"):
        return Refusal(411, path, "chunked bodies are not accepted", origin)
    lengths = headers.get_all("Content-Length") or []
    if not lengths and path == "/pair":
        return Admitted(path, origin, 0)  # a bare POST /pair carries no body
    if len(lengths) != 1:
        return Refusal(411, path, "a Content-Length is required", origin)
    declared = lengths[0].strip()
    if not (declared.isascii() and declared.isdigit()) or len(declared) > 12:  # not "²"
        return Refusal(400, path, "the Content-Length is not a number", origin)
    if int(declared) > limit:
        return Refusal(413, path, f"the body is larger than {limit // 1024} KiB", origin)
    return Admitted(path, origin, int(declared))
