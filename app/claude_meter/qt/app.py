"""The running tray: the live meter's readings on an icon, a popover and notifications.

:class:`TrayApp` adapts; it decides nothing. Every reading enters the Qt-free live meter
(:meth:`claude_meter.poll.live.LiveMeter.accept`) on the GUI thread, through
:meth:`TrayApp.on_result`: the worker's polls arrive there in one queued hop from the fetch
thread (``FetchWorker.polled``), the browser extension's posts in one queued hop from the
bridge's connection thread (``BridgeLink.received``, connected in ``qt/compose.py``). What the
meter returns is drawn as it is: the icon's indicator and tooltip (:class:`TrayIcon`), the
popover's rows, the notifications. (A little past 400 lines: the popover, made only when
first needed, is kept beside everything it shows.)
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QMetaObject, QObject, QRect, Qt, QThread, QTimer, QUrl, Signal
from PySide6.QtGui import QCursor, QDesktopServices, QGuiApplication
from PySide6.QtWidgets import QApplication, QSystemTrayIcon

from claude_meter.core import paths
from claude_meter.core.account_view import default_route, metered_names
from claude_meter.core.alerts import DEFAULT_THRESHOLDS
from claude_meter.core.endpoints import USAGE_PAGE_URL
from claude_meter.core.meter import Indicator, MeterState
from claude_meter.core.models import FetchResult
from claude_meter.core.policy import DEFAULT_INTERVAL, MIN_INTERVAL, Route, popover_wants_fetch
from claude_meter.core.presentation import Choice
from claude_meter.core.settings import Settings
from claude_meter.history import HistoryStore, WindowInsight
from claude_meter.platform.memory import release_free_memory
from claude_meter.poll.live import Accepted, LiveMeter, OwnPoll, Shown
from claude_meter.qt.notifier import Notifier, pick
from claude_meter.qt.placement import popover_position
from claude_meter.qt.surface import context_surface, popover_kind
from claude_meter.qt.tray_icon import TrayIcon
from claude_meter.qt.worker import Fetch, FetchWorker

if TYPE_CHECKING:
    from PySide6.QtCore import QEvent

    from claude_meter.core.state import SavedState
    from claude_meter.qt.account_polls import AccountPolls, MakeFetch
    from claude_meter.qt.history_window import HistoryWindow
    from claude_meter.qt.popover import Popover

log = logging.getLogger("claude_meter.tray")

NO_TRAY = (
    "No system tray was found, so ClaudeMeter shows this window instead; closing it quits "
    "ClaudeMeter. When a tray appears, the icon takes over and this window closes. On GNOME, "
    "install the AppIndicator extension to get the tray icon."
)
#: How long to wait for a tray at start (autostart can run before the panel exists).
TRAY_WAIT_SECONDS = 10.0
#: :attr:`TrayApp.settled` comes at the latest this long after the start, when no reading
#: was drawn by then (a first poll held back by a saved rate-limit deadline, a slow network).
SETTLE_AT_LATEST_MS = 1000
REOPEN_GUARD_SECONDS = 0.3


def _now() -> datetime:
    return datetime.now(UTC)


class TrayApp(QObject):
    """The running meter: one worker thread, one live meter, one icon, one popover."""

    settings_requested = Signal()  # "Settings…" in the menu or the popover
    #: Once, just after the first reading is drawn (a zero-delay timer: the draw goes first),
    #: or :data:`SETTLE_AT_LATEST_MS` after :meth:`start` without one: what the first draw
    #: does not need starts then (``qt/compose.py``: the settings watch, the bridge).
    settled = Signal()
    #: The history was filled behind the meter (the demo's past, written on a thread of its
    #: own, ``poll/demo_seeding.py``); emitted from any thread: the popover and the History
    #: window, when open, are drawn again with it (forecasts appear).
    history_filled = Signal()

    def __init__(
        self,
        fetch: Fetch,
        *,
        interval: timedelta = DEFAULT_INTERVAL,
        route: Route = "web",
        floor: timedelta = MIN_INTERVAL,
        thresholds: Sequence[float] = DEFAULT_THRESHOLDS,
        state_path: Path | None = None,
        tray_wait: float = TRAY_WAIT_SECONDS,
        notifier: Notifier | None = None,
        clock: Callable[[], datetime] = _now,
        history: HistoryStore | None = None,
        remember: Callable[[FetchResult, datetime], None] | None = None,
        saved: SavedState | None = None,
    ) -> None:
        super().__init__()
        self._clock = clock
        self.meter = LiveMeter(  # ``saved``: the state file as already read (compose.py)
            saved=saved,
            remember=remember,
            history=history,
            state_path=state_path,
            interval=interval,
            thresholds=tuple(thresholds),
        )
        self.shown: Shown = self.meter.shown(clock())
        self._trimmed = False
        self._closed_at = 0.0
        self._alert: str | None = None  # a notification no daemon showed, for the popover
        self._alert_seen = False
        self.window_mode = False
        self.settings = Settings()  # what the icon and popover draw with; see apply_settings
        self.interval_fixed = False  # the demo's (or a test's) interval beats the settings'

        self.tray_icon = TrayIcon(wait=tray_wait, parent=self)
        self.tray_host = self.tray_icon.host
        self.menu = self.tray_icon.menu
        self.tray_icon.clicked.connect(self.toggle_popover)
        self.tray_icon.show_requested.connect(self.open_popover)
        self.tray_icon.context_requested.connect(self._on_context)
        self.tray_icon.refresh_requested.connect(self.refresh_pressed)
        self.tray_icon.usage_page_requested.connect(self.open_usage_page)
        self.tray_icon.settings_requested.connect(self.settings_requested)
        self.tray_icon.history_requested.connect(self.open_history)
        self.history_window: HistoryWindow | None = None  # made when opened, gone when closed
        self.tray_icon.log_folder_requested.connect(self.open_log_folder)
        self.tray_icon.quit_requested.connect(QApplication.quit)
        self.tray_host.found.connect(self._use_tray)
        self.tray_host.missing.connect(self._use_window)
        self.notifier = notifier or pick(self.tray_host, self._show_alert)
        self._notice: str | None = None  # the standing notice, for the popover when it is made
        self._popover: Popover | None = None  # made when first needed: see popover
        self._replaced: list[Popover] = []  # replaced, until Qt deletes them: see _replace_popover

        self.worker_thread = QThread()
        self.worker_thread.setObjectName("claude-meter-worker")
        self.worker = FetchWorker(
            OwnPoll(fetch, self.meter, clock),
            interval=interval,
            saved=self.meter.saved,
            route=route,
            floor=floor,
            clock=clock,
        )
        self.worker.moveToThread(self.worker_thread)
        self.worker_thread.started.connect(self.worker.start)
        queued = Qt.ConnectionType.QueuedConnection  # always handled on the GUI thread
        self.worker.polled.connect(self.on_result, queued)  # the one hop from the fetch thread
        self.worker.fetching.connect(self._on_fetching, queued)
        self.worker.deadline_changed.connect(self._on_deadline, queued)
        self.history_filled.connect(self._on_history_filled, queued)
        self.account_polls: AccountPolls | None = None  # named accounts' workers, once any
        self.account_fetch: MakeFetch | None = None

        self._ui_timer = QTimer(self)  # stale transitions happen with time alone
        self._ui_timer.setInterval(30_000)
        self._ui_timer.timeout.connect(self._redraw)
        self._stopped = False
        self._settled = False

    @property
    def popover(self) -> Popover:
        """Made the first time it is needed (opened, the no-tray window), with what it shows:
        a meter never opened keeps none of its widgets (~2 MB, ``docs/benchmarks.md``)."""
        if self._popover is None:
            self._popover = self._make_popover(as_window=self.window_mode)
            self._popover.show_meter(self.meter, self._clock(), insights=False)
        return self._popover

    @property
    def tray(self) -> QSystemTrayIcon:
        """The current icon (rebuilt when a different kind of tray appears; see tray_host)."""
        return self.tray_host.icon

    # -- start and stop ---------------------------------------------------------------------

    def start(self) -> None:
        self._redraw()
        self.worker_thread.start()
        self._ui_timer.start()
        self.tray_host.start()
        QTimer.singleShot(SETTLE_AT_LATEST_MS, self._settle)

    def _settle(self) -> None:
        if not self._settled and not self._stopped:
            self._settled = True
            self.settled.emit()

    def stop(self) -> None:
        """Bounded shutdown: stop the worker in its thread, then quit and wait at most 2 s."""
        if self._stopped:
            return
        self._stopped = True
        self._ui_timer.stop()
        if self.worker_thread.isRunning():
            if self.account_polls is not None:
                self.account_polls.stop()
            QMetaObject.invokeMethod(
                self.worker, "stop", Qt.ConnectionType.BlockingQueuedConnection
            )
            self.worker_thread.quit()
            if not self.worker_thread.wait(2000):
                log.warning("worker thread did not stop in time")
        self.tray_host.stop()
        if self._visible():
            self.popover.hide()

    def _use_window(self) -> None:
        """No tray (yet): the popover as a normal window that says why."""
        if self.window_mode:
            return
        log.warning("no system tray; showing a window instead")
        self.window_mode = True
        self._replace_popover(as_window=True)
        self.popover.set_notice(NO_TRAY)
        self.popover.show_meter(self.meter, self._clock(), insights=False)
        self.popover.show()

    def _use_tray(self) -> None:
        """A tray appeared after the fallback: the window closes, the icon takes over."""
        if not self.window_mode:
            return
        log.info("a tray appeared: back to the icon; the window closes")
        self.window_mode = False
        self._replace_popover(as_window=False)

    def _replace_popover(self, *, as_window: bool) -> None:
        import shiboken6  # loaded with PySide6; imported here, off the start-up path

        old, self._popover = self._popover, self._make_popover(as_window=as_window)
        if old is None:
            return
        # A replaced window must not quit the app: Qt 6 sends a close event to every window
        # still there when the app quits, deleteLater's included.
        old.window_closed.disconnect(self._on_window_closed)
        old.hide()
        # Qt deletes it, and it is held until then: left to Python's collector while its
        # widgets exist, PySide would free its layouts' items once and Qt again (a segfault).
        self._replaced = [p for p in self._replaced if shiboken6.isValid(p)] + [old]
        old.deleteLater()

    def _show_alert(self, title: str, body: str) -> None:
        """A notification no daemon could show: a banner in the popover until it is seen."""
        self._alert = f"{title}: {body}"
        self._alert_seen = False
        if self._popover is not None:
            self._popover.set_alert(self._alert)

    # -- readings ---------------------------------------------------------------------------

    @property
    def state(self) -> MeterState:
        return self.meter.state

    def on_result(self, result: FetchResult) -> None:
        """A reading from any source, on the GUI thread: into the meter, then drawn."""
        self.show(self.meter.accept(result, self._clock()))

    def show(self, accepted: Accepted) -> None:
        """Draw what the meter decided and send its notifications."""
        self._draw(accepted.shown)
        if not self._settled:
            QTimer.singleShot(0, self._settle)
        if self._visible():  # a closed popover is rebuilt when it opens, not per poll
            self.popover.show_meter(self.meter, self._clock())
        for note in accepted.notifications:
            self.notifier.notify(note.title, note.body, in_popover=note.in_popover)

    def insights(self) -> dict[tuple[str | None, str | None, str], WindowInsight]:
        """Sparklines and forecasts from the history; empty when there is none."""
        return self.meter.insights(self._clock())

    def current_indicator(self) -> Indicator:
        """The icon's figure: hidden windows left out, used or remaining as chosen."""
        return self.meter.shown(self._clock()).indicator

    def _on_fetching(self) -> None:
        self.meter.mark_fetching()
        self._redraw()  # after a sleep the numbers dim now, not when the poll returns

    def _on_deadline(self, key: str, deadline: datetime | None, holds_refresh: bool) -> None:
        self.meter.remember_deadline(key, deadline, holds_refresh)

    def _redraw(self) -> None:
        self._draw(self.meter.shown(self._clock()))

    def _draw(self, shown: Shown) -> None:
        first_number = shown.indicator.kind == "number" and self.shown.indicator.kind != "number"
        self.shown = shown
        redrawn = self.tray_icon.show_reading(
            shown.indicator,
            shown.tooltip,
            colour=self.settings.icon_colour,
            style=self.settings.icon_style,
        )
        if redrawn and first_number:
            log.info("snapshot drawn: %s%%", shown.indicator.text)
            if not self._trimmed:
                self._trimmed = True
                QTimer.singleShot(5000, release_free_memory)  # once start-up has settled

    # -- interaction ------------------------------------------------------------------------

    def _make_popover(self, *, as_window: bool) -> Popover:
        from claude_meter.qt.popover import Popover  # its widgets' classes: made when needed

        kind = popover_kind(QGuiApplication.platformName(), as_window=as_window)
        popover = Popover(interval=self.meter.interval, clock=self._clock, kind=kind)
        popover.refresh_clicked.connect(self.refresh_pressed)
        popover.open_usage_clicked.connect(self.open_usage_page)
        popover.quit_clicked.connect(QApplication.quit)
        popover.settings_clicked.connect(self.settings_requested)
        popover.history_clicked.connect(self.open_history)
        popover.hidden_windows = frozenset(self.settings.popover_hidden)
        popover.show_remaining = self.settings.percent_shown == "remaining"
        popover.window_closed.connect(self._on_window_closed)
        popover.set_alert(self._alert)
        popover.set_notice(self._notice)
        popover.installEventFilter(self)
        return popover

    def _visible(self) -> bool:
        return self._popover is not None and self._popover.isVisible()

    def open_history(self) -> None:
        """The History window, made on demand (it costs nothing until then, and is deleted
        when closed); without a history there is nothing to show but why."""
        if self._visible():
            self.popover.hide()
        if self.meter.history is None:
            self.set_notice("The usage history is unavailable, so there is no History.")
            return
        if self.history_window is None:
            from claude_meter.qt.history_window import HistoryWindow

            window = HistoryWindow(
                self.meter.history,
                thresholds=self.settings.thresholds,
                clock=self._clock,
                names=self.settings.names(),
            )
            window.destroyed.connect(self._history_closed)
            self.history_window = window
        self.history_window.show()
        self.history_window.raise_()
        self.history_window.activateWindow()

    def _on_history_filled(self) -> None:
        if self._visible():
            self.popover.show_meter(self.meter, self._clock())
        if self.history_window is not None:
            self.history_window.reload()

    def _history_closed(self) -> None:
        self.history_window = None

    def _on_window_closed(self) -> None:
        log.info("the window was closed; quitting (there is no tray icon to go on in)")
        QApplication.quit()

    def set_notice(self, text: str | None) -> None:
        """A standing notice in the popover (settings reset, the bridge's port taken)."""
        self._notice = text
        if self._popover is not None:
            self._popover.set_notice(text)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # event.Type: QEvent's ~190 types are made into a Python enum when first used, which is
        # here (when the popover exists), not at import (about 1 ms of the start)
        if watched is getattr(self, "_popover", None) and event.type() == event.Type.Hide:
            if not self.popover.dismissed:  # a click elsewhere, maybe on the icon
                self._closed_at = time.monotonic()
            if self._alert_seen:  # the banner was read: it goes with the closing popover
                self._alert, self._alert_seen = None, False
                self.popover.set_alert(None)
        return False

    def apply_settings(self, settings: Settings) -> None:
        """Poll interval, thresholds, the route polled and what the icon and popover show,
        from now on."""
        if default_route(settings) != default_route(self.settings):  # each keeps its deadline
            self.worker.route_requested.emit(default_route(settings), self.meter.saved)
        self.settings = settings
        interval = None if self.interval_fixed else settings.interval
        self.meter.configure(
            interval=interval, thresholds=settings.thresholds, choice=Choice.of(settings)
        )
        if self.account_fetch is not None:  # several accounts: see qt/account_polls.py
            self.meter.set_accounts(metered_names(settings), settings.icon_account)
            if settings.accounts or self.account_polls is not None:
                from claude_meter.qt.account_polls import sync_accounts

                sync_accounts(self, settings, interval)
        if interval is not None:
            self.worker.interval_requested.emit(interval)
        if self.history_window is not None:  # a rename shows in it at once
            self.history_window.set_names(settings.names())
        popover = self._popover  # not made yet: it is made with these settings
        if popover is not None:
            if interval is not None:
                popover.set_interval(interval)
            popover.hidden_windows = frozenset(settings.popover_hidden)
            popover.show_remaining = settings.percent_shown == "remaining"
            popover.show_meter(self.meter, self._clock(), insights=popover.isVisible())
        self._redraw()

    def open_log_folder(self) -> None:
        folder = paths.log_dir()
        folder.mkdir(parents=True, exist_ok=True)
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))

    def refresh(self) -> None:
        """ "Refresh now": the app reads claude.ai itself, even where the extension covers."""
        self.meter.force_own_poll()
        self.worker.refresh_requested.emit()  # and every named account's (account_polls)

    def refresh_pressed(self) -> None:
        """The person's own "Refresh now": it may also pass a rate-limit hold, once."""
        self.worker.override_requested.emit()
        self.refresh()

    def open_usage_page(self) -> None:
        QDesktopServices.openUrl(QUrl(USAGE_PAGE_URL))

    def toggle_popover(self) -> None:
        if self._visible():
            self.popover.dismiss()
            return
        if time.monotonic() - self._closed_at < REOPEN_GUARD_SECONDS:
            return  # the click on the icon that closed the popup must not reopen it
        self.open_popover()

    def _on_context(self) -> None:
        """A right click the host reported (swaybar sends ``ContextMenu``): see surface.py."""
        shown = context_surface(QGuiApplication.platformName(), menu_visible=self.menu.isVisible())
        if shown == "menu":
            self.menu.popup(QCursor.pos())
        elif shown == "popover" and not self._visible():
            self.open_popover()
        log.info("context activation: %s", shown)

    def open_popover(self) -> None:
        self._alert_seen = self._alert is not None
        self.popover.show_meter(self.meter, self._clock())
        if self.window_mode:  # a second launch: bring the window back, wherever it is
            self.popover.showNormal()
            self.popover.raise_()
            self.popover.activateWindow()
            log.info("window shown with %d rows", len(self.popover.rows))
            return
        self.popover.adjustSize()
        screen = QGuiApplication.screenAt(QCursor.pos()) or QGuiApplication.primaryScreen()
        area = screen.availableGeometry() if screen else QRect(0, 0, 1280, 800)
        icon_rect = self.tray.geometry()
        size = self.popover.sizeHint().expandedTo(self.popover.minimumSize())  # fixed width
        position = popover_position(icon_rect, QCursor.pos(), area, size)
        self.popover.move(position)
        self.popover.show()
        self.popover.raise_()
        self.popover.activateWindow()
        log.info("popover opened with %d rows (%s)", len(self.popover.rows), self.popover.kind)
        if self._alert is not None:
            log.info("popover shows a notification: %s", self._alert.split("\n", 1)[0])
        if popover_wants_fetch(self.state.last_success, self._clock()):
            self.refresh()
