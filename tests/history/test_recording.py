"""The write rule on its own: which windows of a snapshot are stored, and a window's row per
account (the store's tests, test_store.py, drive the same rule through HistoryStore)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from claude_meter.history.database import MIGRATIONS, migrate
from claude_meter.history.recording import (
    KEEPALIVE,
    epoch,
    record_window,
    time_of,
    time_or_none,
    window_readings,
)
from tests.history.support import T0, WORK, snapshot


@pytest.fixture
def db() -> Iterator[sqlite3.Connection]:
    connection = sqlite3.connect(":memory:", isolation_level=None)
    migrate(connection, MIGRATIONS)
    yield connection
    connection.close()


def test_which_windows_a_snapshot_stores() -> None:
    assert [key for key, _, _ in window_readings(snapshot(T0, 10.0, None))] == ["five_hour"]
    assert window_readings(snapshot(T0, error=True)) == []
    assert window_readings(snapshot(T0, stale=True)) == []
    ((_, centi, resets_at),) = window_readings(snapshot(T0, 42.13, None))
    assert centi == 4213
    assert resets_at is not None
    assert time_of(resets_at) > T0


def test_a_window_per_account_organization_and_key(db: sqlite3.Connection) -> None:
    at = epoch(T0)
    assert record_window(db, ("", "org"), "five_hour", at, 1000, None)
    assert record_window(db, (WORK, "org"), "five_hour", at, 9000, None)  # its own window
    assert not record_window(db, ("", "org"), "five_hour", at + 60, 1000, None)  # unchanged
    assert not record_window(db, (WORK, "org"), "five_hour", at - 60, 1, None)  # older
    keepalive = at + int(KEEPALIVE.total_seconds())
    assert record_window(db, ("", "org"), "five_hour", keepalive, 1000, None)
    rows = db.execute("SELECT account, org_uuid, key FROM window ORDER BY id").fetchall()
    assert rows == [("", "org", "five_hour"), (WORK, "org", "five_hour")]
    assert db.execute("SELECT count(*) FROM sample").fetchone() == (3,)


def test_stored_times() -> None:
    moment = datetime(2026, 12, 6, 12, 0, 30, 900_000, tzinfo=UTC)
    assert time_of(epoch(moment)) == moment.replace(microsecond=0)
    assert time_or_none(None) is None
