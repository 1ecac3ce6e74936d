"""The settings in a running tray: the file, the settings and first-run windows, the source.

:class:`Preferences` owns the current :class:`Settings` and the windows that change them:
saving, the autostart switch, pasting a session, the connection test, the demo, and the
first-run window when the first poll finds no source at all. It knows nothing of the tray:
it emits :attr:`Preferences.settings_changed` (and asks for a refresh, the popover, a
notification or the demo by signals), and the composition (``qt/compose.py``) hands the
settings to the fetcher, the live meter and the tray.

Past 400 lines: the first-run window's ways, pasting and the connection test each change the
settings this class owns, and the Settings window's accounts (``qt/account_editor.py``) are
saved through it (:meth:`Preferences.commit`); split apart they would pass it back and forth.
"""

from __future__ import annotations

import logging
import sys
import threading
import weakref
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import msgspec
from PySide6.QtCore import QObject, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices

from claude_meter.core import paths
from claude_meter.core.models import FetchResult, Snapshot
from claude_meter.core.presentation import connection_text
from claude_meter.core.settings import (
    Loaded,
    Settings,
    UnreadableSettings,
    reread_settings,
    save_settings,
)
from claude_meter.core.usage import KNOWN_WINDOWS
from claude_meter.poll.fetcher import Fetcher

if TYPE_CHECKING:  # imported when first used (the windows, start at login): most runs never do
    from claude_meter.platform.autostart import Autostart
    from claude_meter.poll.demo import Demo
    from claude_meter.qt.account_editor import AccountEditor
    from claude_meter.qt.first_run import FirstRunWindow
    from claude_meter.qt.found_accounts import FoundAccounts
    from claude_meter.qt.settings_window import ProfileChoice, SettingsWindow
    from claude_meter.sources.keyring_store import Keyring

log = logging.getLogger("claude_meter.preferences")

SIGN_IN_URL = "https://claude.ai/login"
DEFAULT_WINDOWS = ("five_hour", "seven_day", "seven_day_sonnet", "seven_day_opus")


def profile_choices(env: Mapping[str, str]) -> list[ProfileChoice]:
    """Every browser profile with a cookie file (names only), for the settings window."""
    from claude_meter.qt.settings_window import ProfileChoice

    try:
        from claude_meter.sources.browser_profiles import discover_profiles
        from claude_meter.sources.claude_code import default_home

        profiles = discover_profiles(sys.platform, default_home(), env)
    except Exception as exc:  # noqa: BLE001 - a profile scan must never stop the window
        log.info("browser profiles could not be listed: %s", type(exc).__name__)
        return []
    return [ProfileChoice(p.browser.key, p.name, p.label) for p in profiles]


class Preferences(QObject):
    """Settings, their windows and their effects on one :class:`TrayApp`."""

    _tested = Signal(bool, str)  # from the test thread to the GUI thread
    _pasted = Signal(object, bool, str)  # from the paste thread: the session, stored, why not
    pasted = Signal(bool)  # a pasted session was taken (True: into the keyring)
    pair_requested = Signal()  # the bridge, when there is one, opens its pairing window
    settings_changed = Signal(object)  # Settings: applied from now on (saved or not)
    environment_changed = Signal(object)  # Mapping[str, str]: this run's polls use it
    demo_started = Signal(object)  # Mapping[str, str]: the demo's environment
    refresh_requested = Signal()
    popover_requested = Signal()
    notify_requested = Signal(str, str)  # title, body
    connect_offered = Signal(bool)  # nothing signed in (or no longer): the menu's Connect…

    def __init__(
        self,
        loaded: Loaded,
        env: Mapping[str, str],
        *,
        autostart: Autostart | None = None,
        settings_path: Path | None = None,
        demo: bool = False,
        profiles: Callable[[Mapping[str, str]], list[ProfileChoice]] = profile_choices,
        keyring: Keyring | None = None,
        history: Callable[[], Iterable[str]] = tuple,
    ) -> None:
        super().__init__()
        self.settings = loaded.settings
        self.notice = loaded.notice
        #: the notice's title: the file was set aside and the settings reset, or left unread
        self.notice_title = (
            "ClaudeMeter could not read its settings"
            if loaded.unread
            else "ClaudeMeter settings were reset"
        )
        self._env = dict(env)  # a pasted session with no keyring lives here, for this run only
        self._autostart_given = autostart  # None: the OS's, picked when first needed
        self._path = settings_path
        self._unread: str | None = None  # why the last save left the file alone, if it did
        self.commit_problem: str | None = None  # the same, for the last commit()
        self._profiles = profiles
        self.demo = demo
        self._demo: Demo | None = None
        self._keyring = keyring
        #: The ids the usage history holds: no account added here is given one.
        self.history_ids = history
        #: The organizations the meter shows (set by the composition): their windows are
        #: the ones the settings window lists.
        self.snapshots: Callable[[], Sequence[Snapshot]] = tuple
        self.settings_window: SettingsWindow | None = None
        self.first_run: FirstRunWindow | None = None
        self._first_poll_seen = False
        self._offered = False  # the menu offers the first-run window again
        self._detail: str | None = None  # the last "not signed in", for that window
        self.pairing_available = False
        self._tested.connect(self._on_tested, Qt.ConnectionType.QueuedConnection)
        self._pasted.connect(self._on_pasted, Qt.ConnectionType.QueuedConnection)
        self.found_accounts: FoundAccounts | None = None  # made with the first-run window
        self._accounts: AccountEditor | None = None

    # -- the first poll -----------------------------------------------------------------------

    def first_result(self, result: FetchResult) -> None:
        """Every poll's result (the composition connects it): the first may open the first-run
        window; each says whether the menu offers it again (:attr:`connect_offered`)."""
        unconnected = self._unconnected(result)
        self._detail = result.error.message if unconnected and result.error else None
        if unconnected != self._offered:
            self._offered = unconnected
            self.connect_offered.emit(unconnected)
        if not self._first_poll_seen:
            self._first_poll_seen = True
            if unconnected:
                log.info("no source of credentials found; showing the first-run window")
                self.show_first_run(self._detail)

    def _unconnected(self, result: FetchResult) -> bool:
        """No way in yet: the first-run window's case (and its menu entry's)."""
        waiting = self.settings.source == "extension"  # the extension has not posted yet
        return (
            result.error is not None
            and result.error.kind == "not_signed_in"
            and not self.demo
            and not waiting
            and not self.settings.accounts  # named accounts: a way in exists already
        )

    def open_connect(self) -> None:
        """The menu's "Connect ClaudeMeter…": the first-run window again, after it was closed."""
        self.show_first_run(self._detail)

    # -- first run --------------------------------------------------------------------------

    def show_first_run(self, detail: str | None = None) -> FirstRunWindow:
        if self.first_run is None:
            from claude_meter.qt.first_run import FirstRunWindow

            self.first_run = FirstRunWindow(detail)
            self.first_run.chosen.connect(self._on_way_chosen)
            self._look_for_accounts()
        else:
            self.first_run.set_detail(detail)
        self.first_run.show()
        self.first_run.raise_()
        self.first_run.activateWindow()
        return self.first_run

    def _on_way_chosen(self, way: str) -> None:
        log.info("first run: %s", way)
        if way == "browser":
            QDesktopServices.openUrl(QUrl(SIGN_IN_URL))
            return
        if way == "check-again":
            self._refresh()
            self._look_for_accounts()
        elif way == "paste":
            if self.paste_session():
                self._close_first_run()
        elif way == "claude-code":
            self.change(msgspec.structs.replace(self.settings, source="claude-code"))
            self._close_first_run()
        elif way == "extension":
            self._close_first_run()
            window = self.open_settings()
            window.source.setCurrentIndex(window.source.findData("extension"))
            window.bridge.setChecked(True)
        elif way == "demo":
            self.start_demo()
            self._close_first_run()
            self.popover_requested.emit()

    def _look_for_accounts(self) -> None:
        if self.demo or self.first_run is None:
            return
        if self.found_accounts is None:
            from claude_meter.qt.found_accounts import FoundAccounts

            self.found_accounts = FoundAccounts(self.history_ids)
            self.found_accounts.chosen.connect(self._on_accounts_added)
        self.found_accounts.look(self.first_run, self._env, self.settings)

    def _on_accounts_added(self, settings: Settings) -> None:
        """The ticked found accounts; the default one found nothing, so it is metered no more
        (``claude-meter login`` meters it again)."""
        self.change(msgspec.structs.replace(settings, default_account=False))
        self._refresh()
        self._close_first_run()

    def _close_first_run(self) -> None:
        if self.first_run is not None:
            self.first_run.close()

    def start_demo(self) -> None:
        """Numbers from the built-in fake claude.ai for the rest of this run (not saved)."""
        if self._demo is not None:
            return
        from claude_meter.poll.demo import start_demo

        self._demo = start_demo()
        self.demo = True
        if self._offered:
            self._offered = False
            self.connect_offered.emit(False)
        self.demo_started.emit(self._demo.env)
        self._refresh()

    def close(self) -> None:
        for window in (self.settings_window, self.first_run):
            if window is not None:
                window.close()
        if self._demo is not None:
            self._demo.stop()
            self._demo = None

    # -- the settings window ----------------------------------------------------------------

    def open_settings(self) -> SettingsWindow:
        if self.settings_window is None or not self.settings_window.isVisible():
            if self.settings_window is not None:
                self.settings_window.deleteLater()
            from claude_meter.qt.settings_window import SettingsWindow

            window = SettingsWindow(
                self.settings,
                autostart=self._autostart_on(),
                windows=self._window_list(),
                profiles=self._profiles(self._env),
                pairing_available=self.pairing_available,
                demo=self.demo,
            )
            window.saved.connect(self._on_saved)
            window.accounts.add_requested.connect(lambda: self.accounts.open_add(window))
            window.accounts.paste_requested.connect(
                lambda key: self.accounts.open_new_session(window, key)
            )
            window.accounts.remove_requested.connect(
                lambda key: self.accounts.remove(window, key, window.show_problem)
            )
            window.test_requested.connect(self.test_connection)
            window.paste_requested.connect(self.paste_session)
            window.pair_requested.connect(self.pair_requested)
            self.settings_window = window
        self.settings_window.show()
        self.settings_window.raise_()
        self.settings_window.activateWindow()
        return self.settings_window

    def _window_list(self) -> list[tuple[str, str]]:
        """The windows the account has, then any the person hid; the common ones before any
        poll."""
        found: dict[str, str] = {}
        for snapshot in self.snapshots():
            for window in snapshot.windows:
                found.setdefault(window.key, window.label)
        if not found:
            found = {key: KNOWN_WINDOWS[key] for key in DEFAULT_WINDOWS}
        for key in (*self.settings.icon_hidden, *self.settings.popover_hidden):
            found.setdefault(key, KNOWN_WINDOWS.get(key, key))
        return list(found.items())

    @property
    def _autostart(self) -> Autostart:
        """The start-at-login backend, picked (``platform/autostart``) when the settings
        window first needs it: not on the tray's path to its first drawn numbers."""
        if self._autostart_given is None:
            from claude_meter.platform.autostart import pick

            self._autostart_given = pick()
        return self._autostart_given

    def _autostart_on(self) -> bool:
        try:
            return self._autostart.status().enabled
        except OSError:
            return False

    def _on_saved(self, settings: Settings, autostart: bool) -> None:
        window = self.settings_window
        problems: list[str] = []
        try:
            if autostart != self._autostart_on():
                if autostart:
                    from claude_meter.platform.autostart import launch_command

                    self._autostart.enable(launch_command())
                else:
                    self._autostart.disable()
        except OSError as exc:
            problems.append(f"Start at login could not be changed: {exc.strerror or exc}.")
        if not self.change(settings):
            unread = self._unread
            problems.append(
                f"The settings were not saved: {unread}."
                if unread
                else f"The settings could not be saved in {paths.config_dir()}."
            )
        if window is not None:
            if problems:
                window.show_problem(" ".join(problems))
            else:
                window.close()

    @property
    def accounts(self) -> AccountEditor:
        """Adds and removes accounts for the Settings window (made when first asked)."""
        if self._accounts is None:
            from claude_meter.qt.account_editor import AccountEditor

            self._accounts = AccountEditor(self, self._keyring, self)
        return self._accounts

    @property
    def env(self) -> Mapping[str, str]:
        return dict(self._env)

    def change(self, settings: Settings) -> bool:
        """Save and apply; False when the file could not be written (still applied)."""
        self._apply(settings)
        saved, self._unread = self._write(settings)
        if saved:
            log.info("settings saved")
        return saved

    def _write(self, settings: Settings) -> tuple[bool, str | None]:
        """Write the file: whether it was written, and why not when the person's own file is
        there but unreadable (it is left as it is, and they are told)."""
        try:
            save_settings(settings, self._path)
        except UnreadableSettings as exc:
            log.warning("did not save the settings: %s", exc)
            return False, str(exc)
        except (OSError, ValueError) as exc:
            log.warning("could not save the settings: %s", exc)
            return False, None
        return True, None

    def on_disk(self) -> Settings | None:
        """The settings file as it is now (``claude-meter accounts`` may have changed it a
        moment ago, before the tray saw it); None when it is missing or unusable. Any thread."""
        return reread_settings(self._path)

    def commit(self, settings: Settings) -> bool:
        """Save, then apply: an account added or removed exists once it is on disk, so the
        command line and the tray never disagree about it; False (nothing applied) when the
        file could not be written."""
        saved, self.commit_problem = self._write(settings)
        if saved:
            self._apply(settings)
        return saved

    def _apply(self, settings: Settings) -> None:
        source_changed = _default_source(settings) != _default_source(self.settings)
        self.settings = settings
        self.settings_changed.emit(settings)
        if self.settings_window is not None:
            self.settings_window.follow(settings)
        if source_changed:
            self._refresh()

    def adopt(self, settings: Settings) -> None:
        """Settings another process saved (``claude-meter accounts``, ``login``, an editor):
        applied, not saved again; the named accounts come and go with them (the tray)."""
        if settings != self.settings:
            log.info("settings changed on disk; applying them")
            self._apply(settings)

    def _refresh(self) -> None:
        self.refresh_requested.emit()

    def refresh(self) -> None:
        """Every account read at once (a new session was stored for one of them)."""
        self._refresh()

    # -- connecting -------------------------------------------------------------------------

    def paste_session(self) -> bool:
        """Ask for a pasted session, keep it in the keyring (or this run's memory)."""
        from PySide6.QtWidgets import QInputDialog, QLineEdit  # made only when asked for

        from claude_meter.sources.cookies import InvalidCookie, SessionCookies
        from claude_meter.sources.keyring_store import NO_KEYRING, Keyring, Saved

        parent = self.settings_window if self.settings_window is not None else self.first_run
        text, ok = QInputDialog.getText(
            parent,
            "Paste your claude.ai session",
            "The Cookie header of a claude.ai request, or the sessionKey value:",
            QLineEdit.EchoMode.Password,
        )
        if not ok or not text.strip():
            return False
        try:
            cookies = SessionCookies.parse(text)
        except InvalidCookie as exc:
            self._tell(False, f"That is not a claude.ai session: {exc}.")
            return False
        # The keyring write may take a helper process, or wait for the person at an unlock
        # prompt: off the GUI thread. The rest follows on the GUI thread (``_on_pasted``).

        keyring = self._keyring or Keyring()

        def store() -> tuple[object, ...]:
            try:
                saved = keyring.store().save(cookies)
            except Exception as exc:  # noqa: BLE001 - said to the person, the app goes on
                log.error("storing the pasted session failed: %s", type(exc).__name__)
                saved = Saved(persisted=False, message=NO_KEYRING.format(why="it failed"))
            return cookies, saved.persisted, saved.message or ""

        self._in_background("claude-meter-paste", store, "_pasted")
        return True

    def _on_pasted(self, cookies: object, persisted: bool, message: str) -> None:
        from claude_meter.sources.cookies import COOKIE_ENV, SessionCookies

        if not persisted and isinstance(cookies, SessionCookies):
            # No keyring: this run only, in memory. Never a file.
            self._env[COOKIE_ENV] = cookies.header().reveal()
            self.environment_changed.emit(dict(self._env))
        # pasted for the default account, which `login` would meter again: so does this
        self.change(msgspec.structs.replace(self.settings, source="pasted", default_account=True))
        text = "Session stored in the keyring." if persisted else message
        if not self._tell(True, text) and not persisted:
            self.notify_requested.emit("Your claude.ai session is kept for this run only", text)
        self.pasted.emit(persisted)

    def _tell(self, ok: bool, text: str | None) -> bool:
        """Say ``text`` in the open window; False when no window is open to say it in."""
        if self.settings_window is not None and self.settings_window.isVisible():
            self.settings_window.show_test_result(ok, text or "")
        elif self.first_run is not None and self.first_run.isVisible():
            self.first_run.set_detail(text)
        else:
            return False
        return True

    def test_connection(self, settings: Settings) -> None:
        """Poll once with ``settings`` on a short-lived thread; the answer comes back queued."""
        fetcher = Fetcher(self._env, settings=settings, keyring=self._keyring)

        def poll() -> tuple[object, ...]:
            try:
                return connection_text(fetcher())
            except Exception as exc:
                log.exception("connection test failed")
                return False, f"The test failed unexpectedly ({type(exc).__name__})."

        self._in_background("claude-meter-test", poll, "_tested")

    def _in_background(self, name: str, work: Callable[[], tuple[object, ...]], done: str) -> None:
        """Run ``work`` on a short-lived thread; its answer comes back through the signal
        named ``done``, queued to the GUI thread.

        Only a weak reference crosses to the thread: it must never hold the last reference to
        this QObject, or the object would be destroyed there, off the GUI thread.
        """
        this = weakref.ref(self)

        def run() -> None:
            answer = work()
            prefs = this()
            if prefs is not None:
                getattr(prefs, done).emit(*answer)

        threading.Thread(target=run, name=name, daemon=True).start()

    def _on_tested(self, ok: bool, text: str) -> None:
        if self.settings_window is not None:
            self.settings_window.show_test_result(ok, text)


def _default_source(settings: Settings) -> tuple[object, ...]:
    return settings.source, settings.browser, settings.profile, settings.default_account
