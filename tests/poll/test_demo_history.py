"""The demo's made-up past: resets, walls and a current period that ends at the reading now."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from pathlib import Path

from claude_meter.core.models import Snapshot, UsageWindow
from claude_meter.history import HistoryStore
from claude_meter.history.reads import walls_since
from claude_meter.poll.demo_history import past_snapshots

NOW = datetime(2026, 12, 6, 4, 0, tzinfo=UTC)
ORG = "5c2a7f10-0000-4000-8000-000000000001"


def first() -> Snapshot:
    return Snapshot(
        source="demo",
        org_uuid=ORG,
        fetched_at=NOW,
        windows=(
            UsageWindow(
                key="five_hour", label="S", percent=42.0, resets_at=NOW + timedelta(hours=2)
            ),
            UsageWindow(
                key="seven_day", label="W", percent=61.0, resets_at=NOW + timedelta(days=2)
            ),
            UsageWindow(key="extra", label="X", percent=5.0, resets_at=None),  # no length: left out
        ),
    )


def test_the_past_has_resets_and_walls_and_ends_at_the_reading_now(tmp_path: Path) -> None:
    step = timedelta(minutes=40)
    past = list(past_snapshots(first(), NOW, days=30, step=step))
    assert past[0].fetched_at == NOW - timedelta(days=30)
    assert past[-1].fetched_at >= NOW - step
    assert {w.key for s in past for w in s.windows} == {"five_hour", "seven_day"}
    assert past == list(past_snapshots(first(), NOW, days=30, step=step))  # the same every run
    with HistoryStore.open(tmp_path / "h.sqlite3") as store:
        for snapshot in past:
            store.record(snapshot)
        walls = walls_since(store, NOW - timedelta(days=30), NOW)
        resets = store.events(NOW - timedelta(days=30), kind="reset")
        current = store.samples(ORG, "five_hour", NOW - timedelta(hours=3))
    assert {w.window_key for w in walls} == {"five_hour", "seven_day"}
    assert 10 < sum(w.window_key == "five_hour" for w in walls) < 60
    assert all(w.until is not None and w.before_reset_seconds for w in walls)
    assert len([r for r in resets if r.window_key == "five_hour"]) > 100
    assert current[-1].percent <= 42.0
    assert current[-1].resets_at == NOW + timedelta(hours=2)
    assert all(a.percent <= b.percent for a, b in itertools.pairwise(current))


def test_recording_the_past_at_once_stores_what_one_at_a_time_does(tmp_path: Path) -> None:
    """``record_many`` (the demo's seeding) writes the same rows and events, in one commit."""
    past = list(past_snapshots(first(), NOW, days=30, step=timedelta(minutes=40)))
    one_by_one = HistoryStore.open(tmp_path / "one.sqlite3")
    at_once = HistoryStore.open(tmp_path / "many.sqlite3")
    commits: list[str] = []
    at_once._db.set_trace_callback(
        lambda sql: commits.append(sql) if sql.strip().upper() == "COMMIT" else None
    )
    try:
        written = [one_by_one.record(s) for s in past]
        assert at_once.record_many(iter(past)) == sum(written)
        assert len(commits) == 1
        since = NOW - timedelta(days=31)
        assert at_once.readings(since) == one_by_one.readings(since)
        assert len(at_once.readings(since)) > 100
    finally:
        one_by_one.close()
        at_once.close()
