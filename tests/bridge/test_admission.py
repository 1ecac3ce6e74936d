"""Admission as a table: a request's head in, the refusal (status and reason) or the admission
out. Each row changes one thing from a good request, or two, to pin the order of the checks
(Host, method, path, Origin, pairing window or token, Content-Type, length).

The heads are parsed by the standard library's own header parser, as the listener does, and
the pairing is the real one (a token given to :data:`EXTENSION`, one to another extension).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from http.client import parse_headers

import pytest

from claude_meter.bridge.admission import (
    MAX_BODY,
    MAX_PAIR_BODY,
    Admitted,
    Refusal,
    admit,
    malformed,
)
from claude_meter.bridge.pairing import Pairing
from tests.bridge.support import EXTENSION, FIREFOX, OTHER_EXTENSION, Clock

PORT = 63762
HOST = f"127.0.0.1:{PORT}"
TOKEN = "{token}"  # replaced by the token paired to EXTENSION
OTHER_TOKEN = "{other}"  # replaced by the token paired to OTHER_EXTENSION

HOST_REFUSED = (403, "the Host is not this computer's loopback address")
NOT_POST = (405, "only POST is answered")
NO_PATH = (404, "no such path")
NOT_EXTENSION = (403, "the request does not come from a browser extension")
PAIRING_CLOSED = (403, "pairing is closed: press Pair browser extension first")
NO_TOKEN = (401, "no pairing token: pair the extension first")
UNKNOWN_TOKEN = (401, "unknown pairing token: pair the extension again")
OTHER_ORIGIN = (403, "the token was given to another extension")
NOT_JSON = (415, "the body must be application/json")
CHUNKED = (411, "chunked bodies are not accepted")
NO_LENGTH = (411, "a Content-Length is required")
BAD_LENGTH = (400, "the Content-Length is not a number")
TOO_LARGE = (413, "the body is larger than 256 KiB")


@dataclass(frozen=True)
class Row:
    """A request: a good ``/snapshots`` post unless told otherwise. ``set`` replaces or adds
    headers (a list value: the header that many times; None: left out)."""

    expected: tuple[int, str] | int  # a refusal's (status, reason), or the admitted length
    path: str = "/snapshots"
    method: str = "POST"
    set: dict[str, str | list[str] | None] = field(default_factory=dict)
    window_open: bool = False

    def head(self, token: str, other: str) -> str:
        headers: dict[str, str | list[str] | None] = {
            "Host": HOST,
            "Origin": EXTENSION,
            "Authorization": f"Bearer {TOKEN}",
            "Content-Type": "application/json",
            "Content-Length": "100",
            **self.set,
        }
        lines = []
        for name, value in headers.items():
            for one in [value] if isinstance(value, str) else value or []:
                lines.append(f"{name}: {one.replace(TOKEN, token).replace(OTHER_TOKEN, other)}")
        return "\r\n".join([*lines, "", ""])


def pair() -> Row:
    """A bare ``POST /pair`` from the extension while the window is open."""
    return Row(
        0,
        path="/pair",
        set={"Authorization": None, "Content-Type": None, "Content-Length": None},
        window_open=True,
    )


def with_(row: Row, **changes: object) -> Row:
    values = {**row.__dict__, **changes}
    if "set" in changes:
        values["set"] = {**row.set, **changes["set"]}  # type: ignore[dict-item]
    return Row(**values)


TABLE: dict[str, Row] = {
    # the good ones
    "a good post": Row(100),
    "localhost": Row(100, set={"Host": f"localhost:{PORT}"}),
    "a host name in capitals": Row(100, set={"Host": f"LOCALHOST:{PORT}"}),
    "a charset on the type": Row(100, set={"Content-Type": "application/json; charset=utf-8"}),
    "the largest body": Row(MAX_BODY, set={"Content-Length": str(MAX_BODY)}),
    "a bare pair": pair(),
    "a pair from Firefox": with_(pair(), set={"Origin": FIREFOX}),
    "a pair with a small body": with_(pair(), expected=2, set={"Content-Length": "2"}),
    "a pair needs no type": with_(pair(), set={"Content-Type": "text/plain"}),
    # 1. Host
    "no Host": Row(HOST_REFUSED, set={"Host": None}),
    "two Hosts": Row(HOST_REFUSED, set={"Host": [HOST, HOST]}),
    "another port": Row(HOST_REFUSED, set={"Host": "127.0.0.1:1"}),
    "no port": Row(HOST_REFUSED, set={"Host": "127.0.0.1"}),
    "DNS rebinding": Row(HOST_REFUSED, set={"Host": f"evil.example:{PORT}"}),
    "a look-alike": Row(HOST_REFUSED, set={"Host": f"localhost.evil.example:{PORT}"}),
    "Host before method": Row(HOST_REFUSED, method="GET", set={"Host": "evil.example"}),
    # 2. method, then path
    "GET": Row(NOT_POST, method="GET"),
    "a preflight": Row(NOT_POST, method="OPTIONS", set={"Origin": "https://evil.example"}),
    "another path": Row(NO_PATH, path="/other"),
    "method before path": Row(NOT_POST, method="PUT", path="/other"),
    "path before Origin": Row(NO_PATH, path="/", set={"Origin": None}),
    # 3. Origin
    "no Origin": Row(NOT_EXTENSION, set={"Origin": None}),
    "two Origins": Row(NOT_EXTENSION, set={"Origin": [EXTENSION, EXTENSION]}),
    "a web page": Row(NOT_EXTENSION, set={"Origin": "https://evil.example"}),
    "null": Row(NOT_EXTENSION, set={"Origin": "null"}),
    "a short id": Row(NOT_EXTENSION, set={"Origin": "chrome-extension://abc"}),
    "an id past p": Row(NOT_EXTENSION, set={"Origin": "chrome-extension://" + "q" * 32}),
    "a suffix": Row(NOT_EXTENSION, set={"Origin": EXTENSION + ".evil.example"}),
    "not a uuid": Row(NOT_EXTENSION, set={"Origin": "moz-extension://not-a-uuid"}),
    "Origin before token": Row(NOT_EXTENSION, set={"Origin": None, "Authorization": None}),
    # 4. the pairing window (/pair) or the token (/snapshots)
    "pairing closed": with_(pair(), expected=PAIRING_CLOSED, window_open=False),
    "a web page pairing": with_(pair(), expected=NOT_EXTENSION, set={"Origin": "https://x.y"}),
    "no token": Row(NO_TOKEN, set={"Authorization": None}),
    "an empty token": Row(NO_TOKEN, set={"Authorization": "Bearer "}),
    "not a bearer": Row(NO_TOKEN, set={"Authorization": f"Basic {TOKEN}"}),
    "two tokens": Row(NO_TOKEN, set={"Authorization": [f"Bearer {TOKEN}"] * 2}),
    "an unknown token": Row(UNKNOWN_TOKEN, set={"Authorization": "Bearer forged"}),
    "another's token": Row(OTHER_ORIGIN, set={"Authorization": f"Bearer {OTHER_TOKEN}"}),
    "my token, another's origin": Row(OTHER_ORIGIN, set={"Origin": OTHER_EXTENSION}),
    "a bearer in lower case": Row(100, set={"Authorization": f"bearer {TOKEN}"}),
    "token before type": Row(NO_TOKEN, set={"Authorization": None, "Content-Type": None}),
    # 5. Content-Type (/snapshots only)
    "no type": Row(NOT_JSON, set={"Content-Type": None}),
    "text": Row(NOT_JSON, set={"Content-Type": "text/plain"}),
    "a form": Row(NOT_JSON, set={"Content-Type": "application/x-www-form-urlencoded"}),
    "type before length": Row(NOT_JSON, set={"Content-Type": None, "Content-Length": None}),
    # 6. the length
    "chunked": Row(CHUNKED, set={"Transfer-Encoding": "chunked"}),
    "an empty Transfer-Encoding": Row(CHUNKED, set={"Transfer-Encoding": ""}),
    "chunked pairing": with_(pair(), expected=CHUNKED, set={"Transfer-Encoding": "chunked"}),
    "no length": Row(NO_LENGTH, set={"Content-Length": None}),
    "two lengths": Row(NO_LENGTH, set={"Content-Length": ["10", "10"]}),
    "a negative length": Row(BAD_LENGTH, set={"Content-Length": "-1"}),
    "a length with letters": Row(BAD_LENGTH, set={"Content-Length": "12abc"}),
    "a superscript two": Row(BAD_LENGTH, set={"Content-Length": "\u00b2"}),
    "thirteen digits": Row(BAD_LENGTH, set={"Content-Length": "1" * 13}),
    "one byte too many": Row(TOO_LARGE, set={"Content-Length": str(MAX_BODY + 1)}),
    "a pairing body too large": with_(
        pair(),
        expected=(413, "the body is larger than 1 KiB"),
        set={"Content-Length": str(MAX_PAIR_BODY + 1)},
    ),
}


def paired(window_open: bool) -> tuple[Pairing, str, str]:
    """A pairing with a token for EXTENSION and one for OTHER_EXTENSION."""
    pairing = Pairing(clock=Clock())
    pairing.open_window()
    token, other = pairing.pair(EXTENSION), pairing.pair(OTHER_EXTENSION)
    assert token is not None
    assert other is not None
    if not window_open:
        pairing.close_window()
    return pairing, token.reveal(), other.reveal()


@pytest.mark.parametrize("row", TABLE.values(), ids=TABLE.keys())
def test_admission(row: Row) -> None:
    pairing, token, other = paired(row.window_open)
    headers = parse_headers(io.BytesIO(row.head(token, other).encode("latin-1")))
    verdict = admit(row.method, row.path, headers, port=PORT, gate=pairing)
    if isinstance(row.expected, int):
        origin = headers["Origin"]
        assert verdict == Admitted(row.path, origin, row.expected)
    else:
        assert isinstance(verdict, Refusal), verdict
        assert (verdict.status, verdict.reason, verdict.path) == (*row.expected, row.path)
        assert token not in repr(verdict)
        assert other not in repr(verdict)


def test_a_refusal_names_the_origin_it_saw_only_when_there_was_one() -> None:
    pairing, _, _ = paired(window_open=False)
    one = parse_headers(io.BytesIO(f"Host: {HOST}\r\nOrigin: https://x.y\r\n\r\n".encode()))
    two = parse_headers(io.BytesIO(f"Host: {HOST}\r\nOrigin: a\r\nOrigin: b\r\n\r\n".encode()))
    assert admit("POST", "/pair", one, port=PORT, gate=pairing) == Refusal(
        403, "/pair", NOT_EXTENSION[1], "https://x.y"
    )
    refused = admit("POST", "/pair", two, port=PORT, gate=pairing)
    assert isinstance(refused, Refusal)
    assert refused.origin is None


@pytest.mark.parametrize(
    ("status", "path", "expected"),
    [
        (None, "", Refusal(400, "-", "the request line or headers are malformed", None)),
        (400, "/x", Refusal(400, "/x", "the request line or headers are malformed", None)),
        (414, "", Refusal(414, "-", "the request line is too long", None)),
        (431, "", Refusal(431, "-", "the headers are too large", None)),
        (501, "/pair", Refusal(501, "/pair", "unknown method", None)),
        (505, "/", Refusal(505, "/", "this HTTP version is not supported", None)),
        (418, "/", Refusal(418, "/", "the request line or headers are malformed", None)),
    ],
)
def test_a_head_that_could_not_be_parsed(status: int | None, path: str, expected: Refusal) -> None:
    assert malformed(status, path) == expected
