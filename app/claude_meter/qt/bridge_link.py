"""The bridge inside the tray: the extension's snapshots join the app's own fetches.

Accepted posts arrive on a connection thread and cross to the GUI thread through a queued
signal, then enter :meth:`TrayApp.on_result` like any poll (icon, popover, notifications,
history). The rules of :mod:`claude_meter.core.bridge_rules` decide the rest:

- the app's own poll is skipped while the extension covers every organization the app knows
  (a good bridge snapshot younger than two minutes), except after "Refresh now";
- each source's result is completed with the other's organizations before it is applied,
  so neither wipes the other, and a failure of the app's route never marks the extension's
  fresh numbers stale.

The app's own results are rerouted through :meth:`BridgeLink._on_own_result` (on the GUI
thread) for that merge; everything else in the tray is untouched.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction

from claude_meter.core.bridge_rules import (
    covered_orgs,
    good_bridge_orgs,
    merge_bridge_result,
    merge_own_result,
    own_fetch_needed,
)
from claude_meter.core.endpoints import DEFAULT_BRIDGE_PORT
from claude_meter.core.models import FetchResult, Snapshot

if TYPE_CHECKING:
    from claude_meter.bridge import BridgeServer, Pairing
    from claude_meter.qt.app import TrayApp
    from claude_meter.qt.worker import Fetch

log = logging.getLogger("claude_meter.tray.bridge")

PAIR_ACTION = "Pair browser extension"


def _now() -> datetime:
    return datetime.now(UTC)


class BridgeLink(QObject):
    """Runs the bridge for one :class:`TrayApp` and merges what it receives."""

    received = Signal(object)  # FetchResult, from a connection thread
    paired = Signal(str)  # origin, from a connection thread

    def __init__(
        self,
        pairing: Pairing | Callable[[], Pairing] | None = None,
        *,
        port: int = DEFAULT_BRIDGE_PORT,
        clock: Callable[[], datetime] = _now,
    ) -> None:
        super().__init__()
        self.after_pairing: Callable[[str], None] | None = None
        self._pairing_source = pairing
        self._pairing: Pairing | None = None
        self._server: BridgeServer | None = None
        self._port = port
        self._clock = clock
        self.problem: str | None = None  # why the bridge is not running, in the person's words
        self.meter: TrayApp | None = None
        self._lock = threading.Lock()  # guards what the fetch thread reads below
        self._seen: dict[str, datetime] = {}  # org -> last good bridge snapshot
        self._latest: dict[str, Snapshot] = {}  # org -> last good bridge snapshot itself
        self._known: tuple[str | None, ...] = ()
        self._forced = False
        queued = Qt.ConnectionType.QueuedConnection
        self.received.connect(self._on_bridge_result, queued)
        self.paired.connect(self._on_paired, queued)

    # -- the server, made on first use -----------------------------------------------------
    # A bridge that is off costs nothing at start: no HTTP server, wire models or keyring
    # (where the pairing tokens live) are imported until it is started or paired.

    @property
    def pairing(self) -> Pairing:
        if self._pairing is None:
            from claude_meter.bridge.pairing import Pairing

            source = self._pairing_source
            if source is None:
                self._pairing = Pairing(clock=self._clock)
            elif isinstance(source, Pairing):
                self._pairing = source
            else:
                self._pairing = source()
        return self._pairing

    @property
    def server(self) -> BridgeServer:
        if self._server is None:
            from claude_meter.bridge.server import BridgeServer

            self._server = BridgeServer(
                self.pairing,
                self.received.emit,
                port=self._port,
                on_pair=self.paired.emit,
                clock=self._clock,
            )
        return self._server

    # -- wiring -----------------------------------------------------------------------------

    def guard(self, fetch: Fetch) -> Fetch:
        """The app's fetch, skipped while the extension covers every organization it knows."""

        def guarded() -> FetchResult:
            now = self._clock()
            with self._lock:
                covered = covered_orgs(self._seen, now)
                forced, self._forced = self._forced, False
                known = self._known
                latest = tuple(s for org, s in self._latest.items() if org in covered)
            if own_fetch_needed(known, covered, forced):
                return fetch()
            log.debug("own fetch skipped: the extension covers %d organization(s)", len(covered))
            return FetchResult(source="extension", fetched_at=now, snapshots=latest)

        return guarded

    def attach(self, meter: TrayApp, *, start: bool = True) -> None:
        """Reroute the meter's own results through the merge, add the menu action, start."""
        self.meter = meter
        queued = Qt.ConnectionType.QueuedConnection
        meter.worker.fetched.disconnect(meter.on_result)
        meter.worker.fetched.connect(self._on_own_result, queued)
        meter.worker.refresh_requested.connect(self._force_next)  # "Refresh now", popover open
        action = QAction(PAIR_ACTION, meter.menu)
        action.triggered.connect(self.open_pairing)
        before = next((a for a in meter.menu.actions() if a.text().startswith("Settings")), None)
        meter.menu.insertAction(before, action)  # type: ignore[arg-type]
        if start:
            self.start()

    def start(self) -> bool:
        """Listen; when the port is taken, say so in the popover and the log, never crash."""
        from claude_meter.bridge.server import PortInUse

        try:
            self.server.start()
        except PortInUse as exc:
            self.problem = exc.strerror
            log.warning("browser extension bridge not started: %s", exc.strerror)
            if self.meter is not None:
                self.meter.popover.set_notice(self.problem)
            return False
        self.problem = None
        return True

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()

    def open_pairing(self) -> None:
        """Open the two-minute pairing window (starting the bridge first if it is off)."""
        from claude_meter.bridge.pairing import PAIRING_WINDOW

        if not self.server.running and not self.start():
            return
        until = self.pairing.open_window()
        log.info("pairing window open until %s", until.isoformat())
        if self.meter is not None:
            minutes = int(PAIRING_WINDOW.total_seconds() // 60)
            self.meter.notifier.notify(
                "Pair the ClaudeMeter browser extension",
                f"Pairing is open for {minutes} minutes: the extension pairs itself within "
                "seconds (or press Pair in its popup).",
            )

    # -- results (GUI thread) ----------------------------------------------------------------

    def _force_next(self) -> None:
        with self._lock:
            self._forced = True

    def _on_bridge_result(self, result: FetchResult) -> None:
        if self.meter is None:
            return
        good = good_bridge_orgs(result)
        with self._lock:
            self._seen.update(good)
            self._latest.update({s.org_uuid: s for s in result.snapshots if s.org_uuid in good})
        merged = merge_bridge_result(self.meter.state.snapshots, result)
        if merged is not None:
            self._apply(merged)

    def _on_own_result(self, result: FetchResult) -> None:
        if self.meter is None:
            return
        with self._lock:
            covered = covered_orgs(self._seen, self._clock())
        self._apply(merge_own_result(self.meter.state.snapshots, result, covered))

    def _apply(self, result: FetchResult) -> None:
        assert self.meter is not None
        self.meter.on_result(result)
        with self._lock:
            self._known = tuple(s.org_uuid for s in self.meter.state.snapshots)

    def _on_paired(self, origin: str) -> None:
        if self.after_pairing is not None:
            self.after_pairing(origin)
        if self.meter is not None:
            self.meter.notifier.notify(
                "Browser extension paired", "ClaudeMeter now receives its numbers."
            )
        log.info("paired %s", origin)
