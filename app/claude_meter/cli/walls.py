"""``claude-meter history --walls``: when each window ran out, for how long, and how early.

``--json`` prints a list with one object per wall, ``--csv`` the same fields as columns
(:data:`~claude_meter.history.walls.WALL_FIELDS`; a stable interface, see the README). The
text form lists the walls in local time, then the totals of this week and this month.
"""

from __future__ import annotations

import csv
import json
from datetime import datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, TextIO

from claude_meter.history.walls import (
    WALL_FIELDS,
    latest,
    period_start,
    spoken_hours,
    spoken_total,
    totals,
    wall_record,
)

if TYPE_CHECKING:
    from claude_meter.history.walls import Grouping, Wall


def window_name(key: str) -> str:
    from claude_meter.core.usage import KNOWN_WINDOWS

    return KNOWN_WINDOWS.get(key, key)


def run_walls(
    *,
    org: str | None,
    window: str | None,
    since: timedelta,
    output: str,
    now: datetime,
    out: TextIO,
    err: TextIO,
    tz: tzinfo | None = None,
) -> int:
    """Print the walls that began in the last ``since``; ``output`` is text, csv or json."""
    from claude_meter.history.reads import walls_since
    from claude_meter.history.store import HistoryStore, HistoryUnavailable

    try:
        with HistoryStore.open(quick_check=False) as store:
            walls = walls_since(store, now - since, now, org=org, window=window)
    except HistoryUnavailable as exc:
        print(f"claude-meter: the usage history cannot be read: {exc}", file=err)
        return 1
    records = [wall_record(w) for w in walls]
    if output == "json":
        json.dump(records, out)
        out.write("\n")
    elif output == "csv":
        writer = csv.DictWriter(out, WALL_FIELDS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(records)
    else:
        write_text(walls, now, out, tz)
    return 0


def write_text(walls: list[Wall], now: datetime, out: TextIO, tz: tzinfo | None = None) -> None:
    if not walls:
        print("No window reached 100% in this period.", file=out)
        return
    for wall in walls:
        hit = wall.hit_at.astimezone(tz).strftime("%a %d %b %H:%M")
        org = wall.org_uuid[:8] or "-"
        held = spoken_hours(wall.walled_seconds)
        held = f"walled {held} so far" if wall.ongoing else f"walled {held}"
        early = ""
        if wall.before_reset_seconds is not None:
            early = f", {spoken_hours(wall.before_reset_seconds)} before the reset"
        print(f"{hit}  {org:<8}  {window_name(wall.window_key):<26} {held}{early}", file=out)
    print(file=out)
    for summary in summaries(walls, now, tz):
        print(summary, file=out)


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
