"""The status line's waiting readings: appended by the light command, taken into the history
in time order by whoever holds it next, the file emptied, nothing raised."""

from __future__ import annotations

import errno
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from claude_meter.history import HistoryStore
from claude_meter.readings import journal
from claude_meter.readings.store import Entry, iso

START = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def _entry(minutes: int, percent: float, org: str = "org-a") -> Entry:
    return {
        "source": "claude-code-statusline",
        "org_uuid": org,
        "read_at": iso(START + timedelta(minutes=minutes)),
        "windows": [
            {
                "key": "five_hour",
                "label": "Session (5h)",
                "percent": percent,
                "resets_at": iso(START + timedelta(hours=4)),
            }
        ],
    }


@pytest.fixture
def history(tmp_path: Path) -> HistoryStore:
    return HistoryStore.open(tmp_path / "history.sqlite3", quick_check=False)


def _percents(history: HistoryStore) -> list[float]:
    return [r.percent for r in history.readings(START - timedelta(days=1))]


def test_waiting_readings_are_taken_oldest_first_and_the_journal_emptied(
    tmp_path: Path, history: HistoryStore
) -> None:
    store = tmp_path / "last-readings.json"
    for minutes, percent in ((0, 10), (10, 20), (20, 30)):
        journal.append(_entry(minutes, percent), store)
    assert journal.drain(history, store) == 3
    assert _percents(history) == [10, 20, 30]
    assert not journal.journal_path(store).exists()
    assert journal.drain(history, store) == 0  # nothing twice


def test_a_reading_that_also_came_the_live_way_is_stored_once(
    tmp_path: Path, history: HistoryStore
) -> None:
    store = tmp_path / "last-readings.json"
    journal.append(_entry(0, 10), store)
    journal.append(_entry(10, 20), store)
    journal.drain(history, store)
    from claude_meter.readings.convert import snapshot_of

    snapshot = snapshot_of(_entry(10, 20))
    assert snapshot is not None
    history.record(snapshot)  # the tray's live meter records the newest one too
    assert _percents(history) == [10, 20]


def test_damaged_lines_are_skipped_the_rest_taken(tmp_path: Path, history: HistoryStore) -> None:
    store = tmp_path / "last-readings.json"
    journal.append(_entry(0, 10), store)
    with journal.journal_path(store).open("a") as handle:
        handle.write('{"cut short by a full di\n[' + "[" * 50_000 + "\n42\n")
    journal.append(_entry(5, 15), store)
    assert journal.drain(history, store) == 2
    assert _percents(history) == [10, 15]


def test_the_journal_stops_growing_at_its_cap(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = tmp_path / "last-readings.json"
    journal.append(_entry(0, 10), store)
    size = journal.journal_path(store).stat().st_size
    monkeypatch.setattr(journal, "MAX_BYTES", size * 2)
    journal.append(_entry(1, 11), store)
    journal.append(_entry(2, 12), store)  # would pass the cap: not appended
    assert len(journal.journal_path(store).read_text().splitlines()) == 2


def test_an_unreadable_journal_is_a_log_line_not_a_crash(
    tmp_path: Path, history: HistoryStore, caplog: pytest.LogCaptureFixture
) -> None:
    store = tmp_path / "last-readings.json"
    journal.journal_path(store).mkdir(parents=True)  # a folder where the file should be
    assert journal.drain(history, store) == 0
    assert "could not read the status line's waiting readings" in caplog.text


def test_each_waiting_reading_keeps_its_account(tmp_path: Path, history: HistoryStore) -> None:
    """Two Claude Code folders signed in to two members of one Team organization: their
    status line readings wait in one journal and reach the history as two accounts'."""
    store = tmp_path / "last-readings.json"
    for minutes, percent, account in ((0, 10, None), (1, 80, "work"), (2, 11, None)):
        journal.append({**_entry(minutes, percent), "account": account}, store)
    assert journal.drain(history, store) == 3
    since = START - timedelta(days=1)
    assert [s.percent for s in history.samples("org-a", "five_hour", since)] == [10, 11]
    assert [s.percent for s in history.samples("org-a", "five_hour", since, account="work")] == [80]


def test_readings_wait_while_another_program_holds_the_historys_lock(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The journal was emptied before the write, so a write the lock refused lost them."""
    import logging
    import sqlite3

    history = HistoryStore.open(tmp_path / "history.sqlite3", quick_check=False, busy=0.05)
    store = tmp_path / "last-readings.json"
    journal.append(_entry(0, 10), store)
    journal.append(_entry(10, 20), store)
    holder = sqlite3.connect(history.path, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")
        with caplog.at_level(logging.WARNING, logger="claude_meter.readings"):
            assert journal.drain(history, store) == 0
        assert "the status line's readings wait for the usage history: " in caplog.text
        assert "is locked by another program" in caplog.text
        journal.append(_entry(20, 30), store)  # one more while the lock is held
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert journal.drain(history, store) == 3
    assert _percents(history) == [10, 20, 30]
    history.close()


def _full(*args: object) -> None:
    raise OSError(errno.ENOSPC, "No space left on device")


def test_readings_refused_by_a_locked_history_survive_a_full_disk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """They stay in the journal until the history holds them: nothing is truncated and
    written again (a full disk once emptied the journal and lost them)."""
    import sqlite3

    history = HistoryStore.open(tmp_path / "history.sqlite3", quick_check=False, busy=0.05)
    store = tmp_path / "last-readings.json"
    journal.append(_entry(0, 10), store)
    journal.append(_entry(10, 20), store)
    holder = sqlite3.connect(history.path, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")
        with monkeypatch.context() as disk:
            disk.setattr(os, "write", _full)
            disk.setattr(os, "replace", _full)
            assert journal.drain(history, store) == 0
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert journal.drain(history, store) == 2
    assert _percents(history) == [10, 20]
    history.close()


def test_a_full_disk_while_taking_them_out_leaves_the_journal_whole(
    tmp_path: Path, history: HistoryStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Recorded, then the journal cannot be rewritten: they are read again next time (the
    history keeps one of each), and one appended meanwhile is kept."""
    store = tmp_path / "last-readings.json"
    journal.append(_entry(0, 10), store)
    record_many = history.record_many

    def recorded_then_one_more(*args: object, **kwargs: object) -> None:
        record_many(*args, **kwargs)  # type: ignore[arg-type]
        journal.append(_entry(10, 20), store)  # the status line, meanwhile

    with monkeypatch.context() as disk:
        disk.setattr(history, "record_many", recorded_then_one_more)
        disk.setattr(os, "replace", _full)
        assert journal.drain(history, store) == 1
    assert journal.journal_path(store).read_bytes().count(b"\n") == 2
    assert journal.drain(history, store) == 2
    assert _percents(history) == [10, 20]
    assert not journal.journal_path(store).exists()


def test_what_came_after_a_take_is_kept_for_the_next(
    tmp_path: Path, history: HistoryStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = tmp_path / "last-readings.json"
    journal.append(_entry(0, 10), store)
    record_many = history.record_many

    def recorded_then_one_more(*args: object, **kwargs: object) -> None:
        record_many(*args, **kwargs)  # type: ignore[arg-type]
        journal.append(_entry(10, 20), store)

    monkeypatch.setattr(history, "record_many", recorded_then_one_more)
    assert journal.drain(history, store) == 1
    assert journal.journal_path(store).read_bytes().count(b"\n") == 1  # only the new one
    monkeypatch.undo()
    assert journal.drain(history, store) == 1
    assert _percents(history) == [10, 20]
