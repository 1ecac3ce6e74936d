"""The History window offscreen: it reads on a pool thread, switches spans, says a point's time
and value on hover and keyboard focus, exports PNG and CSV, and is gone once closed."""

from __future__ import annotations

import csv
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPointF, Qt, QThreadPool
from PySide6.QtGui import QImage
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

import claude_meter.qt.history_window as history_window
from claude_meter.cli import main
from claude_meter.history import HistoryStore
from claude_meter.history.chart_data import SPANS
from claude_meter.qt.history_window import NO_HISTORY, HistoryWindow, choice_data
from tests.history.support import ORG, OTHER_ORG, snapshot

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
H = timedelta(hours=1)
RESET = NOW + 2 * H


@pytest.fixture
def store(tmp_path: Path) -> Iterator[HistoryStore]:
    """Two session periods, a reading every 10 minutes; the first walled from 07:20 to its
    reset at 09:00."""
    with HistoryStore.open(tmp_path / "history.sqlite3") as opened:
        for minute in range(0, 480, 10):
            at = NOW - 8 * H + timedelta(minutes=minute)
            first = at < RESET - 5 * H
            five = min(100.0, minute / 2) if first else (minute - 180) / 6
            reset = RESET - 5 * H if first else RESET
            opened.record(snapshot(at, five, 30.0 + minute / 100, session_reset=reset))
        opened.record(snapshot(NOW - H, 20.0, 5.0, org=OTHER_ORG))
        yield opened


@pytest.fixture
def window(qtbot: QtBot, store: HistoryStore) -> HistoryWindow:
    shown = HistoryWindow(store, thresholds=(80.0,), clock=lambda: NOW, tz=UTC)
    qtbot.addWidget(shown)
    shown.resize(900, 640)
    with qtbot.waitSignal(shown.chart_loaded, timeout=10_000):
        shown.show()
    return shown


def test_it_opens_on_the_current_period_with_walls_and_the_year(window: HistoryWindow) -> None:
    data = window.chart.data
    assert data is not None
    assert (data.org_uuid, data.window_key, data.span) == (ORG, "five_hour", "period")
    assert (data.start, data.end) == (RESET - 5 * H, RESET)
    assert data.forecast[-1][0] == RESET  # dashed to the reset
    assert len(data.columns) > 10
    assert window.org_box.count() == 2
    assert window.wall_list.count() == 1
    assert "walled 1 h 40 min, 1 h 40 min before the reset" in window.wall_list.item(0).text()
    assert "Session (5h): walled once this month" in window.totals.text()
    assert window.overview is not None
    assert window.overview.days[-1].day == NOW.date()
    assert window.overview.days[-1].peak is not None


def test_every_span_is_read_and_drawn(qtbot: QtBot, window: HistoryWindow) -> None:
    for span in SPANS:
        with qtbot.waitSignal(window.chart_loaded, timeout=10_000):
            window.show_span(span)
        data = window.chart.data
        assert data is not None
        assert data.span == span
        assert len(data.columns) <= window.chart.plot_width()
        if span != "period":
            assert data.start == NOW - {"24h": 24 * H, "7d": 168 * H, "30d": 720 * H}.get(
                span, 2160 * H
            )
    with qtbot.waitSignal(window.chart_loaded, timeout=10_000):
        window.show_span("24h")
    data = window.chart.data
    assert data is not None
    assert data.resets == (RESET - 5 * H,)
    assert [w.hit_at for w in data.walls] == [NOW - 8 * H + timedelta(minutes=200)]


def test_hover_and_keyboard_focus_say_time_and_value(qtbot: QtBot, window: HistoryWindow) -> None:
    chart = window.chart
    with qtbot.waitSignal(chart.point_described) as said:
        QTest.mouseMove(chart, chart.rect().center())
    assert " · " in str(said.args[0])
    assert window.point.text() == said.args[0]
    chart.setFocus()
    QTest.keyClick(chart, Qt.Key.Key_End)
    last = chart.focused_text()
    assert last is not None
    assert last.startswith("Sun 06 Dec 11:50 · ")
    QTest.keyClick(chart, Qt.Key.Key_Left)
    assert chart.focused_text() != last
    assert chart.accessibleDescription() == chart.focused_text()
    QTest.keyClick(chart, Qt.Key.Key_Home)
    assert chart.focused_text() == "Sun 06 Dec 09:00 · 20%"  # the period began at 09:00


def test_export_png_and_csv(window: HistoryWindow, tmp_path: Path) -> None:
    png = tmp_path / "chart.png"
    assert window.export_png(png)
    image = QImage(str(png))
    assert (image.width(), image.height()) == (window.chart.width(), window.chart.height())
    rows = window.export_csv(tmp_path / "rows.csv")
    with (tmp_path / "rows.csv").open() as read:
        table = list(csv.reader(read))
    assert table[0] == [
        *("time", "org", "window", "percent", "resets_at", "event", "account", "account_id")
    ]  # as history --csv writes them
    assert len(table) - 1 == rows > 10
    assert {(r[1], r[2], r[6], r[7]) for r in table[1:]} == {
        (ORG, "five_hour", "Default", "default")
    }


def test_another_organization_shows_its_own_windows(qtbot: QtBot, window: HistoryWindow) -> None:
    with qtbot.waitSignal(window.chart_loaded, timeout=10_000):
        window.org_box.setCurrentIndex(window.org_box.findData(choice_data(None, OTHER_ORG)))
    data = window.chart.data
    assert data is not None
    assert data.org_uuid == OTHER_ORG
    assert window.wall_list.count() == 0
    assert window.totals.text() == "No window reached 100% in the last 90 days."


def test_closed_it_is_gone(qtbot: QtBot, store: HistoryStore) -> None:
    """Deleted on close: nothing of it runs (no timers, no reads) until it is opened again."""
    shown = HistoryWindow(store, clock=lambda: NOW, tz=UTC)
    gone: list[bool] = []
    shown.destroyed.connect(lambda: gone.append(True))
    with qtbot.waitSignal(shown.chart_loaded, timeout=10_000):
        shown.show()
    shown.close()
    qtbot.waitUntil(lambda: bool(gone), timeout=5_000)


def test_the_chart_says_so_when_a_span_is_empty(qtbot: QtBot, window: HistoryWindow) -> None:
    QTest.mouseMove(window.chart, QPointF(5, 5).toPoint())
    with qtbot.waitSignal(window.chart_loaded, timeout=10_000):
        window.select(OTHER_ORG, "seven_day")
    with qtbot.waitSignal(window.chart_loaded, timeout=10_000):
        window.show_span("period")
    data = window.chart.data
    assert data is not None
    assert data.window_key == "seven_day"
    assert window.chart.grab().toImage().width() > 0


def test_moving_the_focus_repaints_only_the_overlay(window: HistoryWindow) -> None:
    """90 days of readings are drawn once per chart and size, not at every pointer move."""
    chart = window.chart
    chart.repaint()
    drawn = chart._cache  # the cache is what this test is about
    assert drawn is not None
    chart.setFocus()
    QTest.keyClick(chart, Qt.Key.Key_Left)
    chart.repaint()
    assert chart._cache is drawn
    chart.resize(chart.width() - 10, chart.height())
    chart.repaint()
    assert chart._cache is not drawn


def test_two_accounts_in_one_organization_each_have_their_charts(
    qtbot: QtBot, store: HistoryStore, tmp_path: Path
) -> None:
    """A second member of the same Team organization: the box names the accounts, and each
    one's chart, walls and saved readings are its own."""
    for minute in range(0, 120, 10):
        at = NOW - 2 * H + timedelta(minutes=minute)
        store.record(snapshot(at, minute / 4, 60.0, account="work", session_reset=RESET))
    names = {None: "Personal", "work": "Work"}
    shown = HistoryWindow(store, clock=lambda: NOW, tz=UTC, names=names)
    qtbot.addWidget(shown)
    with qtbot.waitSignal(shown.chart_loaded, timeout=10_000):
        shown.show()
    labels = [shown.org_box.itemText(i) for i in range(shown.org_box.count())]
    assert labels == [f"Personal · {ORG[:8]}", f"Personal · {OTHER_ORG[:8]}", f"Work · {ORG[:8]}"]
    assert shown.wall_list.count() == 1  # Personal's wall
    assert shown.heatmap.accessibleDescription().endswith("1 days with a session wall")
    with qtbot.waitSignal(shown.chart_loaded, timeout=10_000):
        shown.org_box.setCurrentIndex(shown.org_box.findData(choice_data("work", ORG)))
    data = shown.chart.data
    assert data is not None
    assert (data.account, data.org_uuid, data.window_key) == ("work", ORG, "five_hour")
    assert max(c.high for c in data.columns) == 27.5  # none of Personal's 100 %
    assert shown.wall_list.count() == 0
    assert shown.heatmap.accessibleDescription().endswith("0 days with a session wall")  # its year
    shown.export_csv(tmp_path / "work.csv")
    with (tmp_path / "work.csv").open() as read:
        table = list(csv.reader(read))
    assert {(r[1], r[6], r[7]) for r in table[1:]} == {(ORG, "Work", "work")}
    assert len(table) - 1 == 12


def test_a_removed_accounts_history_is_said_so_and_saved_under_its_id(
    qtbot: QtBot, store: HistoryStore, tmp_path: Path
) -> None:
    """Readings of an account no longer in the settings: the box says "Removed account (id)",
    its saved CSV names it by its id as ``history --csv`` does; names given later (a rename
    meanwhile) relabel the box without reading the store again."""
    store.record(snapshot(NOW - H, 15.0, 25.0, account="old"))
    shown = HistoryWindow(store, clock=lambda: NOW, tz=UTC, names={None: "Personal"})
    qtbot.addWidget(shown)
    with qtbot.waitSignal(shown.chart_loaded, timeout=10_000):
        shown.show()
    labels = [shown.org_box.itemText(i) for i in range(shown.org_box.count())]
    assert labels[-1] == f"Removed account (old) · {ORG[:8]}"
    with qtbot.waitSignal(shown.chart_loaded, timeout=10_000):
        shown.org_box.setCurrentIndex(shown.org_box.findData(choice_data("old", ORG)))
    shown.export_csv(tmp_path / "old.csv")
    with (tmp_path / "old.csv").open() as read:
        assert {(r[6], r[7]) for r in list(csv.reader(read))[1:]} == {("old", "old")}
    read_before = shown.overview
    shown.set_names({None: "Home", "old": "Old"})
    assert shown.overview is read_before
    labels = [shown.org_box.itemText(i) for i in range(shown.org_box.count())]
    assert labels[0].startswith("Home · ")
    assert labels[-1] == f"Old · {ORG[:8]}"


def test_the_account_box_is_never_cut_short(qtbot: QtBot, store: HistoryStore) -> None:
    """The box shows the whole label at the window's size, and again after a longer name
    comes (it was squeezed to a few letters by the row of spans beside it)."""
    store.record(snapshot(NOW - H, 15.0, 25.0, account="gone-account"))
    shown = HistoryWindow(store, clock=lambda: NOW, tz=UTC, names={None: "Personal"})
    qtbot.addWidget(shown)
    shown.resize(820, 640)
    with qtbot.waitSignal(shown.chart_loaded, timeout=10_000):
        shown.show()
    box = shown.org_box
    qtbot.waitUntil(lambda: box.width() >= box.sizeHint().width() > 100)
    shown.set_names({None: "Ada Lovelace's personal Max plan"})
    qtbot.waitUntil(lambda: box.width() >= box.sizeHint().width() > 200)
    assert box.fontMetrics().horizontalAdvance(box.itemText(0)) < box.width()


def test_an_empty_history_says_why_and_offers_nothing_to_save(qtbot: QtBot, tmp_path: Path) -> None:
    """A first run: the chart explains the empty history instead of a blank plot beside an
    empty box, and there is nothing to save."""
    with HistoryStore.open(tmp_path / "empty.sqlite3") as empty:
        shown = HistoryWindow(empty, thresholds=(80.0,), clock=lambda: NOW, tz=UTC)
        qtbot.addWidget(shown)
        shown.resize(900, 640)
        with qtbot.waitSignal(shown.overview_loaded, timeout=10_000):
            shown.show()
        assert shown.chart.empty_text == NO_HISTORY
        assert "`claude-meter status`" in NO_HISTORY
        assert not shown.png_button.isEnabled()
        assert not shown.csv_button.isEnabled()
        # nothing to choose from: no empty box, nor an empty list of walls, is shown
        assert not shown.window_box.isVisible()
        assert not shown.org_box.isVisible()
        assert not shown.wall_list.isVisible()
        assert "No window reached 100%" in shown.totals.text()
        said = shown.chart.grab().toImage()
        shown.chart.empty_text = ""
        shown.chart.set_data(None)
        assert said != shown.chart.grab().toImage()  # the words are drawn in the plot


def test_a_history_with_readings_has_no_empty_text(window: HistoryWindow) -> None:
    assert window.chart.empty_text == ""
    assert window.window_box.isVisibleTo(window)
    assert window.png_button.isEnabled()
    assert window.csv_button.isEnabled()


def test_reads_still_running_end_before_the_history_closes(
    monkeypatch: pytest.MonkeyPatch, qapp: object
) -> None:
    """Closed at once (here: an event loop that returns at once), the window's reads were
    left running: they used the closed database, then answered into a finished application,
    and the process died with a segfault at exit. The store now closes after they end."""
    slow = threading.Event()
    read_overview = history_window.read_overview

    def slow_overview(*args: Any, **kwargs: Any) -> Any:
        slow.wait(0.5)  # a read still at work when the window goes: nothing sets it
        return read_overview(*args, **kwargs)

    running_at_close: list[int] = []
    close = HistoryStore.close

    def close_and_count(store: HistoryStore) -> None:
        running_at_close.append(QThreadPool.globalInstance().activeThreadCount())
        close(store)

    monkeypatch.setattr(history_window, "read_overview", slow_overview)
    monkeypatch.setattr(HistoryStore, "close", close_and_count)
    monkeypatch.setattr(QApplication, "exec", staticmethod(lambda: 0))
    assert main(["history", "--open"]) == 0  # the command line's window, with its store
    assert running_at_close == [0]
