"""Hostile answers to both transports: timing, content codings, nesting (issue 16, 2 3 5).

Every answer comes from a real server on loopback (:mod:`tests.support.hostile`) that sends
raw bytes on a script, so the client meets exactly what the wire carries. The deadline and
the size cap are checked on both transports: httpx (:func:`guarded_get`, whose deadline and
capped decoding are ours) and curl_cffi (:class:`BrowserTransport`, libcurl's own total
timeout and streaming decoders, the cap counted on decoded bytes).
"""

from __future__ import annotations

import gzip
import json
import time
import tracemalloc
import zlib
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claude_meter.clients import decoding, impersonate
from claude_meter.clients.http import Timeouts, guarded_get, make_http_client
from claude_meter.core.errors import MeterError, NetworkError, UnexpectedResponse
from tests.support.fuzzing import budget
from tests.support.hostile import HostileServer, answer, dripped, hostile_server

pytestmark = pytest.mark.fuzz

GOOD = json.dumps({"five_hour": {"utilization": 12.0, "resets_at": None}}).encode()


@pytest.fixture(scope="module")
def hostile() -> Iterator[HostileServer]:
    with hostile_server() as server:
        yield server


@pytest.fixture(scope="module", params=["httpx", "curl"])
def transport(request: pytest.FixtureRequest) -> str:
    name = str(request.param)
    if name == "curl":
        assert impersonate.available(), "curl_cffi is a dependency on this platform"
    return name


def get(
    server: HostileServer,
    *,
    total: float = 20.0,
    max_body: int = 2 * 1024 * 1024,
    transport: str = "httpx",
) -> bytes:
    if transport == "curl":
        browser = impersonate.BrowserTransport(server.base_url)
        try:
            return browser.get("/x", {}, "web", total_timeout=total, max_body=max_body).body
        finally:
            browser.close()
    with make_http_client(server.base_url) as http:
        return guarded_get(http, "/x", {}, "web", total_timeout=total, max_body=max_body).body


# -- finding 2: one deadline from the connect to the last byte -----------------------------


def test_headers_dripped_byte_by_byte_meet_the_total_deadline(
    hostile: HostileServer, transport: str
) -> None:
    """Each byte of the status line and headers comes well within the read timeout."""
    head, _, body = answer(GOOD).partition(b"\r\n\r\n")
    hostile.script = [*dripped(head + b"\r\n\r\n", 0.05), (0.0, body)]  # ~5 s in all
    started = time.monotonic()
    with pytest.raises(NetworkError, match="in time"):
        get(hostile, total=0.5, transport=transport)
    assert time.monotonic() - started < 2.0


@given(
    header_pause=st.floats(0, 0.04),
    body_pause=st.floats(0, 0.04),
    first_pause=st.floats(0, 0.4),
    body_size=st.integers(0, 40),
)
@settings(max_examples=budget(ci=12, share=0.001), suppress_health_check=[HealthCheck.too_slow])
def test_any_timing_ends_within_the_deadline(
    hostile: HostileServer,
    transport: str,
    header_pause: float,
    body_pause: float,
    first_pause: float,
    body_size: int,
) -> None:
    body = b" " * body_size + GOOD
    head, _, _ = answer(body).partition(b"\r\n\r\n")
    hostile.script = [
        (first_pause, b""),
        *dripped(head[:40], header_pause),
        (0.0, head[40:] + b"\r\n\r\n"),
        *dripped(body, body_pause),
    ]
    total = 0.4
    started = time.monotonic()
    outcome: bytes | str
    try:
        outcome = get(hostile, total=total, transport=transport)
    except NetworkError as exc:
        outcome = exc.message
    assert outcome == body or "in time" in str(outcome)
    assert time.monotonic() - started < total + 0.5


def test_a_short_read_timeout_still_bounds_dripped_headers(hostile: HostileServer) -> None:
    head, _, _ = answer(GOOD).partition(b"\r\n\r\n")
    hostile.script = dripped(head, 0.05)
    quick = Timeouts(connect=0.2, read=0.2)
    with make_http_client(hostile.base_url, timeouts=quick) as http:
        started = time.monotonic()
        with pytest.raises(NetworkError, match="in time"):
            guarded_get(http, "/x", {}, "web")
    assert time.monotonic() - started < 1.5


# -- finding 3: a decoded-size cap whatever the codings ------------------------------------


def test_a_stacked_gzip_bomb_is_refused_without_inflating_it(
    hostile: HostileServer, transport: str
) -> None:
    """``gzip, gzip``: a few KB on the wire, 64 MiB inflated; memory stays near the cap."""
    bomb = gzip.compress(gzip.compress(b"[" + b" " * (64 * 1024 * 1024) + b"]"))
    assert len(bomb) < 200_000
    hostile.script = [(0.0, answer(bomb, headers=[("Content-Encoding", "gzip, gzip")]))]
    tracemalloc.start()
    try:
        with pytest.raises(UnexpectedResponse, match="larger than"):
            get(hostile, transport=transport)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 16 * 1024 * 1024


def test_only_the_codings_we_decode_are_asked_for(hostile: HostileServer) -> None:
    hostile.script = [(0.0, answer(GOOD))]
    with make_http_client(hostile.base_url) as http:
        guarded_get(http, "/x", {"accept-encoding": "br, zstd"}, "web")
    sent = [
        line for line in hostile.last_request.lower().split(b"\r\n") if b"accept-encoding" in line
    ]
    assert sent == [b"accept-encoding: gzip, deflate"]
    # A server that sends a coding we did not ask for anyway is refused, never guessed at.
    hostile.script = [(0.0, answer(b"\x0b\x02\x80{}\x03", headers=[("Content-Encoding", "br")]))]
    with pytest.raises(UnexpectedResponse, match="did not ask for"):
        get(hostile)


def _encode(body: bytes, name: str) -> bytes:
    if name in ("gzip", "x-gzip"):
        return gzip.compress(body)
    if name == "deflate":
        return zlib.compress(body)
    if name == "raw-deflate":
        packer = zlib.compressobj(wbits=-zlib.MAX_WBITS)
        return packer.compress(body) + packer.flush()
    return body  # identity, or a coding we cannot produce: sent as is, labelled


CODINGS = ["gzip", "x-gzip", "deflate", "raw-deflate", "identity", "br", "zstd", "compress", "xz"]


@given(
    chain=st.lists(st.sampled_from(CODINGS), max_size=5),
    size=st.sampled_from([0, 100, 3 * 1024 * 1024, 40 * 1024 * 1024]),
    split_header=st.booleans(),
)
@settings(max_examples=budget(ci=40, share=0.002), suppress_health_check=[HealthCheck.too_slow])
def test_any_combination_of_codings_is_decoded_capped_or_refused(
    hostile: HostileServer, chain: list[str], size: int, split_header: bool
) -> None:
    body = b"[" + b" " * size + b"0]"
    wire = body
    for name in chain:
        wire = _encode(wire, name)
    labels = ["deflate" if name == "raw-deflate" else name for name in chain]
    headers = (
        [("Content-Encoding", name) for name in labels]
        if split_header
        else ([("Content-Encoding", ", ".join(labels))] if labels else [])
    )
    hostile.script = [(0.0, answer(wire, headers=headers))]
    cap = 2 * 1024 * 1024
    applied = [name for name in labels if name != "identity"]
    unknown = any(n not in ("gzip", "x-gzip", "deflate") for n in applied)
    try:
        got = get(hostile, max_body=cap)
    except UnexpectedResponse:
        too_long = len(applied) > decoding.MAX_CODINGS
        refused = True
    else:
        refused = False
    if refused:
        assert unknown or too_long or len(body) > cap or len(wire) > cap
        return
    assert got == body
    assert len(got) <= cap
    assert not unknown


@given(
    chain=st.lists(st.sampled_from(CODINGS), max_size=5),
    size=st.sampled_from([0, 100, 3 * 1024 * 1024, 40 * 1024 * 1024]),
)
@settings(max_examples=budget(ci=25, share=0.002), suppress_health_check=[HealthCheck.too_slow])
def test_any_combination_of_codings_through_curl_is_capped(
    hostile: HostileServer, chain: list[str], size: int
) -> None:
    """libcurl decodes what it knows as it streams; the cap counts decoded bytes."""
    assert impersonate.available()
    body = b"[" + b" " * size + b"0]"
    wire = body
    for name in chain:
        wire = _encode(wire, name)
    labels = ["deflate" if name == "raw-deflate" else name for name in chain]
    headers = [("Content-Encoding", ", ".join(labels))] if labels else []
    hostile.script = [(0.0, answer(wire, headers=headers))]
    cap = 2 * 1024 * 1024
    try:
        got = get(hostile, max_body=cap, transport="curl")
    except MeterError:
        return  # refused as too large, undecodable or broken: typed, never a crash
    assert len(got) <= cap
    plain = all(name in ("gzip", "x-gzip", "deflate", "identity") for name in chain)
    if plain and len(body) <= cap:
        assert got == body


# -- finding 5: any nesting depth is the documented error ---------------------------------


def nested(depth: int, kind: str, closed: bool) -> bytes:
    opener, closer = (b"[", b"]") if kind == "list" else (b'{"e":', b"}")
    return opener * depth + (b"1" + closer * depth if closed else b"")


@given(
    depth=st.integers(1, 200_000) | st.integers(1, 3000),
    kind=st.sampled_from(["list", "object"]),
    closed=st.booleans(),
)
@settings(max_examples=budget(ci=20, share=0.001), suppress_health_check=[HealthCheck.too_slow])
def test_any_nesting_depth_is_a_value_or_the_changed_answer_error(
    hostile: HostileServer, depth: int, kind: str, closed: bool
) -> None:
    hostile.script = [(0.0, answer(nested(depth, kind, closed), status="403 Forbidden"))]
    with make_http_client(hostile.base_url) as http:
        got = guarded_get(http, "/x", {}, "web")
    try:
        got.json("web")
    except UnexpectedResponse:
        pass
    else:
        assert closed
        assert depth < 100_000
    assert isinstance(got.error_type(), str)
    assert isinstance(got.error_message(), str)


@pytest.mark.parametrize("where", ["organizations", "usage", "error body"])
def test_a_deeply_nested_answer_anywhere_is_the_changed_answer_error(where: str) -> None:
    """400 KB of ``[`` in the org list, the usage or a 403's error body: exit 4, no traceback."""
    import io

    from claude_meter.cli import main

    org = "5e1f0c2a-0000-4000-8000-000000000003"
    orgs = json.dumps([{"uuid": org, "name": "Org", "capabilities": ["chat"]}]).encode()
    bomb = b"[" * 400_000
    with hostile_server() as server, pytest.MonkeyPatch.context() as env:
        server.script = [(0.0, answer(b"{}", status="404 Not Found"))]
        server.routes["/api/organizations"] = [
            (0.0, answer(bomb if where == "organizations" else orgs))
        ]
        status = "403 Forbidden" if where == "error body" else "200 OK"
        server.routes[f"/api/organizations/{org}/usage"] = [(0.0, answer(bomb, status=status))]
        env.setenv("CLAUDE_METER_BASE_URL", server.base_url)
        env.setenv("CLAUDE_METER_COOKIE", "sessionKey=sk-ant-sid02-TESTSECRET-nested")
        out = io.StringIO()
        code = main(["status", "--source", "web", "--json"], stdout=out)
    assert code == (2 if where == "error body" else 4)
    json.loads(out.getvalue())
