"""The demo's made-up past, written just after its first drawn numbers instead of before them.

The demo's history starts empty; a past (``poll/demo.py seed_history``, about 3,100 readings
an organization, a quarter of a second to make and store) is what gives its sparklines,
forecasts and History window something to show at once. Written before the tray existed,
it cost the demo's first drawn numbers some 0.4 s against the normal tray's start (with a
synchronous fetch of its own for each account), ``docs/benchmarks.md``. :class:`PastSeeding`
writes it afterwards, on a thread of its own, and keeps the history consistent meanwhile:

- each account's and organization's past is drawn from its **first live reading** (no fetch of
  its own) and ends strictly before it, so the live readings carry on from it;
- the live readings are **held back** from the history while a past is being written, and
  recorded after it, in the order they came: a window's readings are stored oldest first (the
  store refuses one older than the last it holds), and never twice;
- until a past is in, the history has nothing of it: the popover shows the numbers without
  forecasts or sparklines (too little data: nothing wrong is said), the History window no
  window; at ``seeded`` the tray draws both again (``TrayApp.history_filled``).

It writes with a connection of its own: the GUI thread's reads (an opened popover) are not held
up by the quarter-second transaction, and see the past whole or not at all.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from claude_meter.history.recording import window_readings

if TYPE_CHECKING:
    from claude_meter.core.models import Snapshot
    from claude_meter.history import HistoryStore

log = logging.getLogger("claude_meter.poll")

#: A past for one organization's snapshot, ending strictly before ``now`` (its reading time).
MakePast = Callable[["Snapshot", datetime], Sequence["Snapshot"]]


def demo_past(snapshot: Snapshot, now: datetime) -> Sequence[Snapshot]:
    """The demo's past for one snapshot (``poll/demo.py``): 90 days hourly, 8 every 10 min."""
    from claude_meter.poll.demo import past_of

    return past_of(snapshot, now)


class PastSeeding:
    """Writes the demo's pasts and holds the live readings back meanwhile; see the module.

    :meth:`record` is the live meter's writer (GUI thread); :meth:`start` lets the writing
    begin (after the first draw: before it, pasts only wait their turn); ``seeded`` is called on
    the seeding thread each time the history has caught up (every past written so far, and the
    readings held back behind them).
    """

    def __init__(
        self,
        history: HistoryStore,
        *,
        seeded: Callable[[], None] = lambda: None,
        make_past: MakePast | None = None,
    ) -> None:
        self._history = history
        self._seeded = seeded
        self._make_past = make_past or demo_past
        self._lock = threading.Lock()
        self._seen: set[tuple[str | None, str | None]] = set()  # (account, org) given a past
        self._waiting: list[Snapshot] = []  # first readings whose past is still to be written
        self._held: list[Snapshot] = []  # live readings, in the order they came
        self._written = 0  # pasts written so far (one per account and organization)
        self._started = False
        self._stopped = False
        self._thread: threading.Thread | None = None

    @property
    def busy(self) -> bool:
        """A past is still to be written (the live readings are held back)."""
        with self._lock:
            return bool(self._waiting) or self._thread is not None

    def record(self, snapshot: Snapshot) -> None:
        """A live reading for the history: written now, or after the pasts being written."""
        with self._lock:
            whose = (snapshot.account, snapshot.org_uuid)
            if whose not in self._seen and window_readings(snapshot):  # numbers to go back from
                self._seen.add(whose)
                self._waiting.append(snapshot)
            if not self._waiting and self._thread is None:
                self._history.record(snapshot)  # caught up: straight in, as without a demo
                return
            self._held.append(snapshot)
            self._run_locked()

    def start(self) -> None:
        """The first numbers are drawn: the pasts may be written now."""
        with self._lock:
            self._started = True
            self._run_locked()

    def stop(self, timeout: float = 2.0) -> None:
        """No more writing, nor ``seeded`` (the demo is quitting); waits at most ``timeout``
        for a write under way (its folder is removed next)."""
        with self._lock:
            self._stopped = True
            thread = self._thread
        if thread is not None:
            thread.join(timeout)

    def _run_locked(self) -> None:
        if self._started and not self._stopped and self._waiting and self._thread is None:
            self._thread = threading.Thread(
                target=self._write, name="claude-meter-demo-past", daemon=True
            )
            self._thread.start()

    def _write(self) -> None:
        from claude_meter.history import HistoryStore, HistoryUnavailable

        started, written = time.perf_counter(), 0
        try:
            store = HistoryStore.open(self._history.path, quick_check=False)
        except HistoryUnavailable as exc:  # then through the meter's own connection
            log.warning("the demo's past has no connection of its own: %s", exc)
            store = self._history
        try:
            while True:
                with self._lock:
                    if self._stopped:
                        return
                    if not self._waiting:  # caught up: the held readings go in behind
                        store.record_many(self._held)
                        self._held, self._thread = [], None
                        break
                    first = self._waiting.pop(0)
                past = self._make_past(first, first.fetched_at)
                store.record_many(past)  # one transaction; not under the lock: record() waits not
                written, self._written = written + len(past), self._written + 1
        except Exception:  # never a live reading held for ever
            log.exception("the demo's past could not be written")
            with self._lock:
                self._waiting.clear()
                self._history.record_many(self._held)
                self._held, self._thread = [], None
        finally:
            if store is not self._history:
                store.close()
        with self._lock:
            if self._stopped:  # quitting: the tray may be gone already
                return
        log.info(
            "demo history seeded: %d past readings in %.0f ms, %d organizations' pasts so far",
            written,
            (time.perf_counter() - started) * 1000,
            self._written,
        )
        self._seeded()
