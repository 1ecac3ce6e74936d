"""The browser extension's bridge inside the tray: it runs the server and emits what arrives.

Accepted posts arrive on a connection thread and leave as :attr:`BridgeLink.received`
(a :class:`FetchResult`, ``source="extension"``, marked with its account by the bridge from
the accounts :meth:`BridgeLink.set_accounts` was last given); the composition (``qt/compose.py``)
connects it, queued, to the tray's one entry, where the live meter
(``poll/live.py``) merges it with the app's own polls, records it and draws it like any
reading. This module decides nothing about the numbers.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from claude_meter.core.endpoints import DEFAULT_BRIDGE_PORT
from claude_meter.qt.tray_icon import PAIR_ACTION

if TYPE_CHECKING:
    from claude_meter.bridge import BridgeServer, Pairing
    from claude_meter.core.account_routing import Routable

log = logging.getLogger("claude_meter.tray.bridge")

__all__ = ["PAIR_ACTION", "BridgeLink"]


def _now() -> datetime:
    return datetime.now(UTC)


class BridgeLink(QObject):
    """Runs the bridge (made on first use) and emits what it receives."""

    received = Signal(object)  # FetchResult, emitted on a connection thread
    paired = Signal(str)  # origin, emitted on a connection thread
    pairing_opened = Signal(int)  # minutes the pairing window stays open
    problem_found = Signal(str)  # why the bridge is not running, in the person's words

    def __init__(
        self,
        pairing: Pairing | Callable[[], Pairing] | None = None,
        *,
        port: int = DEFAULT_BRIDGE_PORT,
        clock: Callable[[], datetime] = _now,
    ) -> None:
        super().__init__()
        self._pairing_source = pairing
        self._pairing: Pairing | None = None
        self._server: BridgeServer | None = None
        self._port = port
        self._clock = clock
        # The configured accounts, replaced whole (one assignment: read by connection threads)
        self._accounts: tuple[Routable, ...] = ()
        self.problem: str | None = None  # why the bridge is not running, in the person's words

    def set_accounts(self, accounts: Sequence[Routable]) -> None:
        """The accounts the settings configure now: each post is marked with its own."""
        self._accounts = tuple(accounts)

    def _configured(self) -> tuple[Routable, ...]:
        return self._accounts

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
                accounts=self._configured,
            )
        return self._server

    def start(self) -> bool:
        """Listen; when the port is taken, say so in the popover and the log, never crash."""
        from claude_meter.bridge.server import PortInUse

        try:
            self.server.start()
        except PortInUse as exc:
            self.problem = exc.strerror
            log.warning("browser extension bridge not started: %s", exc.strerror)
            self.problem_found.emit(self.problem or "")
            return False
        self.problem = None
        return True

    @property
    def running(self) -> bool:
        """Whether the server listens (it is made, and imported, only when started)."""
        return self._server is not None and self._server.running

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
        self.pairing_opened.emit(int(PAIRING_WINDOW.total_seconds() // 60))
