"""The fetch worker: signals, its timer in its own thread, and a bounded stop mid-request."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import msgspec
from msgspec.structs import force_setattr
from PySide6.QtCore import QThread
from pytestqt.qtbot import QtBot

from claude_meter.core.models import FetchError, FetchResult, Snapshot, UsageWindow
from claude_meter.core.state import SavedState
from claude_meter.qt.worker import outcome_of
from tests.qt.support import WorkerOnThread

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def result(percent: float | None = 40.0, error: str | None = None) -> FetchResult:
    snapshot = Snapshot(
        source="web",
        org_uuid="o",
        fetched_at=NOW,
        windows=(UsageWindow(key="five_hour", label="Session (5h)", percent=percent),),
    )
    err = FetchError(kind=error, message=error) if error else None
    return FetchResult(source="web", fetched_at=NOW, snapshots=(snapshot,), error=err)


class Harness(WorkerOnThread):
    def __init__(self, fetch: Callable[[], FetchResult], qtbot: QtBot, **kwargs: Any) -> None:
        super().__init__(qtbot, fetch, **kwargs)

    def assert_no_poll(self) -> None:
        """Nothing fetched and nothing shown, within a wait long enough for a poll to come."""
        self.qtbot.wait(300)  # a negative check: nothing may happen within this time
        assert self.calls == 0
        assert self.seen.results == []


@contextmanager
def held_for_an_hour(
    qtbot: QtBot, fetch: Callable[[], FetchResult] = result, *, sign_in: bool = False
) -> Iterator[Harness]:
    """A worker started on the backoff the run before saved, an hour ahead: a sign-in
    error's (``sign_in``) or another error's. Stopped at the end, whatever failed."""
    later = datetime.now(UTC) + timedelta(hours=1)
    saved = SavedState(not_before={"web": later}, sign_in_backoff=("web",) if sign_in else ())
    harness = Harness(fetch, qtbot, saved=saved)
    harness.thread.start()
    try:
        yield harness
    finally:
        harness.stop()


def signed_in_after_the_first() -> Callable[[], FetchResult]:
    """A fetch that answers "not signed in" once, then 7 %: the person signed in meanwhile."""
    count: list[int] = []

    def fetch() -> FetchResult:
        count.append(1)
        return result(None, "not_signed_in") if len(count) == 1 else result(7)

    return fetch


def test_first_poll_at_once_and_result_signal(qtbot: QtBot) -> None:
    calls: list[str] = []

    def fetch() -> FetchResult:
        calls.append(threading.current_thread().name)
        return result(42)

    harness = Harness(fetch, qtbot)
    harness.thread.start()
    got = harness.next_result()
    assert isinstance(got, FetchResult)
    assert got.snapshots[0].windows[0].percent == 42
    assert calls == ["claude-meter-fetch"]  # the network never runs on the GUI thread
    assert harness.seen.threads == {QThread.currentThread()}
    assert harness.seen.fetching == 1
    assert harness.worker._timer is not None
    assert harness.worker._timer.thread() is harness.thread  # created in the worker thread
    harness.stop()


def test_refresh_now_fetches_again(qtbot: QtBot) -> None:
    count = []

    def fetch() -> FetchResult:
        count.append(1)
        return result(len(count))

    harness = Harness(fetch, qtbot)
    harness.thread.start()
    harness.next_result()
    harness.worker.refresh_requested.emit()
    assert harness.next_result().snapshots[0].windows[0].percent == 2
    harness.stop()


def test_exception_in_fetch_becomes_an_error_result(qtbot: QtBot) -> None:
    def fetch() -> FetchResult:
        raise RuntimeError("boom")

    harness = Harness(fetch, qtbot)
    harness.thread.start()
    got = harness.next_result()
    assert got.error is not None
    assert got.error.kind == "unexpected"
    assert "boom" not in got.error.message
    harness.stop()


def test_quit_during_a_slow_request_is_bounded(qtbot: QtBot) -> None:
    entered = threading.Event()
    release = threading.Event()

    def fetch() -> FetchResult:
        entered.set()
        release.wait(30)
        return result()

    harness = Harness(fetch, qtbot)
    harness.thread.start()
    assert entered.wait(5)
    took = harness.stop()
    assert took < 2.0
    assert not harness.thread.isRunning()
    release.set()


def test_persisted_deadline_delays_the_first_poll(qtbot: QtBot) -> None:
    with held_for_an_hour(qtbot) as harness:
        harness.assert_no_poll()


def test_rate_limit_emits_a_deadline(qtbot: QtBot) -> None:
    def fetch() -> FetchResult:
        snapshot = Snapshot(
            source="web",
            org_uuid="o",
            fetched_at=NOW,
            error=FetchError(
                kind="rate_limited", message="x", retry_at=datetime.now(UTC) + timedelta(hours=2)
            ),
        )
        return FetchResult(source="web", fetched_at=datetime.now(UTC), snapshots=(snapshot,))

    harness = Harness(fetch, qtbot)
    harness.thread.start()
    qtbot.waitUntil(lambda: bool(harness.seen.deadlines), timeout=5000)
    deadline = harness.seen.deadlines[0]
    assert deadline is not None
    assert deadline > datetime.now(UTC) + timedelta(minutes=110)
    harness.stop()


def rate_limited(source: Literal["web", "claude-code"], retry_at: datetime) -> FetchResult:
    error = FetchError(kind="rate_limited", message="x", retry_at=retry_at)
    return FetchResult(source=source, fetched_at=datetime.now(UTC), error=error)


def test_a_source_changed_during_a_fetch_keeps_that_routes_deadline_for_it(
    qtbot: QtBot,
) -> None:
    """The 429 of the fetch in flight is the old route's: saved for it, and the new route's
    first poll does not wait for it."""
    release = threading.Event()
    retry_at = datetime.now(UTC) + timedelta(hours=2)

    def fetch() -> FetchResult:
        if harness.calls == 1:
            release.wait(5)
            return rate_limited("web", retry_at)
        return msgspec.structs.replace(result(), source="claude-code")

    harness = Harness(fetch, qtbot)
    harness.thread.start()
    qtbot.waitUntil(lambda: harness.seen.fetching == 1, timeout=5000)
    harness.worker.route_requested.emit("claude-code", SavedState())
    release.set()
    assert harness.wait_results(2).source == "claude-code"
    assert harness.seen.deadline_keys == ["web"]
    assert harness.seen.deadlines == [retry_at]
    assert harness.worker.route == "claude-code"
    harness.stop()


def test_switching_routes_takes_each_routes_own_saved_deadline(qtbot: QtBot) -> None:
    saved = SavedState(not_before={"claude-code": datetime.now(UTC) + timedelta(hours=1)})
    harness = Harness(result, qtbot, saved=saved)
    harness.thread.start()
    harness.wait_results(1)  # claude.ai's route: nothing saved for it, at once
    harness.worker.route_requested.emit("claude-code", saved)
    harness.worker.refresh_requested.emit()  # as a change of source asks
    qtbot.wait(300)  # a negative check: Claude Code's own deadline holds its poll
    assert harness.calls == 1
    harness.worker.route_requested.emit("web", saved)  # and not claude.ai's
    harness.wait_results(2)
    assert harness.calls == 2
    assert harness.seen.deadline_keys == []
    harness.stop()


def test_outcome_of() -> None:
    first = outcome_of(result(40), None)
    assert first.ok
    assert first.changed
    assert first.max_percent == 40
    from claude_meter.qt.worker import _fingerprint

    same = outcome_of(result(40), _fingerprint(result(40)))
    assert not same.changed
    assert not outcome_of(result(40, error="network"), None).ok


def far_reset() -> FetchResult:
    """A result whose window resets at 9999-12-31, forced past the models' guard (which makes
    it unknown on every construction) as a bug could."""
    window = UsageWindow(key="five_hour", label="Session (5h)", percent=40.0)
    force_setattr(window, "resets_at", datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC))
    snapshot = Snapshot(source="web", org_uuid="o", fetched_at=NOW, windows=(window,))
    return FetchResult(source="web", fetched_at=NOW, snapshots=(snapshot,))


def test_a_far_future_reset_never_stops_the_polling(qtbot: QtBot) -> None:
    """Finding 1: "time plus 30 s" out of range in the result's handling skipped the next poll."""
    harness = Harness(far_reset, qtbot, interval=timedelta(milliseconds=20))
    harness.thread.start()
    try:
        harness.wait_results(3)
        assert harness.calls >= 3
    finally:
        harness.stop()


def test_any_exception_in_result_handling_still_schedules_and_shows_it(
    qtbot: QtBot, monkeypatch: Any
) -> None:
    """Whatever raises while a result is folded in, the next poll comes and the error shows."""
    from claude_meter.core.policy import next_poll as real

    raised: list[int] = []

    def next_poll_failing_once(*args: Any, **kwargs: Any) -> Any:
        if not raised:
            raised.append(1)
            raise ZeroDivisionError("a bug in the schedule")
        return real(*args, **kwargs)

    monkeypatch.setattr("claude_meter.qt.worker.next_poll", next_poll_failing_once)
    harness = Harness(lambda: result(42), qtbot, interval=timedelta(milliseconds=20))
    harness.thread.start()
    try:
        first = harness.next_result()
        assert first.error is not None
        assert first.error.kind == "unexpected"
        assert "a bug" not in first.error.message
        second = harness.wait_results(2)
        assert second.snapshots[0].windows[0].percent == 42
    finally:
        harness.stop()


def test_refresh_after_a_sign_in_error_fetches_at_once(qtbot: QtBot) -> None:
    """Signed in (or Claude Code chosen) after "not signed in": Refresh must not wait for
    the error's backoff (a minute, then two...)."""
    harness = Harness(signed_in_after_the_first(), qtbot)
    harness.thread.start()
    assert harness.next_result().error is not None
    harness.worker.refresh_requested.emit()
    assert harness.next_result().snapshots[0].windows[0].percent == 7
    harness.stop()


def test_a_saved_sign_in_backoff_does_not_hold_refresh_after_a_restart(qtbot: QtBot) -> None:
    """The earlier run's backoff after "not signed in" still spaces the scheduled polls,
    but Refresh (pressed after signing in) fetches at once, as within the run."""
    fetch = signed_in_after_the_first()
    first = Harness(fetch, qtbot)
    first.thread.start()
    assert first.next_result().error is not None
    qtbot.waitUntil(lambda: bool(first.seen.deadlines), timeout=5000)
    assert first.seen.holds_refresh == [False]  # what the tray saves beside the deadline
    first.stop()

    with held_for_an_hour(qtbot, fetch, sign_in=True) as harness:
        harness.worker.refresh_requested.emit()
        assert harness.next_result().snapshots[0].windows[0].percent == 7


def test_a_saved_backoff_of_another_error_still_holds_refresh(qtbot: QtBot) -> None:
    with held_for_an_hour(qtbot) as harness:
        harness.worker.refresh_requested.emit()
        harness.assert_no_poll()
