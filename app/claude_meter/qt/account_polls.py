"""The named accounts' polls: one :class:`FetchWorker` per account, each its own schedule.

The default account's worker is the tray's own (``TrayApp.worker``, made at start as it
always was); this module is imported only once the settings name an account, so a tray
with one account starts exactly as before. Each named account gets a worker of its own on
the tray's worker thread, with its own :class:`~claude_meter.core.policy.PollState`
(interval, backoff, a 429's deadline, kept across a restart under ``route@id``) and its own
fetch thread: one account's rate limit, Cloudflare check or slow answer never delays
another's poll. Each worker runs :class:`~claude_meter.poll.live.OwnPoll` for its account
with the fetch it was given (``Fetcher.fetch_account``: that account's credential only),
and its results reach :meth:`TrayApp.on_result` in the same one queued hop as the default
account's; the live meter dispatches on ``result.account``.

:func:`sync_accounts` follows the settings: accounts added start polling at once, removed
ones stop (a fetch in flight is abandoned, its result dropped by the meter), renamed ones
keep their worker (the id does not change). "Refresh now", the popover's refresh and a new
interval reach every worker.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import QMetaObject, QObject, Qt, QThread, Slot

from claude_meter.poll.live import LiveMeter, OwnPoll
from claude_meter.qt.worker import Fetch, FetchWorker

if TYPE_CHECKING:
    from claude_meter.core.models import FetchResult
    from claude_meter.core.policy import Route
    from claude_meter.core.settings import Settings

log = logging.getLogger("claude_meter.tray")

#: Makes the fetch of one named account (by id); given by the composition.
MakeFetch = Callable[[str], Fetch]


class TrayApp(Protocol):
    """What this module needs of the tray (``qt/app.py``, which imports this module)."""

    meter: LiveMeter
    worker: FetchWorker
    worker_thread: QThread
    account_polls: AccountPolls | None
    account_fetch: MakeFetch | None

    def _clock(self) -> datetime: ...

    def on_result(self, result: FetchResult) -> None: ...

    def _redraw(self) -> None: ...


class _Link(QObject):
    """One account's worker signals, received on the GUI thread knowing the account."""

    def __init__(self, app: TrayApp, worker: FetchWorker, parent: QObject) -> None:
        super().__init__(parent)
        self._app = app
        self._worker = worker

    @Slot()
    def on_fetching(self) -> None:
        self._app.meter.mark_fetching(self._worker.account)
        self._app._redraw()

    @Slot(str, object, bool)
    def on_deadline(self, key: str, deadline: object, holds_refresh: bool) -> None:
        self._app.meter.remember_deadline(key, deadline, holds_refresh)  # type: ignore[arg-type]


class AccountPolls(QObject):
    """The workers of the named accounts, on ``app``'s worker thread."""

    def __init__(self, app: TrayApp, make_fetch: MakeFetch) -> None:
        super().__init__()
        self._app = app
        self._make_fetch = make_fetch
        self.workers: dict[str, FetchWorker] = {}
        self._links: dict[str, _Link] = {}
        # What the tray asks of its own worker, every named account's worker does too
        # (direct: both on the GUI thread; each worker's own signal queues it to its thread).
        app.worker.refresh_requested.connect(self.refresh)
        app.worker.override_requested.connect(self.override)
        app.worker.interval_requested.connect(self.set_interval)

    @property
    def _thread(self) -> QThread:
        return self._app.worker_thread

    def sync(
        self, ids: Sequence[str], interval: timedelta, routes: Mapping[str, Route] | None = None
    ) -> None:
        """Poll exactly these accounts: start the new ones, stop the others. ``routes``: each
        one's route (``web`` unless said), which its schedule starts with: a Claude Code
        account keeps that route's floor and finds its saved deadline from its first poll."""
        for gone in [i for i in self.workers if i not in ids]:
            self._remove(gone)
        for account in ids:
            if account not in self.workers:
                self._add(account, interval, (routes or {}).get(account, "web"))

    def _add(self, account: str, interval: timedelta, route: Route = "web") -> None:
        app = self._app
        template = app.worker
        worker = FetchWorker(
            OwnPoll(self._make_fetch(account), app.meter, app._clock, account),
            interval=interval,
            saved=app.meter.saved,
            route=route,
            floor=template._floor,
            clock=app._clock,
            account=account,
        )
        worker.moveToThread(self._thread)
        link = _Link(app, worker, self)
        queued = Qt.ConnectionType.QueuedConnection
        worker.polled.connect(app.on_result, queued)  # the one hop from its fetch thread
        worker.fetching.connect(link.on_fetching, queued)
        worker.deadline_changed.connect(link.on_deadline, queued)
        self.workers[account] = worker
        self._links[account] = link
        if self._thread.isRunning():
            QMetaObject.invokeMethod(worker, "start", queued)
        else:
            self._thread.started.connect(worker.start)
        log.info("polling account %s", account)

    def _remove(self, account: str) -> None:
        worker = self.workers.pop(account)
        link = self._links.pop(account)
        if self._thread.isRunning():
            QMetaObject.invokeMethod(worker, "stop", Qt.ConnectionType.BlockingQueuedConnection)
        else:
            self._thread.started.disconnect(worker.start)
        worker.polled.disconnect(self._app.on_result)
        link.deleteLater()
        log.info("stopped polling account %s", account)

    @Slot()
    def refresh(self) -> None:
        for worker in self.workers.values():
            worker.refresh_requested.emit()

    @Slot()
    def override(self) -> None:
        """The person's own "Refresh now": each may pass its rate-limit hold once."""
        for worker in self.workers.values():
            worker.override_requested.emit()

    @Slot(object)
    def set_interval(self, interval: timedelta) -> None:
        for worker in self.workers.values():
            worker.interval_requested.emit(interval)

    def stop(self) -> None:
        """Before the worker thread quits: every named account's worker stops."""
        for account in list(self.workers):
            self._remove(account)


def sync_accounts(app: TrayApp, settings: Settings, interval: timedelta | None) -> None:
    """A worker per named account the settings meter (made the first time they name one)."""
    ids = [a.id for a in settings.metered if a is not None]
    routes: dict[str, Route] = {
        a.id: "claude-code" for a in settings.accounts if a.kind == "claude-code"
    }
    if app.account_polls is None:
        if not ids or app.account_fetch is None:
            return
        app.account_polls = AccountPolls(app, app.account_fetch)
    app.account_polls.sync(ids, interval or app.meter.interval, routes)
