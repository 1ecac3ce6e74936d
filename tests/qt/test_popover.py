"""The popover: rows, accessible names, banners, and a countdown that ticks only when open."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from PySide6.QtCore import Qt
from PySide6.QtGui import QAccessible
from pytestqt.qtbot import QtBot

from claude_meter.core.meter import MeterState, apply_result
from claude_meter.core.models import ExtraUsage, FetchError, FetchResult, Snapshot, UsageWindow
from claude_meter.qt.app import NO_TRAY
from claude_meter.qt.popover import Popover

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)  # a Wednesday
FRIDAY = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
INTERVAL = timedelta(seconds=60)


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


def state_with(*orgs: str, error: FetchError | None = None) -> MeterState:
    snapshots = tuple(
        Snapshot(
            source="web",
            org_uuid=org,
            org_name=org.title(),
            account_email="me@example.com",
            plan="default_claude_max_20x",
            fetched_at=NOW,
            windows=(
                UsageWindow(
                    key="five_hour",
                    label="Session (5h)",
                    percent=37.0,
                    resets_at=NOW + timedelta(hours=4, minutes=13, seconds=5),
                ),
                UsageWindow(
                    key="seven_day", label="Weekly · all models", percent=64.0, resets_at=FRIDAY
                ),
            ),
            extra_usage=ExtraUsage(
                is_enabled=True, monthly_limit=5000, used_credits=1250, percent=25, currency="EUR"
            ),
        )
        for org in orgs
    )
    state = apply_result(
        MeterState(), FetchResult(source="web", fetched_at=NOW, snapshots=snapshots)
    )
    if error is not None:
        state = apply_result(state, FetchResult(source="web", fetched_at=NOW, error=error))
    return state


def make(qtbot: QtBot, clock: Clock) -> Popover:
    popover = Popover(interval=INTERVAL, clock=clock, as_window=True)
    qtbot.addWidget(popover)
    return popover


def test_sections_rows_and_texts(qtbot: QtBot) -> None:
    clock = Clock()
    popover = make(qtbot, clock)
    popover.show_state(state_with("personal", "acme"))
    assert len(popover.rows) == 4
    row = popover.rows[1]
    assert row.label.text() == "Weekly · all models"
    assert row.percent.text() == "64%"
    assert row.bar.value() == 64
    assert row.countdown.text().startswith("resets in 2d 0h 0m · Fri ")
    assert popover.rows[0].countdown.text().startswith("resets in 4h 13m 05s")
    texts = [w.text() for w in popover.findChildren(type(row.label))]
    assert any("Personal · me@example.com · Max 20x" in t for t in texts)
    assert any("€12.50 of €50.00 (25%)" in t for t in texts)
    assert popover.updated.text() == "updated 0 s ago"
    assert not popover.banner.isVisible()


def test_screen_reader_names(qtbot: QtBot) -> None:
    popover = make(qtbot, Clock())
    popover.show_state(state_with("personal"))
    bar = popover.rows[1].bar
    expected_day = FRIDAY.astimezone().strftime("%A %H:%M")
    assert bar.accessibleName() == f"Weekly · all models, 64 percent, resets {expected_day}"
    popover.show()
    interface = QAccessible.queryAccessibleInterface(bar)
    assert interface is not None
    assert interface.text(QAccessible.Text.Name) == bar.accessibleName()
    value = interface.valueInterface()
    assert value is not None
    assert value.currentValue() == 64


def test_countdown_ticks_only_while_open(qtbot: QtBot) -> None:
    clock = Clock()
    popover = make(qtbot, clock)
    popover.show_state(state_with("personal"))
    assert not popover.ticking
    popover.show()
    qtbot.waitExposed(popover)
    assert popover.ticking
    before = popover.rows[0].countdown.text()
    clock.now += timedelta(seconds=3)
    with qtbot.waitSignal(popover._ticker.timeout, timeout=3000):
        pass
    assert popover.rows[0].countdown.text() != before
    assert "4h 13m 02s" in popover.rows[0].countdown.text()
    popover.hide()
    assert not popover.ticking


def test_countdown_never_goes_negative(qtbot: QtBot) -> None:
    clock = Clock()
    popover = make(qtbot, clock)
    popover.show_state(state_with("personal"))
    clock.now = NOW + timedelta(days=3)
    popover.tick()
    assert popover.rows[0].countdown.text().startswith("resetting now · ")


def test_error_banner_keeps_numbers(qtbot: QtBot) -> None:
    popover = make(qtbot, Clock())
    expired = FetchError(kind="session_expired", message="Your claude.ai session has expired.")
    popover.show_state(state_with("personal", error=expired))
    popover.show()
    assert popover.banner.isVisible()
    assert popover.banner.text().startswith("Your claude.ai session has expired.")
    assert "last numbers" in popover.banner.text()
    assert len(popover.rows) == 2
    assert not popover.rows[0].isEnabled()  # stale rows are greyed


def test_stale_banner_after_three_intervals(qtbot: QtBot) -> None:
    clock = Clock()
    popover = make(qtbot, clock)
    popover.show_state(state_with("personal"))
    clock.now = NOW + 4 * INTERVAL
    popover.tick()
    assert popover.banner.isVisibleTo(popover)
    assert "out of date" in popover.banner.text()


def test_escape_closes(qtbot: QtBot) -> None:
    popover = make(qtbot, Clock())
    popover.show_state(state_with("personal"))
    popover.show()
    qtbot.waitExposed(popover)
    qtbot.keyClick(popover, Qt.Key.Key_Escape)
    assert not popover.isVisible()


def test_buttons_emit(qtbot: QtBot) -> None:
    popover = make(qtbot, Clock())
    from PySide6.QtWidgets import QPushButton

    buttons = {b.text(): b for b in popover.findChildren(QPushButton)}
    assert set(buttons) == {"Refresh", "Usage page", "History", "Settings", "Quit"}  # + issue 20
    with qtbot.waitSignal(popover.refresh_clicked, timeout=1000):
        qtbot.mouseClick(buttons["Refresh"], Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(popover.history_clicked, timeout=1000):
        qtbot.mouseClick(buttons["History"], Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(popover.quit_clicked, timeout=1000):
        qtbot.mouseClick(buttons["Quit"], Qt.MouseButton.LeftButton)


def test_sparkline_and_forecast_from_history(qtbot: QtBot) -> None:
    from claude_meter.core.forecast import Forecast, Sample
    from claude_meter.history import WindowInsight

    clock = Clock()
    popover = make(qtbot, clock)
    state = state_with("personal")
    wall = NOW + timedelta(hours=2)
    rising = Forecast(
        percent_at_reset=130.0,
        wall_at=wall,
        fast_burn=True,
        pace_per_hour=20.0,
        recent_pace_per_hour=40.0,
        enough_data=True,
        summary="at this pace: 100% on Wed 11:00, 2h 13m before the reset",
    )
    samples = tuple(Sample(NOW - timedelta(minutes=30 * i), 37.0 - 5 * i) for i in range(4, -1, -1))
    unknown = Forecast(None, None, False, None, None, False, "not enough data yet")
    insights: dict[tuple[str | None, str | None, str], WindowInsight] = {
        (None, "personal", "five_hour"): WindowInsight(samples, rising),
        (None, "personal", "seven_day"): WindowInsight(samples[-1:], unknown),
    }
    popover.show_state(state, insights)
    session, weekly = popover.rows
    assert session.sparkline.has_data
    assert session.sparkline.isVisibleTo(popover)
    local = wall.astimezone().strftime("%a %H:%M")
    assert session.forecast.text() == f"Fast burn · 100% by {local}, 2h 13m before reset"
    assert session.forecast.toolTip() == rising.summary
    assert "#d93a30" in session.forecast.styleSheet()
    assert not weekly.sparkline.isVisibleTo(popover)  # one reading is not a line
    assert not weekly.forecast.isVisibleTo(popover)  # too little data says nothing
    popover.show()
    qtbot.waitExposed(popover)
    image = session.sparkline.grab().toImage()
    painted = {
        image.pixelColor(x, y).name() for x in range(image.width()) for y in range(image.height())
    }
    assert "#d93a30" in painted  # the fast-burn mark


def test_remaining_is_what_the_rows_show_and_say(qtbot: QtBot) -> None:
    popover = make(qtbot, Clock())
    popover.show_remaining = True
    popover.show_state(state_with("personal"))
    row = popover.rows[1]
    assert row.percent.text() == "36% left"
    assert row.bar.accessibleName().startswith("Weekly · all models, 36 percent left, ")


def test_the_window_s_long_notice_and_banner_are_shown_whole(qtbot: QtBot) -> None:
    """The window that stands in for a missing tray: its notice (six lines at the fixed
    width) and the error banner each get the height their wrapped text needs; Qt's size
    hint alone gave the notice four and cut the rest off."""
    popover = Popover(interval=timedelta(seconds=60), as_window=True)
    qtbot.addWidget(popover)
    popover.set_notice(NO_TRAY)
    message = (
        "Your claude.ai session has expired or was signed out. Sign in to claude.ai in your"
        " browser again (or paste a new session), then refresh."
    )
    expired = FetchError(kind="session_expired", message=message)
    popover.show_state(MeterState(error=expired))
    popover.show()
    qtbot.waitExposed(popover)
    for label in (popover.notice, popover.banner):
        assert label.isVisible()
        assert label.height() >= label.heightForWidth(label.width()), label.objectName()


NOT_SIGNED_IN = FetchError(
    kind="not_signed_in",
    message="No claude.ai session given, stored or found in a browser. Sign in to claude.ai in "
    "your browser, or run `claude-meter login --paste` with the Cookie header (or just the "
    "sessionKey value) copied from the browser's developer tools, or set CLAUDE_METER_COOKIE "
    "to it. Or sign in to Claude Code with `claude`.",
)


def _banner_whole(popover: Popover) -> bool:
    banner = popover.banner
    return banner.height() >= banner.heightForWidth(banner.width())


def test_a_long_banner_is_whole_whether_it_came_before_or_after_the_popover_opened(
    qtbot: QtBot,
) -> None:
    """Seen with no account on X11: the first and last lines of the advice were cut off,
    because the popover took the height for its size hint's width, not its own."""
    state = apply_result(
        MeterState(), FetchResult(source="web", fetched_at=NOW, error=NOT_SIGNED_IN)
    )
    before = make(qtbot, Clock())
    before.show_state(state)
    before.show()
    qtbot.waitExposed(before)
    assert _banner_whole(before)

    after = make(qtbot, Clock())
    after.show_state(MeterState())  # "Fetching your usage…"
    after.show()
    qtbot.waitExposed(after)
    after.show_state(state)  # the answer comes while it is open
    assert _banner_whole(after)


def test_a_banner_that_grows_while_open_is_fitted_again(qtbot: QtBot) -> None:
    popover = make(qtbot, Clock())
    short = FetchError(kind="not_signed_in", message="Not signed in.")
    popover.show_state(state_with("personal", error=short))
    popover.show()
    qtbot.waitExposed(popover)
    popover.banner.setText("x")  # as the clock changes the text: the same banner, longer
    popover._state = state_with("personal", error=NOT_SIGNED_IN)
    popover.tick()
    assert _banner_whole(popover)
