"""The bridge under abuse: about 2,000 bad connections at once while a paired extension posts.

Malformed, oversized, unauthenticated, wrong-origin, wrong-host and chunked requests, and a
few hundred slow ones (slowloris clients dripping header lines, silent ones, slow bodies with
a good token), all on loopback, from one thread (:class:`tests.bridge.abuse.Abuse`). Every
good post must be accepted within 2 s, no bad one accepted, every bad connection answered or
closed by the server within its deadline, and threads and connections stay bounded. The
second test does the same with the bridge inside the tray app and checks the GUI thread stays
responsive. ``benchmarks/bridge_abuse.py`` is the bigger version.
"""

from __future__ import annotations

import gc
import json
import os
import selectors
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from pytestqt.qtbot import QtBot

from claude_meter.bridge import Pairing, transport
from claude_meter.bridge import request as bridge_request
from claude_meter.bridge import server as server_module
from claude_meter.core.models import FetchResult
from claude_meter.qt.app import TrayApp
from claude_meter.qt.bridge_link import BridgeLink
from claude_meter.qt.compose import connect_bridge
from tests.bridge.abuse import ABUSE_OUTCOMES, SLOW_KINDS, Abuse, AbuseReport
from tests.bridge.support import (
    EXTENSION,
    Bridge,
    GoodPosts,
    OwnFetch,
    good_post,
    paired_client,
    raw_exchange,
)
from tests.e2e.processes import wait_until
from tests.support.notifier import Recorder

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # as tests/qt; before any QApplication

#: 1,400 fast bad requests of ten kinds, 400 slowloris, 120 silent, 80 slow bodies: 2,000.
PLAN = {kind: 140 for kind in ABUSE_OUTCOMES if kind not in SLOW_KINDS} | {
    "slowloris": 400,
    "silent": 120,
    "slow_body": 80,  # more than MAX_CONNECTIONS: workers are cut off to make room
}
GOOD_POST_LIMIT = 2.0


def _concurrency() -> int:
    """400 bad connections open at once, fewer when this process may open few files (the
    bridge's own connections share the limit)."""
    try:
        import resource
    except ImportError:  # Windows
        return 400
    soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    return 400 if soft == resource.RLIM_INFINITY else max(32, min(400, soft // 3))


CONCURRENCY = _concurrency()
CUT = frozenset({"closed", "reset"})  # closed by the server before an answer


class Peaks:
    """The most bridge threads (and threads in all) seen, sampled every 10 ms."""

    def __init__(self) -> None:
        self.threads = 0
        self.total_threads = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="peaks", daemon=True)

    def __enter__(self) -> Peaks:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(0.01):
            names = [t.name for t in threading.enumerate()]
            bridge = sum(name.startswith("claude-meter-bridge") for name in names)
            self.threads = max(self.threads, bridge)
            self.total_threads = max(self.total_threads, len(names))


def assert_abuse_was_bounded(report: AbuseReport, server: server_module.BridgeServer) -> None:
    total = sum(PLAN.values())
    assert report.total == total
    for kind, outcomes in report.outcomes.items():
        allowed = ABUSE_OUTCOMES[kind] | CUT
        assert set(outcomes) <= allowed, (kind, outcomes)  # never hung, never accepted
        if kind not in SLOW_KINDS:  # answered, unless cut while it had not written yet
            answered = sum(n for outcome, n in outcomes.items() if outcome not in CUT)
            assert answered >= 0.9 * PLAN[kind], (kind, outcomes)
    slack = 1.5  # a loaded machine
    assert report.longest["slowloris"] < transport.HEADER_DEADLINE + slack
    assert report.longest["silent"] < transport.HEADER_DEADLINE + slack
    assert report.longest["slow_body"] < bridge_request.BODY_DEADLINE + slack
    counts = server.counts
    cut = counts.get("header_timeout", 0) + counts.get("evicted", 0)
    assert cut >= PLAN["slowloris"] + PLAN["silent"]  # the server closed each of them
    assert counts.get("evicted_body", 0) >= 1  # workers full of slow bodies made room
    load = server.load()
    assert load.peak_workers <= transport.MAX_CONNECTIONS
    # waiting for headers + in a worker + waiting for one, and the one being handled
    assert load.peak_connections <= load.pending_limit + 2 * transport.MAX_CONNECTIONS + 1
    assert report.seconds < 40


def assert_good_posts_got_through(good: GoodPosts, accepted: int) -> None:
    assert len(good.statuses) >= 20  # posted every 0.1 s through the whole abuse
    assert set(good.statuses) == {200}, Counter(good.statuses)
    assert max(good.latencies) < GOOD_POST_LIMIT
    assert accepted == len(good.statuses)  # and not one of the bad ones


def test_good_posts_get_through_thousands_of_bad_connections(bridge: Bridge, token: str) -> None:
    abuse = Abuse(bridge.port, token, PLAN, concurrency=CONCURRENCY)
    stop = threading.Event()
    good = GoodPosts(bridge, token, stop)
    poster = threading.Thread(target=good.run, name="good-posts")
    with Peaks() as peaks:
        poster.start()
        try:
            report = abuse.run()
        finally:
            stop.set()
            poster.join()
    print(f"\n{report.table()}\n{summary(report, good, peaks)}")  # noqa: T201 - shown with -s
    assert_abuse_was_bounded(report, bridge.server)
    assert_good_posts_got_through(good, len(bridge.results))
    assert peaks.threads <= transport.MAX_CONNECTIONS + 1  # workers and the listener
    wait_until(lambda: bridge.server.load().connections == 0, 5, "every connection closed")


def summary(report: AbuseReport, good: GoodPosts, peaks: Peaks) -> str:
    latencies = sorted(good.latencies)
    return (
        f"{report.total} bad connections in {report.seconds:.1f} s; {len(latencies)} good "
        f"posts, median {latencies[len(latencies) // 2] * 1000:.0f} ms, max "
        f"{latencies[-1] * 1000:.0f} ms; at most {peaks.threads} bridge threads "
        f"({peaks.total_threads} in all)"
    )


# -- each defence on its own ----------------------------------------------------------------


def _head(bridge: Bridge, token: str, extra: str = "") -> bytes:
    return (
        f"POST /snapshots HTTP/1.1\r\nHost: 127.0.0.1:{bridge.port}\r\nOrigin: {EXTENSION}\r\n"
        f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n{extra}\r\n"
    ).encode()


def test_a_full_header_phase_closes_its_oldest_connection_for_a_newcomer(
    bridge: Bridge, token: str
) -> None:
    limit = bridge.server.load().pending_limit
    idle = [socket.create_connection(("127.0.0.1", bridge.port)) for _ in range(limit)]
    try:
        wait_until(lambda: bridge.server.load().waiting_for_headers == limit, 10, "the phase")
        assert bridge.post(good_post(), token).status == 200  # after the oldest's grace
        idle[0].settimeout(5)
        assert idle[0].recv(100) == b""  # the oldest made room, unanswered
        counts = bridge.server.counts
        wait_until(lambda: counts.get("evicted", 0) >= 1, 5, "the eviction counted")
    finally:
        for sock in idle:
            sock.close()


def test_a_dripping_client_is_cut_off_at_the_header_deadline(
    bridge: Bridge, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(transport, "HEADER_DEADLINE", 0.5)
    with socket.create_connection(("127.0.0.1", bridge.port), timeout=5) as sock:
        started = time.monotonic()
        sock.sendall(b"POST /snapshots HTTP/1.1\r\n")
        readable = selectors.DefaultSelector()
        readable.register(sock, selectors.EVENT_READ)
        while not readable.select(0.1):  # a header line every 0.1 s, never the last one
            sock.sendall(b"X-Slow: a\r\n")
        readable.close()
        assert sock.recv(100) == b""
    assert 0.5 <= time.monotonic() - started < 2.0
    counts = bridge.server.counts  # counted just after the close the client saw
    wait_until(lambda: counts.get("header_timeout") == 1, 5, "the timeout counted")


def test_workers_full_of_slow_bodies_make_room_for_a_good_post(bridge: Bridge, token: str) -> None:
    slow = []
    try:
        for _ in range(transport.MAX_CONNECTIONS):
            sock = socket.create_connection(("127.0.0.1", bridge.port), timeout=10)
            sock.sendall(_head(bridge, token, "Content-Length: 1000\r\n") + b"{")
            slow.append(sock)
        load = bridge.server.load
        wait_until(lambda: load().workers == transport.MAX_CONNECTIONS, 10, "the workers")
        started = time.monotonic()
        assert bridge.post(good_post(), token).status == 200
        assert time.monotonic() - started < 2.0
        answer = slow[0].recv(1000)  # the one that has waited longest was cut off
        assert answer.startswith(b"HTTP/1.1 400"), answer[:80]
        assert b"slowest" in answer
        counts = bridge.server.counts
        wait_until(lambda: counts.get("evicted_body") == 1, 5, "the eviction counted")
        assert len(bridge.results) == 1
    finally:
        for sock in slow:
            sock.close()


def test_oversized_headers_are_refused_without_reading_on(bridge: Bridge, token: str) -> None:
    padding = "X-Padding: " + "a" * transport.MAX_HEADER_BYTES + "\r\n"
    answer = raw_exchange(bridge.port, _head(bridge, token, padding))
    assert answer.startswith(b"HTTP/1.1 431")
    assert bridge.results == []


def test_a_malformed_request_is_not_echoed(bridge: Bridge) -> None:
    answer = raw_exchange(bridge.port, b"<script>alert(1)</script>\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 400")
    assert b"script" not in answer


def test_100_continue_only_after_every_check(bridge: Bridge, token: str) -> None:
    body = json.dumps(good_post()).encode()
    expect = f"Expect: 100-continue\r\nContent-Length: {len(body)}\r\n"
    refused = raw_exchange(bridge.port, _head(bridge, "forged", expect))
    assert refused.startswith(b"HTTP/1.1 401")  # no "100 Continue" for a refused request
    with socket.create_connection(("127.0.0.1", bridge.port), timeout=10) as sock:
        sock.sendall(_head(bridge, token, expect))
        assert sock.recv(100) == b"HTTP/1.1 100 Continue\r\n\r\n"
        sock.sendall(body)
        assert sock.recv(100).startswith(b"HTTP/1.1 200")


def test_a_flood_of_refusals_logs_a_few_lines_and_a_sum() -> None:
    budget = server_module._LogBudget()
    logged = [budget.take(0.0)[0] for _ in range(server_module.LOG_BURST + 30)]
    assert logged.count(True) == server_module.LOG_BURST
    assert budget.take(server_module.LOG_WINDOW) == (True, 30)  # the next window says how many
    assert budget.take(server_module.LOG_WINDOW) == (True, 0)


# -- the tray ------------------------------------------------------------------------------


@pytest.fixture
def _collect_on_the_gui_thread() -> Iterator[None]:
    """Collect this test's Qt objects here: collected later on another thread, Qt can crash."""
    yield
    gc.collect()


class Lateness:
    """How late a 10 ms timer on the GUI thread fires: the event loop's latency."""

    INTERVAL = 0.010

    def __init__(self) -> None:
        self.worst = 0.0
        self.ticks = 0
        self._last = time.monotonic()
        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(int(self.INTERVAL * 1000))
        self.timer.timeout.connect(self._tick)

    def start(self) -> None:
        self._last = time.monotonic()
        self.timer.start()

    def _tick(self) -> None:
        now = time.monotonic()
        self.worst = max(self.worst, now - self._last - self.INTERVAL)
        self._last = now
        self.ticks += 1


@pytest.mark.usefixtures("_collect_on_the_gui_thread")
def test_the_tray_stays_responsive_under_abuse(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    link = BridgeLink(Pairing(clock=lambda: datetime.now(UTC)), port=0)
    own = OwnFetch()
    meter = TrayApp(
        own,
        state_path=tmp_path / "state.json",
        notifier=Recorder(),
        tray_wait=30.0,
    )
    shown: dict[str, float] = {}  # org name of each good post -> when the tray applied it
    on_result = meter.on_result

    def applied(result: FetchResult) -> None:
        assert threading.current_thread() is threading.main_thread()
        if result.source == "extension":
            shown.setdefault(result.snapshots[0].org_name or "", time.monotonic())
        on_result(result)

    monkeypatch.setattr(meter, "on_result", applied)
    connect_bridge(meter, link)  # the app's own path: the bridge's results cross by a queued signal
    meter.start()
    try:
        qtbot.waitUntil(lambda: own.calls >= 1, timeout=5000)
        client, token = paired_client(link)
        link.pairing.close_window()
        abuse = Abuse(link.server.port, token, PLAN, concurrency=CONCURRENCY)
        stop = threading.Event()
        good = GoodPosts(client, token, stop)
        threads = [
            threading.Thread(target=abuse.run, name="abuse"),
            threading.Thread(target=good.run, name="good-posts"),
        ]
        lateness = Lateness()
        with Peaks() as peaks:
            lateness.start()
            for thread in threads:
                thread.start()
            qtbot.waitUntil(lambda: not threads[0].is_alive(), timeout=60_000)
            lateness.timer.stop()
            stop.set()
            threads[1].join()
        posted = len(good.statuses)
        qtbot.waitUntil(lambda: len(shown) >= posted, timeout=5000)
        delivery = [shown[f"Org {n}"] - began for n, began in enumerate(good.started)]
        print(  # noqa: T201 - the figures, shown with -s
            f"\n{abuse.report.table()}\n{summary(abuse.report, good, peaks)}\nGUI: worst "
            f"timer lateness {lateness.worst * 1000:.0f} ms over {lateness.ticks} ticks; post "
            f"to tray at most {max(delivery) * 1000:.0f} ms"
        )
        assert_abuse_was_bounded(abuse.report, link.server)
        assert_good_posts_got_through(good, link.server.counts.get("accepted", 0))
        assert lateness.ticks >= 100
        # Not a timing target (docs/benchmarks.md has the figures): a GUI thread that handled
        # the abuse itself would be late by seconds; 0.2 s failed under a loaded CI machine.
        assert lateness.worst < 1.0
        assert max(delivery) < GOOD_POST_LIMIT  # posted, accepted and shown by the tray
        assert meter.state.snapshots[0].source == "extension"
    finally:
        meter.stop()
        link.stop()
