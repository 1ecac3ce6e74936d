"""Sections that scroll only when their window is too short, and a window grown to fit."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication, QLabel, QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot

from claude_meter.qt.sections_scroll import SectionsScroll, fit_to_screen


def sections(lines: int) -> QWidget:
    made = QWidget()
    layout = QVBoxLayout(made)
    for n in range(lines):
        layout.addWidget(QLabel(f"line {n}"))
    return made


def window_with(lines: int) -> tuple[QWidget, SectionsScroll]:
    window = QWidget()
    layout = QVBoxLayout(window)
    scroll = SectionsScroll(sections(lines))
    layout.addWidget(scroll, 1)
    layout.addWidget(QLabel("buttons"))
    return window, scroll


def test_it_asks_for_the_whole_sections_even_past_what_a_scroll_area_asks(
    qtbot: QtBot,
) -> None:
    content = sections(60)  # far past QScrollArea's own cap of 24 lines
    scroll = SectionsScroll(content)
    qtbot.addWidget(scroll)
    assert scroll.sizeHint().height() >= content.sizeHint().height()
    assert scroll.minimumSizeHint().height() < content.sizeHint().height() // 4


def test_with_room_there_is_no_scroll_bar_and_without_it_there_is(qtbot: QtBot) -> None:
    window, scroll = window_with(10)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.resize(300, window.sizeHint().height())
    QApplication.processEvents()
    assert not scroll.verticalScrollBar().isVisible()
    window.resize(300, window.sizeHint().height() // 2)
    QApplication.processEvents()
    assert scroll.verticalScrollBar().isVisible()
    assert not scroll.horizontalScrollBar().isVisible()  # never sideways


def test_fit_grows_to_the_hint_but_not_past_the_screen(qtbot: QtBot) -> None:
    small, _ = window_with(5)
    qtbot.addWidget(small)
    small.show()
    small.resize(300, 50)
    fit_to_screen(small)
    assert small.height() == small.sizeHint().height()

    tall, _ = window_with(400)
    qtbot.addWidget(tall)
    tall.show()
    fit_to_screen(tall)
    screen = tall.screen()
    assert screen is not None
    assert tall.sizeHint().height() > screen.availableGeometry().height()
    assert tall.height() <= screen.availableGeometry().height()


def test_fit_keeps_a_height_given_by_hand(qtbot: QtBot) -> None:
    window, _ = window_with(3)
    qtbot.addWidget(window)
    window.show()
    window.resize(300, window.sizeHint().height() + 80)
    QApplication.processEvents()
    given = window.height()
    fit_to_screen(window)
    assert window.height() == given


def test_a_window_grown_past_the_bottom_of_the_screen_moves_up(qtbot: QtBot) -> None:
    window, _ = window_with(400)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    screen = window.screen()
    assert screen is not None
    free = screen.availableGeometry()
    window.resize(300, 100)
    window.move(free.x(), free.bottom() - 150)  # centred for its first, smaller size
    fit_to_screen(window)
    assert window.frameGeometry().bottom() <= free.bottom()
    assert window.frameGeometry().top() >= free.top()


def test_a_line_shown_later_is_asked_for_again(qtbot: QtBot) -> None:
    """Seen in the settings window: a test result shown as it opened made the window grow by
    the sections' first measure, and the new line pushed the last row under a scroll bar."""
    from claude_meter.core.settings import Settings
    from claude_meter.qt.settings_window import SettingsWindow

    made = SettingsWindow(Settings(), autostart=False, windows=[("five_hour", "Session (5h)")])
    qtbot.addWidget(made)
    made.show()
    made.show_test_result(True, "Connected: Personal · you@example.com.")
    qtbot.waitExposed(made)
    QApplication.processEvents()
    screen = made.screen()
    assert screen is not None
    assert made.height() < screen.availableGeometry().height()  # room enough: no scrolling
    assert not made.sections.verticalScrollBar().isVisible()
