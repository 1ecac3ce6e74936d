"""The live meter: every reading enters through accept(), whatever its source, and what it
decides (state, history, notifications, what is shown) is the same for every source."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from claude_meter.core.models import FetchError, FetchResult, Snapshot, Source, UsageWindow
from claude_meter.core.presentation import Choice
from claude_meter.core.state import SavedState
from claude_meter.history import HistoryStore
from claude_meter.poll.live import LiveMeter, OwnPoll
from tests.conftest import NOW

RESET = NOW + timedelta(hours=3)
A, B = "org-a", "org-b"


def snap(org: str, percent: float | None, at: datetime, source: Source = "web") -> Snapshot:
    window = UsageWindow(key="five_hour", label="Session (5h)", percent=percent, resets_at=RESET)
    return Snapshot(source=source, org_uuid=org, org_name=org, fetched_at=at, windows=(window,))


def broken(org: str, at: datetime, kind: str = "cloudflare") -> Snapshot:
    error = FetchError(kind=kind, message=f"{kind}!")
    return Snapshot(source="web", org_uuid=org, fetched_at=at, error=error)


def result(*snapshots: Snapshot, source: Source = "web", at: datetime = NOW) -> FetchResult:
    return FetchResult(source=source, fetched_at=at, snapshots=snapshots)


@pytest.fixture
def history(tmp_path: Path) -> Iterator[HistoryStore]:
    store = HistoryStore.open(tmp_path / "history.sqlite3")
    yield store
    store.close()


def rows(history: HistoryStore, org: str) -> list[float]:
    return [s.percent for s in history.samples(org, "five_hour", NOW - timedelta(hours=5))]


def test_every_source_is_recorded_each_reading_once(history: HistoryStore, tmp_path: Path) -> None:
    meter = LiveMeter(history=history, state_path=tmp_path / "state.json")
    meter.accept(result(broken(A, NOW), snap(B, 10, NOW)), NOW)
    posted = result(snap(A, 30, NOW, "extension"), source="extension")
    meter.accept(posted, NOW)
    later = NOW + timedelta(minutes=40)
    meter.accept(result(snap(A, 37, later, "extension"), source="extension", at=later), later)
    meter.accept(result(snap(A, 37, later, "extension"), source="extension", at=later), later)
    assert rows(history, A) == [30, 37]
    assert rows(history, B) == [10]
    insight = meter.insights(later)[(None, A, "five_hour")]
    assert insight.forecast.enough_data


def test_a_writer_takes_the_readings_instead_of_the_history(
    history: HistoryStore, tmp_path: Path
) -> None:
    """The demo's seeding holds the readings back while it writes a past
    (``poll/demo_seeding.py``): what the meter records goes to it, each reading once."""
    meter = LiveMeter(history=history, state_path=tmp_path / "state.json")
    taken: list[Snapshot] = []
    meter.writer = taken.append
    reading = result(snap(A, 30, NOW, "extension"), source="extension")
    meter.accept(reading, NOW)
    meter.accept(reading, NOW)  # a skipped poll hands the same snapshots back
    assert taken == list(reading.snapshots)
    assert rows(history, A) == []


def test_the_own_routes_failure_does_not_mark_the_extensions_numbers_stale(
    tmp_path: Path,
) -> None:
    meter = LiveMeter(state_path=tmp_path / "state.json")
    meter.accept(result(snap(A, 37, NOW, "extension"), source="extension"), NOW)
    later = NOW + timedelta(seconds=30)
    shown = meter.accept(result(broken(A, later), at=later), later).shown
    (only,) = shown.state.snapshots
    assert (only.source, only.stale, only.windows[0].percent) == ("extension", False, 37)
    assert shown.indicator.text == "37"


@pytest.mark.parametrize(
    ("known", "forced", "after", "skipped"),
    [
        ((A,), False, timedelta(seconds=30), True),  # every known org covered
        ((A,), True, timedelta(seconds=30), False),  # "Refresh now"
        ((A,), False, timedelta(minutes=3), False),  # the extension's numbers are old
        ((A, B), False, timedelta(seconds=30), False),  # B is not covered
    ],
)
def test_the_own_poll_is_skipped_only_while_the_extension_covers_everything(
    tmp_path: Path, known: tuple[str, ...], forced: bool, after: timedelta, skipped: bool
) -> None:
    meter = LiveMeter(state_path=tmp_path / "state.json")
    meter.accept(result(*(snap(org, 5, NOW) for org in known)), NOW)
    meter.accept(result(snap(A, 37, NOW, "extension"), source="extension"), NOW)
    if forced:
        meter.force_own_poll()
    calls: list[int] = []

    def fetch() -> FetchResult:
        calls.append(1)
        return result(snap(A, 1, NOW))

    got = OwnPoll(fetch, meter, lambda: NOW + after)()
    assert (calls == []) == skipped
    if skipped:
        assert got.source == "extension"
        assert [s.windows[0].percent for s in got.snapshots] == [37]


def test_a_crossing_notifies_once_across_a_restart_for_any_source(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    meter = LiveMeter(state_path=state, thresholds=(80.0,))
    first = meter.accept(result(snap(A, 85, NOW, "extension"), source="extension"), NOW)
    assert [n.title for n in first.notifications] == ["Session (5h) at 85%"]
    assert meter.accept(result(snap(A, 86, NOW)), NOW).notifications == ()
    again = LiveMeter(state_path=state, thresholds=(80.0,))
    assert again.accept(result(snap(A, 87, NOW)), NOW).notifications == ()


def test_remaining_is_spoken_by_the_icon_the_tooltip_and_the_notification(
    tmp_path: Path,
) -> None:
    meter = LiveMeter(state_path=tmp_path / "state.json", thresholds=(80.0,))
    meter.configure(choice=Choice(show_remaining=True))
    accepted = meter.accept(result(snap(A, 85, NOW)), NOW)
    assert accepted.shown.indicator.text == "15"
    assert "Session (5h): 15% left" in accepted.shown.tooltip
    assert [n.title for n in accepted.notifications] == ["Session (5h): 15% left"]


def test_an_expired_session_notifies_once(tmp_path: Path) -> None:
    meter = LiveMeter(state_path=tmp_path / "state.json")
    meter.accept(result(snap(A, 10, NOW)), NOW)
    expired = result(broken(A, NOW, "session_expired"))
    assert [n.title for n in meter.accept(expired, NOW).notifications] == ["Claude session expired"]
    assert meter.accept(expired, NOW).notifications == ()
    assert meter.state.snapshots[0].stale  # the last good number is kept


def test_the_backoff_deadline_survives_a_restart(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    LiveMeter(state_path=state).remember_deadline("web", NOW + timedelta(minutes=5))
    assert LiveMeter(state_path=state).saved.not_before == {"web": NOW + timedelta(minutes=5)}
    meter = LiveMeter(state_path=state)
    meter.remember_deadline("web", None)
    assert LiveMeter(state_path=state).saved.not_before == {}


def test_a_sign_in_error_s_deadline_is_saved_as_not_holding_refresh(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    LiveMeter(state_path=state).remember_deadline("web", NOW + timedelta(minutes=2), False)
    saved = LiveMeter(state_path=state).saved
    assert saved.not_before == {"web": NOW + timedelta(minutes=2)}
    assert saved.sign_in_backoff == ("web",)
    LiveMeter(state_path=state).remember_deadline("web", NOW + timedelta(minutes=4))  # a 429
    assert LiveMeter(state_path=state).saved.sign_in_backoff == ()
    LiveMeter(state_path=state).remember_deadline("web", NOW + timedelta(minutes=2), False)
    LiveMeter(state_path=state).remember_deadline("web", None)
    assert LiveMeter(state_path=state).saved == SavedState()


def test_a_poll_in_flight_is_marked_until_a_reading_arrives(tmp_path: Path) -> None:
    meter = LiveMeter(state_path=tmp_path / "state.json")
    assert meter.shown(NOW).indicator.kind == "loading"
    meter.mark_fetching()
    assert meter.state.fetching
    meter.accept(result(snap(A, 20, NOW)), NOW)
    assert not meter.state.fetching
