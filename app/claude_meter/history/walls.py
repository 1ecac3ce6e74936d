"""The walls: when a usage window reached 100 %, how long it stayed there, how early that was.

Pure functions of a window's readings and ``now`` (passed in), so the CLI, the History window
and the tests agree on every figure. The definitions (also in the README, where the JSON
shape is a stable interface):

- A **wall starts** (``hit_at``) at a reading at or above 100 % whose previous reading was
  below it, or that starts a new period (:func:`~claude_meter.core.forecast.starts_new_period`,
  the rule the store records its reset and limit-hit events by), or that is the window's first
  reading. Readings at 100 % in the same period continue one wall: an app restart while the
  window is full is not a second wall.
- The **reset it waits for** is the ``resets_at`` the server announced with the hit (or with
  the first walled reading that has one).
- A wall **ends** (``until``) at the earliest of: the first later reading below 100 % or that
  starts a new period (the reset was seen); the announced reset, once it has passed
  (the server said when; a reading may only come long after, when the app was closed); the
  end of the longest period the window can have (``hit_at`` plus its length) when no reset
  time is known. Until then it is still walled: ``until`` is None and ``walled_seconds``
  counts to ``now``.
- ``before_reset_seconds`` is the announced reset minus ``hit_at``: how early the window ran
  out. None when the server announced no reset time.
- **Clock changes.** Times are the stored UTC seconds, so a daylight-saving change moves no
  figure (totals are grouped by the local calendar only). A machine clock that was wrong
  can put a reset before the hit or a reading out of order: durations are clamped at 0 and
  readings are taken in time order, never negative and never a crash.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Final, Literal

import msgspec

from claude_meter.core.account_names import script_id
from claude_meter.core.forecast import WALL, Sample, starts_new_period, window_hours

Grouping = Literal["week", "month"]

#: The JSON/CSV fields of one wall, in order: a stable interface (see the README).
WALL_FIELDS: Final = (
    "org",
    "window",
    "hit_at",
    "until",
    "walled_seconds",
    "before_reset_seconds",
    "account",  # added with accounts: the account's name (fields are only added at the end)
    "account_id",  # its id, which a rename leaves as is (``default``: the default account)
)


class Wall(msgspec.Struct, frozen=True):
    """One stretch of a window at 100 %."""

    org_uuid: str
    window_key: str
    hit_at: datetime
    until: datetime | None
    resets_at: datetime | None
    walled_seconds: int
    before_reset_seconds: int | None
    #: The account whose window it is (a named account's id; None: the default one).
    account: str | None = None

    @property
    def ongoing(self) -> bool:
        return self.until is None


class WallTotal(msgspec.Struct, frozen=True):
    """The walls of one window in one calendar week (from Monday) or month."""

    window_key: str
    starts: date
    count: int
    walled_seconds: int
    #: The earliest a wall came before its reset, in seconds (None when no reset was known).
    most_before_reset_seconds: int | None


def walls_of(
    samples: Iterable[Sample],
    now: datetime,
    *,
    org_uuid: str = "",
    window_key: str,
    account: str | None = None,
) -> list[Wall]:
    """The walls in one window's readings, oldest first.

    ``samples`` may be every reading, or only the walled ones and the reading after each (what
    :func:`claude_meter.history.reads.wall_samples` fetches): the result is the same.
    """
    ordered = sorted(samples, key=lambda s: s.at)
    hours = window_hours(window_key)
    walls: list[Wall] = []
    start: Sample | None = None
    resets_at: datetime | None = None
    previous: Sample | None = None
    for sample in ordered:
        walled = sample.percent >= WALL
        new_period = previous is not None and starts_new_period(previous, sample)
        if start is not None and (not walled or new_period):
            walls.append(_wall(org_uuid, window_key, start, resets_at, sample.at, hours, now))
            start = None
        if walled and start is None:
            start, resets_at = sample, sample.resets_at
        elif walled and resets_at is None:
            resets_at = sample.resets_at
        previous = sample
    if start is not None:
        walls.append(_wall(org_uuid, window_key, start, resets_at, None, hours, now))
    return (
        [msgspec.structs.replace(w, account=account) for w in walls]
        if account is not None
        else walls
    )


def _wall(
    org: str,
    key: str,
    start: Sample,
    resets_at: datetime | None,
    seen_end: datetime | None,
    hours: float | None,
    now: datetime,
) -> Wall:
    hit_at = start.at
    ends = [t for t in (seen_end,) if t is not None]
    if resets_at is not None and resets_at <= now:
        ends.append(resets_at)
    if resets_at is None and hours is not None and hit_at + timedelta(hours=hours) <= now:
        ends.append(hit_at + timedelta(hours=hours))
    until = max(min(ends), hit_at) if ends else None
    walled = _seconds((until or now) - hit_at)
    before = None if resets_at is None else _seconds(resets_at - hit_at)
    return Wall(org, key, hit_at, until, resets_at, walled, before)


def _seconds(delta: timedelta) -> int:
    return max(0, round(delta.total_seconds()))


def period_start(moment: datetime, grouping: Grouping, tz: tzinfo | None = None) -> date:
    """The local calendar week (Monday) or month that ``moment`` falls in."""
    day = moment.astimezone(tz).date()
    if grouping == "month":
        return day.replace(day=1)
    return day - timedelta(days=day.weekday())


def totals(walls: Iterable[Wall], grouping: Grouping, tz: tzinfo | None = None) -> list[WallTotal]:
    """Per window and calendar week or month (by the local date of each hit), oldest first."""
    groups: dict[tuple[str, date], list[Wall]] = {}
    for wall in walls:
        groups.setdefault((wall.window_key, period_start(wall.hit_at, grouping, tz)), []).append(
            wall
        )
    result = []
    for (key, starts), members in groups.items():
        early = [w.before_reset_seconds for w in members if w.before_reset_seconds is not None]
        result.append(
            WallTotal(
                key,
                starts,
                len(members),
                sum(w.walled_seconds for w in members),
                max(early) if early else None,
            )
        )
    return sorted(result, key=lambda t: (t.starts, t.window_key))


def wall_record(wall: Wall, account_name: str) -> dict[str, str | int | None]:
    """One wall in the stable JSON shape (:data:`WALL_FIELDS`), times ISO-8601 UTC;
    ``account_name`` the name of the account whose window it is, ``account_id`` its id."""
    return {
        "org": wall.org_uuid,
        "window": wall.window_key,
        "hit_at": iso_utc(wall.hit_at),
        "until": None if wall.until is None else iso_utc(wall.until),
        "walled_seconds": wall.walled_seconds,
        "before_reset_seconds": wall.before_reset_seconds,
        "account": account_name,
        "account_id": script_id(wall.account),
    }


def iso_utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def spoken_hours(seconds: int) -> str:
    """``9 h 40 min``, ``31 h``, ``12 min``: durations of walls, in hours past a day."""
    hours, rest = divmod(max(0, seconds), 3600)
    minutes = rest // 60
    if hours and minutes:
        return f"{hours} h {minutes} min"
    if hours:
        return f"{hours} h"
    return f"{minutes} min"


def spoken_total(label: str, total: WallTotal, this: str) -> str:
    """ "Session: walled 6 times this month, 9 h 40 min in all; up to 2 h before the reset"."""
    times = "once" if total.count == 1 else f"{total.count} times"
    text = f"{label}: walled {times} {this}, {spoken_hours(total.walled_seconds)} in all"
    if total.most_before_reset_seconds:
        before = spoken_hours(total.most_before_reset_seconds)
        text += f"; {'up to ' if total.count > 1 else ''}{before} before the reset"
    return text


def latest(totals_: Sequence[WallTotal], window_key: str, starts: date) -> WallTotal | None:
    """The total of ``window_key`` for the period that begins ``starts``, if it had walls."""
    for total in totals_:
        if total.window_key == window_key and total.starts == starts:
            return total
    return None
