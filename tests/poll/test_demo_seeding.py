"""The demo's made-up past, written after the first draw: drawn from each account's first live
reading, strictly before it, and the live readings held back meanwhile, then recorded after it
in their order, each once."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from itertools import pairwise
from pathlib import Path

import pytest

from claude_meter.core.models import Snapshot
from claude_meter.history import HistoryStore
from claude_meter.poll.demo_seeding import PastSeeding, demo_past
from tests.history.support import MIN, ORG, SESSION_RESET, T0, WORK, snapshot

SINCE = T0 - timedelta(days=91)


@pytest.fixture
def history(tmp_path: Path) -> Iterator[HistoryStore]:
    with HistoryStore.open(tmp_path / "history.sqlite3") as store:
        yield store


class Gate:
    """A past that waits to be let through: the test decides when the writing ends."""

    def __init__(self) -> None:
        self.entered = threading.Event()
        self.open = threading.Event()
        self.firsts: list[Snapshot] = []

    def __call__(self, first: Snapshot, now: datetime) -> Sequence[Snapshot]:
        self.firsts.append(first)
        self.entered.set()
        assert self.open.wait(10), "the test never let the past through"
        return demo_past(first, now)


def seeding_with(history: HistoryStore, gate: Gate | None = None) -> tuple[PastSeeding, Waiter]:
    waiter = Waiter()
    return PastSeeding(history, seeded=waiter, make_past=gate), waiter


class Waiter:
    """``seeded``: counts the times the history caught up, and lets a test wait for one."""

    def __init__(self) -> None:
        self.times = 0
        self._changed = threading.Condition()

    def __call__(self) -> None:
        with self._changed:
            self.times += 1
            self._changed.notify_all()

    def wait(self, times: int = 1) -> None:
        with self._changed:
            assert self._changed.wait_for(lambda: self.times >= times, 10), "never seeded"


def times(history: HistoryStore, account: str | None = None) -> list[datetime]:
    return [s.at for s in history.samples(ORG, "five_hour", SINCE, account=account)]


def test_the_past_ends_before_the_first_live_reading_which_follows_it_once(
    history: HistoryStore,
) -> None:
    seeding, seeded = seeding_with(history)
    first, second = snapshot(T0, 30.0), snapshot(T0 + MIN, 31.0)
    seeding.record(first)  # the first draw: nothing written yet, nothing of the past either
    seeding.record(second)
    assert times(history) == []
    assert seeding.busy
    seeding.start()
    seeded.wait()
    written = times(history)
    assert len(written) > 3000
    assert written[-2:] == [T0, T0 + MIN]  # the live readings, last, in their order, once each
    assert max(written[:-2]) < T0  # the past strictly before the first live reading
    assert written == sorted(set(written))
    assert not seeding.busy
    seeding.record(snapshot(T0 + 2 * MIN, 32.0))  # caught up: straight in
    assert times(history)[-1] == T0 + 2 * MIN
    assert seeded.times == 1


def test_a_reading_that_comes_while_the_past_is_written_waits_behind_it(
    history: HistoryStore,
) -> None:
    gate = Gate()
    seeding, seeded = seeding_with(history, gate)
    seeding.record(snapshot(T0, 30.0))
    seeding.start()
    assert gate.entered.wait(10)
    seeding.record(snapshot(T0 + MIN, 31.0))  # a poll during the writing
    assert times(history) == []  # the history says nothing until the past is in
    gate.open.set()
    seeded.wait()
    written = times(history)
    assert written[-2:] == [T0, T0 + MIN]
    assert max(written[:-2]) < T0


def test_each_account_gets_its_own_past_from_its_own_first_reading(history: HistoryStore) -> None:
    seeding, seeded = seeding_with(history)
    seeding.record(snapshot(T0, 30.0))
    seeding.start()
    seeded.wait()
    before = times(history)
    later = T0 + 3 * MIN  # a named account's first poll answers after the default's past is in
    seeding.record(snapshot(later, 60.0, account=WORK))
    seeding.record(snapshot(T0 + 4 * MIN, 31.0))  # held too: one writer at a time
    seeded.wait(2)
    assert times(history)[-1] == T0 + 4 * MIN
    work = times(history, WORK)
    assert len(work) > 3000
    assert work[-1] == later
    assert max(work[:-1]) < later
    after = times(history)  # the default account's: not seeded twice (the oldest pruned)
    assert after[:-1] == before[len(before) - len(after) + 1 :]


def test_no_past_from_a_reading_without_numbers_but_from_the_next_one(
    history: HistoryStore,
) -> None:
    gate = Gate()
    seeding, seeded = seeding_with(history, gate)
    gate.open.set()
    seeding.record(snapshot(T0, error=True))  # the demo's "expired" or "flaky" scenarios
    assert not seeding.busy
    seeding.start()
    seeding.record(snapshot(T0 + MIN, 30.0))
    seeded.wait()
    assert [f.fetched_at for f in gate.firsts] == [T0 + MIN]
    assert times(history)[-1] == T0 + MIN


def test_a_failed_past_still_lets_the_live_readings_in(
    history: HistoryStore, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(first: Snapshot, now: datetime) -> Sequence[Snapshot]:
        raise ValueError("a made-up past that could not be made")

    seeded = Waiter()
    seeding = PastSeeding(history, seeded=seeded, make_past=broken)
    seeding.record(snapshot(T0, 30.0))
    with caplog.at_level(logging.ERROR, "claude_meter.poll"):
        seeding.start()
        seeded.wait()
    assert "the demo's past could not be written" in caplog.text
    assert times(history) == [T0]
    seeding.record(snapshot(T0 + MIN, 31.0))
    assert times(history) == [T0, T0 + MIN]


def test_stop_waits_for_the_write_under_way_and_lets_nothing_more_in(
    history: HistoryStore,
) -> None:
    """The demo quitting while its past is written: its folder goes only after the write."""
    gate = Gate()
    seeding, seeded = seeding_with(history, gate)
    seeding.record(snapshot(T0, 30.0))
    seeding.start()
    assert gate.entered.wait(10)
    stopper = threading.Thread(target=seeding.stop)
    stopper.start()
    gate.open.set()
    stopper.join(10)
    assert not stopper.is_alive()
    assert seeded.times == 0  # the tray it would tell may be gone
    assert T0 not in times(history)  # the held reading: the demo is gone


def test_the_demo_past_is_the_seeded_one(history: HistoryStore) -> None:
    """``demo_past`` is ``poll/demo.py``'s past: 90 days hourly, the last 8 every 10 minutes."""
    first = snapshot(T0, 30.0, session_reset=SESSION_RESET)
    past = demo_past(first, T0)
    steps = {b.fetched_at - a.fetched_at for a, b in pairwise(past)}
    assert steps == {timedelta(hours=1), timedelta(minutes=10)}
    assert past[0].fetched_at == T0 - timedelta(days=90)
    assert past[-1].fetched_at < T0
