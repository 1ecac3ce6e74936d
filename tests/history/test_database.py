"""The history's SQLite file: WAL mode, migrations in order, a newer schema left alone,
a corrupt file moved aside for a fresh one."""

from __future__ import annotations

import logging
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

from claude_meter.history import HistoryStore, HistoryUnavailable
from claude_meter.history import database as database_module
from claude_meter.history.database import MIGRATIONS
from tests.history.support import MIN, ORG, OTHER_ORG, T0, percents, snapshot


def user_version(path: Path) -> int:
    with sqlite3.connect(path) as db:
        version: int = db.execute("PRAGMA user_version").fetchone()[0]
    db.close()
    return version


def test_new_database_is_at_the_latest_schema_in_wal_mode(path: Path) -> None:
    HistoryStore.open(path).close()
    assert user_version(path) == len(MIGRATIONS)
    db = sqlite3.connect(path)
    try:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        db.close()


def test_migrations_run_in_order_and_keep_the_data(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with HistoryStore.open(path) as store:
        store.record(snapshot(T0, 10.0))
    later = (
        *MIGRATIONS,
        ("ALTER TABLE window ADD COLUMN label TEXT",),
        ("UPDATE window SET label = 'v3 ran after v2'",),
    )
    monkeypatch.setattr(database_module, "MIGRATIONS", later)
    with HistoryStore.open(path) as store:
        assert percents(store) == [10.0]
        assert store.record(snapshot(T0 + MIN, 11.0))
    assert user_version(path) == len(later)
    db = sqlite3.connect(path)
    try:
        labels = {row[0] for row in db.execute("SELECT label FROM window")}
    finally:
        db.close()
    assert labels == {"v3 ran after v2"}


def test_a_failing_migration_changes_nothing(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with HistoryStore.open(path) as store:
        store.record(snapshot(T0, 10.0))
    broken = (*MIGRATIONS, ("ALTER TABLE window ADD COLUMN label TEXT", "SELECT * FROM nope"))
    monkeypatch.setattr(database_module, "MIGRATIONS", broken)
    with pytest.raises(HistoryUnavailable):
        HistoryStore.open(path)
    monkeypatch.setattr(database_module, "MIGRATIONS", MIGRATIONS)
    assert user_version(path) == len(MIGRATIONS)
    with HistoryStore.open(path) as store:  # the half-run migration was rolled back
        assert percents(store) == [10.0]


def test_a_newer_schema_is_left_alone(path: Path) -> None:
    HistoryStore.open(path).close()
    db = sqlite3.connect(path)
    db.execute("PRAGMA user_version = 99")
    db.close()
    with pytest.raises(HistoryUnavailable, match="newer ClaudeMeter"):
        HistoryStore.open(path)
    assert user_version(path) == 99
    assert list(path.parent.glob("*.corrupt-*")) == []


def test_unopenable_location_raises_history_unavailable(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("not a folder")
    with pytest.raises(HistoryUnavailable):
        HistoryStore.open(tmp_path / "a-file" / "history.sqlite3")


def test_a_history_that_cannot_be_opened_says_why_and_what_to_do(tmp_path: Path) -> None:
    """SQLite's own words were "unable to open database file": neither why nor what next."""
    path = tmp_path / "history.sqlite3"
    path.mkdir()  # unopenable even as root (chmod 000 is not, for root)
    with pytest.raises(HistoryUnavailable) as raised:
        HistoryStore.open(path, quick_check=False)
    assert str(raised.value) == (
        f"{path} cannot be opened (Is a directory): make it readable and writable for you, or "
        "move it away to start a new history"
    )
    assert path.is_dir()  # not moved aside: not a corrupt database, not ours


def test_a_locked_history_is_said_in_words_and_the_reading_dropped(
    path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Another program holding the write lock: "database is locked" said nothing to act on."""
    HistoryStore.open(path).close()
    monkeypatch.setattr(database_module, "BUSY_TIMEOUT_SECONDS", 0.05)
    holder = sqlite3.connect(path, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")  # a real writer's lock, in another connection
        with HistoryStore.open(path, quick_check=False) as store, caplog.at_level(logging.WARNING):
            assert not store.record(snapshot(T0, 40.0))
        assert (
            f"the usage history was not written: {path} is locked by another program (another "
            "ClaudeMeter, or a tool that has it open) for more than 0.05 s; try again once it "
            "lets go"
        ) in caplog.text
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    with HistoryStore.open(path, quick_check=False) as store:
        assert store.record(snapshot(T0, 40.0))  # the lock gone, the next reading is kept


# -- corruption -----------------------------------------------------------------------------


def corrupt_after_first_page(path: Path) -> None:
    """Keep SQLite's header and schema page, scramble everything after it."""
    size = path.stat().st_size
    with path.open("r+b") as f:
        f.seek(4096)
        f.write(bytes((i * 37 + 11) % 256 for i in range(size - 4096)))


def filled_database(path: Path) -> None:
    with HistoryStore.open(path) as store:
        for i in range(300):
            store.record(snapshot(T0 + i * MIN, i / 10, 40 + i / 10))


def assert_moved_aside_and_fresh(
    path: Path, store: HistoryStore, caplog: pytest.LogCaptureFixture
) -> None:
    aside = list(path.parent.glob("history.sqlite3.corrupt-*"))
    (kept,) = [p.name for p in aside if not p.name.endswith(("-wal", "-shm"))]
    assert any(  # where the old file went, not only "starting a new one"
        r.name == "claude_meter.history"
        and r.levelno == logging.WARNING
        and r.message.startswith(f"history database {path} is damaged (")
        and r.message.endswith(f"): it was kept as {kept}, and a new one started")
        for r in caplog.records
    )
    assert store.record(snapshot(T0 + timedelta(days=1), 5.0))
    assert percents(store) == [5.0]


def test_a_file_that_is_not_a_database_is_moved_aside(
    path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path.write_bytes(b"this is not SQLite\n" * 500)
    with HistoryStore.open(path) as store:
        assert_moved_aside_and_fresh(path, store, caplog)
    aside = next(path.parent.glob("history.sqlite3.corrupt-*"))
    assert aside.read_bytes().startswith(b"this is not SQLite")


def test_a_file_failing_quick_check_is_moved_aside(
    path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    filled_database(path)
    corrupt_after_first_page(path)
    with HistoryStore.open(path) as store:
        assert_moved_aside_and_fresh(path, store, caplog)


def test_corruption_found_during_use_is_handled_too(
    path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    filled_database(path)
    corrupt_after_first_page(path)
    with HistoryStore.open(path, quick_check=False) as store:  # as the CLI opens it
        assert not store.record(snapshot(T0 + timedelta(hours=12), 1.0))  # lost, not raised
        assert_moved_aside_and_fresh(path, store, caplog)


# -- schema 2: windows per account -----------------------------------------------------------


def version_one_database(path: Path) -> None:
    """A history as ClaudeMeter wrote it before accounts (schema 1), by that schema's SQL:
    two organizations, a reset and a limit hit."""
    db = sqlite3.connect(path, isolation_level=None)
    try:
        database_module.migrate(db, MIGRATIONS[:1])
        at = int(T0.timestamp())
        for window_id, org, key, rows in (
            (1, ORG, "five_hour", [(at, 9500), (at + 60, 10000), (at + 120, 200)]),
            (2, OTHER_ORG, "seven_day", [(at, 4000)]),
        ):
            last_at, last = rows[-1]
            db.execute(
                "INSERT INTO window (id, org_uuid, key, last_at, last_percent_centi, "
                "last_resets_at) VALUES (?, ?, ?, ?, ?, NULL)",
                (window_id, org, key, last_at, last),
            )
            db.executemany(
                "INSERT INTO sample (at, window_id, percent_centi, resets_at) "
                "VALUES (?, ?, ?, NULL)",
                [(t, window_id, centi) for t, centi in rows],
            )
        db.executemany(
            "INSERT INTO event (at, window_id, kind, percent_centi, resets_at) "
            "VALUES (?, 1, ?, ?, NULL)",
            [(at + 60, "limit_hit", 10000), (at + 120, "reset", 200)],
        )
    finally:
        db.close()


def test_a_history_from_before_accounts_is_kept_as_the_default_accounts(path: Path) -> None:
    version_one_database(path)
    assert user_version(path) == 1
    with HistoryStore.open(path) as store:
        assert user_version(path) == len(MIGRATIONS)
        assert percents(store) == [95.0, 100.0, 2.0]
        assert [s.percent for s in store.samples(OTHER_ORG, "seven_day", T0)] == [40.0]
        assert store.samples(ORG, "five_hour", T0, account="work") == []
        assert [(e.kind, e.account) for e in store.events(T0)] == [
            ("limit_hit", None),
            ("reset", None),
        ]
        assert {r.account for r in store.readings(T0)} == {None}
        # the default account goes on where it stopped: the last reading is remembered
        assert not store.record(snapshot(T0 + 2 * MIN, 2.0, None, session_reset=None))
        assert store.record(snapshot(T0 + 3 * MIN, 3.0, None, session_reset=None))
        # and a named account in the same organization starts its own window beside it
        assert store.record(snapshot(T0 + 3 * MIN, 50.0, None, account="work", session_reset=None))
        assert percents(store) == [95.0, 100.0, 2.0, 3.0]
        assert percents(store, account="work") == [50.0]


def test_reading_only_opens_read_only_or_leaves_the_file_to_the_writable_way(
    path: Path,
) -> None:
    """``history`` opens to read only, so a read-only snapshot can be looked at; a file that
    is not there yet, needs migrating or is damaged is opened the writable way."""
    with HistoryStore.open_read_only(path) as store:  # none yet: created, as before
        assert store.readings(T0 - timedelta(days=1)) == []
    with HistoryStore.open(path) as store:
        store.record(snapshot(T0, 10.0))
    with HistoryStore.open_read_only(path) as store:
        assert [r.percent for r in store.readings(T0 - timedelta(days=1))] == [10.0, 40.0]
        assert not store.record(snapshot(T0 + MIN, 20.0))  # refused: read only
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA user_version = 1")
    db.close()
    with HistoryStore.open_read_only(path) as store:  # migrated first
        assert [r.percent for r in store.readings(T0 - timedelta(days=1))] == [10.0, 40.0]
    assert user_version(path) == len(MIGRATIONS)
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA user_version = 99")
    db.close()
    with pytest.raises(HistoryUnavailable, match="newer ClaudeMeter"):
        HistoryStore.open_read_only(path)
    path.write_text("not SQLite\n" * 500)
    for aside in path.parent.glob(f"{path.name}-*"):
        aside.unlink()
    with HistoryStore.open_read_only(path) as store:  # moved aside, a new one started
        assert store.readings(T0 - timedelta(days=1)) == []
    assert len(list(path.parent.glob("*.corrupt-*"))) == 1
