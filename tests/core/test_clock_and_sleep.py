"""Clock and sleep, the pure rules: a passed reset, a clock set forward or back, hours asleep.

Every rule takes its time as an argument, so each case is a row: what the clocks did, and
what the meter shows, schedules or notifies.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import msgspec
import pytest

from claude_meter.core.alerts import (
    AlertMemory,
    crossings,
    same_period,
    session_alert,
)
from claude_meter.core.display import format_age, format_countdown, format_duration, format_reset
from claude_meter.core.forecast import RESETTING, Sample, forecast_window
from claude_meter.core.meter import MeterState, apply_result, indicator
from claude_meter.core.models import FetchError, FetchResult, Snapshot, Source, UsageWindow
from claude_meter.core.policy import (
    DEADLINE_CAP,
    RESET_FOLLOW,
    PollOutcome,
    PollState,
    Route,
    initial_delay,
    manual_delay,
    next_poll,
    woke_from_sleep,
)
from claude_meter.core.state import SavedState, load_state, save_state

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
RESET = datetime(2026, 11, 25, 13, 0, 0, 412233, tzinfo=UTC)
S = timedelta(seconds=1)
M = timedelta(minutes=1)
H = timedelta(hours=1)
BASE = 60 * S

# -- resets_at in the past: countdowns say something true, never a negative number ------------


@pytest.mark.parametrize(
    ("offset", "countdown", "reset"),
    [
        (
            4 * H + 13 * M + 5 * S,
            "resets in 4h 13m 05s · Wed 13:13",
            "resets in 4h 13m (Wed 13:13)",
        ),
        (59 * S, "resets in 0m 59s · Wed 09:00", "resets in <1m (Wed 09:00)"),
        (S, "resets in 0m 01s · Wed 09:00", "resets in <1m (Wed 09:00)"),
        (S / 2, "resetting now · Wed 09:00", "resetting now (Wed 09:00)"),
        (timedelta(0), "resetting now · Wed 09:00", "resetting now (Wed 09:00)"),
        (-S / 2, "resetting now · Wed 08:59", "resetting now (Wed 08:59)"),  # server lagging
        (-3 * M, "resetting now · Wed 08:57", "resetting now (Wed 08:57)"),  # our clock ahead
        (-26 * H, "resetting now · Tue 07:00", "resetting now (Tue 07:00)"),  # asleep all day
    ],
)
def test_a_passed_reset_never_reads_negative(offset: timedelta, countdown: str, reset: str) -> None:
    resets_at = NOW + offset
    assert format_countdown(resets_at, NOW, UTC) == countdown
    assert format_reset(resets_at, NOW, UTC) == reset


@pytest.mark.parametrize("seconds", [-86400 * 3, -3600, -61, -1, -0.2, 0, 0.2, 1, 59, 61])
def test_no_text_form_ever_carries_a_minus_sign(seconds: float) -> None:
    moment = NOW + timedelta(seconds=seconds)
    for text in (
        format_countdown(moment, NOW, UTC),
        format_reset(moment, NOW, UTC),
        format_duration(moment - NOW),
        format_age(moment, NOW),  # a success "in the future": the clock was set back
    ):
        assert "-" not in text, text


@pytest.mark.parametrize(
    ("last_success", "text"),
    [
        (NOW - 23 * S, "updated 23 s ago"),
        (NOW + 2 * H, "updated 0 s ago"),  # clock set back two hours since the last poll
        (NOW - 3 * H, "updated 3 h 0 min ago"),  # woke after three hours asleep
    ],
)
def test_updated_ago_after_clock_jumps(last_success: datetime, text: str) -> None:
    assert format_age(last_success, NOW) == text


# -- staleness: judged on the clock of the moment, never negative -----------------------------


def _window(percent: float = 40.0, resets_at: datetime | None = RESET) -> UsageWindow:
    return UsageWindow(key="five_hour", label="Session (5h)", percent=percent, resets_at=resets_at)


def _good(
    percent: float = 40.0,
    *,
    at: datetime = NOW,
    resets_at: datetime | None = RESET,
    source: Source = "web",
) -> FetchResult:
    snapshot = Snapshot(
        source=source, org_uuid="o", fetched_at=at, windows=(_window(percent, resets_at),)
    )
    return FetchResult(source=source, fetched_at=at, snapshots=(snapshot,))


def _failed(kind: str, *, at: datetime = NOW, source: Source = "web") -> FetchResult:
    return FetchResult(
        source=source, fetched_at=at, error=FetchError(kind=kind, message=f"{kind}!")
    )


@pytest.mark.parametrize(
    ("clock", "stale", "kind"),
    [
        (NOW + 30 * S, False, "number"),
        (NOW + 3 * M, False, "number"),  # three intervals: not yet
        (NOW + 3 * M + S, True, "stale"),
        (NOW + 5 * H, True, "stale"),  # asleep five hours: dimmed before any fetch returns
        (NOW - 2 * H, False, "number"),  # clock set back: the numbers are still fresh
    ],
)
def test_staleness_follows_the_clock(clock: datetime, stale: bool, kind: str) -> None:
    state = apply_result(MeterState(), _good(at=NOW))
    assert state.is_stale(clock, BASE) is stale
    assert indicator(state, clock, BASE).kind == kind


# -- polling: a fetch after the reset, never a storm ------------------------------------------


@pytest.mark.parametrize(
    ("resets_in", "route", "unchanged", "delay"),
    [
        (2 * H, "web", 0, BASE),  # far away: the ordinary interval
        (45 * S, "web", 0, 45 * S + RESET_FOLLOW),  # fetch just after the reset
        (20 * S, "web", 0, 30 * S),  # never sooner than the route's floor
        (timedelta(0), "web", 0, BASE),  # the poll that returned came at the reset
        (-3 * S, "web", 0, BASE),  # passed 3 s ago (server lag, our clock ahead): no storm
        (-M, "web", 0, BASE),
        (-3 * H, "web", 0, BASE),  # asleep through it: the wake fetch already happened
        (2 * M, "web", 14, 2 * M + RESET_FOLLOW),  # cuts a quiet stretch short
        (20 * S, "claude-code", 0, 3 * M),  # that route's 3-minute floor holds
        (10 * M, "claude-code", 0, 3 * M),
    ],
)
def test_a_poll_follows_the_reset(
    resets_in: timedelta, route: Route, unchanged: int, delay: timedelta
) -> None:
    outcome = PollOutcome(ok=True, changed=False, max_percent=40, resets_at=(NOW + resets_in,))
    state, got = next_poll(
        PollState(unchanged_polls=unchanged), outcome, NOW, base=BASE, route=route
    )
    assert got == delay
    assert state.not_before is None


def test_the_earliest_reset_still_ahead_wins() -> None:
    outcome = PollOutcome(
        ok=True, resets_at=(NOW - 5 * M, NOW + 7 * 24 * H, NOW + 40 * S, NOW + 50 * S)
    )
    _, got = next_poll(PollState(), outcome, NOW, base=BASE, route="web")
    assert got == 40 * S + RESET_FOLLOW


def test_a_failed_poll_is_not_shortened_by_a_reset() -> None:
    outcome = PollOutcome(ok=False, resets_at=(NOW + 5 * S,))
    state, got = next_poll(PollState(consecutive_errors=3), outcome, NOW, base=BASE, route="web")
    assert got == 8 * BASE
    assert state.not_before == NOW + 8 * BASE


def test_a_lagging_server_costs_one_extra_poll_per_reset() -> None:
    """The server keeps answering with the passed reset: back to the base interval."""
    reset = NOW + 90 * S
    state, now, polls = PollState(), NOW, []
    while now < NOW + H:
        polls.append(now)
        outcome = PollOutcome(ok=True, changed=False, max_percent=90, resets_at=(reset,))
        state, delay = next_poll(state, outcome, now, base=BASE, route="web")
        now += delay
    assert reset + RESET_FOLLOW in polls
    assert len(polls) == 61  # 60 ordinary polls in the hour, and the one after the reset


# -- deadlines: honoured across a sleep, not stretched by a clock set back ---------------------


@pytest.mark.parametrize(
    ("what", "wall_now", "monotonic_left", "delay"),
    [
        ("nothing happened", NOW, 10 * M, 10 * M),
        ("asleep 5 min (the monotonic clock stood still)", NOW + 5 * M, 10 * M, 5 * M),
        ("asleep past the deadline", NOW + 5 * H, 10 * M, timedelta(0)),
        ("clock set forward 5 min", NOW + 5 * M, 10 * M, 5 * M),
        ("clock set back 2 h", NOW - 2 * H, 10 * M, 10 * M),  # not 2 h 10 min
        ("clock set back, deadline passed", NOW - 2 * H, -S, timedelta(0)),
        ("restart: nothing on the monotonic clock", NOW, None, 10 * M),
    ],
)
def test_a_manual_or_wake_poll_waits_for_the_deadline(
    what: str, wall_now: datetime, monotonic_left: timedelta | None, delay: timedelta
) -> None:
    state = PollState(consecutive_errors=1, not_before=NOW + 10 * M)
    assert manual_delay(state, wall_now, monotonic_left=monotonic_left) == delay, what


@pytest.mark.parametrize(
    ("deadline", "delay"),
    [
        (NOW + 2 * H, 2 * H),  # a Retry-After of two hours is kept across a restart
        (NOW + 30 * H, DEADLINE_CAP),  # written before the clock was set back a day
        (NOW - H, timedelta(0)),
    ],
)
def test_a_persisted_deadline_at_start(deadline: datetime, delay: timedelta) -> None:
    assert initial_delay(PollState(not_before=deadline), NOW) == delay


@pytest.mark.parametrize(
    ("retry_in", "delay"),
    [(2 * H, 2 * H), (2 * 24 * H, DEADLINE_CAP), (S, BASE)],
)
def test_retry_after_is_honoured_up_to_the_cap(retry_in: timedelta, delay: timedelta) -> None:
    outcome = PollOutcome(ok=False, retry_at=NOW + retry_in)
    state, got = next_poll(PollState(), outcome, NOW, base=BASE, route="web")
    assert got == delay
    assert state.not_before == NOW + delay


# -- waking up: wall clock against monotonic clock, and a heartbeat that came late ------------


@pytest.mark.parametrize(
    ("what", "wall", "mono", "woke"),
    [
        ("a heartbeat on time", 15 * S, 15.0, False),
        ("a heartbeat a little late", 40 * S, 40.0, False),
        ("asleep 3 h (Linux, macOS: monotonic stops)", 3 * H + 15 * S, 15.0, True),
        ("asleep 3 h (Windows: monotonic counts it)", 3 * H + 15 * S, 3 * 3600 + 15.0, True),
        ("clock set forward 10 min", 10 * M + 15 * S, 15.0, True),
        ("clock set forward 20 s (an NTP nudge)", 35 * S, 15.0, False),
        ("clock set back 2 h", -2 * H + 15 * S, 15.0, False),
        ("clock set back 2 h, heartbeat on time", -2 * H, 15.0, False),
    ],
)
def test_wake_detection(what: str, wall: timedelta, mono: float, woke: bool) -> None:
    got = woke_from_sleep(NOW, 1000.0, NOW + wall, 1000.0 + mono, period=15 * S)
    assert got is woke, what


def test_after_a_clock_set_back_the_next_heartbeats_are_quiet() -> None:
    """Each heartbeat compares with the last one, so a jump back is seen once, then never."""
    beats = [(NOW, 0.0), (NOW - 2 * H + 15 * S, 15.0), (NOW - 2 * H + 30 * S, 30.0)]
    beats.append((NOW - 2 * H + 45 * S, 45.0))
    woke = [woke_from_sleep(*beats[i], *beats[i + 1], period=15 * S) for i in range(len(beats) - 1)]
    assert woke == [False, False, False]


# -- notifications: once per crossing and period, whatever the clocks did ----------------------

#: (what happened, the poll's result, notified?) in order; the memory survives a "restart"
#: by a round trip through the state file. Clock jumps and sleeps only change ``at``.
STORY: list[tuple[str, FetchResult | None, bool]] = [
    ("climbing", _good(70, at=NOW), False),
    ("crossed 80 %", _good(85, at=NOW + M), True),
    ("clock set forward an hour", _good(85, at=NOW + H), False),
    ("clock set back two hours", _good(86, at=NOW - H), False),
    ("woke after three hours asleep", _good(86, at=NOW + 3 * H), False),
    ("offline", _failed("network", at=NOW + 3 * H + M), False),
    ("back, the same numbers", _good(86, at=NOW + 3 * H + 2 * M), False),
    ("restart", None, False),
    ("after the restart", _good(87, at=NOW + 3 * H + 3 * M), False),
    ("session expired", _failed("session_expired", at=NOW + 3 * H + 4 * M), False),
    ("signed in again", _good(87, at=NOW + 3 * H + 5 * M), False),
    (
        "resets_at jitters over a minute boundary",
        _good(87, resets_at=datetime(2026, 11, 25, 12, 59, 59, 940000, tzinfo=UTC)),
        False,
    ),
    ("reset: a new period", _good(5, resets_at=RESET + 5 * H, at=NOW + 5 * H), False),
    ("crossed again in the new period", _good(82, resets_at=RESET + 5 * H, at=NOW + 8 * H), True),
    ("and no more", _good(90, resets_at=RESET + 5 * H, at=NOW + 9 * H), False),
]


def test_a_crossing_notifies_once_per_period_whatever_the_clocks_did(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    state, memory = MeterState(), AlertMemory.empty()
    got: list[tuple[str, bool]] = []
    for what, result, _ in STORY:
        if result is None:  # quit and start again: only the state file carries over
            save_state(SavedState(notified=dict(memory.notified)), path)
            state, memory = MeterState(), AlertMemory(dict(load_state(path).notified))
            got.append((what, False))
            continue
        state = apply_result(state, result)
        due, memory = crossings(state.snapshots, memory)
        got.append((what, bool(due)))
    assert got == [(what, notified) for what, _, notified in STORY]


@pytest.mark.parametrize(
    ("seen", "period", "same"),
    [
        ("2026-11-25T13:00:00+00:00", "2026-11-25T13:00:00+00:00", True),
        ("2026-11-25T13:00:00+00:00", "2026-11-25T12:59:00+00:00", True),  # jitter at :00
        ("2026-11-25T13:00:00+00:00", "2026-11-25T13:09:00+00:00", True),
        ("2026-11-25T13:00:00+00:00", "2026-11-25T18:00:00+00:00", False),  # the next period
        ("2026-11-25T13:00:00+00:00", "-", False),  # window not started again yet
        ("-", "-", True),
        ("garbage", "2026-11-25T13:00:00+00:00", False),  # a hand-edited state file
        ("2026-11-25T13:00:00", "2026-11-25T13:00:00+00:00", False),  # naive: not comparable
    ],
)
def test_same_period(seen: str, period: str, same: bool) -> None:
    assert same_period(seen, period) is same


# -- the expired session: one notification until the session works again ---------------------

EXPIRY: list[tuple[str, FetchResult | None, bool]] = [
    ("good", _good(), False),
    ("expired", _failed("session_expired"), True),
    ("expired again (every poll)", _failed("session_expired"), False),
    ("offline", _failed("network"), False),
    ("expired after the blip", _failed("session_expired"), False),
    ("rate limited", _failed("rate_limited"), False),
    ("restart", None, False),
    ("expired after the restart", _failed("session_expired"), False),
    ("the extension's numbers", _good(source="extension"), False),
    ("still expired", _failed("session_expired"), False),
    ("signed in again", _good(), False),
    ("expired once more", _failed("session_expired"), True),
]


def test_the_expired_session_notifies_once_until_it_works_again(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    memory = AlertMemory.empty()
    got: list[tuple[str, bool]] = []
    for what, result, _ in EXPIRY:
        if result is None:
            save_state(SavedState(notified=dict(memory.notified)), path)
            memory = AlertMemory(dict(load_state(path).notified))
            got.append((what, False))
            continue
        expired, memory = session_alert(memory, result)
        got.append((what, expired is not None))
    assert got == [(what, notified) for what, _, notified in EXPIRY]


def test_an_organization_expiring_inside_a_good_poll_notifies_once() -> None:
    expired = Snapshot(
        source="web",
        org_uuid="team",
        fetched_at=NOW,
        error=FetchError(kind="session_expired", message="team expired"),
    )
    mixed = msgspec.structs.replace(_good(), snapshots=(*_good().snapshots, expired))
    first, memory = session_alert(AlertMemory.empty(), mixed)
    again, memory = session_alert(memory, mixed)
    assert first is not None
    assert first.message == "team expired"
    assert again is None


def test_session_memory_does_not_disturb_crossings() -> None:
    _, memory = session_alert(AlertMemory.empty(), _failed("session_expired"))
    due, memory = crossings(apply_result(MeterState(), _good(85)).snapshots, memory)
    assert len(due) == 1
    assert any(key.startswith("session_expired|") for key in memory.notified)


# -- the forecast: readings "from the future" after a clock set back are left out -------------


def test_forecast_after_a_clock_set_back_and_after_the_reset() -> None:
    samples = [Sample(NOW - 50 * M + i * 5 * M, 20 + i, RESET) for i in range(11)]
    back = NOW - 20 * M  # the clock went back: the last 20 min of readings are "ahead"
    forecast = forecast_window(samples, RESET, back, window_hours=5)
    assert forecast.enough_data
    assert forecast.pace_per_hour == pytest.approx(12.0)  # 6 points in 30 min, nothing later
    assert "-" not in forecast.summary
    passed = forecast_window(samples, RESET, RESET + S, window_hours=5)
    assert passed.summary == RESETTING
    assert passed.percent_at_reset is None
