"""The history store: what it keeps, events, retention, migrations, corruption, two writers."""

from __future__ import annotations

import logging
import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from claude_meter.core.paths import data_dir
from claude_meter.history import HistoryStore
from claude_meter.history.store import KEEPALIVE, RETENTION
from tests.history.support import (
    MIN,
    ORG,
    OTHER_ORG,
    SESSION_RESET,
    T0,
    WORK,
    percents,
    snapshot,
)

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def store(path: Path) -> Iterator[HistoryStore]:
    with HistoryStore.open(path) as opened:
        yield opened


# -- what is stored -------------------------------------------------------------------------


def test_stores_only_changes(store: HistoryStore) -> None:
    assert store.record(snapshot(T0, 10.0, 40.0))
    assert not store.record(snapshot(T0 + MIN, 10.0, 40.0))  # nothing moved
    assert store.record(snapshot(T0 + 2 * MIN, 11.0, 40.0))  # only the session moved
    assert percents(store) == [10.0, 11.0]
    assert percents(store, "seven_day") == [40.0]
    sample = store.samples(ORG, "five_hour", T0)[1]
    assert sample.at == T0 + 2 * MIN
    assert sample.resets_at == SESSION_RESET


def test_a_flat_window_gets_a_keepalive_reading(store: HistoryStore) -> None:
    store.record(snapshot(T0))
    assert not store.record(snapshot(T0 + KEEPALIVE - MIN))
    assert store.record(snapshot(T0 + KEEPALIVE))
    assert [s.at for s in store.samples(ORG, "seven_day", T0)] == [T0, T0 + KEEPALIVE]


def test_resets_at_jitter_is_not_a_change_but_a_move_is(store: HistoryStore) -> None:
    store.record(snapshot(T0))
    assert not store.record(snapshot(T0 + MIN, session_reset=SESSION_RESET + timedelta(seconds=30)))
    assert store.record(snapshot(T0 + 2 * MIN, session_reset=SESSION_RESET + timedelta(hours=1)))


def test_ignores_errors_stale_and_unknown_percents(store: HistoryStore) -> None:
    assert not store.record(snapshot(T0, error=True))
    assert not store.record(snapshot(T0, stale=True))
    assert not store.record(snapshot(T0, None, None))
    assert store.record(snapshot(T0, None, 40.0))
    assert percents(store) == []
    assert percents(store, "seven_day") == [40.0]


def test_percent_keeps_two_decimals(store: HistoryStore) -> None:
    store.record(snapshot(T0, 42.13, 100 * 0.42))
    assert percents(store) == [42.13]
    assert percents(store, "seven_day") == [42.0]


def test_organizations_are_kept_apart(store: HistoryStore) -> None:
    store.record(snapshot(T0, 10.0, org=ORG))
    store.record(snapshot(T0, 70.0, org=OTHER_ORG))
    store.record(snapshot(T0, 5.0, org=None))  # Claude Code's token may name no org
    assert percents(store, org=ORG) == [10.0]
    assert percents(store, org=OTHER_ORG) == [70.0]
    assert percents(store, org="") == [5.0]
    assert {r.org_uuid for r in store.readings(T0)} == {ORG, OTHER_ORG, ""}


def test_a_late_reading_from_another_process_is_not_stored(store: HistoryStore) -> None:
    store.record(snapshot(T0 + 10 * MIN, 20.0))
    assert not store.record(snapshot(T0 + 5 * MIN, 15.0, 40.0))
    assert percents(store) == [20.0]


def test_samples_since_and_until(store: HistoryStore) -> None:
    for i in range(10):
        store.record(snapshot(T0 + i * MIN, float(i)))
    assert percents(store) == [float(i) for i in range(10)]
    window = store.samples(ORG, "five_hour", T0 + 3 * MIN, T0 + 5 * MIN)
    assert [s.percent for s in window] == [3.0, 4.0, 5.0]
    assert store.samples(ORG, "nope", T0) == []


# -- events ---------------------------------------------------------------------------------


def test_reset_events(store: HistoryStore) -> None:
    store.record(snapshot(T0, 60.0))
    new_reset = SESSION_RESET + timedelta(hours=5)
    store.record(snapshot(T0 + MIN, 0.0, session_reset=new_reset))  # resets_at moved
    store.record(snapshot(T0 + 2 * MIN, 30.0, session_reset=new_reset))
    store.record(snapshot(T0 + 3 * MIN, 2.0, session_reset=new_reset))  # a sharp drop alone
    events = store.events(T0)
    assert [(e.at, e.window_key, e.kind) for e in events] == [
        (T0 + MIN, "five_hour", "reset"),
        (T0 + 3 * MIN, "five_hour", "reset"),
    ]
    assert events[0].resets_at == new_reset
    assert events[0].percent == 0.0


def test_limit_hit_once_per_period(store: HistoryStore) -> None:
    store.record(snapshot(T0, 95.0))
    store.record(snapshot(T0 + MIN, 100.0))
    store.record(snapshot(T0 + 2 * MIN, 104.0))  # still at the wall: no second event
    store.record(snapshot(T0 + 3 * MIN, 100.0, session_reset=SESSION_RESET + timedelta(hours=5)))
    hits = store.events(T0, kind="limit_hit")
    assert [(e.at, e.percent) for e in hits] == [(T0 + MIN, 100.0), (T0 + 3 * MIN, 100.0)]
    assert [e.kind for e in store.events(T0 + 3 * MIN)] == ["limit_hit", "reset"]
    reading = store.readings(T0 + 3 * MIN, window_key="five_hour")[0]
    assert set(reading.events) == {"reset", "limit_hit"}


def test_first_reading_at_the_wall_is_a_limit_hit(store: HistoryStore) -> None:
    store.record(snapshot(T0, 100.0))
    assert [e.kind for e in store.events(T0, org_uuid=ORG, window_key="five_hour")] == ["limit_hit"]
    assert store.events(T0, window_key="seven_day") == []


# -- retention ------------------------------------------------------------------------------


def test_prune_keeps_ninety_days(store: HistoryStore) -> None:
    old = T0 - RETENTION - timedelta(days=1)
    store.record(snapshot(old, 100.0))
    store.record(snapshot(T0 - RETENTION + timedelta(hours=1), 20.0))
    assert store.prune(T0) == 3  # two old readings and the old limit hit
    assert percents(store) == [20.0]
    assert [e.kind for e in store.events(old)] == ["reset"]  # the fall to 20 %, kept
    assert store.prune(T0) == 0


def test_record_prunes_by_itself(store: HistoryStore) -> None:
    store.record(snapshot(T0 - timedelta(days=100), 10.0))
    store.record(snapshot(T0, 20.0))  # the snapshot's time is the clock
    assert percents(store) == [20.0]


# -- opening (migrations, corruption: test_database.py) ----------------------------------------


def test_default_path_is_private_in_the_data_dir() -> None:
    with HistoryStore.open() as store:
        assert store.path == data_dir() / "history.sqlite3"
        assert store.record(snapshot(T0))
    assert stat.S_IMODE(data_dir().stat().st_mode) == 0o700


# -- two processes at once ------------------------------------------------------------------

WRITER = """
import sys
from datetime import timedelta
from pathlib import Path
from claude_meter.history import HistoryStore
from tests.history.support import T0, snapshot
path, org, count = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
with HistoryStore.open(path) as store:
    print("ready", flush=True)
    sys.stdin.readline()
    for i in range(count):
        t = T0 + timedelta(minutes=i)
        if not store.record(snapshot(t, i / 10, 50 + i / 10, org=org)):
            sys.exit(f"reading {i} was not stored")
print("done", flush=True)
"""


def test_two_processes_and_this_one_write_at_once(
    path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    count = 300
    HistoryStore.open(path).close()
    orgs = [f"writer-{n}" for n in range(2)]
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(path), org, str(count)],
            cwd=REPO,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO / "app"), str(REPO)])},
        )
        for org in orgs
    ]
    try:
        for writer in writers:
            assert writer.stdout is not None
            assert writer.stdout.readline() == "ready\n"
        for writer in writers:
            assert writer.stdin is not None
            writer.stdin.write("go\n")
            writer.stdin.flush()
        with HistoryStore.open(path) as store:
            for i in range(count):
                assert store.record(snapshot(T0 + i * MIN, i / 10, 50 + i / 10, org=ORG))
        results = [writer.communicate(timeout=60) for writer in writers]
    finally:
        for writer in writers:
            if writer.poll() is None:
                writer.kill()
                writer.communicate()
    for writer, (out, err) in zip(writers, results, strict=True):
        assert writer.returncode == 0, err
        assert out == "done\n"
        assert "locked" not in err
    assert not [r for r in caplog.records if r.name == "claude_meter.history"]
    with HistoryStore.open(path) as store:
        for org in [*orgs, ORG]:
            assert percents(store, org=org) == [i / 10 for i in range(count)]
            assert len(store.readings(T0, org_uuid=org)) == 2 * count


def test_a_poll_that_lands_after_close_is_dropped_quietly(
    path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The app quits while a poll is in flight: its record() comes after the store closed."""
    store = HistoryStore.open(path)
    store.close()
    with caplog.at_level(logging.DEBUG, logger="claude_meter"):
        assert not store.record(snapshot(T0, 10.0, 40.0))
    assert caplog.records == []


# -- accounts -------------------------------------------------------------------------------


def test_two_accounts_in_one_organization_are_kept_apart(store: HistoryStore) -> None:
    """Two members of one Team organization: same org uuid, two accounts, two histories."""
    store.record(snapshot(T0, 10.0, 40.0))  # the default account
    store.record(snapshot(T0, 90.0, 40.0, account=WORK))
    store.record(snapshot(T0 + MIN, 100.0, 40.0, account=WORK))
    assert not store.record(snapshot(T0 + MIN, 10.0, 40.0))  # the default one did not move
    assert percents(store) == [10.0]
    assert percents(store, account=WORK) == [90.0, 100.0]
    assert percents(store, "seven_day", account=WORK) == [40.0]
    assert [e.account for e in store.events(T0)] == [WORK]  # the limit hit is WORK's only
    assert store.events(T0, account=None) == []
    assert {(r.account, r.percent) for r in store.readings(T0, window_key="five_hour")} == {
        (None, 10.0),
        (WORK, 90.0),
        (WORK, 100.0),
    }
    assert [r.percent for r in store.readings(T0, account=None)] == [10.0, 40.0]
    exported = store.export(T0, account=WORK, window_key="five_hour")
    assert [(row[3], row[5], row[6]) for row in exported] == [
        (90.0, None, WORK),
        (100.0, "limit_hit", WORK),
    ]
    assert {row[6] for row in store.export(T0)} == {None, WORK}


def test_record_many_is_idempotent_per_account(store: HistoryStore) -> None:
    """The status line's journal may be drained twice (the tray and `status`): each reading
    of each account is stored once."""
    batch = [
        snapshot(T0 + i * MIN, float(i), 40.0, account=who)
        for i in range(5)
        for who in (None, WORK)
    ]
    assert store.record_many(batch) == 10
    assert store.record_many(batch) == 0
    assert percents(store) == percents(store, account=WORK) == [0.0, 1.0, 2.0, 3.0, 4.0]
