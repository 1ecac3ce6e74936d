"""Claude Code's status line readings in the live meter: laid over the other routes,
recorded, covering the organization while fresh, and the shared file written."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import msgspec

from claude_meter.core.models import ExtraUsage, FetchResult, UsageWindow
from claude_meter.history import HistoryStore
from claude_meter.poll.live import LiveMeter
from claude_meter.readings.convert import remember
from claude_meter.readings.store import load
from tests.conftest import NOW
from tests.poll.test_live import RESET, A, history, result, rows, snap

__all__ = ["history"]  # the fixture, shared


def statusline(org: str, percent: float, minutes: float = 0) -> FetchResult:
    at = NOW + timedelta(minutes=minutes)
    return result(
        snap(org, percent, at, "claude-code-statusline"), source="claude-code-statusline", at=at
    )


def test_a_statusline_reading_is_laid_over_claude_ai_and_recorded(
    history: HistoryStore, tmp_path: Path
) -> None:
    meter = LiveMeter(history=history, state_path=tmp_path / "state.json")
    opus = UsageWindow(key="seven_day_opus", label="Weekly · Opus", percent=12, resets_at=RESET)
    web = msgspec.structs.replace(
        snap(A, 20, NOW),
        windows=(*snap(A, 20, NOW).windows, opus),
        extra_usage=ExtraUsage(percent=25),
    )
    meter.accept(result(web), NOW)
    accepted = meter.accept(statusline(A, 37, minutes=5), NOW + timedelta(minutes=5))
    (shown,) = accepted.shown.state.snapshots
    assert shown.source == "claude-code-statusline"
    assert [(w.key, w.percent, w.read_via) for w in shown.windows] == [
        ("five_hour", 37, None),
        ("seven_day_opus", 12, "web"),
    ]
    assert shown.windows[1].read_at == NOW
    assert shown.extra_usage == ExtraUsage(percent=25)
    assert rows(history, A) == [20, 37]  # the status line's reading is in the history


def test_a_fresh_statusline_reading_covers_its_organization(tmp_path: Path) -> None:
    meter = LiveMeter(state_path=tmp_path / "state.json")
    meter.accept(result(snap(A, 20, NOW)), NOW)
    assert meter.own_poll_skipped(NOW) is None
    meter.accept(statusline(A, 37), NOW)
    skipped = meter.own_poll_skipped(NOW + timedelta(seconds=119))
    assert skipped is not None
    assert skipped.snapshots[0].windows[0].percent == 37
    assert meter.own_poll_skipped(NOW + timedelta(minutes=2)) is None  # no longer fresh


def test_the_meter_writes_the_shared_file_but_not_the_statusline_back(tmp_path: Path) -> None:
    path = tmp_path / "last-readings.json"
    meter = LiveMeter(
        state_path=tmp_path / "state.json", remember=lambda r, now: remember(r, now, path)
    )
    meter.accept(result(snap(A, 20, NOW)), NOW)
    meter.accept(statusline(A, 37), NOW)
    meter.accept(meter.own_poll_skipped(NOW) or result(), NOW)  # the skipped poll's stand-in
    assert [(e["source"], e["windows"][0]["percent"]) for e in load(path)] == [("web", 20)]
