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

from claude_meter.history.wall_text import summaries, wall_line
from claude_meter.history.walls import WALL_FIELDS, wall_record

if TYPE_CHECKING:
    from claude_meter.history.walls import Wall


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
    from claude_meter.cli.history import open_history
    from claude_meter.history.reads import walls_since

    store = open_history(err)
    if store is None:
        return 1
    with store:
        walls = walls_since(store, now - since, now, org=org, window=window)
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
        print(wall_line(wall, tz), file=out)
    print(file=out)
    for summary in summaries(walls, now, tz):
        print(summary, file=out)
