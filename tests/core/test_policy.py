"""The poll schedule as a table of cases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from claude_meter.core.policy import (
    PollOutcome,
    PollState,
    clamp_interval,
    initial_delay,
    manual_delay,
    next_poll,
    popover_wants_fetch,
    woke_from_sleep,
)

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
S = timedelta(seconds=1)
M = timedelta(minutes=1)


@pytest.mark.parametrize(
    ("interval", "route", "expected"),
    [
        (60 * S, "web", 60 * S),
        (5 * S, "web", 30 * S),
        (2 * 60 * M, "web", 30 * M),
        (60 * S, "claude-code", 3 * M),
        (10 * M, "claude-code", 10 * M),
    ],
)
def test_clamp(interval: timedelta, route: str, expected: timedelta) -> None:
    assert clamp_interval(interval, route) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("unchanged_before", "outcome", "delay", "unchanged_after"),
    [
        (0, PollOutcome(ok=True, changed=True, max_percent=10), 60 * S, 0),
        (3, PollOutcome(ok=True, changed=False, max_percent=10), 60 * S, 4),
        (4, PollOutcome(ok=True, changed=False, max_percent=10), 120 * S, 5),
        (9, PollOutcome(ok=True, changed=False, max_percent=10), 240 * S, 10),
        (14, PollOutcome(ok=True, changed=False, max_percent=10), 5 * M, 15),  # capped at 5 min
        (99, PollOutcome(ok=True, changed=False, max_percent=10), 5 * M, 100),
        (99, PollOutcome(ok=True, changed=True, max_percent=10), 60 * S, 0),  # change: base
        (99, PollOutcome(ok=True, changed=False, max_percent=80), 60 * S, 0),  # >= 80 %: base
        (99, PollOutcome(ok=True, changed=False, max_percent=None), 5 * M, 100),
    ],
)
def test_success_and_quiet_stretch(
    unchanged_before: int, outcome: PollOutcome, delay: timedelta, unchanged_after: int
) -> None:
    state, got = next_poll(
        PollState(unchanged_polls=unchanged_before), outcome, NOW, base=60 * S, route="web"
    )
    assert got == delay
    assert state.unchanged_polls == unchanged_after
    assert state.consecutive_errors == 0
    assert state.not_before is None


def test_stretch_never_shortens_a_long_base() -> None:
    _, got = next_poll(
        PollState(unchanged_polls=50), PollOutcome(ok=True), NOW, base=10 * M, route="web"
    )
    assert got == 10 * M


@pytest.mark.parametrize(
    ("errors_before", "jitter", "delay"),
    [
        (0, 0.0, 60 * S),
        (1, 0.0, 120 * S),
        (2, 0.0, 240 * S),
        (5, 0.0, 15 * M),  # capped
        (20, 0.0, 15 * M),
        (0, 1.0, 72 * S),  # +20 %
        (0, -1.0, 48 * S),  # -20 %
        (0, 5.0, 72 * S),  # jitter is clamped
    ],
)
def test_error_ladder_with_jitter(errors_before: int, jitter: float, delay: timedelta) -> None:
    state, got = next_poll(
        PollState(consecutive_errors=errors_before),
        PollOutcome(ok=False),
        NOW,
        base=60 * S,
        route="web",
        jitter=jitter,
    )
    assert got == delay
    assert state.consecutive_errors == errors_before + 1
    assert state.not_before == NOW + delay


@pytest.mark.parametrize(
    ("base", "errors_before", "delay"),
    [
        (20 * timedelta(milliseconds=1), 4, 320 * timedelta(milliseconds=1)),
        (20 * timedelta(milliseconds=1), 30, 640 * timedelta(milliseconds=1)),  # 32x the base
        (30 * S, 30, 15 * M),  # the real cadences reach the 15-minute cap first
        (30 * M, 30, 30 * M),  # never shorter than the base
    ],
)
def test_error_ladder_cap(base: timedelta, errors_before: int, delay: timedelta) -> None:
    _, got = next_poll(
        PollState(consecutive_errors=errors_before),
        PollOutcome(ok=False),
        NOW,
        base=base,
        route="web",
        floor=timedelta(milliseconds=10),
    )
    assert got == delay


@pytest.mark.parametrize(
    ("retry_after", "delay"),
    [
        (600 * S, 600 * S),  # a server deadline beyond the ladder wins
        (0 * S, 60 * S),  # Retry-After: 0 never makes a hot loop
        (10 * S, 60 * S),
    ],
)
def test_retry_after_is_a_floor(retry_after: timedelta, delay: timedelta) -> None:
    state, got = next_poll(
        PollState(),
        PollOutcome(ok=False, retry_at=NOW + retry_after),
        NOW,
        base=60 * S,
        route="web",
    )
    assert got == delay
    assert state.not_before == NOW + delay


def test_claude_code_route_never_faster_than_three_minutes() -> None:
    _, got = next_poll(
        PollState(), PollOutcome(ok=True, changed=True), NOW, base=30 * S, route="claude-code"
    )
    assert got == 3 * M
    _, got = next_poll(PollState(), PollOutcome(ok=False), NOW, base=30 * S, route="claude-code")
    assert got >= 3 * M


def test_deadline_survives_a_restart_and_bounds_manual_refresh() -> None:
    state = PollState(not_before=NOW + 5 * M)
    assert initial_delay(state, NOW) == 5 * M
    assert manual_delay(state, NOW) == 5 * M
    assert initial_delay(state, NOW + 6 * M) == timedelta(0)
    assert initial_delay(PollState(), NOW) == timedelta(0)


@pytest.mark.parametrize(
    ("last", "wants"),
    [(None, True), (NOW - 10 * S, False), (NOW - 30 * S, False), (NOW - 31 * S, True)],
)
def test_popover_open_fetches_old_data(last: datetime | None, wants: bool) -> None:
    assert popover_wants_fetch(last, NOW) is wants


@pytest.mark.parametrize(
    ("wall", "mono", "slept"),
    [
        (60 * S, 60.0, False),  # clocks agree
        (61 * S, 60.0, False),
        (2 * 60 * M, 60.0, True),  # two hours of wall time in a minute of monotonic time
        (-3 * M, 60.0, False),  # clock set back: not a sleep
        (95 * S, 60.0, True),
    ],
)
def test_sleep_detection(wall: timedelta, mono: float, slept: bool) -> None:
    assert woke_from_sleep(NOW, 1000.0, NOW + wall, 1000.0 + mono) is slept


@pytest.mark.parametrize(
    ("outcome", "holds"),
    [
        (PollOutcome(ok=False, signed_out=True), False),  # the person signs in, then Refresh
        (PollOutcome(ok=False), True),  # a server or network error: its backoff holds
        (PollOutcome(ok=False, signed_out=True, retry_at=NOW + 10 * M), True),  # a 429
    ],
)
def test_a_sign_in_errors_backoff_never_holds_a_manual_refresh(
    outcome: PollOutcome, holds: bool
) -> None:
    state, delay = next_poll(PollState(), outcome, NOW, base=60 * S, route="web")
    assert state.not_before == NOW + delay  # the scheduled poll still backs off
    assert manual_delay(state, NOW) == (delay if holds else timedelta(0))
    assert manual_delay(state, NOW, monotonic_left=delay) == (delay if holds else timedelta(0))
