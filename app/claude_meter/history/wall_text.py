"""The sentences about walls a person reads, in the CLI and in the History window alike."""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import TYPE_CHECKING

from claude_meter.core.display import local_time
from claude_meter.history.walls import latest, period_start, spoken_hours, spoken_total, totals

if TYPE_CHECKING:
    from claude_meter.history.walls import Grouping, Wall


def window_name(key: str) -> str:
    """The window's label ("Session (5h)"), or its key when it is one we do not know."""
    from claude_meter.core.usage import KNOWN_WINDOWS

    return KNOWN_WINDOWS.get(key, key)


def wall_line(
    wall: Wall, tz: tzinfo | None = None, *, with_org: bool = True, account: str = ""
) -> str:
    """``Thu 03 Dec 14:20  5c2a7f10  Session (5h)  walled 1 h 40 min, 2 h before the reset``;
    ``account``, when given, the account's name before the organization (with several)."""
    hit = local_time(wall.hit_at, tz, day="dated")
    held = spoken_hours(wall.walled_seconds)
    held = f"walled {held} so far" if wall.ongoing else f"walled {held}"
    early = ""
    if wall.before_reset_seconds is not None:
        early = f", {spoken_hours(wall.before_reset_seconds)} before the reset"
    org = f"{wall.org_uuid[:8] or '-':<8}  " if with_org else ""
    whose = f"{account}  " if account else ""
    return f"{hit}  {whose}{org}{window_name(wall.window_key):<26} {held}{early}"


def summaries(walls: list[Wall], now: datetime, tz: tzinfo | None = None) -> list[str]:
    """This month's and this week's totals per window, one sentence each."""
    lines = []
    keys = list(dict.fromkeys(w.window_key for w in walls))
    groupings: tuple[tuple[Grouping, str], ...] = (("month", "this month"), ("week", "this week"))
    for grouping, this in groupings:
        current = totals(walls, grouping, tz)
        starts = period_start(now, grouping, tz)
        parts = [
            spoken_total(window_name(key), total, this)
            for key in keys
            if (total := latest(current, key, starts)) is not None
        ]
        if parts:
            lines.append("; ".join(parts) + ".")
    return lines
