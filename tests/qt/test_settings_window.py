"""The settings window: shows the settings, validates through the model, saves, tests."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from claude_meter.core.settings import Settings
from claude_meter.qt.settings_window import ProfileChoice, SettingsWindow

WINDOWS = [("five_hour", "Session (5h)"), ("seven_day", "Weekly · all models")]
PROFILES = [
    ProfileChoice("chrome", "Default", "Chrome (Default)"),
    ProfileChoice("firefox", "abc.default-release", "Firefox (abc.default-release)"),
]


def window(qtbot: QtBot, settings: Settings | None = None, **kwargs: object) -> SettingsWindow:
    made = SettingsWindow(
        settings or Settings(),
        autostart=bool(kwargs.pop("autostart", False)),
        windows=WINDOWS,
        profiles=PROFILES,
    )
    qtbot.addWidget(made)
    return made


def test_shows_the_settings_and_gives_them_back_unchanged(qtbot: QtBot) -> None:
    chosen = Settings(
        source="browser",
        browser="firefox",
        profile="abc.default-release",
        poll_seconds=300,
        thresholds=(75, 95),
        icon_hidden=("seven_day",),
        popover_hidden=("five_hour",),
        icon_style="ring",
        icon_colour="monochrome",
        percent_shown="remaining",
        bridge_enabled=True,
        bridge_port=40000,
    )
    made = window(qtbot, chosen, autostart=True)
    assert made.values() == chosen
    assert made.autostart.isChecked()
    assert made.profile.isVisibleTo(made)
    assert made.thresholds.text() == "75, 95"


def test_profile_and_paste_appear_only_for_their_source(qtbot: QtBot) -> None:
    made = window(qtbot)
    assert not made.profile.isVisibleTo(made)
    assert not made.paste.isVisibleTo(made)
    made.source.setCurrentIndex(made.source.findData("pasted"))
    assert made.paste.isVisibleTo(made)
    assert "keyring" in made.source_hint.text()
    made.source.setCurrentIndex(made.source.findData("browser"))
    assert made.profile.isVisibleTo(made)
    assert made.values().browser == "chrome"


def test_invalid_input_is_explained_and_not_saved(qtbot: QtBot) -> None:
    made = window(qtbot)
    saved: list[Settings] = []
    made.saved.connect(lambda s, _: saved.append(s))
    for text, words in (
        ("eighty", "thresholds are whole percents separated by commas, e.g. 80, 95"),
        ("80, 150", "a notification threshold must be 1 to 100, not 150"),
        ("1, 2, 3, 4, 5, 6", "at most five notification thresholds"),
    ):
        made.thresholds.setText(text)
        made.save()
        assert made.problem.isVisibleTo(made)
        assert made.problem.text() == words  # the rule's own sentence, no field name
    assert saved == []
    made.thresholds.setText("95, 80")
    made.save()
    assert not made.problem.isVisibleTo(made)
    assert saved[0].thresholds == (80.0, 95.0)


def test_save_carries_the_autostart_choice(qtbot: QtBot) -> None:
    made = window(qtbot)
    made.autostart.setChecked(True)
    with qtbot.waitSignal(made.saved) as blocker:
        made.buttons.button(made.buttons.StandardButton.Save).click()
    assert blocker.args is not None
    assert blocker.args[1] is True


def test_connection_test_round_trip(qtbot: QtBot) -> None:
    made = window(qtbot)
    with qtbot.waitSignal(made.test_requested) as blocker:
        made.test.click()
    assert isinstance(blocker.args[0] if blocker.args else None, Settings)
    assert not made.test.isEnabled()
    assert made.test_result.text() == "Testing…"
    made.show_test_result(False, "No claude.ai session was found.")
    assert made.test.isEnabled()
    assert made.test_result.text() == "✗ No claude.ai session was found."


def test_port_follows_the_bridge_switch(qtbot: QtBot) -> None:
    made = window(qtbot)
    assert not made.port.isEnabled()
    made.bridge.setChecked(True)
    assert made.port.isEnabled()
    assert not made.pair.isEnabled()  # no bridge to pair with in this window


def test_the_accounts_are_kept_and_the_icon_account_chosen(qtbot: QtBot) -> None:
    from claude_meter.core.accounts import AccountRef

    work = AccountRef(id="work", name="Work", kind="pasted")
    settings = Settings(accounts=(work,), default_account_name="Personal", icon_account="work")
    made = window(qtbot, settings)
    assert made.values() == settings  # saving never loses what this window does not edit
    assert [made.icon_account.itemText(i) for i in range(made.icon_account.count())] == [
        "The worst of all accounts",
        "Personal",
        "Work",
    ]
    assert made.icon_account.currentText() == "Work"
    made.icon_account.setCurrentIndex(1)
    assert made.values().icon_account == "default"
    made.icon_account.setCurrentIndex(0)
    assert made.values().icon_account is None
    assert window(qtbot, Settings()).icon_account.isHidden()  # one account: nothing to choose


def _whole(widget: QWidget) -> bool:
    return widget.visibleRegion().boundingRect().size() == widget.size()


def test_a_window_shorter_than_it_asks_scrolls_its_sections_and_keeps_the_buttons(
    qtbot: QtBot,
) -> None:
    """A tiling compositor (sway) or a small screen gives the window less height than its
    size hint: the sections scroll, every row stays whole once scrolled to, and Save and
    Cancel stay in view. With room enough there is no scroll bar."""
    windows = [
        ("five_hour", "Session (5h)"),
        ("seven_day", "Weekly · all models"),
        ("seven_day_sonnet", "Weekly · Sonnet"),
        ("seven_day_cowork", "Weekly · Claude Code & apps"),
        ("seven_day_design", "Weekly · Claude Design"),
    ]
    made = SettingsWindow(Settings(), autostart=False, windows=windows)
    qtbot.addWidget(made)
    made.show()
    qtbot.waitExposed(made)
    made.resize(made.width(), made.sizeHint().height())
    QApplication.processEvents()
    assert not made.sections.verticalScrollBar().isVisible()
    for width, height in ((made.minimumSizeHint().width(), 400), (1024, 670)):
        made.resize(width, height)
        QApplication.processEvents()
        for button in made.buttons.buttons():
            assert _whole(button), (width, height, button.text())
        for key, (in_icon, in_popover) in made.window_boxes.items():
            for box in (in_icon, in_popover):
                made.sections.ensureWidgetVisible(box)
                QApplication.processEvents()
                assert _whole(box), (width, height, key)


def test_the_connection_box_keeps_no_empty_row(qtbot: QtBot) -> None:
    """Nothing shown, no room taken: a hidden test result or profile takes its row (label,
    spacing) with it, and a two-line hint is two lines high, not the three QLabel guesses."""
    made = window(qtbot, Settings(source="claude-code"))
    made.show()
    qtbot.waitExposed(made)
    form = made._connection
    for hidden in (made.test_result, made.profile, made.fallback):
        assert not form.isRowVisible(hidden)
    hint = made.source_hint

    def fits() -> bool:
        return hint.height() == hint.heightForWidth(hint.width())

    qtbot.waitUntil(fits, timeout=2000)
    box = hint.parentWidget()
    assert box is not None
    last = hint.geometry().bottom()
    assert box.height() - last <= 2 * form.verticalSpacing() + 12  # no blank row under it
    made.show_test_result(True, "Connected.")
    assert form.isRowVisible(made.test_result)
    made.source.setCurrentIndex(made.source.findData("auto"))
    assert not form.isRowVisible(made.test_result)
    assert form.isRowVisible(made.fallback)
    # the line gone, the window gives its room back: no blank left in some box
    qtbot.waitUntil(lambda: made.height() == made.sizeHint().height(), timeout=2000)


def test_an_account_added_while_open_leaves_the_accounts_row_whole(qtbot: QtBot) -> None:
    """Adding a pasted account shows "Paste new session…" beside Add and Remove: the row grew
    wider than the window, which kept its width, and Remove… was cut off at the right edge."""
    from PySide6.QtCore import QPoint

    from claude_meter.core.accounts import AccountRef

    made = window(qtbot)
    made.show()
    qtbot.waitExposed(made)
    qtbot.waitUntil(lambda: made._fitted is not None)
    work = AccountRef(id="work", name="Work", kind="pasted", email="ada@initech.example")
    made.follow(Settings(accounts=(work,)))
    row = made.accounts

    qtbot.waitUntil(lambda: row.paste.isVisible() and row.remove.x() > row.paste.x() > 0)

    def whole() -> bool:  # every button as wide as its text, Remove… within the window
        buttons = (row.add, row.paste, row.remove)
        wide = all(button.width() >= button.sizeHint().width() for button in buttons)
        return wide and row.remove.mapTo(made, QPoint(row.remove.width(), 0)).x() <= made.width()

    qtbot.waitUntil(whole)
