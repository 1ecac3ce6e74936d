"""The first-run window, and the tray showing it when the first poll finds no source."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pytestqt.qtbot import QtBot

from claude_meter.core.models import FetchError, FetchResult, Snapshot, UsageWindow
from claude_meter.core.settings import Loaded, Settings, load_settings
from claude_meter.platform.autostart.linux import XdgAutostart
from claude_meter.poll.fetcher import Fetcher
from claude_meter.qt.app import TrayApp
from claude_meter.qt.compose import connect_preferences
from claude_meter.qt.first_run import WAYS, FirstRunWindow
from claude_meter.qt.preferences import Preferences
from claude_meter.sources.keyring_store import Keyring
from tests.support.notifier import Recorder


def no_source() -> FetchResult:
    return FetchResult(
        source="web",
        fetched_at=datetime.now(UTC),
        error=FetchError(kind="not_signed_in", message="No claude.ai session was found."),
    )


def numbers(percent: float = 40.0) -> FetchResult:
    now = datetime.now(UTC)
    windows = (
        UsageWindow(key="five_hour", label="Session (5h)", percent=percent, resets_at=now),
        UsageWindow(key="seven_day", label="Weekly · all models", percent=90.0, resets_at=now),
    )
    snapshot = Snapshot(
        source="web",
        org_uuid="o",
        org_name="Personal",
        account_email="me@example.com",
        fetched_at=now,
        windows=windows,
    )
    return FetchResult(source="web", fetched_at=now, snapshots=(snapshot,))


def test_every_way_has_a_button(qtbot: QtBot) -> None:
    made = FirstRunWindow("looked in Chrome and Firefox")
    qtbot.addWidget(made)
    assert set(made.buttons) == {key for key, *_ in WAYS} | {"demo", "check-again"}
    for key, button in made.buttons.items():
        with qtbot.waitSignal(made.chosen) as blocker:
            button.click()
        assert blocker.args == [key]
    assert made.detail.text() == "looked in Chrome and Firefox"


def tray(
    qtbot: QtBot,
    tmp_path: Path,
    prefs: Preferences,
    fetch: object,
    fetcher: Fetcher | None = None,
) -> TrayApp:
    app = TrayApp(
        fetch,  # type: ignore[arg-type]
        interval=timedelta(milliseconds=50),
        floor=timedelta(milliseconds=10),
        state_path=tmp_path / "state.json",
        notifier=Recorder(),
        tray_wait=30.0,
    )
    app.interval_fixed = True
    connect_preferences(app, prefs, fetcher or Fetcher({}))
    app.start()
    return app


def prefs_for(
    tmp_path: Path, loaded: Loaded | None = None, keyring: Keyring | None = None
) -> Preferences:
    return Preferences(
        loaded or Loaded(Settings()),
        {},
        autostart=XdgAutostart(tmp_path / "autostart"),
        settings_path=tmp_path / "settings.json",
        profiles=lambda env: [],
        keyring=keyring,
    )


def test_no_source_shows_the_first_run_window_then_the_demo(qtbot: QtBot, tmp_path: Path) -> None:
    prefs = prefs_for(tmp_path)
    fetcher = Fetcher({})
    app = tray(qtbot, tmp_path, prefs, lambda: fetcher() if fetcher.demo else no_source(), fetcher)
    opened: list[bool] = []
    app.open_popover = lambda: opened.append(True)  # type: ignore[method-assign]
    try:
        qtbot.waitUntil(lambda: prefs.first_run is not None and prefs.first_run.isVisible())
        assert prefs.first_run is not None
        assert "No claude.ai session" in prefs.first_run.detail.text()
        prefs.first_run.buttons["demo"].click()
        assert not prefs.first_run.isVisible()
        qtbot.waitUntil(lambda: app.state.has_numbers, timeout=10000)
        assert opened == [True]  # the demo's numbers are shown at once
    finally:
        app.stop()
        prefs.close()


def test_the_menu_reopens_the_closed_first_run_window_until_something_is_signed_in(
    qtbot: QtBot, tmp_path: Path
) -> None:
    """The tray's advice points at this window ("Try the demo"): closed with Later, the
    menu's Connect ClaudeMeter… brings it back, and goes once numbers come."""
    prefs = prefs_for(tmp_path)
    signed_in = threading.Event()
    app = tray(qtbot, tmp_path, prefs, lambda: numbers() if signed_in.is_set() else no_source())
    try:
        qtbot.waitUntil(lambda: prefs.first_run is not None and prefs.first_run.isVisible())
        assert prefs.first_run is not None
        assert app.tray_icon.connect_action.isVisible()
        prefs.first_run.close()  # "Later"
        app.tray_icon.connect_action.trigger()
        assert prefs.first_run.isVisible()
        assert "No claude.ai session" in prefs.first_run.detail.text()
        prefs.first_run.close()
        signed_in.set()  # the person signed in; the next poll reads numbers
        qtbot.waitUntil(lambda: not app.tray_icon.connect_action.isVisible(), timeout=10000)
    finally:
        app.stop()
        prefs.close()


def test_the_demo_takes_connect_off_the_menu(qtbot: QtBot, tmp_path: Path) -> None:
    prefs = prefs_for(tmp_path)
    fetcher = Fetcher({})
    app = tray(qtbot, tmp_path, prefs, lambda: fetcher() if fetcher.demo else no_source(), fetcher)
    app.open_popover = lambda: None  # type: ignore[method-assign]
    try:
        qtbot.waitUntil(app.tray_icon.connect_action.isVisible)
        prefs.start_demo()
        assert not app.tray_icon.connect_action.isVisible()
    finally:
        app.stop()
        prefs.close()


def test_choosing_claude_code_shows_its_state_at_once(qtbot: QtBot, tmp_path: Path) -> None:
    """Claude Code not signed in either: choosing it polls at once and says so, instead of
    keeping claude.ai's message until the error's backoff (a minute or two) ran out."""
    prefs = prefs_for(tmp_path)
    fetcher = Fetcher({})

    def fetch() -> FetchResult:
        chosen = fetcher.settings is not None and fetcher.settings.source == "claude-code"
        return fetcher() if chosen else no_source()

    app = TrayApp(
        fetch,
        interval=timedelta(seconds=60),  # the real cadence: its backoff is what held it
        state_path=tmp_path / "state.json",
        notifier=Recorder(),
        tray_wait=30.0,
    )
    connect_preferences(app, prefs, fetcher)
    app.start()
    try:
        qtbot.waitUntil(lambda: prefs.first_run is not None and prefs.first_run.isVisible())
        assert prefs.first_run is not None
        prefs.first_run.buttons["claude-code"].click()
        assert not prefs.first_run.isVisible()

        def claude_codes() -> bool:
            error = app.state.error
            return error is not None and "Claude Code's sign-in was not found" in error.message

        qtbot.waitUntil(claude_codes, timeout=3000)
        assert app.worker.route == "claude-code"
    finally:
        app.stop()
        prefs.close()


def test_numbers_at_first_poll_show_no_first_run(qtbot: QtBot, tmp_path: Path) -> None:
    prefs = prefs_for(tmp_path)
    app = tray(qtbot, tmp_path, prefs, numbers)
    qtbot.waitUntil(lambda: app.state.has_numbers)
    app.stop()
    assert prefs.first_run is None
    alone = prefs_for(tmp_path)
    alone.first_result(no_source())  # nothing at all: the first-run window, as before
    assert alone.first_run is not None
    qtbot.addWidget(alone.first_run)


def test_display_settings_reach_icon_and_popover(qtbot: QtBot, tmp_path: Path) -> None:
    prefs = prefs_for(tmp_path)
    app = tray(qtbot, tmp_path, prefs, numbers)
    qtbot.waitUntil(lambda: app.state.has_numbers)
    assert app.current_indicator().text == "90"  # the weekly window is the worst
    prefs.change(
        Settings(
            icon_hidden=("seven_day",),
            popover_hidden=("five_hour",),
            percent_shown="remaining",
            icon_style="ring",
            thresholds=(50,),
            poll_seconds=600,
        )
    )
    shown = app.current_indicator()
    assert shown.text == "60"  # session only, 100 - 40 left
    assert shown.percent == 40.0  # the colour still follows the used percent
    assert [r.usage_window.key for r in app.popover.rows] == ["seven_day"]
    assert app.popover.rows[0].percent.text() == "10% left"
    assert load_settings(tmp_path / "settings.json").settings.icon_style == "ring"
    app.stop()


def test_a_reset_settings_file_is_told(qtbot: QtBot, tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text("{oops")
    prefs = prefs_for(tmp_path, load_settings(path))
    app = tray(qtbot, tmp_path, prefs, numbers)
    app.stop()
    assert prefs.notice is not None
    assert app.popover.notice.text() == prefs.notice
    assert isinstance(app.notifier, Recorder)
    assert app.notifier.sent[0][0] == "ClaudeMeter settings were reset"


def test_extension_source_never_polls_claude_ai_itself() -> None:
    from claude_meter.core.settings import Settings
    from claude_meter.poll.messages import WAITING_FOR_EXTENSION

    fetcher = Fetcher({"CLAUDE_METER_COOKIE": "sessionKey=x"})
    result = fetcher.poll_with(Settings(source="extension"))
    assert result.snapshots == ()
    assert result.error is not None
    assert result.error.message == WAITING_FOR_EXTENSION
    assert result.source == "extension"


def test_named_accounts_show_no_first_run_for_the_default_one(qtbot: QtBot, tmp_path: Path) -> None:
    from claude_meter.core.accounts import AccountRef

    work = AccountRef(id="work", name="Work", kind="pasted")
    prefs = prefs_for(tmp_path, Loaded(Settings(accounts=(work,))))
    prefs.first_result(no_source())  # the default account has nothing; Work is the way in
    assert prefs.first_run is None
    alone = prefs_for(tmp_path)
    alone.first_result(no_source())  # nothing at all: the first-run window, as before
    assert alone.first_run is not None
    qtbot.addWidget(alone.first_run)
