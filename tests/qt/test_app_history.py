"""The tray's way into the History window: the menu entry and the popover's button open one
window (made then, not before), and closing it lets it go."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from pytestqt.qtbot import QtBot

from claude_meter.history import HistoryStore
from claude_meter.qt.app import TrayApp
from tests.qt.test_app import Script, result
from tests.support.notifier import Recorder


def test_menu_and_popover_open_one_history_window(qtbot: QtBot, tmp_path: Path) -> None:
    with HistoryStore.open(tmp_path / "history.sqlite3") as history:
        now = datetime.now(UTC)
        script = Script(result(10, at=now - timedelta(minutes=2)), result(20, at=now))
        app = TrayApp(
            script,
            interval=timedelta(milliseconds=50),
            floor=timedelta(milliseconds=10),
            state_path=tmp_path / "s.json",
            notifier=Recorder(),
            tray_wait=30.0,
            history=history,
        )
        assert app.history_window is None  # nothing of it exists until asked for
        app.start()
        qtbot.waitUntil(lambda: script.calls >= 2, timeout=5000)
        app.tray_icon.history_requested.emit()
        window = app.history_window
        assert window is not None
        qtbot.waitUntil(window.isVisible)
        app.popover.history_clicked.emit()
        assert app.history_window is window  # the same window, raised
        qtbot.waitUntil(lambda: window.chart.data is not None, timeout=10_000)
        window.close()
        qtbot.waitUntil(lambda: app.history_window is None, timeout=5000)
        app.stop()


def test_without_a_history_the_popover_says_why(qtbot: QtBot, tmp_path: Path) -> None:
    app = TrayApp(
        Script(result(10)),
        interval=timedelta(seconds=60),
        state_path=tmp_path / "s.json",
        notifier=Recorder(),
        tray_wait=30.0,
    )
    app.open_history()
    assert app.history_window is None
    assert "history is unavailable" in app.popover.notice.text()
    app.stop()


def test_the_open_history_window_shows_the_accounts_as_they_are_now(
    qtbot: QtBot, tmp_path: Path
) -> None:
    """Opened with Work, then Work renamed Initech and Side removed (``accounts`` on the
    command line, reaching the tray as settings): the open window shows the new name, and
    the removed account's history as "Removed account (side)", without being reopened."""
    from claude_meter.core.accounts import AccountRef
    from claude_meter.core.settings import Settings
    from tests.history.support import ORG, snapshot

    work = AccountRef(id="work", name="Work", kind="pasted")
    side = AccountRef(id="side", name="Side", kind="pasted")
    with HistoryStore.open(tmp_path / "history.sqlite3") as history:
        now = datetime.now(UTC)
        for account in (None, "work", "side"):
            history.record(snapshot(now - timedelta(minutes=5), 10.0, 20.0, account=account))
        app = TrayApp(
            Script(result(10, at=now)),
            interval=timedelta(seconds=60),
            state_path=tmp_path / "s.json",
            notifier=Recorder(),
            tray_wait=30.0,
            history=history,
        )
        app.apply_settings(Settings(accounts=(work, side), default_account_name="Personal"))
        app.open_history()
        window = app.history_window
        assert window is not None
        qtbot.waitUntil(lambda: window.org_box.count() == 3, timeout=10_000)

        def labels() -> list[str]:
            return [window.org_box.itemText(i) for i in range(window.org_box.count())]

        assert labels() == [f"Personal · {ORG[:8]}", f"Work · {ORG[:8]}", f"Side · {ORG[:8]}"]
        renamed = AccountRef(id="work", name="Initech", kind="pasted")
        app.apply_settings(Settings(accounts=(renamed,), default_account_name="Personal"))
        assert labels() == [
            f"Personal · {ORG[:8]}", f"Initech · {ORG[:8]}", f"Removed account (side) · {ORG[:8]}"
        ]  # fmt: skip
        window.close()
        qtbot.waitUntil(lambda: app.history_window is None, timeout=5000)
        app.stop()
