"""The one guarded notion of a time that came from outside: a server, a post, a stored file.

Servers send what they like: ``9999-12-31T23:59:59Z`` as a "never" sentinel, year 0001, any
offset. Python's ``datetime`` ends at years 1 and 9999, so "that time plus 30 s", "minus the
window's length" or "in the local zone east of UTC" raises ``OverflowError`` near the edges,
and on some platforms ``astimezone()`` and ``timestamp()`` fail long before them.

The rule: a time from outside is kept only when it lies in :data:`EARLIEST` .. :data:`LATEST`
(2000 to 2200, centuries away from any edge, so every sum the app does with it, days or years,
in any zone, stays representable); outside that range it is **unknown** (``None``), exactly
like a missing date. A clamp was not chosen for them: it would show a made-up date ("resets
in 2200") where the server meant "never". The one exception is a credential's expiry
(:func:`from_epoch` with ``clamp``), where unknown would make an expired one look usable.
Every reader of an outside time goes through this module, and
the models' date fields apply :func:`within_range` on construction, so a date that reaches a
model by any path (an answer, a bridge post, the history) is already safe.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Final

EARLIEST: Final = datetime(2000, 1, 1, tzinfo=UTC)
LATEST: Final = datetime(2200, 1, 1, tzinfo=UTC)


def within_range(moment: datetime | None) -> datetime | None:
    """``moment`` as aware UTC when it lies in the accepted range, else None (unknown).

    A naive time is taken as UTC (servers that omit the offset mean UTC).
    """
    if moment is None:
        return None
    try:
        if moment.tzinfo is None or moment.utcoffset() is None:
            moment = moment.replace(tzinfo=UTC)
        moment = moment.astimezone(UTC)
    except (OverflowError, ValueError, OSError):  # year 1 at +01:00, year 9999 at -01:00
        return None
    return moment if EARLIEST <= moment <= LATEST else None


def parse_iso(value: object) -> datetime | None:
    """An ISO-8601 time (``+00:00`` or ``Z``, any offset, with or without microseconds)."""
    if isinstance(value, datetime):
        return within_range(value)
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("z", "Z"))
    except ValueError:
        return None
    return within_range(parsed)


def parse_http_date(value: str) -> datetime | None:
    """An HTTP date (``Sun, 06 Nov 1994 08:49:37 GMT``), or None."""
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return within_range(parsed)


def from_epoch(count: float | None, *, per_second: int = 1, clamp: bool = False) -> datetime | None:
    """``count`` units (``per_second`` of them a second) since 1970 as aware UTC.

    Out of range it is None, or with ``clamp`` the nearest end of the range: an expiry (a
    cookie's, a token's) in 1970 still means "expired" and one in 9999 "not soon", where
    unknown would make an expired credential look usable.
    """
    if count is None:
        return None
    try:
        seconds = count / per_second
    except OverflowError:  # an integer beyond any float
        seconds = math.inf if count > 0 else -math.inf
    if clamp and not EARLIEST.timestamp() <= seconds <= LATEST.timestamp():
        return EARLIEST if seconds < EARLIEST.timestamp() else LATEST
    try:
        moment = datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, ValueError, OSError):
        return None
    return within_range(moment)


def coerce(value: object) -> datetime | None:
    """Any value a model's outside-time field is given: a guarded time, or None."""
    if isinstance(value, datetime | str):
        return parse_iso(value)
    return None  # None, numbers, lists, ...: not a time we accept


def required(moment: datetime) -> datetime:
    """``moment`` guarded, or ``ValueError``: for a record that is invalid without it."""
    kept = within_range(moment)
    if kept is None:
        raise ValueError("a time out of the accepted range")
    return kept
