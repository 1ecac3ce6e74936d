"""The accounts found on this computer, offered in the first-run window in one step.

:class:`FoundAccounts` looks for browser sign-ins and Claude Code's (``sources/discovery.py``)
off the GUI thread, since it reads the browsers' cookie files, and emits those nothing meters
yet (``listed``: the Settings window's Add account… offers them, ``qt/add_account.py``). In
the first-run window it shows them, one ticked box each, and, when the person adds the ticked
ones, emits the settings with them added (``core/account_changes.py``'s rules, the history's
ids avoided as ``accounts add`` and ``sources --add`` avoid them). It asks nothing of the
network: the first-run window is shown when nothing could be read, so the names offered are
the browser profiles' (the server tells the emails once the accounts are polled).
"""

from __future__ import annotations

import logging
import threading
import weakref
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, Signal

from claude_meter.core.settings import Settings

if TYPE_CHECKING:
    from claude_meter.qt.first_run import FirstRunWindow
    from claude_meter.sources.discovery import Found

log = logging.getLogger("claude_meter.preferences")


class FoundAccounts(QObject):
    """Looks, offers, adds; ``chosen`` carries the settings with the ticked accounts added."""

    _found = Signal(object)  # from the looking thread: a list of Found
    chosen = Signal(object)  # Settings
    listed = Signal(list)  # the Found nothing meters yet, each time it has looked

    def __init__(self, history: Callable[[], Iterable[str]] = tuple) -> None:
        super().__init__()
        self.found: list[Found] = []
        self._window: FirstRunWindow | None = None
        self._settings = Settings()
        self._history = history  # the ids the usage history holds (never given again)
        self._found.connect(self._on_found, Qt.ConnectionType.QueuedConnection)

    def look(self, window: FirstRunWindow, env: Mapping[str, str], settings: Settings) -> None:
        """Look again, and offer what is found in ``window``."""
        if self._window is not window:
            window.add_found.connect(self.add)
        self._window = window
        self.look_for(env, settings)

    def look_for(self, env: Mapping[str, str], settings: Settings) -> None:
        """Look again; ``listed`` carries what nothing in ``settings`` meters yet."""
        self._settings = settings
        this, env = weakref.ref(self), dict(env)

        def run() -> None:
            from claude_meter.sources.discovery import scan

            try:
                found = scan(env, now=datetime.now(UTC))
            except Exception as exc:  # noqa: BLE001 - looking must never stop the window
                log.info("accounts could not be looked for: %s", type(exc).__name__)
                found = []
            offer = this()  # never the last reference: the QObject must die on the GUI thread
            if offer is None:
                return
            try:
                offer._found.emit(found)
            except RuntimeError:  # deleted by Qt meanwhile (its dialog closed): no one to tell
                log.info("accounts were found after their dialog closed")

        threading.Thread(target=run, name="claude-meter-discover", daemon=True).start()

    def _on_found(self, found: list[Found]) -> None:
        from claude_meter.sources.discovery import mark_metered

        self.found = [f for f in mark_metered(found, self._settings) if f.metered_as is None]
        self.listed.emit(list(self.found))
        if self._window is not None:
            labels = [f.label + (f" · {f.email}" if f.email else "") for f in self.found]
            self._window.set_found(labels)

    def add(self, ticked: list[int]) -> None:
        from claude_meter.sources.discovery import add_found

        chosen = [self.found[n] for n in ticked if 0 <= n < len(self.found)]
        adding = add_found(self._settings, chosen, self._history())
        if not adding.added:
            why = adding.left_out[0][1] if adding.left_out else "nothing was ticked"
            if self._window is not None:
                self._window.set_detail(f"No account was added: {why}.")
            return
        log.info("first run: %d accounts added", len(adding.added))
        self.chosen.emit(adding.settings)
