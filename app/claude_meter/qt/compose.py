"""The composition: the one function that builds the tray's parts and connects them.

Nothing else in ``qt/`` knows another part: the tray (``app.py``) draws what the live meter
decides, the bridge link (``bridge_link.py``) emits what the extension posts, the settings
(``preferences.py``) emit what the person chose. Here the process's collaborators are made
once and passed in (the HTTP pool, the keyring with its session cache, the history, the
demo); nothing is installed process-wide.

The path of a reading (see ``docs/architecture.md``): the worker's fetch thread runs
:class:`~claude_meter.poll.live.OwnPoll` (the :class:`~claude_meter.poll.fetcher.Fetcher`,
unless the extension covers every organization) and emits ``FetchWorker.polled``; a bridge
connection thread emits ``BridgeLink.received``. Each crosses to the GUI thread in one queued
hop into :meth:`TrayApp.on_result`, the one entry of the live meter.

The start (``docs/benchmarks.md``, the tray's start): the first poll runs while the rest is
built (``poll/first.py``); what the first drawn numbers do not need waits for
:attr:`TrayApp.settled` (just after that draw, or a second after the start without one): the
settings watch, and the bridge when the settings turn it on (some 20 ms of imports and a
listening socket), and the demo's made-up past (``poll/demo_seeding.py``: a quarter of a second
an account, on a thread of its own). The bridge's pairing and the start-at-login backend are
made when first used.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import msgspec
from PySide6.QtCore import Qt, qInstallMessageHandler
from PySide6.QtWidgets import QApplication

from claude_meter.core.endpoints import points_at_loopback
from claude_meter.core.errors import ConfigurationError
from claude_meter.core.models import FetchResult
from claude_meter.core.policy import MIN_INTERVAL
from claude_meter.core.settings import Loaded
from claude_meter.history import HistoryStore, HistoryUnavailable
from claude_meter.history.database import GUI_BUSY_TIMEOUT_SECONDS
from claude_meter.poll.beginning import Beginning, begin
from claude_meter.poll.fetcher import Fetcher
from claude_meter.poll.first import FirstPoll
from claude_meter.qt.app import TRAY_WAIT_SECONDS, TrayApp
from claude_meter.qt.bridge_link import BridgeLink
from claude_meter.qt.crash import CrashReporter
from claude_meter.qt.preferences import Preferences
from claude_meter.qt.single_instance import SingleInstance
from claude_meter.qt.startup import (
    SignalWakeup,
    qt_message,
)
from claude_meter.qt.statusline_link import StatuslineLink
from claude_meter.qt.worker import Fetch
from claude_meter.readings.convert import remember

if TYPE_CHECKING:
    from pathlib import Path

    from claude_meter.bridge.pairing import Pairing
    from claude_meter.sources.keyring_child import KeyringInChild
    from claude_meter.sources.keyring_store import Keyring

log = logging.getLogger("claude_meter.tray")


def connect_preferences(meter: TrayApp, prefs: Preferences, fetcher: Fetcher) -> None:
    """The settings reach the fetcher, the live meter and the tray; the settings' requests
    (refresh, popover, notifications, the demo) reach the tray."""

    def settings_changed(settings: object) -> None:
        from claude_meter.core.settings import Settings

        assert isinstance(settings, Settings)
        fetcher.configure(settings=settings)
        meter.apply_settings(settings)

    settings_changed(prefs.settings)
    prefs.settings_changed.connect(settings_changed)
    prefs.environment_changed.connect(lambda env: fetcher.configure(env=env))
    prefs.demo_started.connect(lambda env: fetcher.configure(env=env, demo=True))
    prefs.refresh_requested.connect(meter.refresh)
    prefs.popover_requested.connect(meter.open_popover)
    prefs.notify_requested.connect(meter.notifier.notify)
    prefs.snapshots = lambda: meter.state.snapshots
    meter.settings_requested.connect(prefs.open_settings)
    prefs.connect_offered.connect(meter.tray_icon.offer_connect)
    meter.tray_icon.connect_requested.connect(prefs.open_connect)
    meter.worker.fetched.connect(prefs.first_result, Qt.ConnectionType.QueuedConnection)
    if prefs.notice:
        meter.set_notice(prefs.notice)
        meter.notifier.notify(prefs.notice_title, prefs.notice)


def account_poll(fetcher: Fetcher, account_id: str) -> Callable[[], FetchResult]:
    """One named account's scheduled poll: the account as the settings hold it at each poll
    (a rename keeps the id), its own credential only (``Fetcher.fetch_account``)."""

    def poll() -> FetchResult:
        named = fetcher.settings.accounts if fetcher.settings is not None else ()
        account = next((a for a in named if a.id == account_id), None)
        if account is None:  # removed meanwhile: the meter drops it
            return FetchResult(source="web", fetched_at=datetime.now(UTC), account=account_id)
        return fetcher.fetch_account(account)

    return poll


def connect_bridge(meter: TrayApp, link: BridgeLink, *, start: bool = True) -> None:
    """The extension's posts into the tray's one entry, in one queued hop; its menu entry,
    its notifications, its problems in the popover."""
    queued = Qt.ConnectionType.QueuedConnection
    link.received.connect(meter.on_result, queued)
    link.problem_found.connect(meter.set_notice)  # start() and open_pairing(): GUI thread
    link.pairing_opened.connect(
        lambda minutes: meter.notifier.notify(
            "Pair the ClaudeMeter browser extension",
            f"Pairing is open for {minutes} minutes: the extension pairs itself within "
            "seconds (or press Pair in its popup).",
        )
    )

    def paired(origin: str) -> None:
        log.info("paired %s", origin)
        meter.notifier.notify("Browser extension paired", "ClaudeMeter now receives its numbers.")

    link.paired.connect(paired, queued)
    meter.tray_icon.pair_requested.connect(link.open_pairing)
    meter.tray_icon.offer_pairing()
    if start:
        link.start()


def connect_statusline(meter: TrayApp, link: StatuslineLink) -> None:
    """Claude Code's status line readings into the tray's one entry (both on the GUI thread)."""
    link.received.connect(meter.on_result)
    link.start(datetime.now(UTC))


def bridge_link(port: int, keyring: Keyring) -> BridgeLink:
    """The browser extension's bridge, its tokens in the keyring (see ``bridge/``); nothing
    of it is loaded until it is started or paired (not even the pairing: some 3 ms of the
    tray's start, ``docs/benchmarks.md``)."""

    def pairing() -> Pairing:
        from claude_meter.bridge.pairing import Pairing

        return Pairing(keyring.store())

    return BridgeLink(pairing, port=port)


def _open_history() -> HistoryStore | None:
    """The person's history; without one the meter still works (no sparklines, forecasts).

    The integrity check is skipped at start to keep the first icon fast; corruption found
    later, while reading or writing, is set aside by the store itself. A write waits at most
    half a second for another program's lock: it runs on the GUI thread.
    """
    try:
        return HistoryStore.open(quick_check=False, busy=GUI_BUSY_TIMEOUT_SECONDS)
    except HistoryUnavailable as exc:
        log.warning("history unavailable, running without it: %s", exc)
        return None


def run_tray(
    *,
    demo: bool,
    log_file: Path | None,
    beginning: Beginning | None = None,
    argv: Sequence[str] | None = None,
    keyring_child: KeyringInChild | None = None,
) -> int:
    """Start the tray app's Qt part; returns the process exit status. What comes before Qt
    is done (``cli/tray_start.py``): the desktop checked, the log set up, and, unless the demo
    or a second launch, the first poll on its way (``beginning``); ``keyring_child``: the
    keyring's helper already reading the stored session (``sources/keyring_early.py``)."""
    try:
        return _start(
            demo=demo, log_file=log_file, beginning=beginning, argv=argv, early=keyring_child
        )
    finally:
        if keyring_child is not None:  # a second launch: not waited for
            keyring_child.close()


def _start(
    *,
    demo: bool,
    log_file: Path | None,
    beginning: Beginning | None,
    argv: Sequence[str] | None,
    early: KeyringInChild | None,
) -> int:
    qInstallMessageHandler(qt_message)
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
    SignalWakeup(app)
    with contextlib.ExitStack() as stack:
        stack.callback(instance.release)
        stack.callback(crash.uninstall)
        try:
            if beginning is None:  # the demo, or another tray was running when it looked
                beginning = begin(os.environ, demo=demo, keyring_child=early)
            return _run(app, instance, stack, beginning, demo=demo)
        except ConfigurationError as exc:  # a demo scenario or number of accounts unknown
            print(f"claude-meter: {exc}", file=sys.stderr)  # noqa: T201 - said, no traceback
            return 1


def _run(
    app: QApplication,
    instance: SingleInstance,
    stack: contextlib.ExitStack,
    begun: Beginning,
    *,
    demo: bool,
) -> int:
    env: Mapping[str, str] = os.environ
    pool, keyring, loaded, fetcher, saved = (
        begun.pool,
        begun.keyring,
        begun.loaded,
        begun.fetcher,
        begun.saved,
    )
    stack.callback(pool.close)
    if begun.keyring_child is not None:
        stack.callback(begun.keyring_child.close)
    interval, floor, route = loaded.settings.interval, MIN_INTERVAL, begun.route
    fetch: Fetch = begun.first_poll or fetcher
    history: HistoryStore | None
    demo_path: Path | None = None  # the demo's own settings, with its accounts
    if demo:
        from claude_meter.poll.demo import demo_settings, start_demo
        from claude_meter.qt.demo_parts import demo_accounts, demo_poll, seed_after_first_draw

        accounts = demo_accounts(env)
        running = start_demo(  # several accounts: `normal`, where each has its own numbers
            env.get("CLAUDE_METER_DEMO_SCENARIO", "rising" if accounts == 1 else "normal"),
            speed=float(env.get("CLAUDE_METER_DEMO_SPEED", "1") or 1),
            accounts=accounts,
        )
        stack.callback(running.stop)
        if running.named:  # never the person's settings file: nothing of them is saved there
            loaded = Loaded(demo_settings(loaded.settings, running))
            demo_path = running.folder() / "settings.json"
        fetcher.configure(env=running.env, demo=True)
        fetch = FirstPoll(fetcher)  # as without the demo: its first poll runs meanwhile
        history = running.open_history()  # its made-up past: after the first draw, see below
        interval = timedelta(seconds=float(env.get("CLAUDE_METER_POLL_SECONDS", "5") or 5))
        floor, route = timedelta(seconds=1), "demo"
    else:
        history = _open_history()
        if history is not None:
            stack.callback(history.close)
        if points_at_loopback(env) and env.get("CLAUDE_METER_POLL_SECONDS"):
            # Benchmarks and soak tests against a local fake server may poll fast; the real
            # claude.ai is never polled faster than the policy allows.
            interval = timedelta(seconds=float(env["CLAUDE_METER_POLL_SECONDS"]))
            floor = timedelta(milliseconds=10)
    stack.callback(_finish_history_reads)  # before the history closes: callbacks run last first
    prefs = Preferences(
        loaded,
        env,
        demo=demo,
        keyring=keyring,
        settings_path=demo_path,
        history=lambda: history_ids(history),
    )
    app.aboutToQuit.connect(prefs.close)
    meter = TrayApp(
        fetch,
        interval=interval,
        route=route,
        floor=floor,
        tray_wait=float(env.get("CLAUDE_METER_TRAY_WAIT", TRAY_WAIT_SECONDS)),
        history=history,
        thresholds=prefs.settings.thresholds,
        remember=None if demo else remember,
        saved=saved,
    )
    meter.interval_fixed = interval != prefs.settings.interval  # the demo's, or a test's
    if not demo:  # the demo shows its own fake accounts, never the person's named ones
        meter.account_fetch = lambda account_id: account_poll(fetcher, account_id)
    elif running.named:
        meter.account_fetch = lambda account_id: demo_poll(running, pool, account_id)
    connect_preferences(meter, prefs, fetcher)
    if demo:
        seeding = seed_after_first_draw(meter, running.open_history(), stack)
        app.aboutToQuit.connect(seeding.stop)  # while the tray it tells is still there
    else:  # `claude-meter accounts` and `login` change the settings from outside
        meter.settled.connect(lambda: watch_settings(meter, prefs))
    if keyring is not None:
        link = bridge_link(prefs.settings.bridge_port, keyring)
        link.set_accounts(prefs.settings.accounts)  # each post marked with its account
        prefs.settings_changed.connect(lambda settings: link.set_accounts(settings.accounts))
        connect_bridge(meter, link, start=False)
        if prefs.settings.bridge_enabled:  # after the first draw: some 20 ms of imports
            meter.settled.connect(lambda: _start_bridge(link))
        prefs.pair_requested.connect(link.open_pairing)
        prefs.pairing_available = True
        link.paired.connect(
            lambda _origin: _keep_bridge_on(prefs), Qt.ConnectionType.QueuedConnection
        )
        app.aboutToQuit.connect(link.stop)
    if not demo:
        connect_statusline(meter, StatuslineLink(parent=meter, history=history))
    instance.activated.connect(meter.open_popover)
    app.aboutToQuit.connect(meter.stop)
    meter.start()
    return app.exec()


def _finish_history_reads() -> None:
    """The History window's reads still running end before the history closes (imported
    only at the end: the window is not part of the start)."""
    from claude_meter.qt.history_window import finish_reads

    finish_reads()


def history_ids(history: HistoryStore | None) -> tuple[str, ...]:
    """The named accounts' ids the history holds: a new account is never given one."""
    from claude_meter.history.reads import account_ids

    return account_ids(history) if history is not None else ()  # a failed read: none


def watch_settings(meter: TrayApp, prefs: Preferences) -> None:
    """Settings saved by another process reach ``prefs`` from now on, and one saved since
    they were read at the start is applied now (``SettingsWatch.start(late=True)``)."""
    from claude_meter.core.settings import settings_path
    from claude_meter.qt.settings_watch import SettingsWatch

    watch = SettingsWatch(settings_path(), parent=meter)
    watch.read.connect(prefs.adopt)
    watch.start(late=True)


def _start_bridge(link: BridgeLink) -> None:
    """The bridge the settings turned on at the start, unless pairing started it already."""
    if not link.running:
        link.start()


def _keep_bridge_on(prefs: Preferences) -> None:
    """A paired extension keeps posting after a restart: the bridge must start again."""
    if not prefs.settings.bridge_enabled:
        prefs.change(msgspec.structs.replace(prefs.settings, bridge_enabled=True))
