"""Clock and sleep in the tray: the worker wakes and fetches, the popover keeps ticking, the
app does not repeat a notification.

The clocks follow real time (so Qt's timers and the clocks agree) plus what a test did to
them: a sleep moves the wall clock (and, on Windows, the monotonic clock) forward at once, a
clock set back moves the wall clock back. The worker's heartbeat runs every 50 ms here.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from claude_meter.core import policy
from claude_meter.core.forecast import Forecast, Sample
from claude_meter.core.meter import MeterState, apply_result
from claude_meter.core.models import FetchError, FetchResult, Snapshot, UsageWindow
from claude_meter.core.state import SavedState
from claude_meter.history import WindowInsight
from claude_meter.qt import worker as worker_module
from claude_meter.qt.app import TrayApp
from claude_meter.qt.popover import Popover
from tests.qt.support import WorkerOnThread

H = timedelta(hours=1)
M = timedelta(minutes=1)
HEARTBEAT_MS = 50
QUIET_MS = 400  # a negative check: nothing may happen within this time (8 heartbeats)
#: The window's reset, a few hours from the real clock (the tests' sleeps pass it), and the
#: next period's.
RESET = datetime.now(UTC).replace(second=0, microsecond=412233) + 3 * H
NEXT_RESET = RESET + 5 * H


class Clocks:
    """A wall and a monotonic clock: real time, plus the jumps a test made."""

    def __init__(self) -> None:
        self.wall_shift = timedelta(0)
        self.mono_shift = 0.0

    def wall(self) -> datetime:
        return datetime.now(UTC) + self.wall_shift

    def mono(self) -> float:
        return time.monotonic() + self.mono_shift

    def sleep(self, span: timedelta, *, monotonic_counts_it: bool = False) -> None:
        """The machine slept: Linux and macOS stop the monotonic clock, Windows does not."""
        self.wall_shift += span
        if monotonic_counts_it:
            self.mono_shift += span.total_seconds()

    def set_clock(self, by: timedelta) -> None:
        """Someone (or NTP) set the wall clock forward (positive) or back (negative)."""
        self.wall_shift += by


def good(
    percent: float = 40.0, *, at: datetime | None = None, resets_at: datetime | None = None
) -> FetchResult:
    now = at or datetime.now(UTC)
    window = UsageWindow(
        key="five_hour",
        label="Session (5h)",
        percent=percent,
        resets_at=resets_at or RESET,
    )
    snapshot = Snapshot(
        source="web", org_uuid="o", org_name="Personal", fetched_at=now, windows=(window,)
    )
    return FetchResult(source="web", fetched_at=now, snapshots=(snapshot,))


def failed(kind: str, *, retry_at: datetime | None = None) -> FetchResult:
    error = FetchError(kind=kind, message=f"{kind}!", retry_at=retry_at)
    return FetchResult(source="web", fetched_at=datetime.now(UTC), error=error)


#: What a test started, stopped after it even when it failed (a running QThread must not be
#: destroyed).
RUNNING: list[Worker | TrayApp] = []


@pytest.fixture(autouse=True)
def _stop_what_ran() -> Iterator[None]:
    yield
    while RUNNING:
        RUNNING.pop().stop()


class Worker(WorkerOnThread):
    """A FetchWorker on its own thread with the test's clocks and a fast heartbeat; started,
    and stopped after the test even when it fails."""

    def __init__(
        self,
        qtbot: QtBot,
        fetch: Callable[[], FetchResult],
        clocks: Clocks,
        *,
        interval: timedelta = timedelta(seconds=60),
        saved: SavedState | None = None,
    ) -> None:
        super().__init__(
            qtbot,
            fetch,
            interval=interval,
            saved=saved,
            clock=clocks.wall,
            monotonic=clocks.mono,
            heartbeat_ms=HEARTBEAT_MS,
        )
        RUNNING.append(self)
        self.thread.start()


# -- a system sleep of hours ------------------------------------------------------------------


@pytest.mark.parametrize("monotonic_counts_it", [False, True], ids=["linux-macos", "windows"])
def test_a_fetch_follows_a_sleep_within_the_heartbeat(
    qtbot: QtBot, monotonic_counts_it: bool
) -> None:
    clocks = Clocks()
    worker = Worker(qtbot, good, clocks)  # polls every 60 s: any quick fetch is the wake's
    worker.wait_results(1)
    clocks.sleep(3 * H, monotonic_counts_it=monotonic_counts_it)
    worker.wait_results(2, timeout=2000)
    qtbot.wait(QUIET_MS)
    assert worker.calls == 2  # one fetch for one wake, not one per heartbeat
    worker.stop()


@pytest.mark.parametrize("origin", ["rate-limited in this run", "persisted by the last run"])
def test_a_backoff_deadline_is_honoured_across_a_sleep(qtbot: QtBot, origin: str) -> None:
    clocks = Clocks()
    deadline = clocks.wall() + 4 * H
    script = [failed("rate_limited", retry_at=deadline)] if origin.startswith("rate") else []

    def fetch() -> FetchResult:
        return script.pop(0) if script else good()

    saved = None if script else SavedState(not_before={"web": deadline})
    worker = Worker(qtbot, fetch, clocks, saved=saved)
    if script:
        worker.wait_results(1)
        qtbot.waitUntil(lambda: bool(worker.seen.deadlines))
        assert worker.seen.deadlines[0] == deadline
    before = worker.calls
    clocks.sleep(3 * H)  # woke an hour before the server's deadline: no fetch yet
    qtbot.wait(QUIET_MS)
    assert worker.calls == before
    clocks.sleep(H + M)  # asleep again, past the deadline: the wake fetches
    qtbot.waitUntil(lambda: worker.calls == before + 1, timeout=2000)
    worker.stop()


def test_a_wake_during_a_fetch_fetches_again_once_it_is_back(qtbot: QtBot) -> None:
    clocks = Clocks()
    entered, release = threading.Event(), threading.Event()

    def fetch() -> FetchResult:
        entered.set()
        release.wait(10)  # the first fetch hangs across the sleep
        return good()

    worker = Worker(qtbot, fetch, clocks)
    assert entered.wait(5)
    clocks.sleep(3 * H)
    qtbot.waitUntil(lambda: worker.worker._woke_in_flight, timeout=2000)
    release.set()
    worker.wait_results(2, timeout=2000)  # not 60 s later: the numbers may be from before
    worker.stop()


# -- clock jumps ------------------------------------------------------------------------------


def test_a_clock_set_back_neither_fetches_nor_a_clock_set_forward_storms(qtbot: QtBot) -> None:
    clocks = Clocks()
    worker = Worker(qtbot, good, clocks)
    worker.wait_results(1)
    clocks.set_clock(-2 * H)
    qtbot.wait(QUIET_MS)
    assert worker.calls == 1  # a clock set back is no news about the numbers
    clocks.set_clock(3 * H)  # forward: like a wake, one fetch
    worker.wait_results(2, timeout=2000)
    qtbot.wait(QUIET_MS)
    assert worker.calls == 2
    worker.stop()


def test_a_clock_set_back_does_not_stall_polling(qtbot: QtBot) -> None:
    clocks = Clocks()
    worker = Worker(qtbot, good, clocks, interval=timedelta(milliseconds=100))
    worker.wait_results(2)
    clocks.set_clock(-2 * H)
    worker.wait_results(len(worker.seen.results) + 3)  # the timers run on monotonic time
    worker.stop()


def test_a_clock_set_back_does_not_stretch_a_backoff(qtbot: QtBot) -> None:
    clocks = Clocks()
    calls: list[int] = []

    def fetch() -> FetchResult:
        calls.append(1)
        if len(calls) == 1:
            return failed("rate_limited", retry_at=clocks.wall() + timedelta(seconds=2))
        return good()

    worker = Worker(qtbot, fetch, clocks, interval=timedelta(milliseconds=100))
    worker.wait_results(1)
    began = time.monotonic()
    clocks.set_clock(-2 * H)
    worker.worker.refresh_requested.emit()  # "Refresh now": not 2 h 2 s away now
    worker.wait_results(2, timeout=5000)
    assert time.monotonic() - began > 1.5  # and still not before the server's 2 s
    worker.stop()


# -- resets_at passes -------------------------------------------------------------------------


def test_a_fetch_follows_the_reset_once_even_when_the_server_lags(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(policy, "RESET_FOLLOW", timedelta(milliseconds=100))  # not 10 s
    clocks = Clocks()
    # The reset comes 300 ms after the start; the server then keeps reporting that passed
    # reset, as a lagging one would.
    resets_at = clocks.wall() + timedelta(milliseconds=300)
    worker = Worker(qtbot, lambda: good(resets_at=resets_at), clocks)
    worker.wait_results(1)
    worker.wait_results(2, timeout=3000)  # not 60 s later
    qtbot.wait(QUIET_MS)
    assert worker.calls == 2  # and no storm while the server still shows the passed reset
    worker.stop()


# -- the popover: recomputed from the clock each second, never frozen, never negative ----------


def popover_state(resets_at: datetime, at: datetime) -> MeterState:
    window = UsageWindow(key="five_hour", label="Session (5h)", percent=60.0, resets_at=resets_at)
    snapshot = Snapshot(source="web", org_uuid="o", fetched_at=at, windows=(window,))
    return apply_result(
        MeterState(), FetchResult(source="web", fetched_at=at, snapshots=(snapshot,))
    )


def test_the_countdown_ticks_through_clock_jumps(qtbot: QtBot) -> None:
    clocks = Clocks()
    now = clocks.wall()
    popover = Popover(interval=timedelta(seconds=60), clock=clocks.wall, as_window=True)
    qtbot.addWidget(popover)
    popover.show_state(popover_state(now + 4 * H + 13 * M + timedelta(seconds=30), now))
    popover.show()
    qtbot.waitExposed(popover)
    row = popover.rows[0]
    assert row.countdown.text().startswith("resets in 4h 13m")

    clocks.set_clock(H)  # forward: an hour less, at the next tick
    with qtbot.waitSignal(popover._ticker.timeout, timeout=3000):
        pass
    assert row.countdown.text().startswith("resets in 3h 13m")

    clocks.set_clock(-3 * H)  # back: two hours more than at the start, and it keeps ticking
    with qtbot.waitSignal(popover._ticker.timeout, timeout=3000):
        pass
    first = row.countdown.text()
    assert first.startswith("resets in 6h 13m")
    assert popover.updated.text() == "updated 0 s ago"  # the last poll is "ahead": not -7200
    qtbot.waitUntil(lambda: row.countdown.text() != first, timeout=3000)  # not frozen

    clocks.set_clock(8 * H)  # past the reset
    with qtbot.waitSignal(popover._ticker.timeout, timeout=3000):
        pass
    assert row.countdown.text().startswith("resetting now · ")
    assert "-" not in row.countdown.text()
    assert popover.updated.text().startswith("updated 6 h")


def test_the_forecast_line_goes_when_its_reset_passes(qtbot: QtBot) -> None:
    class Fixed:
        now = datetime(2026, 11, 25, 12, 59, 0, tzinfo=UTC)

        def __call__(self) -> datetime:
            return self.now

    clock = Fixed()
    resets_at = datetime(2026, 11, 25, 13, 0, tzinfo=UTC)
    popover = Popover(interval=timedelta(seconds=60), clock=clock, as_window=True)
    qtbot.addWidget(popover)
    forecast = Forecast(95.0, None, False, 10.0, 10.0, True, "at this pace: 95% at the reset")
    samples = (Sample(clock.now - H, 85.0), Sample(clock.now, 94.8))
    popover.show_state(
        popover_state(resets_at, clock.now),
        {(None, "o", "five_hour"): WindowInsight(samples, forecast)},
    )
    row = popover.rows[0]
    assert row.forecast.isVisibleTo(popover)
    clock.now = resets_at + timedelta(seconds=1)
    popover.tick()
    assert row.countdown.text().startswith("resetting now")
    assert not row.forecast.isVisibleTo(popover)  # it spoke of the period that just ended


# -- the tray app: stale before the wake's fetch returns; notifications once -----------------


class Recorder:
    def __init__(self) -> None:
        self.sent: list[str] = []

    def notify(self, title: str, body: str, *, in_popover: bool = False) -> bool:
        self.sent.append(title)
        return True


def test_after_a_sleep_the_numbers_are_stale_until_the_wake_fetch_returns(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(worker_module, "HEARTBEAT_MS", HEARTBEAT_MS)
    clocks = Clocks()
    entered, release = threading.Event(), threading.Event()
    calls: list[int] = []

    def fetch() -> FetchResult:
        calls.append(1)
        if len(calls) > 1:
            entered.set()
            release.wait(10)  # the wake's fetch: the network is still coming up
        return good(85 + len(calls) / 10, at=clocks.wall())

    notifier = Recorder()
    app = TrayApp(
        fetch,
        interval=timedelta(seconds=60),
        state_path=tmp_path / "state.json",
        notifier=notifier,
        clock=clocks.wall,
        tray_wait=30.0,
    )
    RUNNING.append(app)
    app.start()
    qtbot.waitUntil(lambda: app.state.has_numbers, timeout=5000)
    assert app.current_indicator().kind == "number"
    assert notifier.sent == ["Session (5h) at 85%"]

    clocks.sleep(5 * H)
    assert app.current_indicator().kind == "stale"  # at once, from the clock
    assert entered.wait(5)  # the heartbeat noticed the sleep and fetches
    assert app.current_indicator().kind == "stale"
    release.set()
    qtbot.waitUntil(lambda: app.current_indicator().kind == "number", timeout=5000)
    assert notifier.sent == ["Session (5h) at 85%"]  # the same crossing: not again
    app.stop()


#: (what happened, the result the app gets, or "restart") -> the notifications it shows.
STORY: list[tuple[str, FetchResult | str, list[str]]] = [
    ("climbing", good(70), []),
    ("crossed 80 %", good(85), ["Session (5h) at 85%"]),
    ("a failed poll", failed("network"), []),
    ("good again, the same numbers", good(85), []),
    ("restart", "restart", []),
    ("after the restart", good(86), []),
    ("session expired", failed("session_expired"), ["Claude session expired"]),
    ("still expired", failed("session_expired"), []),
    ("offline", failed("network"), []),
    ("expired again after the blip", failed("session_expired"), []),
    ("restart while expired", "restart", []),
    ("expired after the restart", failed("session_expired"), []),
    ("signed in again, the same period", good(87), []),
    ("reset: a new period", good(3, resets_at=NEXT_RESET), []),
    ("crossed in the new period", good(81, resets_at=NEXT_RESET), ["Session (5h) at 81%"]),
    ("session expired again", failed("session_expired"), ["Claude session expired"]),
]


def test_notifications_do_not_repeat_through_failures_expiry_and_restarts(
    qtbot: QtBot, tmp_path: Path
) -> None:
    state = tmp_path / "state.json"

    def make(notifier: Recorder) -> TrayApp:
        # Not started: each result goes in by hand, as the worker would hand it over.
        app = TrayApp(good, state_path=state, notifier=notifier, tray_wait=30.0)
        RUNNING.append(app)
        return app

    notifier = Recorder()
    app = make(notifier)
    got: list[tuple[str, list[str]]] = []
    for what, result, _ in STORY:
        before = len(notifier.sent)
        if isinstance(result, str):
            app.stop()
            app = make(notifier)
        else:
            app.on_result(result)
        got.append((what, notifier.sent[before:]))
    app.stop()
    assert got == [(what, expected) for what, _, expected in STORY]
