"""The live meter with several accounts: each reading goes to its own account's state, and
nothing of one account (numbers, errors, notifications, the extension's cover) reaches
another's, even when both are members of one organization."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from claude_meter.core.bidi import isolated, leading
from claude_meter.core.models import FetchError, FetchResult, Snapshot, Source, UsageWindow
from claude_meter.core.state import load_state
from claude_meter.history import HistoryStore
from claude_meter.poll.live import LiveMeter, OwnPoll
from tests.conftest import NOW

RESET = NOW + timedelta(hours=3)
TEAM = "org-team"  # both accounts are members of it
TWO = ((None, "Personal"), ("work", "Work"))


def reading(
    account: str | None, percent: float, *, at: datetime = NOW, source: Source = "web"
) -> FetchResult:
    window = UsageWindow(key="five_hour", label="Session (5h)", percent=percent, resets_at=RESET)
    snapshot = Snapshot(
        source=source, org_uuid=TEAM, org_name="Team", fetched_at=at, windows=(window,)
    )
    return FetchResult(source=source, fetched_at=at, snapshots=(snapshot,)).for_account(account)


def failed(account: str | None, kind: str = "session_expired") -> FetchResult:
    error = FetchError(kind=kind, message=f"{kind}!")
    return FetchResult(source="web", fetched_at=NOW, error=error, account=account)


@pytest.fixture
def meter(tmp_path: Path) -> Iterator[LiveMeter]:
    with HistoryStore.open(tmp_path / "history.sqlite3") as history:
        live = LiveMeter(history=history, state_path=tmp_path / "state.json")
        live.set_accounts(TWO)
        yield live


def percents(meter: LiveMeter) -> dict[str | None, list[float | None]]:
    return {
        a.key: [w.percent for s in a.state.snapshots for w in s.windows] for a in meter.accounts()
    }


def test_each_reading_goes_to_its_own_account_even_in_one_organization(meter: LiveMeter) -> None:
    meter.accept(reading(None, 30), NOW)
    meter.accept(reading("work", 85), NOW)
    assert percents(meter) == {None: [30], "work": [85]}
    assert [s.account for s in meter.state.snapshots] == [None, "work"]  # all together
    later = NOW + timedelta(minutes=1)
    meter.accept(failed("work"), later)  # one account expires; the other's stay as they are
    work = meter.accounts()[1].state
    assert work.snapshots[0].stale
    assert not work.signed_in
    assert not meter.accounts()[0].state.snapshots[0].stale
    history = meter.history
    assert history is not None
    since = NOW - timedelta(hours=1)
    assert [s.percent for s in history.samples(TEAM, "five_hour", since)] == [30]
    assert [s.percent for s in history.samples(TEAM, "five_hour", since, account="work")] == [85]


def test_the_icon_shows_the_worst_account_and_the_tooltip_names_it(meter: LiveMeter) -> None:
    meter.accept(reading(None, 30), NOW)
    shown = meter.accept(reading("work", 85), NOW).shown
    assert shown.indicator.text == "85"
    assert shown.tooltip.splitlines()[0] == f"ClaudeMeter · the icon shows {isolated('Work')}"
    meter.set_accounts(TWO, icon_account="default")
    assert meter.shown(NOW).indicator.text == "30"


def test_notifications_name_the_account_and_are_remembered_per_account(
    meter: LiveMeter, tmp_path: Path
) -> None:
    notes = meter.accept(reading("work", 85), NOW).notifications
    assert [(n.title, n.body.split(";")[0]) for n in notes] == [
        (
            f"{leading('Work')}: Session (5h) at 85%",
            f"Claude usage ({isolated('Work')} · {isolated('Team')}) passed 80%",
        )
    ]
    # the same organization's window for the other account is its own crossing
    assert [n.title for n in meter.accept(reading(None, 90), NOW).notifications] == [
        f"{leading('Personal')}: Session (5h) at 90%"
    ]
    assert meter.accept(reading("work", 86), NOW).notifications == ()
    assert [n.title for n in meter.accept(failed("work"), NOW).notifications] == [
        f"Claude session expired ({isolated('Work')})"
    ]
    assert meter.accept(failed(None, "network"), NOW).notifications == ()
    saved = load_state(tmp_path / "state.json").notified
    assert "work/org-team|five_hour|80" in saved
    assert "org-team|five_hour|80" in saved
    assert "work/session_expired|web" in saved


def test_one_account_keeps_the_texts_of_before(tmp_path: Path) -> None:
    meter = LiveMeter(state_path=tmp_path / "state.json")
    meter.set_accounts(((None, "Default"),))
    notes = meter.accept(reading(None, 85), NOW).notifications
    assert [n.title for n in notes] == ["Session (5h) at 85%"]
    assert f"({isolated('Team')}) passed" in notes[0].body
    assert meter.shown(NOW).tooltip.splitlines()[0] == "ClaudeMeter"
    assert [n.title for n in meter.accept(failed(None), NOW).notifications] == [
        "Claude session expired"
    ]


def test_an_account_no_longer_metered_is_forgotten_and_its_readings_dropped(
    meter: LiveMeter,
) -> None:
    meter.accept(reading("work", 85), NOW)
    meter.set_accounts(((None, "Personal"),))
    assert meter.state.snapshots == ()
    meter.accept(reading("work", 86), NOW)  # in flight when it was removed
    assert meter.state.snapshots == ()
    meter.set_accounts((("work", "Job"),))  # the default one off, work back under a new name
    meter.accept(reading(None, 10), NOW)
    assert meter.state.snapshots == ()
    assert OwnPoll(lambda: reading(None, 1), meter, lambda: NOW, None)().snapshots == ()


def test_the_extension_covers_only_its_own_accounts_organizations(meter: LiveMeter) -> None:
    meter.accept(reading(None, 30), NOW)
    meter.accept(reading("work", 40), NOW)
    meter.accept(reading("work", 45, source="extension"), NOW)
    later = NOW + timedelta(seconds=30)
    skipped = meter.own_poll_skipped(later, "work")
    assert skipped is not None
    assert skipped.account == "work"
    assert [s.account for s in skipped.snapshots] == ["work"]
    assert meter.own_poll_skipped(later, None) is None  # the default account reads itself
    meter.force_own_poll()
    assert meter.own_poll_skipped(later, "work") is None
    assert meter.own_poll_skipped(later, "work") is not None  # forced once


def test_fetching_dims_only_the_polled_account(meter: LiveMeter) -> None:
    meter.accept(reading(None, 30), NOW)
    meter.mark_fetching("work")
    assert [a.state.fetching for a in meter.accounts()] == [False, True]
    meter.mark_fetching("gone")
    assert [a.key for a in meter.accounts()] == [None, "work"]


def test_all_together_the_oldest_success_and_the_first_error(meter: LiveMeter) -> None:
    meter.accept(reading(None, 30), NOW)
    assert meter.state.last_success is None  # work has not read yet
    meter.accept(failed("work"), NOW)
    assert meter.state.error is not None
    assert not meter.state.signed_in
    later = NOW + timedelta(minutes=2)
    meter.accept(reading("work", 10, at=later), later)
    assert meter.state.last_success == NOW
    assert meter.state.error is None


def test_each_account_has_its_own_forecast_in_one_organization(meter: LiveMeter) -> None:
    """The popover's sparklines and forecasts are keyed by account, organization and window:
    two members of one Team organization, one climbing fast and one slowly, keep theirs."""
    for minutes in (0, 20, 40, 60):
        at = NOW + timedelta(minutes=minutes)
        meter.accept(reading(None, 10 + minutes / 2, at=at), at)
        meter.accept(reading("work", 10 + minutes / 20, at=at), at)
    insights = meter.insights(NOW + timedelta(minutes=60))
    mine, work = insights[(None, TEAM, "five_hour")], insights[("work", TEAM, "five_hour")]
    assert [s.percent for s in mine.samples] == [10, 20, 30, 40]
    assert [s.percent for s in work.samples] == [10, 11, 12, 13]
    assert mine.forecast.enough_data
    assert work.forecast.enough_data
    assert mine.forecast.percent_at_reset is not None
    assert work.forecast.percent_at_reset is not None
    assert mine.forecast.percent_at_reset > 90 > 20 > work.forecast.percent_at_reset
