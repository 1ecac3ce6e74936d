"""What issue 15 added to the popover and settings: the route the numbers came from, the
server's warning, spend, and the opt-in fallback after a challenge."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import msgspec
from pytestqt.qtbot import QtBot

from claude_meter.clients.web import WebClient
from claude_meter.core.grades import GRADES, grade_for
from claude_meter.core.meter import MeterState, apply_result
from claude_meter.core.presentation import routes_text
from claude_meter.core.settings import Settings
from claude_meter.fake import FakeClaude
from claude_meter.qt.popover import Popover
from claude_meter.qt.settings_window import SettingsWindow
from claude_meter.sources.cookies import SessionCookies
from tests.conftest import TEST_SESSION_KEY


def new_shapes_state(*, fallback: bool = False) -> MeterState:
    """What the fake's ``new-shapes`` scenario reads as, through the real client."""
    with FakeClaude("new-shapes", session_key=TEST_SESSION_KEY) as server:
        cookies = SessionCookies.parse(f"sessionKey={TEST_SESSION_KEY}")
        with WebClient(cookies, server.base_url, clock=lambda: datetime.now(UTC)) as client:
            result = client.fetch().result
    if fallback:
        snapshots = tuple(
            msgspec.structs.replace(s, source="claude-code", fallback_from="web")
            for s in result.snapshots
        )
        result = msgspec.structs.replace(result, source="claude-code", snapshots=snapshots)
    return apply_result(MeterState(), result)


def popover(qtbot: QtBot, state: MeterState) -> Popover:
    shown = Popover(interval=timedelta(seconds=60))
    qtbot.addWidget(shown)
    shown.show_state(state)
    return shown


def texts(widget: Popover) -> list[str]:
    from PySide6.QtWidgets import QLabel

    return [label.text() for label in widget.findChildren(QLabel)]


def test_a_server_warning_colours_its_row_below_the_thresholds(qtbot: QtBot) -> None:
    shown = popover(qtbot, new_shapes_state())
    rows = {row.usage_window.key: row for row in shown.rows}
    fable = rows["seven_day_fable"]
    assert fable.usage_window.percent == 72.0
    assert grade_for(72.0).name == "warn"  # yellow by its percent alone
    orange = GRADES[2].rgb
    assert orange in fable.bar.styleSheet()
    assert fable.label.text() == "Weekly · Fable ⚠"
    assert "flagged by the server" in fable.bar.accessibleName()
    sonnet = rows["seven_day_sonnet"]  # normal severity: its own grade
    assert grade_for(12.0).rgb in sonnet.bar.styleSheet()


def test_spend_and_the_route_are_shown(qtbot: QtBot) -> None:
    shown = popover(qtbot, new_shapes_state())
    assert "Spend: €18.75 of €100.00 (19%) · balance €81.25" in texts(shown)
    assert shown.route.text() == "via claude.ai"
    assert not any("chose this fallback" in text for text in texts(shown))


def test_the_fallback_is_named(qtbot: QtBot) -> None:
    state = new_shapes_state(fallback=True)
    shown = popover(qtbot, state)
    assert shown.route.text() == "via Claude Code's sign-in"
    assert any(
        text.startswith("Read via Claude Code's sign-in: claude.ai asked for a browser check")
        for text in texts(shown)
    )
    assert routes_text(MeterState()) == ""


def test_the_fallback_setting_is_offered_with_auto_only(qtbot: QtBot) -> None:
    made = SettingsWindow(Settings(challenge_fallback=True), autostart=False, windows=[])
    qtbot.addWidget(made)
    assert made.fallback.isChecked()
    assert made.fallback.isVisibleTo(made)
    assert made.values().challenge_fallback is True
    made.fallback.setChecked(False)
    assert made.values().challenge_fallback is False
    made.source.setCurrentIndex(made.source.findData("claude-code"))
    assert not made.fallback.isVisibleTo(made)
