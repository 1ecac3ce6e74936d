"""The fetch worker: one long-lived QObject on its own QThread that decides when to poll.

Its timers are created inside its thread (in :meth:`FetchWorker.start`, connected to
``QThread.started``), never on the GUI thread. The HTTP calls themselves run on one
long-lived daemon thread and report back through a queued signal, so neither the GUI nor the
worker's event loop ever waits on the network, and quitting stays bounded (well under 2 s)
even in the middle of a slow request: a daemon thread does not hold up the exit.

It talks to the GUI only through signals carrying immutable :class:`FetchResult` objects:
:attr:`FetchWorker.polled` leaves the fetch thread with each result and reaches the GUI in
one queued hop; the same result reaches this worker's thread for the schedule
(``_result_ready``), which then emits :attr:`FetchWorker.fetched`.
"""

from __future__ import annotations

import functools
import logging
import queue
import random
import threading
import time
import weakref
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from PySide6.QtCore import QCoreApplication, QObject, Qt, QTimer, Signal, Slot

from claude_meter.core.account_view import deadline_key
from claude_meter.core.errors import SIGN_IN_KINDS
from claude_meter.core.models import FetchError, FetchResult, Source
from claude_meter.core.oauth_hold import HoldStore
from claude_meter.core.policy import (
    MIN_INTERVAL,
    PollOutcome,
    PollState,
    Route,
    clamp_interval,
    initial_delay,
    manual_delay,
    next_poll,
    woke_from_sleep,
)
from claude_meter.core.state import SavedState

log = logging.getLogger("claude_meter.worker")

HEARTBEAT_MS = 15_000
Fetch = Callable[[], FetchResult]


def _now() -> datetime:
    return datetime.now(UTC)


def _minute(moment: datetime | None) -> datetime | None:
    """``resets_at`` to the nearest minute: the server's sub-second jitter is no change."""
    if moment is None:
        return None
    return (moment + timedelta(seconds=30)).replace(second=0, microsecond=0)


def _fingerprint(result: FetchResult) -> tuple[object, ...]:
    """The numbers of a result, to tell whether anything changed since the last poll."""
    return tuple(
        (s.org_uuid, tuple((w.key, w.percent, _minute(w.resets_at)) for w in s.windows))
        for s in result.snapshots
    )


def outcome_of(result: FetchResult, previous: tuple[object, ...] | None) -> PollOutcome:
    """What the schedule needs to know about one result."""
    errors = [result.error] if result.error else []
    errors += [s.error for s in result.snapshots if s.error]
    percents = [w.percent for s in result.snapshots for w in s.windows if w.percent is not None]
    retry = [e.retry_at for e in errors if e.retry_at is not None]
    resets = tuple(
        w.resets_at for s in result.snapshots for w in s.windows if w.resets_at is not None
    )
    return PollOutcome(
        ok=not errors,
        changed=_fingerprint(result) != previous,
        max_percent=max(percents) if percents else None,
        retry_at=max(retry) if retry else None,
        signed_out=bool(errors) and all(e.kind in SIGN_IN_KINDS for e in errors),
        resets_at=resets,
    )


class _FetchThread:
    """One long-lived daemon thread that runs each poll's blocking HTTP calls.

    A daemon thread never holds up the process exit, so quitting stays bounded even in the
    middle of a slow request; one thread for the app's life keeps the thread count flat.
    """

    def __init__(self, name: str = "claude-meter-fetch") -> None:
        self._jobs: queue.SimpleQueue[Callable[[], None] | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._loop, name=name, daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while (job := self._jobs.get()) is not None:
            job()

    def submit(self, job: Callable[[], None]) -> None:
        self._jobs.put(job)

    def close(self) -> None:
        self._jobs.put(None)


class FetchWorker(QObject):
    """Polls on the schedule of :mod:`claude_meter.core.policy` and emits every result."""

    fetched = Signal(object)  # FetchResult, once the schedule has taken it (worker thread)
    polled = Signal(object)  # FetchResult, emitted on the fetch thread: the GUI's one hop
    fetching = Signal()
    #: (key, datetime | None, holds_refresh: bool): persist as the backoff deadline of ``key``
    #: (``deadline_key``: the route it was given for, which may have changed since)
    deadline_changed = Signal(str, object, bool)
    _result_ready = Signal(object)
    refresh_requested = Signal()
    override_requested = Signal()  # "Refresh now" pressed: may pass a rate-limit hold once
    interval_requested = Signal(object)  # timedelta: the settings changed the base interval
    #: (route, SavedState): the settings chose another source, whose route is this one; the
    #: saved state holds each route's own deadline
    route_requested = Signal(str, object)

    def __init__(
        self,
        fetch: Fetch,
        *,
        interval: timedelta,
        saved: SavedState,
        route: Route = "web",
        floor: timedelta = MIN_INTERVAL,
        clock: Callable[[], datetime] = _now,
        monotonic: Callable[[], float] = time.monotonic,
        heartbeat_ms: int | None = None,
        allow_once: Callable[[], bool] | None = None,
        account: str | None = None,
    ) -> None:
        super().__init__()
        #: The account polled (None: the default one): each has its own worker, schedule,
        #: backoff and fetch thread, so one account's 429 or slow answer never delays another.
        self.account = account
        self._fetch = fetch
        self._allow_once = allow_once or HoldStore().allow_once
        self._override_next = False
        self._interval = interval
        self._route: Route = route
        self._floor = floor
        self._clock = clock
        self._monotonic = monotonic
        self._state = _saved_schedule(saved, deadline_key(route, account))
        self._deadline_mono: float | None = None  # not_before on the monotonic clock
        self._route_after: tuple[Route, SavedState] | None = None  # asked for during a fetch
        self._last: tuple[object, ...] | None = None
        self._inflight = False
        self._woke_in_flight = False  # a wake during a fetch: fetch again once it is back
        self._heartbeat_ms = HEARTBEAT_MS if heartbeat_ms is None else heartbeat_ms
        self._stopped = threading.Event()
        self._timer: QTimer | None = None
        self._heartbeat: QTimer | None = None
        self._beat = (clock(), monotonic())
        self._rng = random.Random()
        self._runner: _FetchThread | None = None
        self._result_ready.connect(self._on_result, Qt.ConnectionType.QueuedConnection)
        self.refresh_requested.connect(self.refresh_now, Qt.ConnectionType.QueuedConnection)
        self.override_requested.connect(self._override, Qt.ConnectionType.QueuedConnection)
        self.interval_requested.connect(self.set_interval, Qt.ConnectionType.QueuedConnection)
        self.route_requested.connect(self._use_route, Qt.ConnectionType.QueuedConnection)

    # -- lifecycle (called in the worker thread) -------------------------------------------

    @Slot()
    def start(self) -> None:
        """Create the timers in this thread and schedule the first poll."""
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._poll)
        self._heartbeat = QTimer(self)
        self._heartbeat.setInterval(self._heartbeat_ms)
        self._heartbeat.timeout.connect(self._check_sleep)
        self._heartbeat.start()
        suffix = "" if self.account is None else f"-{self.account}"
        self._runner = _FetchThread(f"claude-meter-fetch{suffix}")
        self._beat = (self._clock(), self._monotonic())
        delay = initial_delay(self._state, self._beat[0])
        if self._state.not_before is not None:
            self._deadline_mono = self._beat[1] + delay.total_seconds()
        self._schedule(delay)

    @Slot()
    def stop(self) -> None:
        """Stop polling; a fetch in flight is abandoned, its result dropped."""
        self._stopped.set()
        for timer in (self._timer, self._heartbeat):
            if timer is not None:
                timer.stop()  # in this thread, where the timers were created
        if self._runner is not None:
            self._runner.close()  # ends after the fetch in flight, if any; never waited for
        app = QCoreApplication.instance()
        if app is not None:
            # Back to the GUI thread, so that whichever thread drops the last reference,
            # the object (and its timers) belong to a thread that is still running.
            self.moveToThread(app.thread())

    @Slot()
    def refresh_now(self) -> None:
        """ "Refresh now" and popover-open: at once, unless the server set a deadline."""
        if self._inflight or self._stopped.is_set():
            return
        self._schedule(timedelta(0) if self._override_next else self._manual_delay())

    @Slot()
    def _override(self) -> None:
        """ "Refresh now" on the Claude Code route during its rate-limit hold: the one request
        the hold allows (see :mod:`claude_meter.core.oauth_hold`); the next refresh fetches."""
        if self._route == "claude-code" and not self._inflight and self._allow_once():
            self._override_next = True

    def _manual_delay(self) -> timedelta:
        """The wait before a manual poll: the deadline on whichever clock ends it sooner."""
        left = None
        if self._deadline_mono is not None:
            left = timedelta(seconds=self._deadline_mono - self._monotonic())
        return manual_delay(self._state, self._clock(), monotonic_left=left)

    @Slot(object)
    def set_interval(self, interval: timedelta) -> None:
        """A new base interval; a shorter one also shortens the wait already running."""
        self._interval = interval
        if self._timer is None or not self._timer.isActive() or self._state.not_before:
            return
        wanted = clamp_interval(interval, self._route, floor=self._floor)
        if wanted.total_seconds() * 1000 < self._timer.remainingTime():
            self._schedule(wanted)

    @Slot(str, object)
    def _use_route(self, route: Route, saved: SavedState) -> None:
        """Another source, on another route: its own schedule from now on, with the deadline
        saved for it (if any), never the one the old route was given. Its first poll goes at
        once unless that deadline holds it, as a change of source asks (see
        :meth:`refresh_now`); a fetch in flight on the old route is folded first."""
        if self._route == "demo" or self._stopped.is_set():
            return
        if self._inflight:
            self._route_after = (route, saved)
            return
        if route != self._route:
            self._switch_route(route, saved)
            self._schedule(self._manual_delay())

    def _switch_route(self, route: Route, saved: SavedState) -> None:
        log.info("the source changed: polling the %s route on its own schedule", route)
        self._route = route
        self._state = _saved_schedule(saved, deadline_key(route, self.account))
        self._last = None
        now, delay = self._clock(), timedelta(0)
        if self._state.not_before is not None:
            delay = initial_delay(self._state, now)
        self._deadline_mono = (
            None if self._state.not_before is None else self._monotonic() + delay.total_seconds()
        )

    # -- polling ----------------------------------------------------------------------------

    def _schedule(self, delay: timedelta) -> None:
        if self._timer is None or self._stopped.is_set():
            return
        self._timer.start(max(0, int(delay.total_seconds() * 1000)))

    @Slot()
    def _poll(self) -> None:
        if self._inflight or self._stopped.is_set() or self._runner is None:
            return
        self._inflight = True
        self._override_next = False
        self.fetching.emit()
        self._runner.submit(functools.partial(_run_fetch, weakref.ref(self)))

    @Slot(object)
    def _on_result(self, result: FetchResult) -> None:
        self._inflight = False
        woke, self._woke_in_flight = self._woke_in_flight, False
        if self._stopped.is_set():
            return
        try:
            delay = self._fold(result, woke)
        except Exception:  # whatever went wrong with this result, the next poll still comes
            log.exception("handling a poll's result failed; polling goes on")
            delay = clamp_interval(self._interval, self._route, floor=self._floor)
            result = _internal_error(result.source, result.fetched_at)
        if self._route_after is not None:  # the source changed during that fetch
            (route, saved), self._route_after = self._route_after, None
            if route != self._route:
                self._switch_route(route, saved)
                delay = self._manual_delay()
        self._schedule(delay)
        self.fetched.emit(result)

    def _fold(self, result: FetchResult, woke: bool) -> timedelta:
        """Fold one result into the schedule; the wait before the next poll."""
        if result.source in ("web", "claude-code"):
            self._route = result.source  # the fallback can switch between them
        outcome = outcome_of(result, self._last)
        if outcome.ok:
            self._last = _fingerprint(result)
        before = (self._state.not_before, self._state.holds_refresh)
        self._state, delay = next_poll(
            self._state,
            outcome,
            self._clock(),
            base=self._interval,
            route=self._route,
            jitter=self._rng.uniform(-1, 1),
            floor=self._floor,
        )
        self._deadline_mono = (
            None if self._state.not_before is None else self._monotonic() + delay.total_seconds()
        )
        if (self._state.not_before, self._state.holds_refresh) != before:
            self.deadline_changed.emit(
                self.deadline_key, self._state.not_before, self._state.holds_refresh
            )
        if woke:  # this fetch may have started before the sleep: fetch again
            delay = min(delay, self._manual_delay())
        return delay

    @Slot()
    def _check_sleep(self) -> None:
        previous_wall, previous_mono = self._beat
        self._beat = (self._clock(), self._monotonic())
        period = timedelta(milliseconds=self._heartbeat_ms)
        if woke_from_sleep(previous_wall, previous_mono, *self._beat, period=period):
            log.info("the machine slept or the clock moved forward; fetching now")
            if self._inflight:
                self._woke_in_flight = True
            else:
                self.refresh_now()

    @property
    def route(self) -> Route:
        return self._route

    @property
    def deadline_key(self) -> str:
        """Where this worker's backoff deadline is kept across a restart."""
        return deadline_key(self._route, self.account)


def _saved_schedule(saved: SavedState, key: str) -> PollState:
    """A route's schedule as a restart finds it: its own saved deadline, if any."""
    return PollState(
        not_before=saved.not_before.get(key), holds_refresh=key not in saved.sign_in_backoff
    )


def _run_fetch(worker_ref: weakref.ref[FetchWorker]) -> None:
    """On the fetch thread: never raises; the result goes back through a queued signal.

    Only a weak reference is held while the network call runs, so this thread never keeps
    the worker alive (nor becomes the thread that destroys it).
    """
    worker = worker_ref()
    if worker is None:
        return
    fetch, clock, route, stopped = worker._fetch, worker._clock, worker._route, worker._stopped
    del worker
    started = time.perf_counter()
    try:
        result = fetch()
        log.debug("poll finished in %.1f ms", (time.perf_counter() - started) * 1000)
    except Exception:  # a bug in a fetch must not kill the meter: it becomes an error result
        if stopped.is_set():
            return  # abandoned at shutdown: its HTTP client may already be closed
        log.exception("fetch failed unexpectedly")
        result = _internal_error("web" if route == "demo" else route, clock())
    if stopped.is_set():
        return
    worker = worker_ref()
    if worker is not None:
        worker.polled.emit(result)
        worker._result_ready.emit(result)


def _internal_error(source: Source, at: datetime) -> FetchResult:
    """The result shown when a poll or its handling failed on a bug: the meter goes on."""
    return FetchResult(
        source=source,
        fetched_at=at,
        error=FetchError(
            kind="unexpected",
            message="ClaudeMeter hit an internal error while fetching; it will retry.",
        ),
    )
