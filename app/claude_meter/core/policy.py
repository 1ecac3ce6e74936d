"""When to poll next: a pure function of the poll state, the last outcome and the clock.

- The base interval is 60 s (settable from 30 s to 30 min). The Claude Code route never
  polls faster than every 3 minutes: its endpoint rate-limits hard and shares the budget
  with Claude Code itself.
- Quiet stretch: after :data:`STRETCH_AFTER` unchanged polls with every window below
  80 %, the interval doubles per further run of unchanged polls, but never past 5 minutes
  (or past the base interval when that is already longer). Any change, or any window at or
  above 80 %, brings it back to the base interval.
- Errors back off on a ladder (base, 2x, 4x ... up to 15 minutes, or 32x the base when
  that is less: only the fast cadences of soak runs against a loopback server get there)
  with ±20 % jitter so many clients do not retry in step. A server's ``Retry-After`` is a
  floor; ``Retry-After: 0`` (seen with persistent 429s) does not turn into a hot loop. The
  resulting deadline (``not_before``) is persisted by the caller, so a restart does not
  hammer the server.
- A deadline, ``Retry-After`` included, is honoured up to :data:`DEADLINE_CAP` (6 hours):
  a later one is a clock set back since it was written, or a broken header, and must not
  silence the meter for days.
- When a window's ``resets_at`` comes, poll :data:`RESET_FOLLOW` after it (never sooner than
  the route's floor after the last poll) to show the new period instead of a passed
  countdown. Only a reset still ahead when a poll returns does this, so a server that keeps
  reporting a passed ``resets_at`` (lagging, or our clock ahead) gets no extra poll, and
  there is at most one extra poll per reset.
- "Refresh now", opening the popover on data older than 30 s, and a wake from sleep fetch at
  once (still respecting ``not_before``, except a backoff after a sign-in error: see
  below). A wake is a jump of the wall clock against the
  monotonic clock (the machine slept, or the clock was set forward: either way the numbers
  are old), or a heartbeat that comes far later than it should (the process stood still: a
  suspend where the monotonic clock counts it, as on Windows). A clock set back is not a
  wake; timers run on the monotonic clock, so it does not stall polling, and a caller that
  also tracks the deadline on the monotonic clock (:func:`manual_delay`) does not let it
  stretch a backoff either.
- A backoff after a sign-in error (no session found, a session expired) does not hold back
  "Refresh now" (nor a wake, nor a source change, which refreshes): the fix is the person's
  (sign in, paste a session, choose Claude Code) and they press Refresh, or "Check again",
  right after it, expecting to see the new state at once. Scheduled polls still back off,
  and a server's deadline (``Retry-After``) or any other error's backoff holds as before.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Final, Literal

import msgspec

Route = Literal["web", "claude-code", "demo"]

MIN_INTERVAL: Final = timedelta(seconds=30)
MAX_INTERVAL: Final = timedelta(minutes=30)
DEFAULT_INTERVAL: Final = timedelta(seconds=60)
CLAUDE_CODE_MIN: Final = timedelta(minutes=3)
STRETCH_CAP: Final = timedelta(minutes=5)
STRETCH_AFTER: Final = 5
ERROR_CAP: Final = timedelta(minutes=15)
ERROR_DOUBLINGS: Final = 5
JITTER: Final = 0.2
HIGH_PERCENT: Final = 80.0
POPOVER_FRESH: Final = timedelta(seconds=30)
SLEEP_TOLERANCE: Final = timedelta(seconds=30)
DEADLINE_CAP: Final = timedelta(hours=6)
RESET_FOLLOW: Final = timedelta(seconds=10)


def clamp_interval(
    interval: timedelta, route: Route, *, floor: timedelta = MIN_INTERVAL
) -> timedelta:
    """The base interval within the allowed range, and never below the route's floor.

    ``floor`` is lowered only by the demo (its fake server can be polled every second).
    """
    interval = min(max(interval, floor), MAX_INTERVAL)
    if route == "claude-code":
        interval = max(interval, CLAUDE_CODE_MIN)
    return interval


class PollState(msgspec.Struct, frozen=True):
    """What the schedule remembers between polls."""

    unchanged_polls: int = 0
    consecutive_errors: int = 0
    not_before: datetime | None = None  # persisted: a server-imposed or backoff deadline
    #: ``not_before`` holds back a manual refresh too (False: a sign-in error's backoff, also
    #: when read back from an earlier run: ``SavedState.sign_in_backoff``).
    holds_refresh: bool = True


class PollOutcome(msgspec.Struct, frozen=True):
    """What one poll found out, as far as the schedule cares."""

    ok: bool
    changed: bool = False
    max_percent: float | None = None
    retry_at: datetime | None = None
    signed_out: bool = False  # every error was a sign-in one (not signed in, expired)
    resets_at: tuple[datetime, ...] = ()  # every window's reset, to poll once it has come


def next_poll(
    state: PollState,
    outcome: PollOutcome,
    now: datetime,
    *,
    base: timedelta,
    route: Route,
    jitter: float = 0.0,
    floor: timedelta = MIN_INTERVAL,
) -> tuple[PollState, timedelta]:
    """The new state and the delay until the next poll.

    ``jitter`` is a number in [-1, 1] (the caller draws it) scaled to ±20 % of error delays.
    """
    base = clamp_interval(base, route, floor=floor)
    if outcome.ok:
        unchanged = 0 if outcome.changed else state.unchanged_polls + 1
        high = outcome.max_percent is not None and outcome.max_percent >= HIGH_PERCENT
        delay = base
        if not high and unchanged >= STRETCH_AFTER:
            doublings = unchanged // STRETCH_AFTER
            delay = min(base * (2**doublings), max(STRETCH_CAP, base))
        follow = _until_reset(outcome.resets_at, now)
        if follow is not None:
            delay = min(delay, max(follow, clamp_interval(timedelta(0), route, floor=floor)))
        new = msgspec.structs.replace(
            state, unchanged_polls=0 if high else unchanged, consecutive_errors=0
        )
        return msgspec.structs.replace(new, not_before=None), delay
    errors = state.consecutive_errors + 1
    cap = max(min(ERROR_CAP, base * 2**ERROR_DOUBLINGS), base)
    ladder = min(base * 2 ** min(errors - 1, ERROR_DOUBLINGS), cap)
    delay = ladder * (1 + JITTER * max(-1.0, min(1.0, jitter)))
    if outcome.retry_at is not None and outcome.retry_at - now > delay:
        delay = min(outcome.retry_at - now, max(DEADLINE_CAP, delay))
    holds = outcome.retry_at is not None or not outcome.signed_out
    new = PollState(
        unchanged_polls=0, consecutive_errors=errors, not_before=now + delay, holds_refresh=holds
    )
    return new, delay


def _until_reset(resets_at: tuple[datetime, ...], now: datetime) -> timedelta | None:
    """How long until :data:`RESET_FOLLOW` after the next reset still ahead; None: none.

    A reset already passed is not followed: the poll that just returned came after it.
    """
    ahead = [moment - now for moment in resets_at if moment > now]
    return min(ahead) + RESET_FOLLOW if ahead else None


def initial_delay(state: PollState, now: datetime) -> timedelta:
    """At start: at once, unless a persisted deadline from an earlier run is still ahead.

    Never longer than :data:`DEADLINE_CAP`: a deadline further away was written under a clock
    that has since been set back.
    """
    if state.not_before is not None and state.not_before > now:
        return min(state.not_before - now, DEADLINE_CAP)
    return timedelta(0)


def manual_delay(
    state: PollState, now: datetime, *, monotonic_left: timedelta | None = None
) -> timedelta:
    """ "Refresh now", a wake from sleep: at once, but never before a server's deadline.

    ``monotonic_left`` is the same deadline as the caller counts it on the monotonic clock.
    The shorter of the two wins: a sleep or a clock set forward shortens the wall-clock wait
    (the monotonic clock stood still), a clock set back lengthens it (and must not).
    A sign-in error's backoff holds nothing (see the module's docstring).
    """
    if not state.holds_refresh:
        return timedelta(0)
    delay = initial_delay(state, now)
    if monotonic_left is not None:
        delay = min(delay, max(monotonic_left, timedelta(0)))
    return delay


def popover_wants_fetch(last_success: datetime | None, now: datetime) -> bool:
    """Opening the popover on numbers older than 30 s fetches at once."""
    return last_success is None or now - last_success > POPOVER_FRESH


def woke_from_sleep(
    previous_wall: datetime,
    previous_monotonic: float,
    now_wall: datetime,
    now_monotonic: float,
    *,
    period: timedelta | None = None,
) -> bool:
    """True when the machine slept (or the clock was set forward) since the last check.

    The monotonic clock stops during suspend on Linux and macOS; the wall clock does not, so
    a wall clock that ran ahead of it means a sleep, or a clock set forward (either way the
    numbers are old: fetch). Where the monotonic clock counts the suspend (Windows), or the
    process was frozen, the sign is a check that came far later than its ``period``.
    A wall clock set *back* is not a sleep.
    """
    wall = now_wall - previous_wall
    monotonic = timedelta(seconds=now_monotonic - previous_monotonic)
    if wall - monotonic > SLEEP_TOLERANCE:
        return True
    return period is not None and monotonic - period > SLEEP_TOLERANCE
