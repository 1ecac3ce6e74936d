"""A rate limit's deadline holds only the route it was given for (``qt/worker.py``).

The whole tray path with real parts: the settings (``Preferences``), the real ``Fetcher``
against the fake claude.ai over loopback (its claude.ai route and its Claude Code route),
``TrayApp`` and its worker, the deadlines kept in a real ``state.json``. A deadline saved for
claude.ai held the first poll after the person chose Claude Code (and the other way round):
the worker kept one deadline, whatever the route.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pytestqt.qtbot import QtBot

from claude_meter.core.settings import Loaded, Settings
from claude_meter.core.state import SavedState, load_state, save_state
from claude_meter.fake import FakeClaude
from claude_meter.platform.autostart.linux import XdgAutostart
from claude_meter.poll.fetcher import Fetcher
from claude_meter.qt.app import TrayApp
from claude_meter.qt.compose import connect_preferences
from claude_meter.qt.preferences import Preferences
from tests.conftest import TEST_OAUTH_TOKEN, TEST_SESSION_KEY
from tests.support.notifier import Recorder

HOUR = timedelta(hours=1)


def web_requests(server: FakeClaude) -> int:
    return sum(r.path.startswith("/api/organizations") for r in server.request_log)


def code_requests(server: FakeClaude) -> int:
    return sum(r.path == "/api/oauth/usage" for r in server.request_log)


@contextmanager
def tray(
    server: FakeClaude, tmp_path: Path, settings: Settings, saved: SavedState
) -> Iterator[tuple[TrayApp, Preferences]]:
    """The tray with ``settings`` at its start and ``saved`` as the state an earlier run left."""
    env = {
        "CLAUDE_METER_BASE_URL": server.base_url,
        "CLAUDE_METER_OAUTH_BASE_URL": server.base_url,
        "CLAUDE_METER_COOKIE": f"sessionKey={TEST_SESSION_KEY}",
        "CLAUDE_CODE_OAUTH_TOKEN": TEST_OAUTH_TOKEN,
    }
    save_state(saved, tmp_path / "state.json")
    prefs = Preferences(
        Loaded(settings),
        env,
        autostart=XdgAutostart(tmp_path / "autostart"),
        settings_path=tmp_path / "settings.json",
        profiles=lambda env: [],
    )
    fetcher = Fetcher(env, settings=settings)
    app = TrayApp(
        fetcher,
        interval=timedelta(minutes=10),  # no regular poll comes during the test
        state_path=tmp_path / "state.json",
        notifier=Recorder(),
        tray_wait=30.0,
    )
    app.interval_fixed = True
    connect_preferences(app, prefs, fetcher)
    app.start()
    try:
        yield app, prefs
    finally:
        app.stop()
        prefs.close()


def test_a_deadline_holds_its_own_route_only(
    qtbot: QtBot, fake_server: FakeClaude, tmp_path: Path
) -> None:
    web_deadline = datetime.now(UTC) + HOUR
    saved = SavedState(not_before={"web": web_deadline})
    with tray(fake_server, tmp_path, Settings(source="auto"), saved) as (app, prefs):
        qtbot.wait(300)  # a negative check: claude.ai's deadline holds its first poll
        assert web_requests(fake_server) == 0

        prefs.change(Settings(source="claude-code"))  # the first poll of Claude Code: at once
        qtbot.waitUntil(lambda: app.state.has_numbers, timeout=5000)
        assert code_requests(fake_server) == 1
        assert web_requests(fake_server) == 0
        assert app.meter.saved.not_before == {"web": web_deadline}  # kept for its route

        prefs.change(Settings(source="auto"))  # back to claude.ai: its deadline holds again
        app.refresh_pressed()  # and Refresh waits for a server's deadline, as before
        qtbot.wait(300)
        assert web_requests(fake_server) == 0
        assert code_requests(fake_server) == 1
    assert load_state(tmp_path / "state.json").not_before == {"web": web_deadline}


def test_a_restart_on_another_route_polls_at_once(
    qtbot: QtBot, fake_server: FakeClaude, tmp_path: Path
) -> None:
    """The tray starts on the route of its settings: another route's deadline holds nothing."""
    saved = SavedState(not_before={"web": datetime.now(UTC) + HOUR})
    with tray(fake_server, tmp_path, Settings(source="claude-code"), saved) as (app, _):
        qtbot.waitUntil(lambda: app.state.has_numbers, timeout=5000)
        assert (code_requests(fake_server), web_requests(fake_server)) == (1, 0)

    saved = SavedState(not_before={"claude-code": datetime.now(UTC) + HOUR})
    before = len(fake_server.request_log)
    with tray(fake_server, tmp_path, Settings(source="auto"), saved) as (app, _):
        qtbot.waitUntil(lambda: web_requests(fake_server) > 0, timeout=5000)
        assert code_requests(fake_server) == 1  # none since the first tray's
        assert len(fake_server.request_log) > before
