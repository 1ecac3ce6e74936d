"""The tray app's wiring: notifications once (even across a restart), expiry, no-tray path."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from claude_meter.core.models import FetchError, FetchResult, Snapshot, UsageWindow
from claude_meter.qt.app import NO_TRAY, SETTLE_AT_LATEST_MS, TrayApp
from tests.support.notifier import Recorder

RESET = datetime(2026, 11, 25, 13, 0, tzinfo=UTC)


def result(percent: float, *, error: str | None = None, at: datetime | None = None) -> FetchResult:
    now = at or datetime.now(UTC)
    if error:
        return FetchResult(
            source="web", fetched_at=now, error=FetchError(kind=error, message=f"{error}!")
        )
    window = UsageWindow(key="five_hour", label="Session (5h)", percent=percent, resets_at=RESET)
    snapshot = Snapshot(
        source="web", org_uuid="o", org_name="Personal", fetched_at=now, windows=(window,)
    )
    return FetchResult(source="web", fetched_at=now, snapshots=(snapshot,))


class Script:
    """A fetch that plays a list of results, one per poll, then repeats the last."""

    def __init__(self, *results: FetchResult) -> None:
        self.results = list(results)
        self.calls = 0

    def __call__(self) -> FetchResult:
        self.calls += 1
        return self.results[min(self.calls, len(self.results)) - 1]


def start(
    qtbot: QtBot,
    fetch: Callable[[], FetchResult],
    state: Path,
    notifier: Recorder,
    **kwargs: object,
) -> TrayApp:
    app = TrayApp(
        fetch,
        interval=timedelta(milliseconds=50),
        floor=timedelta(milliseconds=10),
        state_path=state,
        notifier=notifier,
        tray_wait=kwargs.pop("tray_wait", 30.0),  # type: ignore[arg-type]
    )
    app.start()
    return app


def test_crossing_notifies_once_and_not_again_after_restart(qtbot: QtBot, tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    notifier = Recorder()
    script = Script(result(50), result(85), result(86), result(87))
    app = start(qtbot, script, state, notifier)
    qtbot.waitUntil(lambda: script.calls >= 4, timeout=5000)
    qtbot.waitUntil(
        lambda: bool(app.state.snapshots) and app.state.snapshots[0].windows[0].percent == 87
    )
    app.stop()
    assert [t for t, _ in notifier.sent] == ["Session (5h) at 85%"]
    assert "Personal" in notifier.sent[0][1]
    assert state.exists()
    assert "sk-" not in state.read_text()

    again = Recorder()
    script2 = Script(result(88))
    app2 = start(qtbot, script2, state, again)
    qtbot.waitUntil(lambda: script2.calls >= 2, timeout=5000)
    app2.stop()
    assert again.sent == []  # the "already notified" state survived the restart


def test_session_expiry_notifies_once(qtbot: QtBot, tmp_path: Path) -> None:
    notifier = Recorder()
    script = Script(result(10), result(0, error="session_expired"))
    app = start(qtbot, script, tmp_path / "s.json", notifier)
    qtbot.waitUntil(lambda: script.calls >= 5, timeout=5000)
    app.stop()
    assert [t for t, _ in notifier.sent] == ["Claude session expired"]
    # the last good number is still shown, marked stale
    assert app.state.snapshots[0].windows[0].percent == 10
    assert app.state.snapshots[0].stale
    assert app.current_indicator().kind == "stale"


def test_no_tray_falls_back_to_a_window(qtbot: QtBot, tmp_path: Path) -> None:
    # The offscreen platform has no system tray, like GNOME without AppIndicator.
    app = start(qtbot, Script(result(30)), tmp_path / "s.json", Recorder(), tray_wait=0.2)
    qtbot.waitUntil(lambda: app.window_mode, timeout=5000)
    qtbot.waitUntil(lambda: app.popover.isVisible(), timeout=5000)
    assert app.popover.notice.text() == NO_TRAY
    qtbot.waitUntil(lambda: len(app.popover.rows) == 1, timeout=5000)
    app.stop()


def test_quit_is_bounded_during_a_slow_request(qtbot: QtBot, tmp_path: Path) -> None:
    entered, release = threading.Event(), threading.Event()

    def slow() -> FetchResult:
        entered.set()
        release.wait(30)
        return result(1)

    app = start(qtbot, slow, tmp_path / "s.json", Recorder())
    assert entered.wait(5)
    began = time.monotonic()
    app.stop()
    assert time.monotonic() - began < 2.0
    release.set()


@pytest.mark.parametrize("text", ["Session (5h): 85% · resets"])
def test_tooltip_lists_windows(qtbot: QtBot, tmp_path: Path, text: str) -> None:
    app = start(qtbot, Script(result(85)), tmp_path / "s.json", Recorder())
    qtbot.waitUntil(lambda: bool(app.state.snapshots), timeout=5000)
    app.stop()
    assert text in app.tray.toolTip()


def test_polls_are_recorded_and_feed_the_popover(qtbot: QtBot, tmp_path: Path) -> None:
    from claude_meter.history import HistoryStore

    with HistoryStore.open(tmp_path / "history.sqlite3") as history:
        start = datetime.now(UTC) - timedelta(minutes=3)
        script = Script(
            *(result(p, at=start + timedelta(minutes=i)) for i, p in enumerate((10, 20, 30)))
        )
        app = TrayApp(
            script,
            interval=timedelta(milliseconds=50),
            floor=timedelta(milliseconds=10),
            state_path=tmp_path / "s.json",
            notifier=Recorder(),
            tray_wait=30.0,
            history=history,
        )
        app.start()
        qtbot.waitUntil(lambda: script.calls >= 3, timeout=5000)
        qtbot.waitUntil(
            lambda: bool(app.state.snapshots) and app.state.snapshots[0].windows[0].percent == 30
        )
        app.stop()
        since = datetime.now(UTC) - timedelta(hours=1)
        stored = [s.percent for s in history.samples("o", "five_hour", since)]
        assert stored[:3] == [10, 20, 30]
        insight = app.insights()[(None, "o", "five_hour")]
        assert [s.percent for s in insight.samples][:3] == [10, 20, 30]


def test_the_popover_is_made_when_first_needed_with_what_it_must_show(
    qtbot: QtBot, tmp_path: Path
) -> None:
    """A meter never opened keeps no popover (its widgets cost ~2 MB); made later, it shows
    the standing notice, the settings and the rows it would have had all along."""
    from PySide6.QtWidgets import QApplication

    from claude_meter.core.settings import Settings

    def popovers() -> list[str]:
        return [w.objectName() for w in QApplication.topLevelWidgets() if w.isWindow()]

    made_before = popovers().count("popover")
    script = Script(result(42))
    app = start(qtbot, script, tmp_path / "s.json", Recorder())
    qtbot.waitUntil(lambda: bool(app.state.snapshots), timeout=5000)
    app.set_notice("ClaudeMeter settings were reset")
    app.apply_settings(Settings(percent_shown="remaining", poll_seconds=120))
    assert popovers().count("popover") == made_before  # polled, drawn, configured: not made

    popover = app.popover
    assert popovers().count("popover") == made_before + 1
    assert popover.notice.text() == "ClaudeMeter settings were reset"
    assert popover.show_remaining
    assert len(popover.rows) == 1
    assert app.popover is popover  # made once
    app.stop()


def test_settled_comes_once_right_after_the_first_reading_is_drawn(
    qtbot: QtBot, tmp_path: Path
) -> None:
    """What the first draw does not need starts on ``settled`` (``qt/compose.py``)."""
    drawn: list[str] = []
    app = start(qtbot, Script(result(40), result(41)), tmp_path / "s.json", Recorder())
    app.settled.connect(lambda: drawn.append(app.current_indicator().text))
    with qtbot.waitSignal(app.settled, timeout=SETTLE_AT_LATEST_MS // 2):
        pass
    assert drawn == ["40"]  # the first reading was on the icon already
    qtbot.waitUntil(lambda: app.state.snapshots[0].windows[0].percent == 41)
    app.stop()
    assert drawn == ["40"]  # once


def test_settled_comes_at_the_latest_a_second_after_the_start_without_a_reading(
    qtbot: QtBot, tmp_path: Path
) -> None:
    """A first poll that does not return (held back, a slow network) holds nothing back."""
    release = threading.Event()

    def stuck() -> FetchResult:
        release.wait(10)
        return result(40)

    app = start(qtbot, stuck, tmp_path / "s.json", Recorder())
    begun = time.monotonic()
    with qtbot.waitSignal(app.settled, timeout=SETTLE_AT_LATEST_MS * 3):
        pass
    assert time.monotonic() - begun >= SETTLE_AT_LATEST_MS / 1000 * 0.9
    assert not app.state.has_numbers
    release.set()
    app.stop()
