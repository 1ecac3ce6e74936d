"""The tray application: wires the worker, the icon, the popover and the notifier.

Everything it shows comes from :class:`claude_meter.core.meter.MeterState`; everything it
decides comes from the core's pure rules. This module only adapts them to Qt.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import signal
import socket
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import (
    QMetaObject,
    QObject,
    QRect,
    QSocketNotifier,
    Qt,
    QThread,
    QTimer,
    QtMsgType,
    QUrl,
    Signal,
    qInstallMessageHandler,
)
from PySide6.QtGui import QAction, QCursor, QDesktopServices, QGuiApplication
from PySide6.QtWidgets import QApplication, QMenu, QSystemTrayIcon

from claude_meter.clients.http import ClientPool, install_pool
from claude_meter.core import paths
from claude_meter.core.alerts import (
    DEFAULT_THRESHOLDS,
    AlertMemory,
    crossing_text,
    crossings,
    session_alert,
)
from claude_meter.core.display import format_percent
from claude_meter.core.endpoints import USAGE_PAGE_URL
from claude_meter.core.forecast import window_hours
from claude_meter.core.logs import setup_logging
from claude_meter.core.meter import Indicator, MeterState, apply_result, indicator
from claude_meter.core.models import FetchResult
from claude_meter.core.policy import DEFAULT_INTERVAL, MIN_INTERVAL, Route, popover_wants_fetch
from claude_meter.core.presentation import shown_indicator, without_windows
from claude_meter.core.settings import Settings, load_settings
from claude_meter.core.state import load_state, save_state
from claude_meter.history import HistoryStore, HistoryUnavailable, WindowInsight, insights_for
from claude_meter.platform.autostart import pick as autostart_backend
from claude_meter.qt.bridge_link import BridgeLink
from claude_meter.qt.crash import CrashReporter
from claude_meter.qt.icon import render_icon
from claude_meter.qt.notifier import Notifier, pick
from claude_meter.qt.placement import popover_position
from claude_meter.qt.popover import Insights, Popover
from claude_meter.qt.preferences import Preferences
from claude_meter.qt.single_instance import SingleInstance
from claude_meter.qt.surface import REPEAT_SECONDS, context_surface, popover_kind
from claude_meter.qt.tray_host import TrayHost
from claude_meter.qt.worker import Fetch, FetchWorker
from claude_meter.sources import keyring_store

if TYPE_CHECKING:
    from claude_meter.sources.keyring_child import KeyringInChild

log = logging.getLogger("claude_meter.tray")

NO_TRAY = (
    "No system tray was found, so ClaudeMeter shows this window instead; closing it quits "
    "ClaudeMeter. When a tray appears, the icon takes over and this window closes. On GNOME, "
    "install the AppIndicator extension to get the tray icon."
)
#: How long to wait for a tray at start (autostart can run before the panel exists).
TRAY_WAIT_SECONDS = 10.0
REOPEN_GUARD_SECONDS = 0.3


def _now() -> datetime:
    return datetime.now(UTC)


class TrayApp(QObject):
    """The running meter: one worker thread, one icon, one popover."""

    settings_requested = Signal()  # "Settings…" in the menu or the popover

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
    ) -> None:
        super().__init__()
        self._clock = clock
        self._history = history
        if history is not None:
            fetch = recording(fetch, history)
        self._interval = interval
        self._thresholds = tuple(thresholds)
        self._state_path = state_path
        self._saved = load_state(state_path)
        self._memory = AlertMemory(dict(self._saved.notified))
        self.state = MeterState()
        self._shown: Indicator | None = None
        self._trimmed = False
        self._closed_at = 0.0
        self._activated_at = 0.0
        self._alert: str | None = None  # a notification no daemon showed, for the popover
        self._alert_seen = False
        self.window_mode = False
        self.settings = Settings()  # what the icon and popover draw with; see apply_settings
        self.interval_fixed = False  # the demo's (or a test's) interval beats the settings'

        self.menu = self._build_menu()
        self.tray_host = TrayHost(self.menu, wait=tray_wait, parent=self)
        self.tray_host.activated.connect(self._on_activated)
        self.tray_host.found.connect(self._use_tray)
        self.tray_host.missing.connect(self._use_window)
        self.notifier = notifier or pick(self.tray_host, self._show_alert)
        self.popover = self._make_popover(as_window=False)

        self.worker_thread = QThread()
        self.worker_thread.setObjectName("claude-meter-worker")
        self.worker = FetchWorker(
            fetch, interval=interval, saved=self._saved, route=route, floor=floor, clock=clock
        )
        self.worker.moveToThread(self.worker_thread)
        self.worker_thread.started.connect(self.worker.start)
        queued = Qt.ConnectionType.QueuedConnection  # always handled on the GUI thread
        self.worker.fetched.connect(self.on_result, queued)
        self.worker.fetching.connect(self._on_fetching, queued)
        self.worker.deadline_changed.connect(self._on_deadline, queued)

        self._ui_timer = QTimer(self)  # stale transitions happen with time alone
        self._ui_timer.setInterval(30_000)
        self._ui_timer.timeout.connect(self._refresh_indicator)
        self._stopped = False

    @property
    def tray(self) -> QSystemTrayIcon:
        """The current icon (rebuilt when a different kind of tray appears; see tray_host)."""
        return self.tray_host.icon

    # -- start and stop ---------------------------------------------------------------------

    def start(self) -> None:
        self._refresh_indicator()
        self.worker_thread.start()
        self._ui_timer.start()
        self.tray_host.start()

    def stop(self) -> None:
        """Bounded shutdown: stop the worker in its thread, then quit and wait at most 2 s."""
        if self._stopped:
            return
        self._stopped = True
        self._ui_timer.stop()
        if self.worker_thread.isRunning():
            QMetaObject.invokeMethod(
                self.worker, "stop", Qt.ConnectionType.BlockingQueuedConnection
            )
            self.worker_thread.quit()
            if not self.worker_thread.wait(2000):
                log.warning("worker thread did not stop in time")
        self.tray_host.stop()
        self.popover.hide()

    def _use_window(self) -> None:
        """No tray (yet): the popover as a normal window that says why."""
        if self.window_mode:
            return
        log.warning("no system tray; showing a window instead")
        self.window_mode = True
        self._replace_popover(as_window=True)
        self.popover.set_notice(NO_TRAY)
        self.popover.show_state(self.state)
        self.popover.show()

    def _use_tray(self) -> None:
        """A tray appeared after the fallback: the window closes, the icon takes over."""
        if not self.window_mode:
            return
        log.info("a tray appeared: back to the icon; the window closes")
        self.window_mode = False
        self._replace_popover(as_window=False)

    def _replace_popover(self, *, as_window: bool) -> None:
        old = self.popover
        self.popover = self._make_popover(as_window=as_window)
        old.hide()
        old.deleteLater()

    def _show_alert(self, title: str, body: str) -> None:
        """A notification no daemon could show: a banner in the popover until it is seen."""
        self._alert = f"{title}: {body}"
        self._alert_seen = False
        self.popover.set_alert(self._alert)

    # -- results ----------------------------------------------------------------------------

    def on_result(self, result: FetchResult) -> None:
        self.state = apply_result(self.state, result)
        self._refresh_indicator()
        insights = None
        if self.popover.isVisible():  # a closed popover is rebuilt when it opens, not per poll
            insights = self.insights()
            self.popover.show_state(self.state, insights)
        now = self._clock()
        due, self._memory = crossings(self.state.snapshots, self._memory, self._thresholds)
        for crossing in due:
            title, body = crossing_text(crossing, now)
            forecast = self._forecast_text(crossing.org_uuid, crossing.window.key, insights)
            self.notifier.notify(title, f"{body}\n{forecast}" if forecast else body)
        expired, self._memory = session_alert(self._memory, result)  # once, until signed in
        if expired is not None:
            self.notifier.notify("Claude session expired", expired.message)
        if due or self._memory.notified != self._saved.notified:
            self._save(notified=dict(self._memory.notified))

    def insights(self) -> Insights:
        """Sparklines and forecasts from the history; empty when there is none."""
        if self._history is None:
            return {}
        now = self._clock()
        found: dict[tuple[str | None, str], WindowInsight] = {}
        try:
            for snapshot in self.state.snapshots:
                for key, insight in insights_for(self._history, snapshot, now).items():
                    found[(snapshot.org_uuid, key)] = insight
        except (HistoryUnavailable, sqlite3.Error) as exc:
            log.warning("history unreadable: %s", exc)
        return found

    def _forecast_text(
        self, org_uuid: str | None, key: str, insights: Insights | None
    ) -> str | None:
        insight = (insights if insights is not None else self.insights()).get((org_uuid, key))
        if insight is None or not insight.forecast.enough_data:
            return None
        return insight.forecast.summary[0].upper() + insight.forecast.summary[1:] + "."

    def _on_fetching(self) -> None:
        if not self.state.fetching:
            from dataclasses import replace

            self.state = replace(self.state, fetching=True)
        self._refresh_indicator()  # after a sleep the numbers dim now, not when the poll returns

    def _on_deadline(self, deadline: datetime | None) -> None:
        not_before = dict(self._saved.not_before)
        if deadline is None:
            not_before.pop(self.worker.route, None)
        else:
            not_before[self.worker.route] = deadline
        self._save(not_before=not_before)

    def _save(self, **changes: object) -> None:
        self._saved = self._saved.model_copy(update=changes)
        save_state(self._saved, self._state_path)

    # -- drawing ----------------------------------------------------------------------------

    def current_indicator(self) -> Indicator:
        """The icon's figure: hidden windows left out, used or remaining as chosen."""
        visible = without_windows(self.state, self.settings.icon_hidden)
        shown = indicator(visible, self._clock(), self._interval)
        return shown_indicator(shown, show_remaining=self.settings.percent_shown == "remaining")

    def _refresh_indicator(self) -> None:
        shown = self.current_indicator()
        if shown != self._shown:
            if shown.kind == "number" and (self._shown is None or self._shown.kind != "number"):
                log.info("snapshot drawn: %s%%", shown.text)
                if not self._trimmed:
                    self._trimmed = True
                    QTimer.singleShot(5000, release_free_memory)  # once start-up has settled
            self._shown = shown
            ratio = (
                QGuiApplication.primaryScreen().devicePixelRatio()
                if QGuiApplication.primaryScreen()
                else 1.0
            )
            self.tray.setIcon(
                render_icon(
                    shown,
                    device_pixel_ratio=ratio,
                    template=self.settings.icon_colour == "monochrome",
                    style=self.settings.icon_style,
                )
            )
        self.tray.setToolTip(self._tooltip())

    def _tooltip(self) -> str:
        lines = ["ClaudeMeter"]
        shown = without_windows(self.state, self.settings.icon_hidden)  # the icon's windows
        for snapshot in shown.snapshots:
            prefix = (
                f"{snapshot.org_name}: "
                if len(self.state.snapshots) > 1 and snapshot.org_name
                else ""
            )
            for window in snapshot.windows:
                when = (
                    window.resets_at.astimezone().strftime("resets %a %H:%M")
                    if window.resets_at
                    else "not started"
                )
                lines.append(f"{prefix}{window.label}: {format_percent(window.percent)} · {when}")
        if len(lines) == 1:
            lines.append("Fetching…" if self.state.error is None else self.state.error.message)
        return "\n".join(lines)

    # -- interaction ------------------------------------------------------------------------

    def _build_menu(self) -> QMenu:
        menu = QMenu()
        for text, slot in (
            ("Show ClaudeMeter", self.open_popover),
            ("Refresh now", self.refresh_pressed),
            ("Open usage page", self.open_usage_page),
        ):
            action = QAction(text, menu)
            action.triggered.connect(slot)
            menu.addAction(action)
        settings = QAction("Settings…", menu)
        settings.triggered.connect(self.settings_requested)
        menu.addAction(settings)
        logs = QAction("Open log folder", menu)
        logs.triggered.connect(self.open_log_folder)
        menu.addAction(logs)
        menu.addSeparator()
        quit_action = QAction("Quit ClaudeMeter", menu)
        quit_action.triggered.connect(QApplication.quit)
        menu.addAction(quit_action)
        return menu

    def _make_popover(self, *, as_window: bool) -> Popover:
        kind = popover_kind(QGuiApplication.platformName(), as_window=as_window)
        popover = Popover(interval=self._interval, clock=self._clock, kind=kind)
        popover.refresh_clicked.connect(self.refresh_pressed)
        popover.open_usage_clicked.connect(self.open_usage_page)
        popover.quit_clicked.connect(QApplication.quit)
        popover.settings_clicked.connect(self.settings_requested)
        popover.hidden_windows = frozenset(self.settings.popover_hidden)
        popover.show_remaining = self.settings.percent_shown == "remaining"
        popover.window_closed.connect(self._on_window_closed)
        popover.set_alert(self._alert)
        popover.installEventFilter(self)
        popover.destroyed.connect(lambda: None)
        return popover

    def _on_window_closed(self) -> None:
        log.info("the window was closed; quitting (there is no tray icon to go on in)")
        QApplication.quit()

    def eventFilter(self, watched: QObject, event: object) -> bool:
        from PySide6.QtCore import QEvent

        if (
            watched is getattr(self, "popover", None)  # None while being built or torn down
            and isinstance(event, QEvent)
            and event.type() == QEvent.Type.Hide
            and not self.popover.dismissed
        ):
            self._closed_at = time.monotonic()
            if self._alert_seen:  # the banner was read: it goes with the closing popover
                self._alert, self._alert_seen = None, False
                self.popover.set_alert(None)
        return False

    def apply_settings(self, settings: Settings) -> None:
        """Poll interval, thresholds and what the icon and popover show, from now on."""
        self.settings = settings
        self._thresholds = settings.thresholds
        if not self.interval_fixed:
            self._interval = settings.interval
            self.worker.interval_requested.emit(settings.interval)
            self.popover.set_interval(settings.interval)
        self.popover.hidden_windows = frozenset(settings.popover_hidden)
        self.popover.show_remaining = settings.percent_shown == "remaining"
        self.popover.show_state(self.state, self.insights() if self.popover.isVisible() else None)
        self._shown = None  # redraw even when the figure is unchanged (style, colour)
        self._refresh_indicator()

    def open_log_folder(self) -> None:
        folder = paths.log_dir()
        folder.mkdir(parents=True, exist_ok=True)
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))

    def refresh(self) -> None:
        self.worker.refresh_requested.emit()

    def refresh_pressed(self) -> None:
        """The person's own "Refresh now": it may also pass a rate-limit hold, once."""
        self.worker.override_requested.emit()
        self.refresh()

    def open_usage_page(self) -> None:
        QDesktopServices.openUrl(QUrl(USAGE_PAGE_URL))

    def _on_activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        log.debug("tray activated: %s", reason.name)
        if reason in (
            QSystemTrayIcon.ActivationReason.Trigger,
            QSystemTrayIcon.ActivationReason.DoubleClick,
        ):
            if time.monotonic() - self._activated_at < REPEAT_SECONDS:
                return  # the same click, reported twice (queued while the first was handled)
            self.toggle_popover()
            self._activated_at = time.monotonic()
        elif reason == QSystemTrayIcon.ActivationReason.Context:
            self._on_context()

    def _on_context(self) -> None:
        """A right click the host reported (swaybar sends ``ContextMenu``): see surface.py."""
        shown = context_surface(QGuiApplication.platformName(), menu_visible=self.menu.isVisible())
        if shown == "menu":
            self.menu.popup(QCursor.pos())
        elif shown == "popover" and not self.popover.isVisible():
            self.open_popover()
        log.info("context activation: %s", shown)

    def toggle_popover(self) -> None:
        if self.popover.isVisible():
            self.popover.dismiss()
            return
        if time.monotonic() - self._closed_at < REOPEN_GUARD_SECONDS:
            return  # the click on the icon that closed the popup must not reopen it
        self.open_popover()

    def open_popover(self) -> None:
        self._alert_seen = self._alert is not None
        if self.window_mode:  # a second launch: bring the window back, wherever it is
            self.popover.show_state(self.state, self.insights())
            self.popover.showNormal()
            self.popover.raise_()
            self.popover.activateWindow()
            log.info("window shown with %d rows", len(self.popover.rows))
            return
        self.popover.show_state(self.state, self.insights())
        self.popover.adjustSize()
        screen = QGuiApplication.screenAt(QCursor.pos()) or QGuiApplication.primaryScreen()
        area = screen.availableGeometry() if screen else QRect(0, 0, 1280, 800)
        icon_rect = self.tray.geometry()
        position = popover_position(icon_rect, QCursor.pos(), area, self.popover.sizeHint())
        self.popover.move(position)
        self.popover.show()
        self.popover.raise_()
        self.popover.activateWindow()
        log.info("popover opened with %d rows (%s)", len(self.popover.rows), self.popover.kind)
        if self._alert is not None:
            log.info("popover shows a notification: %s", self._alert.split("\n", 1)[0])
        if popover_wants_fetch(self.state.last_success, self._clock()):
            self.refresh()


# -- entry point ----------------------------------------------------------------------------


def recording(fetch: Fetch, history: HistoryStore) -> Fetch:
    """A fetch that also records its snapshots, on the fetch thread (never the GUI's)."""

    def fetch_and_record() -> FetchResult:
        result = fetch()
        for snapshot in result.snapshots:
            try:
                history.record(snapshot)
            except (HistoryUnavailable, sqlite3.Error) as exc:
                log.warning("could not record history: %s", exc)
        return result

    return fetch_and_record


def seed_demo_history(history: HistoryStore, result: FetchResult, now: datetime) -> None:
    """Give the demo's throwaway history a plausible past, so forecasts show at once.

    Each window climbs steadily from 0 % at the start of its period to its first reading.
    """
    for snapshot in result.snapshots:
        for window in snapshot.windows:
            hours = window_hours(window.key)
            if window.percent is None or window.resets_at is None or hours is None:
                continue
            start = window.resets_at - timedelta(hours=hours)
            for step in range(1, 13):
                past = window.model_copy(update={"percent": window.percent * step / 13})
                at = start + (now - start) * step / 13
                history.record(snapshot.model_copy(update={"fetched_at": at, "windows": (past,)}))


def _open_history() -> HistoryStore | None:
    """The person's history; without one the meter still works (no sparklines, forecasts).

    The integrity check is skipped at start to keep the first icon fast; corruption found
    later, while reading or writing, is set aside by the store itself.
    """
    try:
        return HistoryStore.open(quick_check=False)
    except HistoryUnavailable as exc:
        log.warning("history unavailable, running without it: %s", exc)
        return None


def _qt_message(mode: QtMsgType, context: object, message: str) -> None:
    """Qt's own messages into Python logging, so they reach the log and tests see them."""
    qt_log = logging.getLogger("claude_meter.qt")
    level = {
        QtMsgType.QtDebugMsg: logging.DEBUG,
        QtMsgType.QtInfoMsg: logging.INFO,
        QtMsgType.QtWarningMsg: logging.WARNING,
        QtMsgType.QtCriticalMsg: logging.ERROR,
        QtMsgType.QtFatalMsg: logging.CRITICAL,
    }.get(mode, logging.WARNING)
    qt_log.log(level, "%s", message)


def _demo_fetch(
    env: Mapping[str, str],
) -> tuple[Fetch, timedelta, timedelta, HistoryStore, Callable[[], None]]:
    """The demo: a fake claude.ai in the ``rising`` scenario, in this process, with a
    throwaway history (a demo never writes into the person's own)."""
    from claude_meter.cli.status import fetch_once
    from claude_meter.fake import DEFAULT_SESSION_KEY, FakeClaude

    speed = float(env.get("CLAUDE_METER_DEMO_SPEED", "1") or 1)
    started = time.monotonic()
    server = FakeClaude(
        env.get("CLAUDE_METER_DEMO_SCENARIO", "rising"),
        clock=lambda: started + (time.monotonic() - started) * speed,
    ).start()
    demo_env = {
        "CLAUDE_METER_BASE_URL": server.base_url,
        "CLAUDE_METER_OAUTH_BASE_URL": server.base_url,
        "CLAUDE_METER_COOKIE": f"sessionKey={DEFAULT_SESSION_KEY}",
    }
    seconds = float(env.get("CLAUDE_METER_POLL_SECONDS", "5") or 5)
    folder = tempfile.TemporaryDirectory(prefix="claude-meter-demo-")
    history = HistoryStore.open(Path(folder.name) / "history.sqlite3", quick_check=False)
    seeded: list[bool] = []

    def fetch() -> FetchResult:
        result = fetch_once("auto", demo_env, demo=True)
        if not seeded and result.snapshots:
            seeded.append(True)
            seed_demo_history(history, result, result.fetched_at)
        return result

    def cleanup() -> None:
        server.stop()
        history.close()
        folder.cleanup()

    return fetch, timedelta(seconds=seconds), timedelta(seconds=1), history, cleanup


class _SignalWakeup(QObject):
    """SIGINT/SIGTERM quit cleanly (aboutToQuit runs), at no idle cost.

    Python runs signal handlers only between bytecodes, which never happens while Qt's event
    loop waits; the wakeup fd makes the signal readable on a socket Qt watches.
    """

    def __init__(self, app: QApplication) -> None:
        super().__init__(app)
        self._reader, self._writer = socket.socketpair()
        self._reader.setblocking(False)
        self._writer.setblocking(False)
        signal.set_wakeup_fd(self._writer.fileno())
        self._notifier = QSocketNotifier(self._reader.fileno(), QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self._drain)
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: QApplication.quit())
        app.aboutToQuit.connect(self.close)

    def _drain(self) -> None:
        with contextlib.suppress(OSError):
            self._reader.recv(64)

    def close(self) -> None:
        self._notifier.setEnabled(False)
        signal.set_wakeup_fd(-1)
        self._reader.close()
        self._writer.close()


def _points_at_loopback(env: Mapping[str, str]) -> bool:
    from claude_meter.core.endpoints import is_loopback_url

    web = env.get("CLAUDE_METER_BASE_URL", "")
    oauth = env.get("CLAUDE_METER_OAUTH_BASE_URL", "")
    return bool(web or oauth) and all(is_loopback_url(u) for u in (web, oauth) if u)


def _glibc() -> ctypes.CDLL | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(None)
        libc.mallopt  # noqa: B018 - glibc has it; musl does not
        libc.malloc_trim  # noqa: B018
    except (OSError, AttributeError):
        return None
    return libc


def limit_malloc_arenas() -> None:
    """Two malloc arenas instead of one per thread (glibc): about 4 MB less resident memory
    for a tray app with a GUI, a worker and a fetch thread. Call before threads start."""
    libc = _glibc()
    if libc is not None:
        libc.mallopt(-8, 2)  # M_ARENA_MAX


def release_free_memory() -> None:
    """Give the heap's free pages back to the system (glibc keeps them by default): start-up
    leaves a few MB of freed import-time objects behind."""
    libc = _glibc()
    if libc is not None:
        libc.malloc_trim(0)


def install_keyring() -> KeyringInChild | None:
    """The stored session read once and kept (see ``sources/keyring_store.py``); on Linux the
    keyring reached through a child process, so its libraries never load into the tray."""
    from claude_meter.sources.keyring_child import KeyringInChild, wanted

    child = KeyringInChild() if wanted() else None
    keyring_store.install(child, keyring_store.SessionCache())
    return child


def _bridge_link(port: int) -> BridgeLink:
    """The browser extension's bridge, its tokens in the keyring (see ``bridge/``); nothing
    of it is loaded until it is started or paired."""

    from claude_meter.bridge.pairing import Pairing  # light: the server is not imported

    def pairing() -> Pairing:
        from claude_meter.sources.keyring_store import SessionStore

        return Pairing(SessionStore())

    return BridgeLink(pairing, port=port)


NO_DESKTOP = (
    "the tray app needs a graphical desktop, and none was found (DISPLAY and WAYLAND_DISPLAY "
    "are not set). Start it from your desktop session; in a terminal or over SSH, "
    "`claude-meter status` prints the same numbers."
)


def no_desktop_reason(env: Mapping[str, str], platform: str) -> str | None:
    """Why the tray cannot start here, or None. Qt itself would abort with a core dump."""
    if not platform.startswith("linux") or env.get("QT_QPA_PLATFORM"):
        return None
    if env.get("DISPLAY") or env.get("WAYLAND_DISPLAY"):
        return None
    return NO_DESKTOP


def run_tray(*, demo: bool, debug: bool, argv: Sequence[str] | None = None) -> int:
    """Start the tray app; returns the process exit status."""
    problem = no_desktop_reason(os.environ, sys.platform)
    if problem is not None:
        print(f"claude-meter: {problem}", file=sys.stderr)  # noqa: T201 - before any logging
        return 1
    limit_malloc_arenas()
    log_file = setup_logging(debug=debug)
    qInstallMessageHandler(_qt_message)
    # X11 takes the window class's instance from argv[0], Wayland's app_id from the desktop
    # file name: both name the installed claude-meter.desktop, however the app was started.
    app = QApplication(["claude-meter", *list(argv or sys.argv[:1])[1:]])
    app.setApplicationName("ClaudeMeter")
    app.setDesktopFileName("claude-meter")
    app.setQuitOnLastWindowClosed(False)
    instance = SingleInstance()
    if not instance.claim():
        return 0  # the running one opens its popover instead
    crash = CrashReporter(log_file, app)
    crash.install()
    _SignalWakeup(app)
    prefs = Preferences(load_settings(), os.environ, autostart=autostart_backend(), demo=demo)
    cleanup: Callable[[], None] = lambda: None  # noqa: E731
    history: HistoryStore | None
    if demo:
        fetch, interval, floor, history, cleanup = _demo_fetch(os.environ)
        route: Route = "demo"
    else:
        history = _open_history()
        if history is not None:
            cleanup = history.close
        env = dict(os.environ)
        fetch = prefs.fetch  # the source the settings name; imports happen on the fetch thread
        interval, floor, route = prefs.settings.interval, MIN_INTERVAL, "web"
        if _points_at_loopback(env) and env.get("CLAUDE_METER_POLL_SECONDS"):
            # Benchmarks and soak tests against a local fake server may poll fast; the real
            # claude.ai is never polled faster than the policy allows.
            interval = timedelta(seconds=float(env["CLAUDE_METER_POLL_SECONDS"]))
            floor = timedelta(milliseconds=10)
    tray_wait = float(os.environ.get("CLAUDE_METER_TRAY_WAIT", TRAY_WAIT_SECONDS))
    pool = ClientPool()
    install_pool(pool)
    keyring_child = None if demo else install_keyring()
    link = None if demo else _bridge_link(prefs.settings.bridge_port)
    if link is not None:
        fetch = link.guard(fetch)  # skipped while the extension covers every organization
    meter = TrayApp(
        fetch,
        interval=interval,
        route=route,
        floor=floor,
        tray_wait=tray_wait,
        history=history,
        thresholds=prefs.settings.thresholds,
    )
    meter.interval_fixed = interval != prefs.settings.interval  # the demo's, or a test's
    prefs.attach(meter)
    if link is not None:
        link.attach(meter, start=prefs.settings.bridge_enabled)
        prefs.pair_requested.connect(link.open_pairing)
        prefs.pairing_available = True

        def keep_bridge_on(_origin: str) -> None:
            # A paired extension keeps posting after a restart: the bridge must start again.
            if not prefs.settings.bridge_enabled:
                prefs.change(prefs.settings.model_copy(update={"bridge_enabled": True}))

        link.after_pairing = keep_bridge_on  # called on the GUI thread
        app.aboutToQuit.connect(link.stop)
    instance.activated.connect(meter.open_popover)
    app.aboutToQuit.connect(meter.stop)
    app.aboutToQuit.connect(prefs.close)
    meter.start()
    try:
        return app.exec()
    finally:
        install_pool(None)
        pool.close()
        if keyring_child is not None:
            keyring_child.close()
        keyring_store.install(None, None)
        cleanup()
        crash.uninstall()
        instance.release()
