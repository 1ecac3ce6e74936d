"""``claude-meter history --walls``: when each window ran out, for how long, and how early.

``--json`` prints a list with one object per wall, ``--csv`` the same fields as columns
(:data:`~claude_meter.history.walls.WALL_FIELDS`; a stable interface, see the README). The
text form lists the walls in local time, then the totals of this week and this month; with
walls of several accounts, each line names its account (a removed one as ``Removed account
(<id>)``, the History window's words; ``--csv`` and ``--json`` keep its id) and the totals are
per account.
"""

from __future__ import annotations

import csv
import json
from datetime import datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, TextIO

from claude_meter.history.wall_text import summaries, wall_line
from claude_meter.history.walls import WALL_FIELDS, wall_record

if TYPE_CHECKING:
    from claude_meter.cli.history import Names
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
    account: str | None = None,
    tz: tzinfo | None = None,
) -> int:
    """Print the walls that began in the last ``since``; ``output`` is text, csv or json;
    ``account`` the ``--account`` given, None for every account."""
    from claude_meter.cli.history import for_person, for_script, history_for
    from claude_meter.history.reads import walls_since

    found = history_for(account, err)
    if found is None:
        return 1
    whose, names, store = found
    with store:
        walls = walls_since(store, now - since, now, org=org, window=window, account=whose)
    name = for_script(names)  # a script keeps matching a removed account's id
    records = [wall_record(w, name(w.account)) for w in walls]
    if output == "json":
        json.dump(records, out)
        out.write("\n")
    elif output == "csv":
        writer = csv.DictWriter(out, WALL_FIELDS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(records)
    else:
        write_text(walls, now, out, tz, for_person(names))
    return 0


def write_text(
    walls: list[Wall],
    now: datetime,
    out: TextIO,
    tz: tzinfo | None = None,
    name: Names | None = None,
) -> None:
    if not walls:
        print("No window reached 100% in this period.", file=out)
        return
    accounts = list(dict.fromkeys(w.account for w in walls))
    several = len(accounts) > 1 and name is not None
    for wall in walls:
        print(wall_line(wall, tz, account=name(wall.account) if several and name else ""), file=out)
    print(file=out)
    for account in accounts if several else [None]:
        theirs = [w for w in walls if w.account == account] if several else walls
        for summary in summaries(theirs, now, tz):
            print(f"{name(account)}: {summary}" if several and name else summary, file=out)
