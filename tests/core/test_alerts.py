"""Threshold crossings and the expired-session notification, as tables of polls."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from claude_meter.core.alerts import (
    AlertMemory,
    crossings,
    session_expired_alert,
)
from claude_meter.core.models import FetchError, Snapshot, UsageWindow
from claude_meter.core.presentation import crossing_text

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
RESET = datetime(2026, 11, 25, 13, 0, 0, 412233, tzinfo=UTC)


def snap(
    percent: float | None, *, resets_at: datetime | None = RESET, org: str = "o1", **kw: Any
) -> Snapshot:
    window = UsageWindow(
        key="five_hour", label="Session (5h)", percent=percent, resets_at=resets_at
    )
    return Snapshot(
        source="web", org_uuid=org, org_name="Personal", fetched_at=NOW, windows=(window,), **kw
    )


def run(percents: list[float | None], thresholds: tuple[float, ...] = (80.0,)) -> list[list[float]]:
    memory = AlertMemory.empty()
    fired = []
    for p in percents:
        due, memory = crossings([snap(p)], memory, thresholds)
        fired.append([c.threshold for c in due])
    return fired


def test_notifies_once_per_crossing() -> None:
    assert run([70, 79, 80, 85, 90, 99]) == [[], [], [80], [], [], []]


def test_rearms_after_falling_back_below_with_hysteresis() -> None:
    assert run([81, 79, 81, 77, 81]) == [[80], [], [], [], [80]]


def test_several_thresholds_only_the_highest_of_one_jump() -> None:
    assert run([70, 96, 97, 85, 96], (80, 95)) == [[], [95], [], [], [95]]  # 85 re-armed 95
    assert run([82, 96], (80, 95)) == [[80], [95]]


def test_unknown_percent_neither_fires_nor_rearms() -> None:
    assert run([85, None, 85]) == [[80], [], []]


def test_new_reset_period_rearms() -> None:
    memory = AlertMemory.empty()
    due, memory = crossings([snap(85)], memory)
    assert len(due) == 1
    due, memory = crossings([snap(85, resets_at=RESET + timedelta(microseconds=5))], memory)
    assert due == []  # the same period (microseconds jitter between polls)
    due, memory = crossings([snap(85, resets_at=RESET + timedelta(hours=5))], memory)
    assert len(due) == 1


def test_stale_or_failed_snapshots_do_not_notify() -> None:
    memory = AlertMemory.empty()
    due, memory = crossings([snap(90, stale=True)], memory)
    assert due == []
    error = FetchError(kind="network", message="x")
    due, memory = crossings([snap(90, error=error)], memory)
    assert due == []


def test_per_organization() -> None:
    memory = AlertMemory.empty()
    due, memory = crossings([snap(85, org="a"), snap(85, org="b")], memory)
    assert [c.org_uuid for c in due] == ["a", "b"]


def test_memory_round_trips_as_plain_data() -> None:
    _, memory = crossings([snap(85)], AlertMemory.empty())
    again = AlertMemory(dict(memory.notified))
    due, _ = crossings([snap(86)], again)
    assert due == []


def test_expired_session_notifies_once() -> None:
    expired = FetchError(kind="session_expired", message="x")
    network = FetchError(kind="network", message="x")
    assert session_expired_alert(None, expired)
    assert not session_expired_alert(expired, expired)
    assert session_expired_alert(network, expired)
    assert not session_expired_alert(expired, None)
    assert not session_expired_alert(None, network)


def test_text() -> None:
    due, _ = crossings([snap(83.4)], AlertMemory.empty())
    title, body = crossing_text(due[0], NOW)
    assert title == "Session (5h) at 83%"
    assert "Personal" in body
    assert "passed 80%" in body
    assert "resets in 4h 0m" in body
