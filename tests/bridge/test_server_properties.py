"""Property-based: generated requests over real loopback sockets against a running bridge.

Request lines, methods, paths, header sets (Host, Origin, Authorization with the paired token
or a bad one, Content-Type, Content-Length, Transfer-Encoding, Expect, junk), bodies, and
whole requests of random bytes. For each one:

- the answer is one of the documented statuses (or the connection is closed), within a
  few seconds;
- the bridge never logs an error or a traceback, nor the token;
- nothing is accepted (and no extension paired) unless the request was POST to the right
  path, on the loopback Host, from the paired extension's Origin with its token, as JSON
  with a Content-Length: and a request that is exactly right is accepted;
- and after all of them a good post is still accepted.

One connection per example, so the CI budget is small and the long run (``scripts/fuzz``)
gives it a fifth of the full count (:func:`~tests.support.fuzzing.budget`).
"""

from __future__ import annotations

import json
import logging
import re
import socket
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from claude_meter.bridge import MAX_BODY, transport
from claude_meter.bridge import request as bridge_request
from tests.bridge.support import EXTENSION, FIREFOX, OTHER_EXTENSION, Bridge, good_post
from tests.support.fuzzing import PROFILE, budget
from tests.support.logs import captured

pytestmark = pytest.mark.fuzz

GOOD = json.dumps(good_post()).encode()
#: Every status the bridge documents, and those of the HTTP parser it uses.
STATUSES = frozenset({200, 400, 401, 403, 404, 405, 411, 413, 414, 415, 431, 501, 503, 505})
#: How long one exchange may take, at most (the server's timeouts are shortened below).
PATIENCE = 10.0

# -- generated requests -------------------------------------------------------------------

#: Header text: any Latin-1 but line breaks (http.server reads headers as Latin-1).
header_text = st.text(st.characters(codec="latin-1", exclude_characters="\r\n"), max_size=40)
#: What a number might look like to a careless parser: other digits, signs, spaces.
digit_like = st.text(st.sampled_from("0123456789²³¹¼ +-.xe\t"), min_size=1, max_size=8)
token_chars = st.characters(codec="ascii", categories=["L", "N", "P", "S"])
#: A header name the email parser behind http.server accepts (visible ASCII but ``:``).
_HEADER_NAME = re.compile(r"[\x21-\x39\x3b-\x7e]*")


@dataclass(frozen=True)
class Request:
    """A request to send: ``{port}``, ``{token}``, ``{other}`` and ``{length}`` (also
    ``{length+N}``/``{length-N}``) are filled in when it is sent."""

    method: str
    target: str
    version: str | None  # None: a two-word (HTTP/0.9) request line
    headers: tuple[tuple[str, str], ...]
    body: bytes
    half_close: bool  # the client shuts its sending side after the request

    def header(self, name: str) -> list[str]:
        """The values of ``name`` as the server's parser sees them: it reads headers up to
        the first line that is not ``name: value`` (``Host : x``) and ignores the rest."""
        seen = []
        for n, v in self.headers:
            if not _HEADER_NAME.fullmatch(n.partition(":")[0]):
                break
            seen.append((n, v))
        return [v for n, v in seen if n.lower() == name.lower()]


@dataclass(frozen=True)
class Raw:
    """Bytes sent as they are."""

    data: bytes
    half_close: bool


#: The parts of a request a generated one may get wrong; the others are right.
PARTS = ("method", "target", "version", "body", "extras")
HEADERS = ("Host", "Origin", "Authorization", "Content-Type", "Content-Length")

bad_methods = (
    st.sampled_from(["GET", "PUT", "HEAD", "OPTIONS", "DELETE", "PATCH", "TRACE", "post"])
    | st.sampled_from(["CONNECT", "PRI", "FOO", "POST\x00"])
    | st.text(token_chars, min_size=1, max_size=8)
)
bad_targets = st.sampled_from(
    [
        "/",
        "/snapshots/",
        "/snapshots?x=1",
        "//snapshots",
        "/SNAPSHOTS",
        "/%73napshots",
        "/pair/../snapshots",
        "http://127.0.0.1:{port}/snapshots",
        "*",
        "",
    ]
) | st.text(st.characters(codec="latin-1", exclude_characters="\r\n"), max_size=20)
bad_versions = (
    st.sampled_from(
        [
            "HTTP/1.0",
            "HTTP/2.0",
            "HTTP/0.9",
            "HTTP/1.1 x",
            "http/1.1",
            "HTTP/1.10",
            "HTTP/01.1",
            "HTTP/1.1.1",
            "HTTP/",
            "HTTP/9.9",
            "",
        ]
    )
    | st.none()
)
bad_bodies = st.sampled_from(
    [b"", b"{}", b"null", b"{" * 2000, b"\xff\xfe{}", GOOD[:-1], GOOD * 2]
) | st.binary(max_size=64)
#: Per header: its right values, and wrong ones (or any Latin-1 text).
header_values: dict[str, tuple[st.SearchStrategy[str], st.SearchStrategy[str]]] = {
    "Host": (
        st.sampled_from(["127.0.0.1:{port}", "localhost:{port}"]),
        st.sampled_from(
            [
                "LOCALHOST:{port}",
                " 127.0.0.1:{port} ",
                "127.0.0.1",
                "127.0.0.1:1",
                "[::1]:{port}",
                "evil.example:{port}",
                "localhost.evil.example:{port}",
                "127.0.0.1:{port}.",
                "",
            ]
        ),
    ),
    "Origin": (
        st.just(EXTENSION),
        st.sampled_from(
            [
                FIREFOX,
                OTHER_EXTENSION,
                "null",
                "https://evil.example",
                EXTENSION.upper(),
                EXTENSION + "/",
                " " + EXTENSION,
                EXTENSION + ".evil.example",
                "",
            ]
        ),
    ),
    "Authorization": (
        st.just("Bearer {token}"),
        st.sampled_from(
            [
                "bearer {token}",
                "BEARER  {token} ",
                "Bearer\t{token}",
                "Bearer {token}x",
                "Bearer x{token}",
                "Bearer {other}",
                "Bearer ",
                "Bearer",
                "Basic {token}",
                "{token}",
                "Bearer {token} {token}",
                "Bearer {token}\x00",
                "",
            ]
        ),
    ),
    "Content-Type": (
        st.just("application/json"),
        st.sampled_from(
            [
                "application/json; charset=utf-8",
                "APPLICATION/JSON",
                " application/json ",
                "",
                "text/plain",
                "application/json5",
                "application/x-www-form-urlencoded",
            ]
        ),
    ),
    "Content-Length": (
        st.just("{length}"),
        st.sampled_from(
            [
                "{length+1}",
                "{length-1}",
                "0",
                "-1",
                "+5",
                "1e3",
                "0x10",
                "",
                " {length} ",
                "00{length}",
                "{length}, {length}",
                "99999999999999",
                str(MAX_BODY),
                str(MAX_BODY + 1),
            ]
        )
        | digit_like,
    ),
}


def _spoiled_header(name: str, draw: Any) -> list[str]:
    """Wrong values of one header: a wrong one, none, or several."""
    good, bad = header_values[name]
    how = draw(st.integers(0, 3))
    if how == 0:
        return []
    if how == 1:
        several: list[str] = draw(st.lists(good | bad | header_text, min_size=2, max_size=3))
        return several
    return [draw(bad | header_text)]


@st.composite
def requests(draw: Any) -> Request:
    """The real extension's post (or pairing request) with a few of its parts wrong."""
    spoil = draw(st.sets(st.sampled_from(PARTS + HEADERS), max_size=3))
    method = draw(bad_methods) if "method" in spoil else "POST"
    target = draw(bad_targets if "target" in spoil else st.sampled_from(["/snapshots", "/pair"]))
    version = draw(bad_versions) if "version" in spoil else "HTTP/1.1"
    body = draw(bad_bodies) if "body" in spoil else GOOD
    headers: list[tuple[str, str]] = []
    for name in HEADERS:
        spoilt = name in spoil
        values = _spoiled_header(name, draw) if spoilt else [draw(header_values[name][0])]
        headers += [(name, value) for value in values]
    if "extras" in spoil:
        if draw(st.booleans()):
            headers.append(("Transfer-Encoding", draw(st.sampled_from(["chunked", "identity"]))))
        if draw(st.booleans()):
            headers.append(("Expect", "100-continue"))
        names = st.sampled_from(["X-Junk", "Cookie", "Connection", "Host ", "Content-Length "])
        extra = st.tuples(names | st.text(token_chars, min_size=1), header_text)
        headers += draw(st.lists(extra, max_size=2))
    spelled = [(draw(st.sampled_from([n, n.lower(), n.upper()])), v) for n, v in headers]
    order = draw(st.permutations(spelled))
    half_close = bool(draw(st.integers(0, 19)))  # mostly: an unfinished request ends at once
    return Request(method, target, version, tuple(order), body, half_close)


raws = st.builds(
    Raw,
    st.binary(max_size=300)
    | st.sampled_from([b"GET / HTTP/1.1\r\n\r\n", b"\r\n\r\n", b"POST /snapshots\r\n\r\n"]),
    st.booleans(),
)


# -- sending ------------------------------------------------------------------------------


@dataclass
class Tokens:
    good: str
    other: str  # paired to OTHER_EXTENSION


def _fill(text: str, port: int, tokens: Tokens, length: int) -> str:
    text = text.replace("{port}", str(port))
    text = text.replace("{token}", tokens.good).replace("{other}", tokens.other)

    def number(match: re.Match[str]) -> str:
        return str(length + int(match.group(1) or 0))

    return re.sub(r"\{length([+-]\d+)?\}", number, text)


def render(req: Request | Raw, port: int, tokens: Tokens) -> bytes:
    if isinstance(req, Raw):
        return req.data
    n = len(req.body)
    line = f"{req.method} {_fill(req.target, port, tokens, n)}"
    if req.version is not None:
        line += f" {req.version}"
    head = [line, *(f"{name}: {_fill(v, port, tokens, n)}" for name, v in req.headers)]
    return ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + req.body


def exchange(port: int, data: bytes, half_close: bool) -> bytes | None:
    """Send, then read until the server closes; None when it reset the connection."""
    with socket.create_connection(("127.0.0.1", port), timeout=PATIENCE) as sock:
        try:
            sock.sendall(data)
            if half_close:
                sock.shutdown(socket.SHUT_WR)
        except OSError:
            pass  # the server answered and closed while we were sending: read what it said
        chunks = []
        try:
            while chunk := sock.recv(65536):
                chunks.append(chunk)
        except ConnectionResetError:
            return None
    return b"".join(chunks)


def final_response(answer: bytes) -> tuple[int, bytes] | None:
    """The status and body of the answer, past any ``100 Continue``; None without a
    status line."""
    while answer.startswith(b"HTTP/1.1 100 "):
        answer = answer.partition(b"\r\n\r\n")[2]
    if not answer.startswith(b"HTTP/1.1 ") or not answer[9:12].isdigit():
        return None
    return int(answer[9:12]), answer.partition(b"\r\n\r\n")[2]


# -- the oracle ---------------------------------------------------------------------------


def _is_right(req: Request, port: int, tokens: Tokens) -> bool:
    """What a post must have to be accepted: the documented checks, loosely (a header's
    value as the parser gives it: leading blanks dropped)."""

    def values(name: str) -> list[str]:
        return [_fill(v, port, tokens, 0).lstrip(" \t") for v in req.header(name)]

    version = re.fullmatch(r"HTTP/(\d{1,10})\.\d{1,10}", req.version or "", re.ASCII)
    hosts, auths = values("Host"), values("Authorization")
    # http.server reads "//x" as "/x" (so it is never taken for a host name).
    path = "/" + req.target.lstrip("/") if req.target.startswith("//") else req.target
    return (
        req.method == "POST"
        and path == "/snapshots"
        and version is not None
        and int(version.group(1)) < 2
        and len(hosts) == 1
        and hosts[0].strip().lower() in (f"127.0.0.1:{port}", f"localhost:{port}")
        and values("Origin") == [EXTENSION]
        and len(auths) == 1
        and auths[0][:7].lower() == "bearer "
        and auths[0][7:].strip() == tokens.good
        and len(req.header("Content-Length")) == 1
        and not req.header("Transfer-Encoding")
    )


def _bare_answer_allowed(data: bytes) -> bool:
    """http.server answers an HTTP/0.9 request without a status line or headers."""
    words = data.split(b"\n", 1)[0].decode("latin-1").split()
    return (len(words) == 2 and words[0] == "GET") or (len(words) == 3 and words[2] == "HTTP/0.9")


def _is_exactly_right(req: Request) -> bool:
    """The real extension's request, to the letter: must be accepted."""
    canonical = {
        "host": ["127.0.0.1:{port}", "localhost:{port}"],
        "origin": [EXTENSION],
        "authorization": ["Bearer {token}"],
        "content-type": ["application/json"],
        "content-length": ["{length}"],
    }
    names = [n.lower() for n, _ in req.headers]
    return (
        (req.method, req.target, req.version, req.body) == ("POST", "/snapshots", "HTTP/1.1", GOOD)
        and sorted(names) == sorted(canonical)
        and all(v in canonical[n.lower()] for n, v in req.headers)
    )


@pytest.fixture
def records() -> Iterator[list[logging.LogRecord]]:
    """Every record of the app's loggers, at every level, from every thread."""
    with captured("claude_meter") as found:
        yield found


@pytest.fixture
def tokens(bridge: Bridge, monkeypatch: pytest.MonkeyPatch) -> Tokens:
    # Short timeouts: a request left unfinished costs a fraction of a second, not five.
    monkeypatch.setattr(bridge_request.Request, "timeout", 0.3)
    monkeypatch.setattr(bridge_request, "SOCKET_TIMEOUT", 0.3)
    monkeypatch.setattr(bridge_request, "BODY_DEADLINE", 0.5)
    monkeypatch.setattr(transport, "HEADER_DEADLINE", 1.0)
    bridge.pairing.open_window()
    good, other = bridge.pair(EXTENSION), bridge.pair(OTHER_EXTENSION)
    bridge.pairing.close_window()
    return Tokens(good, other)


def test_any_request(
    bridge: Bridge,
    tokens: Tokens,
    records: list[logging.LogRecord],
    capsys: pytest.CaptureFixture[str],
) -> None:
    port = bridge.port
    paired = bridge.pairing.paired()
    outcomes: Counter[str] = Counter()
    began = time.monotonic()

    def outcome(what: str) -> None:
        event(what)
        outcomes[what] += 1

    @given(st.one_of(requests(), requests(), requests(), raws))
    @settings(
        max_examples=budget(ci=150, share=0.2),
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    def one(req: Request | Raw) -> None:
        accepted_before, seen = len(bridge.results), len(records)
        data = render(req, port, tokens)
        started = time.monotonic()
        answer = exchange(port, data, req.half_close)
        took = time.monotonic() - started
        assert took < PATIENCE / 2, f"the bridge took {took:.1f} s to answer or close"
        for record in records[seen:]:
            assert record.levelno < logging.ERROR, record.getMessage()
            assert record.exc_info is None
            assert tokens.good not in record.getMessage()
            assert tokens.other not in record.getMessage()
        assert bridge.pairing.paired() == paired, "nobody pairs while the window is closed"
        accepted = len(bridge.results) - accepted_before
        assert accepted in (0, 1)
        if accepted:
            assert isinstance(req, Request)
            assert _is_right(req, port, tokens), "accepted a request that should be refused"
        if answer is None or answer == b"":
            outcome("closed without an answer" if answer == b"" else "reset")
            assert not (isinstance(req, Request) and _is_exactly_right(req))
            return
        response = final_response(answer)
        if response is None:
            assert _bare_answer_allowed(data), answer[:80]
            outcome("HTTP/0.9 answer")
            return
        status, body = response
        outcome(f"status {status}")
        assert status in STATUSES, answer[:200]
        assert b"access-control-" not in answer.lower()
        assert tokens.good.encode() not in answer
        assert tokens.other.encode() not in answer
        if status == 200:
            assert accepted == 1
            assert json.loads(body) == {"accepted": 1, "account": None}
        else:
            assert accepted == 0
        if isinstance(req, Request) and _is_exactly_right(req):
            assert status == 200, answer[:200]

    one()
    assert bridge.server.running
    assert bridge.post(good_post(), tokens.good).status == 200  # still answers a good post
    if PROFILE == "fuzz":  # the long run says what the requests got (Hypothesis cannot here)
        total = sum(outcomes.values())
        summary = ", ".join(f"{k} x{v}" for k, v in sorted(outcomes.items()))
        with capsys.disabled():
            print(  # noqa: T201 - the long run's report, not a test's output
                f"\ntest_any_request: {total} requests in {time.monotonic() - began:.0f} s: "
                f"{summary}"
            )


@pytest.mark.parametrize("length", ["²", "1²", "³"])
def test_a_content_length_of_other_digits_is_refused(
    bridge: Bridge, tokens: Tokens, records: list[logging.LogRecord], length: str
) -> None:
    """Found while writing test_any_request: ``"²".isdigit()`` is true, so a good post with
    ``Content-Length: ²`` (Latin-1, as headers are read) passed the length check and
    ``int()`` raised: an error with a traceback in the log and no answer."""
    head = (
        f"POST /snapshots HTTP/1.1\r\nHost: 127.0.0.1:{bridge.port}\r\nOrigin: {EXTENSION}\r\n"
        f"Authorization: Bearer {tokens.good}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {length}\r\n\r\n"
    )
    answer = exchange(bridge.port, head.encode("latin-1") + GOOD, half_close=True)
    assert answer is not None
    assert answer.startswith(b"HTTP/1.1 400 ")
    assert [r for r in records if r.levelno >= logging.ERROR] == []
    assert bridge.results == []
