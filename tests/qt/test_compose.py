"""The composition is the only place that knows the tray's parts: the parts import neither
each other in a circle nor the command line, and the settings reach every part."""

from __future__ import annotations

import ast
import contextlib
import logging
import sqlite3
import threading
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

import claude_meter.qt
from claude_meter.core.models import Snapshot
from claude_meter.core.settings import Loaded, Settings
from claude_meter.platform.autostart.linux import XdgAutostart
from claude_meter.poll.fetcher import Fetcher
from claude_meter.qt.app import TrayApp
from claude_meter.qt.compose import connect_preferences
from claude_meter.qt.preferences import Preferences
from tests.qt.test_first_run import numbers
from tests.support.notifier import Recorder

QT = Path(claude_meter.qt.__file__).parent


def imports_of(path: Path) -> set[str]:
    """Every ``claude_meter`` module a file imports, under TYPE_CHECKING and in functions too."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {name for name in found if name.startswith("claude_meter.")}


def test_no_import_circle_in_qt_and_no_qt_module_imports_the_cli() -> None:
    graph = {
        f"claude_meter.qt.{path.stem}": {
            name for name in imports_of(path) if name.startswith("claude_meter.qt.")
        }
        for path in QT.glob("*.py")
    }
    for path in QT.glob("*.py"):
        cli = [
            n
            for n in imports_of(path)
            if n == "claude_meter.cli" or n.startswith("claude_meter.cli.")
        ]
        assert cli == [], path

    def reaches(start: str, goal: str, seen: set[str]) -> bool:
        for name in graph.get(start, ()):
            if name == goal or (name not in seen and reaches(name, goal, seen | {name})):
                return True
        return False

    circles = [module for module in graph if reaches(module, module, set())]
    assert circles == []
    for part in ("app", "bridge_link", "preferences", "tray_icon"):  # only compose knows them
        assert "claude_meter.qt.compose" not in graph[f"claude_meter.qt.{part}"]


def test_the_settings_reach_the_fetcher_the_meter_and_the_tray(
    qtbot: QtBot, tmp_path: Path
) -> None:
    prefs = Preferences(
        Loaded(Settings()),
        {},
        autostart=XdgAutostart(tmp_path / "autostart"),
        settings_path=tmp_path / "settings.json",
        profiles=lambda env: [],
    )
    fetcher = Fetcher({})
    app = TrayApp(
        numbers,
        interval=timedelta(milliseconds=50),
        floor=timedelta(milliseconds=10),
        state_path=tmp_path / "state.json",
        notifier=Recorder(),
        tray_wait=30.0,
    )
    app.interval_fixed = True  # the test's interval, not the settings' minute
    connect_preferences(app, prefs, fetcher)
    app.start()
    try:
        qtbot.waitUntil(lambda: app.state.has_numbers)
        chosen = Settings(percent_shown="remaining", thresholds=(50,), source="claude-code")
        prefs.change(chosen)
        assert fetcher.settings == chosen
        assert app.meter.thresholds == (50,)
        assert app.meter.choice.show_remaining
        assert "left" in app.tray.toolTip()
        prefs.notify_requested.emit("title", "body")
        assert ("title", "body") in app.notifier.sent  # type: ignore[attr-defined]
    finally:
        app.stop()
        prefs.close()


def test_the_demo_draws_first_and_shows_its_past_once_written(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``--demo``: the first numbers are drawn before the made-up past is written; a popover
    opened meanwhile shows no forecast and no sparkline, the History window no window (the
    history has nothing yet: nothing wrong is said), and they appear once the past is in,
    without reopening either."""
    from claude_meter.poll import demo_seeding
    from claude_meter.poll.demo import start_demo
    from claude_meter.qt.demo_parts import seed_after_first_draw

    let_through, entered = threading.Event(), threading.Event()
    real_past = demo_seeding.demo_past

    def held_past(first: Snapshot, now: datetime) -> Sequence[Snapshot]:
        entered.set()
        assert let_through.wait(10)
        return real_past(first, now)

    monkeypatch.setattr(demo_seeding, "demo_past", held_past)
    with start_demo("rising") as demo, contextlib.ExitStack() as stack:
        history = demo.open_history()
        app = TrayApp(
            Fetcher(demo.env, demo=True),
            interval=timedelta(seconds=60),
            state_path=tmp_path / "state.json",
            notifier=Recorder(),
            tray_wait=30.0,
            history=history,
        )
        seed_after_first_draw(app, history, stack)
        stack.callback(app.stop)
        app.start()
        qtbot.waitUntil(lambda: app.state.has_numbers)
        qtbot.waitUntil(entered.is_set)  # begun once the first numbers are drawn (settled)
        app.open_history()
        window = app.history_window
        assert window is not None
        qtbot.waitUntil(lambda: window.overview is not None, timeout=10_000)
        assert window.overview is not None
        assert not window.overview.windows  # nothing yet: the live reading waits for the past
        app.open_popover()
        rows = app.popover.rows
        assert rows
        assert all(r.forecast.isHidden() and r.sparkline.isHidden() for r in rows)
        let_through.set()
        qtbot.waitUntil(lambda: any(not r.forecast.isHidden() for r in app.popover.rows))
        assert any(not r.sparkline.isHidden() for r in app.popover.rows)
        assert any("at reset" in r.forecast.text() for r in app.popover.rows)
        app.popover.hide()
        qtbot.waitUntil(lambda: bool(window.overview and window.overview.windows), timeout=10_000)
        window.close()
        qtbot.waitUntil(lambda: app.history_window is None, timeout=5000)


def test_the_trays_history_waits_only_briefly_for_another_programs_lock(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The tray records on its GUI thread: a write lock held by another program (a sqlite3
    shell, a backup tool) froze it for the full 10 s at every reading."""
    from claude_meter.qt.compose import _open_history
    from tests.history.support import T0, snapshot

    store = _open_history()
    assert store is not None
    holder = sqlite3.connect(store.path, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")  # another program's write lock
        with caplog.at_level(logging.WARNING, logger="claude_meter.history"):
            assert not store.record(snapshot(T0, 40.0))  # dropped, said, the meter goes on
        assert f"{store.path} is locked by another program" in caplog.text
        assert "for more than 0.5 s" in caplog.text
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert store.record(snapshot(T0, 40.0))
    store.close()


def test_a_damaged_state_file_is_said_once_at_start(
    qtbot: QtBot, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The tray read ``state.json`` twice at start (for its first poll, then the meter), so
    one damaged file was said twice in its log; it is read once and handed on."""
    from claude_meter.core.state import load_state

    path = tmp_path / "state.json"
    path.write_text("{not JSON")
    with caplog.at_level(logging.WARNING, logger="claude_meter.state"):
        saved = load_state(path)
        app = TrayApp(numbers, state_path=path, notifier=Recorder(), saved=saved)
    assert app.meter.saved is saved
    said = [r for r in caplog.records if "Could not read the saved state" in r.getMessage()]
    assert len(said) == 1
    compose = (QT / "compose.py").read_text(encoding="utf-8")
    beginning = (QT.parent / "poll" / "beginning.py").read_text(encoding="utf-8")
    assert compose.count("load_state(") == 0  # the tray's only reader hands it to the meter
    assert beginning.count("load_state(") == 1
    assert "saved=saved" in compose
