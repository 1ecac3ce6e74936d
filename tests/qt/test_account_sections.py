"""The popover with several accounts: a collapsible section per account (name, email, plan),
each with its organizations and windows, scrolling rather than growing off the screen."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import msgspec
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from pytestqt.qtbot import QtBot

from claude_meter.core.account_view import AccountState, account_problem
from claude_meter.core.meter import MeterState, apply_result
from claude_meter.core.models import FetchError, FetchResult, Snapshot, UsageWindow
from claude_meter.history import HistoryStore
from claude_meter.poll.live import LiveMeter
from claude_meter.qt.account_sections import AccountSections, header_text, worst_text
from claude_meter.qt.popover import Popover

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
INTERVAL = timedelta(seconds=60)


def reading(key: str | None, name: str, *percents: float, orgs: int = 1) -> FetchResult:
    windows = tuple(
        UsageWindow(key=k, label=label, percent=p, resets_at=NOW + timedelta(hours=2))
        for (k, label), p in zip(
            (("five_hour", "Session (5h)"), ("seven_day", "Weekly")), percents, strict=False
        )
    )
    snapshots = tuple(
        Snapshot(
            source="web",
            org_uuid=f"{name}-{i}",
            org_name=f"{name} org {i}",
            account_email=f"{name.lower()}@example.com",
            plan="default_claude_max_20x",
            fetched_at=NOW,
            windows=windows,
        )
        for i in range(orgs)
    )
    return FetchResult(source="web", fetched_at=NOW, snapshots=snapshots).for_account(key)


def meter_of(*accounts: tuple[str | None, str, FetchResult]) -> LiveMeter:
    meter = LiveMeter()
    meter.set_accounts(tuple((key, name) for key, name, _ in accounts))
    for _, _, result in accounts:
        meter.accept(result, NOW)
    return meter


def popover(qtbot: QtBot) -> Popover:
    shown = Popover(interval=INTERVAL, clock=lambda: NOW)
    qtbot.addWidget(shown)
    return shown


def expired(key: str) -> FetchResult:
    error = FetchError(kind="session_expired", message="Your claude.ai session expired.")
    return FetchResult(source="web", fetched_at=NOW, error=error, account=key)


def test_two_accounts_get_a_section_each_with_their_numbers(qtbot: QtBot) -> None:
    meter = meter_of(
        (None, "Personal", reading(None, "Personal", 37, 64)),
        ("work", "Work", reading("work", "Work", 85, orgs=2)),
    )
    shown = popover(qtbot)
    shown.show_meter(meter, NOW)
    sections = shown.sections
    assert sections is not None
    assert not sections.scrolls
    headers = [s.header.text() for s in sections.sections]
    assert headers == [
        "Personal · personal@example.com · Max 20x",
        "Work · work@example.com · Max 20x",
    ]
    assert [s.worst.text() for s in sections.sections] == ["64%", "85%"]
    assert [(r.account, r.percent.text()) for r in shown.rows] == [
        (None, "37%"),
        (None, "64%"),
        ("work", "85%"),
        ("work", "85%"),
    ]
    titles = [label.text() for label in shown.findChildren(type(shown.updated))]
    assert "Work org 1" in titles  # the organizations under the account, without the email
    assert "Work org 1 · work@example.com · Max 20x" not in titles
    assert shown.banner.isHidden()


def test_a_section_collapses_and_stays_so_for_the_session(qtbot: QtBot) -> None:
    meter = meter_of(
        (None, "Personal", reading(None, "Personal", 37)),
        ("work", "Work", reading("work", "Work", 85)),
    )
    shown = popover(qtbot)
    shown.show_meter(meter, NOW)
    shown.show()
    assert shown.sections is not None
    tall = shown.sizeHint().height()
    qtbot.mouseClick(shown.sections.sections[1].header, Qt.MouseButton.LeftButton)
    assert shown.collapsed == {"work"}
    assert not shown.sections.sections[1].body.isVisible()
    assert shown.sizeHint().height() < tall
    meter.accept(reading("work", "Work", 86), NOW)  # a new reading rebuilds the sections
    shown.show_meter(meter, NOW)
    work = shown.sections.sections[1]
    assert not work.header.isChecked()
    assert not work.body.isVisible()
    assert work.worst.text() == "86%"  # a collapsed account still says how close it is
    qtbot.mouseClick(work.header, Qt.MouseButton.LeftButton)
    assert shown.collapsed == set()


def test_eight_accounts_scroll_instead_of_growing_off_the_screen(qtbot: QtBot) -> None:
    accounts = [
        (
            None if i == 0 else f"a{i}",
            f"Account {i}",
            reading(None if i == 0 else f"a{i}", f"A{i}", 10 * i, 5, orgs=2),
        )
        for i in range(8)
    ]
    meter = meter_of(*accounts)
    shown = popover(qtbot)
    shown.show_meter(meter, NOW)
    shown.show()
    sections = shown.sections
    assert sections is not None
    assert sections.scrolls
    screen = QGuiApplication.primaryScreen().availableGeometry()
    assert shown.sizeHint().height() <= screen.height()
    assert len(shown.rows) == 8 * 2 * 2
    sections.verticalScrollBar().setValue(sections.verticalScrollBar().maximum())
    assert sections.verticalScrollBar().value() > 0


def test_an_accounts_problem_is_said_once_in_its_section_even_when_collapsed(
    qtbot: QtBot,
) -> None:
    """Said in the top banner and again in its section, an expired session read twice; the
    banner also named only the first account with a problem. Now each account's problem is
    its section's red line, outside the part that collapses, and the banner stays empty."""
    meter = meter_of(
        (None, "Personal", reading(None, "Personal", 37)),
        ("work", "Work", expired("work")),
        ("side", "Side", expired("side")),
    )
    shown = popover(qtbot)
    shown.show_meter(meter, NOW)
    shown.show()
    assert shown.sections is not None
    said = [s.problem.text() for s in shown.sections.sections if s.problem.isVisible()]
    assert said == ["Your claude.ai session expired."] * 2  # Work's and Side's, each its own
    assert shown.banner.isHidden()
    assert shown.findChildren(type(shown.updated), "account_problem")[0].isHidden()  # Personal
    work = shown.sections.sections[1]
    qtbot.mouseClick(work.header, Qt.MouseButton.LeftButton)  # collapsed: the problem stays
    assert not work.body.isVisible()
    assert work.problem.isVisible()
    visible = [
        label.text()
        for label in shown.findChildren(type(shown.updated))
        if label.isVisible() and "expired" in label.text()
    ]
    assert len(visible) == 2  # once per account, nowhere else
    assert header_text(meter.accounts()[1]) == "Work"  # nothing read yet: the name alone


def test_numbers_going_out_of_date_are_said_in_their_accounts_section(qtbot: QtBot) -> None:
    clock = [NOW]
    meter = meter_of(
        (None, "Personal", reading(None, "Personal", 37)),
        ("work", "Work", reading("work", "Work", 85)),
    )
    shown = Popover(interval=INTERVAL, clock=lambda: clock[0])
    qtbot.addWidget(shown)
    shown.show_meter(meter, NOW)
    shown.show()
    assert shown.sections is not None
    personal, work = shown.sections.sections
    before = shown.height()
    later = NOW + timedelta(minutes=5)
    meter.accept(msgspec.structs.replace(reading("work", "Work", 86), fetched_at=later), later)
    shown.show_meter(meter, later)
    clock[0] = later
    shown.tick()
    personal, work = shown.sections.sections
    assert personal.problem.isVisible()
    assert personal.problem.text().startswith("These numbers are out of date")
    assert work.problem.isHidden()
    assert shown.banner.isHidden()
    assert shown.height() > before  # fitted to the line that came


def test_the_footer_says_the_age_of_the_newest_reading_shown(qtbot: QtBot) -> None:
    """It said "not updated yet" while the default account had no numbers, beside a named
    account's fresh ones."""
    clock = [NOW + timedelta(seconds=12)]
    meter = meter_of(
        (None, "Default", expired_default()),
        ("work", "Work", reading("work", "Work", 85)),
    )
    shown = Popover(interval=INTERVAL, clock=lambda: clock[0])
    qtbot.addWidget(shown)
    shown.show_meter(meter, clock[0])
    shown.tick()
    assert shown.updated.text() == "updated 12 s ago"
    nothing = meter_of((None, "Default", expired_default()), ("work", "Work", expired("work")))
    shown.show_meter(nothing, clock[0])
    assert shown.updated.text() == "not updated yet"


def expired_default() -> FetchResult:
    error = FetchError(kind="not_signed_in", message="Not signed in.")
    return FetchResult(source="web", fetched_at=NOW, error=error)


def test_one_account_draws_the_popover_of_before(qtbot: QtBot) -> None:
    meter = meter_of((None, "Default", reading(None, "Personal", 37, 64)))
    shown = popover(qtbot)
    shown.show_meter(meter, NOW)
    assert shown.sections is None
    titles = [label.text() for label in shown.findChildren(type(shown.updated))]
    assert "Personal org 0 · personal@example.com · Max 20x" in titles


def test_sections_draw_each_accounts_sparklines_from_its_own_history(
    qtbot: QtBot, tmp_path: Path
) -> None:
    with HistoryStore.open(tmp_path / "history.sqlite3") as history:
        meter = LiveMeter(history=history)
        meter.set_accounts(((None, "Personal"), ("work", "Work")))
        for minutes, (mine, theirs) in enumerate(((10, 50), (20, 60), (30, 70))):
            at = NOW + timedelta(minutes=minutes)
            for key, percent in ((None, mine), ("work", theirs)):
                result = reading(key, "Team", percent)
                moved = msgspec.structs.replace(
                    result,
                    fetched_at=at,
                    snapshots=tuple(
                        msgspec.structs.replace(s, fetched_at=at) for s in result.snapshots
                    ),
                )
                meter.accept(moved, at)
        shown = popover(qtbot)
        shown.show_meter(meter, NOW + timedelta(minutes=3))
        drawn = {r.account: [s.percent for s in r.sparkline._samples] for r in shown.rows}
        assert drawn == {None: [10, 20, 30], "work": [50, 60, 70]}


def test_the_texts_of_a_header() -> None:
    state = apply_result(MeterState(), reading("w", "Work", 40, 90))
    account = AccountState("w", "Work", state)
    assert worst_text(account, frozenset(), show_remaining=False) == "90%"
    assert worst_text(account, frozenset({"seven_day"}), show_remaining=True) == "60% left"
    assert worst_text(AccountState("x", "X", MeterState()), frozenset(), show_remaining=False) == ""
    assert account_problem(account, NOW, INTERVAL) is None
    assert isinstance(AccountSections, type)
