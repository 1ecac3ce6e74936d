"""An open popover updates its sections in place on each reading: what it shows is exactly
what a popover built afresh from the same state shows, through accounts added and removed,
windows and organizations coming and going, errors coming and going and the clock moving;
no widget is left behind over many readings, and the scroll position stays."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QEvent, QObject
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QLabel,
    QProgressBar,
    QToolButton,
    QWidget,
)
from pytestqt.qtbot import QtBot

from claude_meter.core.models import (
    ExtraUsage,
    FetchError,
    FetchResult,
    Money,
    Snapshot,
    Source,
    Spend,
    UsageWindow,
)
from claude_meter.core.statusline_rules import STATUSLINE
from claude_meter.history import HistoryStore
from claude_meter.poll.live import LiveMeter
from claude_meter.qt.popover import Popover
from claude_meter.qt.sparkline import Sparkline

START = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
INTERVAL = timedelta(seconds=60)
LABELS = {
    "five_hour": "Session (5h)",
    "seven_day": "Weekly · all models",
    "seven_day_sonnet": "Weekly · Sonnet",
}
EIGHT = (
    (None, "Personal"),
    ("work", "Work"),
    ("side", "Side"),
    ("lab", "Lab"),
    ("home", "Home"),
    ("team", "Team"),
    ("old", "Old"),
    ("extra7", "Extra7"),
)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


def reading(
    key: str | None,
    at: datetime,
    percents: Mapping[str, float],
    *,
    orgs: int = 1,
    severity: str | None = None,
    extra: bool = False,
    spend: bool = False,
    source: Source = "web",
    fallback: bool = False,
) -> FetchResult:
    """A reading of account ``key``: its windows' percents, with whatever parts asked for."""
    name = key or "personal"
    windows = tuple(
        UsageWindow(
            key=window,
            label=LABELS[window],
            percent=percent,
            resets_at=START + timedelta(hours=3 + index),
            severity=severity if index == 0 else None,
        )
        for index, (window, percent) in enumerate(percents.items())
    )
    snapshots = tuple(
        Snapshot(
            source=source,
            org_uuid=f"{name}-org-{number}",
            org_name=f"{name.title()} org {number}",
            account_email=f"{name}@example.com",
            plan="default_claude_max_5x",
            fetched_at=at,
            windows=windows,
            extra_usage=ExtraUsage(is_enabled=True, monthly_limit=5000, used_credits=1234)
            if extra
            else None,
            spend=Spend(used=Money(amount_minor=1234, currency="USD")) if spend else None,
            fallback_from="web" if fallback else None,
        )
        for number in range(orgs)
    )
    result = FetchResult(source=source, fetched_at=at, snapshots=snapshots)
    return result.for_account(key)


def failed(key: str | None, at: datetime, kind: str = "session_expired") -> FetchResult:
    error = FetchError(kind=kind, message="Your claude.ai session expired: sign in again.")
    return FetchResult(source="web", fetched_at=at, error=error, account=key)


def settle() -> None:
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
    QCoreApplication.processEvents()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)


def rendered(popover: Popover) -> list[tuple[object, ...]]:
    """Every widget the popover shows, in order: its kind, place, texts, style and state."""
    settle()
    shown: list[tuple[object, ...]] = []
    for widget in popover.findChildren(QWidget):
        if not widget.isVisibleTo(popover) or widget.objectName().startswith("qt_scroll"):
            continue
        entry: list[object] = [
            type(widget).__name__,
            widget.objectName(),
            widget.geometry().getRect(),
            widget.isEnabled(),
            widget.toolTip(),
            widget.styleSheet(),
            widget.accessibleName(),
        ]
        if isinstance(widget, QLabel):
            entry.append(widget.text())
        if isinstance(widget, QAbstractButton):
            entry += [widget.text(), widget.isChecked()]
        if isinstance(widget, QToolButton):
            entry.append(widget.arrowType())
        if isinstance(widget, QProgressBar):
            entry.append(widget.value())
        if isinstance(widget, Sparkline):
            entry += [widget._samples, widget._forecast, widget._resets_at]
        shown.append(tuple(entry))
    shown.append(("popover", popover.size().toTuple()))
    return shown


@pytest.fixture
def history(tmp_path: Path) -> Iterator[HistoryStore]:
    with HistoryStore.open(tmp_path / "history.sqlite3") as store:
        yield store


def fresh(qtbot: QtBot, meter: LiveMeter, clock: Clock, kept: Popover) -> list[tuple[object, ...]]:
    """What a popover built afresh from the meter shows, with the kept one's collapsed set."""
    built = Popover(interval=INTERVAL, clock=clock, kind="window")
    qtbot.addWidget(built)
    built.collapsed = set(kept.collapsed)
    built.show_meter(meter, clock())
    built.show()
    qtbot.waitExposed(built)
    settle()
    built.tick()  # a second later: the top line measured where the sections stand, shown
    seen = rendered(built)
    built.hide()
    built.deleteLater()
    return seen


def kept_popover(qtbot: QtBot, clock: Clock) -> Popover:
    popover = Popover(interval=INTERVAL, clock=clock, kind="window")
    qtbot.addWidget(popover)
    return popover


def test_accounts_updated_in_place_show_what_a_fresh_popover_shows(
    qtbot: QtBot, history: HistoryStore
) -> None:
    clock = Clock()
    meter = LiveMeter(history=history, interval=INTERVAL)
    meter.set_accounts(EIGHT[:2])
    popover = kept_popover(qtbot, clock)
    popover.show_meter(meter, clock())
    popover.show()
    qtbot.waitExposed(popover)

    def later(minutes: float = 1.0) -> datetime:
        clock.now += timedelta(minutes=minutes)
        return clock.now

    def accept(result: FetchResult) -> None:
        meter.accept(result, clock())

    steps = [
        lambda: accept(reading(None, later(), {"five_hour": 20, "seven_day": 30}, extra=True)),
        lambda: accept(reading("work", later(), {"five_hour": 40, "seven_day": 50})),
        lambda: accept(reading(None, later(), {"five_hour": 24, "seven_day": 31}, extra=True)),
        lambda: accept(reading("work", later(), {"five_hour": 47, "seven_day": 51})),
        lambda: meter.set_accounts(EIGHT[:3]),  # an account added: fetching
        lambda: accept(reading("side", later(), {"five_hour": 96, "seven_day": 10})),  # red
        lambda: accept(  # a window appears
            reading("work", later(), {"five_hour": 48, "seven_day": 52, "seven_day_sonnet": 5})
        ),
        lambda: accept(reading("work", later(), {"five_hour": 49, "seven_day": 52})),  # it goes
        lambda: accept(failed("work", later())),  # an error comes
        lambda: accept(reading("work", later(), {"five_hour": 50, "seven_day": 53})),  # goes
        lambda: accept(reading("side", later(), {"five_hour": 97}, orgs=2)),  # a second org
        lambda: accept(reading("side", later(), {"five_hour": 98}, severity="warning")),
        lambda: accept(
            reading(None, later(), {"five_hour": 25, "seven_day": 31}, source=STATUSLINE)
        ),
        lambda: accept(reading(None, later(), {"five_hour": 26}, spend=True, fallback=True)),
        lambda: meter.set_accounts(EIGHT),  # eight accounts: they scroll
        *(
            (lambda key=key, n=n: accept(reading(key, later(0.2), {"five_hour": 10.0 + 11 * n})))
            for n, (key, _) in enumerate(EIGHT[3:])
        ),
        lambda: popover.collapsed.add("work"),  # collapsed for the session, as by a click
        lambda: accept(failed("extra7", later(), kind="network")),
        lambda: later(5),  # numbers go out of date with the clock alone
        lambda: meter.set_accounts((EIGHT[0], *EIGHT[2:])),  # an account removed
        lambda: accept(reading("lab", later(), {"five_hour": 70, "seven_day": 20})),
    ]
    in_place, before = 0, popover.sections
    for number, step in enumerate(steps):
        step()
        popover.show_meter(meter, clock())
        if popover.sections is not None:
            popover.sections.verticalScrollBar().setValue(0)  # the fresh one opens at the top
            for section in popover.sections.sections:  # as a click would have it
                section.header.setChecked(section.key not in popover.collapsed)
            settle()
            popover.tick()  # the line at the top measured where the sections now stand
        assert rendered(popover) == fresh(qtbot, meter, clock, popover), f"step {number}"
        in_place += popover.sections is not None and popover.sections is before
        before = popover.sections
    assert in_place >= 6  # readings that changed texts, not widgets


def test_one_account_updated_in_place_shows_what_a_fresh_popover_shows(
    qtbot: QtBot, history: HistoryStore
) -> None:
    clock = Clock()
    meter = LiveMeter(history=history, interval=INTERVAL)
    popover = kept_popover(qtbot, clock)
    popover.show_meter(meter, clock())
    popover.show()
    qtbot.waitExposed(popover)
    results = [
        reading(None, START, {"five_hour": 10, "seven_day": 20}),
        reading(None, START + timedelta(minutes=1), {"five_hour": 12, "seven_day": 20}),
        reading(None, START + timedelta(minutes=2), {"five_hour": 15, "seven_day": 21}),
        failed(None, START + timedelta(minutes=3)),
        reading(None, START + timedelta(minutes=4), {"five_hour": 96}, extra=True),
        reading(None, START + timedelta(minutes=5), {"five_hour": 97}, extra=True, orgs=2),
        reading(None, START + timedelta(minutes=6), {"five_hour": 97}, severity="warning"),
    ]
    in_place, before = 0, None
    for number, result in enumerate(results):
        clock.now = result.fetched_at + timedelta(seconds=5)
        meter.accept(result, clock())
        popover.show_meter(meter, clock())
        assert rendered(popover) == fresh(qtbot, meter, clock, popover), f"reading {number}"
        in_place += bool(popover.rows) and popover.rows[0] is before
        before = popover.rows[0] if popover.rows else None
    assert in_place >= 3
    clock.now += timedelta(minutes=10)  # out of date: the banner says so
    popover.show_meter(meter, clock())
    assert rendered(popover) == fresh(qtbot, meter, clock, popover)


def test_no_widget_is_left_behind_over_many_readings(qtbot: QtBot) -> None:
    """Rebuilt per reading, the popover deleted its widgets later; kept, it makes none."""
    clock = Clock()
    meter = LiveMeter(interval=INTERVAL)
    meter.set_accounts(EIGHT)
    popover = kept_popover(qtbot, clock)
    popover.show()
    qtbot.waitExposed(popover)

    def read(number: int) -> None:
        index = number % len(EIGHT)
        clock.now += INTERVAL / len(EIGHT)
        percents = {"five_hour": 10.0 + index + number % 7, "seven_day": 30.0 + number % 3}
        meter.accept(reading(EIGHT[index][0], clock(), percents), clock())
        popover.show_meter(meter, clock())
        settle()

    for number in range(16):
        read(number)
    objects = len(popover.findChildren(QObject))
    widgets = len(QApplication.allWidgets())
    kept = popover.sections
    for number in range(16, 400):
        read(number)
    assert popover.sections is kept  # updated in place, not built again
    assert len(popover.findChildren(QObject)) == objects
    assert len(QApplication.allWidgets()) == widgets


def test_a_reading_keeps_the_scroll_position(qtbot: QtBot) -> None:
    clock = Clock()
    meter = LiveMeter(interval=INTERVAL)
    meter.set_accounts(EIGHT)
    for index, (key, _) in enumerate(EIGHT):
        meter.accept(reading(key, clock(), {"five_hour": 10.0 + index, "seven_day": 5}), clock())
    popover = kept_popover(qtbot, clock)
    popover.show_meter(meter, clock())
    popover.show()
    qtbot.waitExposed(popover)
    assert popover.sections is not None
    bar = popover.sections.verticalScrollBar()
    assert bar.maximum() > 100  # eight accounts scroll
    bar.setValue(bar.maximum() // 2)
    where = bar.value()
    clock.now += INTERVAL
    meter.accept(reading("side", clock(), {"five_hour": 33, "seven_day": 6}), clock())
    popover.show_meter(meter, clock())
    settle()
    assert popover.sections.verticalScrollBar().value() == where
    assert "33%" in [row.percent.text() for row in popover.rows]
    # A window appearing builds the sections again: the place stays all the same.
    more = {"five_hour": 34, "seven_day": 6, "seven_day_sonnet": 1}
    meter.accept(reading("side", clock(), more), clock())
    popover.show_meter(meter, clock())
    settle()
    assert popover.sections.verticalScrollBar().value() == where


def test_the_tick_stops_when_the_popover_closes(qtbot: QtBot) -> None:
    clock = Clock()
    meter = LiveMeter(interval=INTERVAL)
    meter.set_accounts(EIGHT)
    popover = kept_popover(qtbot, clock)
    popover.show_meter(meter, clock())
    popover.show()
    qtbot.waitExposed(popover)
    assert popover.ticking
    popover.hide()
    assert not popover.ticking
