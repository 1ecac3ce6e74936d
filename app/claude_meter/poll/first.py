"""The tray's first poll, started while its window and icon are still being built.

Once the tray knows it is the only instance, it spends some 30 ms building its settings, popover,
menu and icon (longer on a loaded machine), and only then did its worker start the first poll,
which waits on the network (and, with a stored session, on the keyring's helper process, some
0.2 s) and needs none of that. :class:`FirstPoll` runs that poll on its own thread as soon as the
fetcher exists; the worker's first poll takes its result instead of fetching again, and every
later poll calls the fetch as before. The first drawn numbers come sooner by the time the two
overlap (``docs/benchmarks.md``, the tray's start); nothing is requested twice.

A poll the worker would hold back is not started early: a rate-limit deadline saved by an
earlier run that is still ahead (:func:`claude_meter.core.policy.initial_delay`); the worker then
waits for it and polls itself.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from claude_meter.core.models import FetchResult
from claude_meter.core.policy import PollState, Route, initial_delay
from claude_meter.core.state import SavedState

log = logging.getLogger("claude_meter.poll")


class FirstPoll:
    """A fetch whose first call returns the poll already started at construction (``early``).

    Called from one thread at a time (the worker's fetch thread). An exception of the early
    poll is raised by that first call, as the fetch itself would have raised it.
    """

    def __init__(self, fetch: Callable[[], FetchResult], *, early: bool = True) -> None:
        self._fetch = fetch
        self._pending = early
        self._done = threading.Event()
        self._result: FetchResult | None = None
        self._error: Exception | None = None
        if early:
            thread = threading.Thread(target=self._run, name="claude-meter-first-poll", daemon=True)
            thread.start()

    @classmethod
    def unless_held(
        cls, fetch: Callable[[], FetchResult], saved: SavedState, route: Route, now: datetime
    ) -> FirstPoll:
        """Started at once unless the saved deadline of ``route`` holds the first poll back."""
        held = initial_delay(PollState(not_before=saved.not_before.get(route)), now)
        return cls(fetch, early=held <= timedelta(0))

    @property
    def early(self) -> bool:
        """Whether the next call takes the early poll's result."""
        return self._pending

    def _run(self) -> None:
        started = time.perf_counter()
        try:
            self._result = self._fetch()
        except Exception as exc:  # noqa: BLE001 - raised again by the worker's call
            self._error = exc
        finally:
            self._done.set()
        log.debug(
            "first poll, started early, done in %.1f ms", (time.perf_counter() - started) * 1000
        )

    def __call__(self) -> FetchResult:
        if not self._pending:
            return self._fetch()
        self._pending = False
        self._done.wait()
        result, error = self._result, self._error
        self._result = self._error = None  # kept no longer than needed
        if error is not None:
            raise error
        assert result is not None
        return result
