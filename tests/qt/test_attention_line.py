"""The popover's top line with eight accounts, offscreen: it names the accounts that need
attention while their place is scrolled out of view, leaves when it comes into view, and a
click scrolls there."""

from __future__ import annotations

from datetime import timedelta

import msgspec
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from claude_meter.core.bidi import isolated, plain
from claude_meter.poll.live import LiveMeter
from claude_meter.qt.account_sections import AccountSections
from claude_meter.qt.attention_line import INSET, AttentionLabel
from claude_meter.qt.popover import Popover
from tests.qt.test_account_sections import INTERVAL, NOW, expired, meter_of, reading


def eight(*, work_expired: bool = True, team: float = 97) -> LiveMeter:
    """Six calm accounts, Team (a weekly window at ``team`` %) the fourth, Work (expired) last."""
    accounts = [
        (None if i == 0 else f"a{i}", f"Account {i}",
         reading(None if i == 0 else f"a{i}", f"A{i}", 10 * i, 5, orgs=2))
        for i in range(6)
    ]  # fmt: skip
    accounts.insert(3, ("team", "Team", reading("team", "Team", 40, team, orgs=2)))
    work = expired("work") if work_expired else reading("work", "Work", 20)
    accounts.append(("work", "Work", work))
    return meter_of(*accounts)


def opened(qtbot: QtBot, meter: LiveMeter) -> Popover:
    shown = Popover(interval=INTERVAL, clock=lambda: NOW)
    qtbot.addWidget(shown)
    shown.show_meter(meter, NOW)
    shown.show()
    qtbot.waitExposed(shown)
    assert shown.sections is not None
    assert shown.sections.scrolls
    return shown


def content_of(sections: AccountSections) -> QWidget:
    content = sections.widget()
    assert content is not None
    return content


def line_of(shown: Popover) -> AttentionLabel:
    assert shown.attention is not None
    return shown.attention


def test_what_is_out_of_view_is_named_at_the_top_and_fits_one_line(qtbot: QtBot) -> None:
    shown = opened(qtbot, eight())
    line = line_of(shown)
    assert line.isVisible()
    assert line.line is not None
    assert line.line.text == "Work: session expired · Team: 97% of weekly"
    assert plain(line.toolTip()) == "Work: session expired\nTeam: 97% of weekly"
    assert plain(line.accessibleName()) == "Needs attention: " + line.line.text
    assert shown.sections is not None
    assert line.geometry().top() < shown.sections.geometry().top()  # above the sections
    assert line.fontMetrics().horizontalAdvance(line.line.text) <= line.width() - INSET
    assert line.height() < 2 * line.fontMetrics().lineSpacing() + 8  # one line, no empty row
    assert shown.geometry().height() == shown.height()
    assert shown.banner.isHidden()


def test_it_leaves_when_scrolled_into_view_and_comes_back(qtbot: QtBot) -> None:
    shown = opened(qtbot, eight())
    line = line_of(shown)
    sections = shown.sections
    assert sections is not None
    height = shown.height()
    bar = sections.verticalScrollBar()
    bar.setValue(bar.maximum())  # Work's section in view, Team's above
    assert line.line is not None
    assert line.line.text == "Team: 97% of weekly"
    assert shown.height() == height
    sections.scroll_to(line.line.named[0])  # Team's in view, Work's below
    assert line.line is not None
    assert line.line.text == "Work: session expired"
    assert shown.height() == height  # the sections take the line's room, never the screen's
    bar.setValue(0)
    assert line.isVisible()
    assert line.line is not None
    assert line.line.text.startswith("Work: session expired")
    assert shown.height() == height


def test_a_click_on_the_line_scrolls_to_the_first_it_names(qtbot: QtBot) -> None:
    shown = opened(qtbot, eight(work_expired=False))  # Team alone: at 97 %, out of view
    line = line_of(shown)
    sections = shown.sections
    assert sections is not None
    assert line.line is not None
    assert line.line.text == "Team: 97% of weekly"
    team = sections.sections[3]
    assert not any(sections.in_view(one) for one in line.line.named)
    height = shown.height()
    right = QPoint(line.width() - 4, line.height() // 2)  # off the link, on the line
    qtbot.mouseClick(line, Qt.MouseButton.LeftButton, pos=right)
    assert sections.verticalScrollBar().value() > 0
    top = team.mapTo(content_of(sections), QPoint(0, 0)).y() - sections.verticalScrollBar().value()
    assert top >= 0  # its section from its header down, whole in view
    assert line.isHidden()
    assert shown.height() == height  # the sections took the line's room back


def test_a_click_on_a_name_goes_to_that_account(qtbot: QtBot) -> None:
    shown = opened(qtbot, eight())
    line = line_of(shown)
    sections = shown.sections
    assert sections is not None
    assert line.line is not None
    work, team = line.line.named
    before = line.fontMetrics().horizontalAdvance("Work: session expired · ")
    on_team = QPoint(7 + before + 6, line.height() // 2)  # the padding and border, then "Te"
    qtbot.mouseClick(line, Qt.MouseButton.LeftButton, pos=on_team)
    assert sections.in_view(team)
    top = sections.sections[3].mapTo(content_of(sections), QPoint(0, 0)).y()
    assert sections.verticalScrollBar().value() == top  # Team's section from its header
    assert line.line is not None
    assert line.line.named == (work,)


def test_nothing_out_of_view_no_line(qtbot: QtBot) -> None:
    shown = opened(qtbot, eight(work_expired=False, team=60))
    assert line_of(shown).isHidden()
    assert line_of(shown).line is None


def test_a_new_reading_keeps_the_place_scrolled_to_and_the_line(qtbot: QtBot) -> None:
    """Each reading rebuilds the sections; they went back to the top, undoing the scroll a
    click on the line had just made."""
    meter = eight(work_expired=False)
    shown = opened(qtbot, meter)
    line_of(shown).go(0)
    assert shown.sections is not None
    scrolled = shown.sections.verticalScrollBar().value()
    assert scrolled > 0
    assert line_of(shown).isHidden()
    meter.accept(reading("a1", "A1", 11, 5, orgs=2), NOW)
    shown.show_meter(meter, NOW)
    assert shown.sections.verticalScrollBar().value() == scrolled
    assert line_of(shown).isHidden()


def test_numbers_going_out_of_date_come_to_the_line_with_the_clock(qtbot: QtBot) -> None:
    clock = [NOW]
    meter = eight(work_expired=False, team=60)
    shown = Popover(interval=INTERVAL, clock=lambda: clock[0])
    qtbot.addWidget(shown)
    shown.show_meter(meter, NOW)
    shown.show()
    later = NOW + timedelta(minutes=5)
    for key in (None, "a1", "a2", "a3", "a4", "a5", "team"):
        meter.accept(msgspec.structs.replace(reading(key, "X", 10, 5), fetched_at=later), later)
    shown.show_meter(meter, later)
    assert line_of(shown).isHidden()
    clock[0] = later
    shown.tick()  # Work's numbers, read 5 minutes ago, are now out of date
    said = line_of(shown).line
    assert said is not None
    assert said.text == "Work: numbers out of date"


def test_one_account_has_no_line(qtbot: QtBot) -> None:
    shown = Popover(interval=INTERVAL, clock=lambda: NOW)
    qtbot.addWidget(shown)
    shown.show_meter(meter_of((None, "Default", expired("x"))), NOW)
    assert shown.attention is None


def test_what_is_looked_at_stays_put_as_the_line_comes_and_goes(qtbot: QtBot) -> None:
    """The line above the sections moved them by its height as it came and went: the content
    jumped, and after a click on the line the account's header landed under the pointer."""
    shown = opened(qtbot, eight(work_expired=False))  # Team alone named, out of view
    line = line_of(shown)
    sections = shown.sections
    assert sections is not None
    bar = sections.verticalScrollBar()
    team = sections.sections[3]

    def on_screen(widget: QWidget) -> int:
        return widget.mapTo(shown, QPoint(0, 0)).y()

    def in_content(widget: QWidget) -> int:
        return widget.mapTo(content_of(sections), QPoint(0, 0)).y()

    top = on_screen(sections.viewport())
    bar.setValue(in_content(team) - 50)  # Team's header 50 px down, its 97 % row in view
    assert line.isHidden()
    assert on_screen(team) == top + 50  # where the scroll put it: the sections took the room
    row = next(r for r in team.rows if r.usage_window.key == "seven_day")
    view = sections.viewport().height()
    hidden_top = on_screen(sections.viewport())
    below = in_content(row) + row.height() - view - 5  # the row's bottom just out of view
    bar.setValue(below)
    assert line.isVisible()
    assert on_screen(team) == hidden_top + in_content(team) - below  # the line came: no jump
    bar.setValue(0)
    assert line.isVisible()
    assert on_screen(content_of(sections)) == on_screen(sections.viewport())  # the very top


def test_a_right_to_left_name_does_not_turn_the_line_around(qtbot: QtBot) -> None:
    """An Arabic account name first made the whole line right-to-left: Qt right-aligned it
    and drew "not signed in :حساب" (core/bidi.py)."""
    from PySide6.QtGui import QTextDocument

    from claude_meter.core.attention import Attention, AttentionLine
    from claude_meter.core.bidi import plain
    from claude_meter.qt.attention_line import _rich

    name = "حساب العمل"
    first = Attention(account="w", name=name, reason="sign_in", words="not signed in")
    other = Attention(account="x", name="Side", reason="sign_in", words="session expired")
    document = QTextDocument()
    document.setHtml(_rich(AttentionLine(named=(first,), more=(other,))))
    assert document.firstBlock().textDirection() == Qt.LayoutDirection.LeftToRight
    assert plain(document.toPlainText()) == f"{name}: not signed in · +1 more"


def test_a_right_to_left_name_does_not_turn_the_tooltip_around(qtbot: QtBot) -> None:
    """The tooltip (a line per entry) and the accessible name isolate the names as the line
    does: an Arabic name first made its tooltip line right-to-left ("session expired :…")."""
    from PySide6.QtGui import QTextDocument

    name = "حساب العمل"
    accounts = [(f"a{i}", f"Account {i}", reading(f"a{i}", f"A{i}", 10 * i, 5, orgs=2))
                for i in range(7)]  # fmt: skip
    shown = opened(qtbot, meter_of(*accounts, ("work", name, expired("work"))))
    line = line_of(shown)
    assert line.isVisible()
    document = QTextDocument()
    document.setPlainText(line.toolTip())
    assert plain(document.toPlainText()) == f"{name}: session expired"
    assert document.firstBlock().textDirection() == Qt.LayoutDirection.LeftToRight
    assert line.accessibleName() == f"Needs attention: {isolated(name)}: session expired"
