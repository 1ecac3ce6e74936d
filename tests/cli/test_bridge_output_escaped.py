"""Refused requests with any bytes in their path and ``Origin``: one escaped line each, in the
log and on ``claude-meter bridge``'s standard error (issue 16, finding 7).

Anyone on the machine can send the bridge a request, no token needed; what it says about a
refusal must never carry an escape sequence to a terminal nor forge a line of the log.
"""

from __future__ import annotations

import contextlib
import io
import re
import socket
import threading
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claude_meter.cli.bridge import run_bridge
from claude_meter.core.logs import printable
from tests.bridge.support import raw_exchange
from tests.e2e.processes import wait_until
from tests.support.fuzzing import budget
from tests.support.logs import captured

pytestmark = pytest.mark.fuzz

#: What a terminal or a log reader could act on: controls, bidi and zero-width marks.
UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]")


class RunningBridge:
    def __init__(self) -> None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = int(sock.getsockname()[1])
        self.err = io.StringIO()
        self.stop = threading.Event()
        self.thread = threading.Thread(
            target=run_bridge,
            kwargs={
                "pair": False,
                "forget": False,
                "port": self.port,
                "out": io.StringIO(),
                "err": self.err,
                "stop": self.stop,
            },
            daemon=True,
        )

    def lines(self) -> list[str]:
        return [line for line in self.err.getvalue().split("\n") if "refused" in line]


@pytest.fixture(scope="module")
def bridge() -> Iterator[RunningBridge]:
    running = RunningBridge()
    running.thread.start()
    wait_until(lambda: "listening" in running.err.getvalue(), 10, "the bridge")
    yield running
    running.stop.set()
    running.thread.join(10)


def request(path: bytes, origin: bytes, port: int) -> bytes:
    return (
        b"POST "
        + path
        + b" HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nOrigin: " % port
        + origin
        + b"\r\nContent-Length: 0\r\n\r\n"
    )


def test_an_escape_sequence_and_a_forged_line_are_escaped(bridge: RunningBridge) -> None:
    forged = b"\x1b[2J\x1b[31mchrome-extension://x\r\n 2026 INFO fake: line"  # obs-fold
    before = len(bridge.lines())
    with captured("claude_meter.bridge") as records:
        raw_exchange(bridge.port, request(b"/snap\x1b]0;title\x07", forged, bridge.port))
    messages = [record.getMessage() for record in records]
    assert messages
    assert all(not UNSAFE.search(message) for message in messages)
    new = bridge.lines()[before:]
    assert len(new) == 1
    assert not UNSAFE.search(new[0])
    assert "\\x1b" in new[0]


texts = st.binary(max_size=60) | st.text(max_size=40).map(
    lambda t: t.encode("utf-8", "surrogatepass")
)


@given(path=texts, origin=texts)
@settings(
    max_examples=budget(ci=40, share=0.01),
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_any_path_and_origin_give_one_escaped_line(
    bridge: RunningBridge, path: bytes, origin: bytes
) -> None:
    before = len(bridge.lines())
    # The bridge may close on a request it cannot parse: still one refusal at most.
    with captured("claude_meter.bridge") as records, contextlib.suppress(OSError):
        raw_exchange(bridge.port, request(b"/" + path, origin, bridge.port), timeout=5)
    new = bridge.lines()[before:]
    for line in new:
        assert line.startswith("claude-meter: refused "), line
        assert not UNSAFE.search(line), line
    assert len(new) <= 1
    for record in records:
        assert not UNSAFE.search(record.getMessage())


@given(st.text())
def test_printable_escapes_every_unsafe_character(text: str) -> None:
    shown = printable(text)
    assert not UNSAFE.search(shown)
    assert not re.search("[\ud800-\udfff]", shown)
    shown.encode("utf-8")  # a log file in UTF-8 takes it
