"""``claude-meter history``, and the history side of ``status`` (record, then forecast).

Output forms of ``history``: one row per stored reading, oldest first. CSV columns (and JSON
keys) are ``time,org,window,percent,resets_at,event,account,account_id``: times ISO-8601 UTC,
``percent`` 0-100, ``event`` empty (JSON ``null``) or ``reset``, ``limit_hit`` (both:
``reset;limit_hit``), ``account`` the name of the account the reading belongs to (as
``claude-meter accounts`` lists it; the id of an account since removed, which a script keeps
matching), ``account_id`` its id (``default`` for the default account), which a rename leaves as
is. ``--account NAME`` keeps one account's; without it every account's, and the text form names
each when there is more than one, a removed one as the History window does: ``Removed account
(<id>)`` (``core/account_names.py``).
"""

from __future__ import annotations

import argparse
import csv
import json
import re
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Final, TextIO

from claude_meter.core.account_names import script_id, script_name, shown_name
from claude_meter.core.display import local_time
from claude_meter.core.export import EXPORT_COLUMNS

if TYPE_CHECKING:
    from claude_meter.cli.render import Forecasts
    from claude_meter.core.forecast import Forecast
    from claude_meter.core.models import FetchResult
    from claude_meter.history.store import AccountFilter, HistoryStore, Reading


#: An account's name from its id (None: the default account).
Names = Callable[[str | None], str]

#: The export's columns, then the account's id (a name changes on rename): last, as a column
#: is only ever added at the end, so a script reading by position keeps working.
DEFAULT_SINCE: Final = "7d"
_DURATION: Final = re.compile(r"\s*([0-9]+)\s*([mhd])\s*")
_UNITS: Final = {"m": "minutes", "h": "hours", "d": "days"}
#: 100 years in each unit: ``now - since`` stays far from the start of the calendar.
_MOST: Final = {"m": 100 * 366 * 24 * 60, "h": 100 * 366 * 24, "d": 100 * 366}


def parse_duration(text: str) -> timedelta:
    """``90m``, ``24h``, ``7d`` -> a timedelta; anything else is a usage error."""
    match = _DURATION.fullmatch(text)
    if match is None:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a duration; use minutes, hours or days: 90m, 24h, 7d"
        )
    if not match.group(1).strip("0"):
        raise argparse.ArgumentTypeError(
            f"{text!r} is no time at all; give one longer than zero: 90m, 24h, 7d"
        )
    digits, unit = match.groups()
    count = int(digits) if len(digits) <= 12 else _MOST[unit] + 1
    if count > _MOST[unit]:
        raise argparse.ArgumentTypeError(
            f"{text!r} reaches back more than 100 years; the history is not that old"
        )
    return timedelta(**{_UNITS[unit]: count})


def history_settings(
    wanted: str | None, err: TextIO
) -> tuple[AccountFilter, Mapping[str | None, str]] | None:
    """The account filter (``--account NAME``: that account's id, None for the default one;
    else every account) and the accounts' names by id for ``history``; None after saying on
    ``err`` that ``--account`` names no account. The settings are read the light way
    (``readings/preference.py``, as ``status --cached`` reads them): the settings model
    would load the app's models and their validation library for a few names."""
    from claude_meter.history.store import EVERY
    from claude_meter.readings.preference import (
        account_names,
        find_account,
        read_settings_or_problem,
        unknown_account,
    )

    settings, problem = read_settings_or_problem()
    if problem is not None:  # said whatever --account is: names are missing otherwise too
        print(f"claude-meter: {problem}.", file=err)
    names = account_names(settings, every=True)
    whose: AccountFilter = EVERY
    if wanted is not None:
        found, whose = find_account(names, wanted)
        if not found:
            if problem is None:  # else the file, not the name, is what to fix
                print(f"claude-meter: {unknown_account(names)}.", file=err)
            return None
    return whose, names


def for_person(names: Mapping[str | None, str]) -> Names:
    """Each account's name for the text forms; ``Removed account (<id>)`` for one gone."""
    return lambda account: shown_name(names, account)


def for_script(names: Mapping[str | None, str]) -> Names:
    """Each account's name for ``--csv`` and ``--json``; the bare id of one gone."""
    return lambda account: script_name(names, account)


def history_for(
    account: str | None, err: TextIO
) -> tuple[AccountFilter, Mapping[str | None, str], HistoryStore] | None:
    """What ``history`` and ``history --walls`` read: the ``--account`` filter, the accounts'
    names and the opened history; None after saying on ``err`` why not."""
    chosen = history_settings(account, err)
    if chosen is None:
        return None
    store = open_history(err)
    if store is None:
        return None
    return (*chosen, store)


def open_history(err: TextIO) -> HistoryStore | None:
    """The person's history for a one-shot command, or None after saying on ``err`` why it
    cannot be read. Opened to read only (a history in a read-only folder, a backup, can be
    looked at); no integrity check on each call: it reads the whole file (see
    ``HistoryStore.open``)."""
    from claude_meter.history.database import HistoryUnavailable
    from claude_meter.history.store import HistoryStore

    try:
        return HistoryStore.open_read_only()
    except HistoryUnavailable as exc:
        print(f"claude-meter: the usage history cannot be read: {exc}", file=err)
        return None


def run_history(
    *,
    org: str | None,
    window: str | None,
    since: timedelta,
    output: str,
    now: datetime,
    out: TextIO,
    err: TextIO,
    account: str | None = None,
) -> int:
    """Print the stored readings; ``output`` is ``text``, ``csv`` or ``json``; ``account``
    the ``--account`` given (a name or an id), None for every account."""
    found = history_for(account, err)
    if found is None:
        return 1
    whose, names, store = found
    with store:
        if output == "text":
            readings = store.readings(now - since, org_uuid=org, window_key=window, account=whose)
            if not readings:
                _say_unknown(store, org, window, err)
            _write_text(readings, out, for_person(names))
            return 0
        rows = store.export(now - since, org_uuid=org, window_key=window, account=whose)
        if not rows:
            _say_unknown(store, org, window, err)
    name = for_script(names)
    called = {account: name(account) for account in {row[-1] for row in rows}}
    named = [(*row[:-1], called[row[-1]], script_id(row[-1])) for row in rows]
    if output == "csv":
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(EXPORT_COLUMNS)
        writer.writerows(named)  # csv writes None as an empty field
    else:
        json.dump([dict(zip(EXPORT_COLUMNS, row, strict=True)) for row in named], out)
        out.write("\n")
    return 0


def _say_unknown(store: HistoryStore, org: str | None, window: str | None, err: TextIO) -> None:
    """When ``--org`` or ``--window`` names nothing the history has ever held, say which it
    holds (a typo otherwise read as "no readings for this period")."""
    from claude_meter.history.reads import windows
    from claude_meter.history.wall_text import window_name

    held = windows(store)
    keys = list(dict.fromkeys(key for _, _, key in held))
    if window is not None and keys and window not in keys:
        known = ", ".join(f"{key} ({window_name(key)})" for key in keys)
        print(f"claude-meter: the history holds no window {window!r}; it holds: {known}.", file=err)
    orgs = list(dict.fromkeys(uuid for _, uuid, _ in held))
    if org is not None and orgs and org not in orgs:
        print(f"claude-meter: the history holds no organization {org!r}; it holds: "
              f"{', '.join(orgs)}.", file=err)  # fmt: skip


def _write_text(readings: list[Reading], out: TextIO, name: Names) -> None:
    if not readings:
        print("No readings stored for this period yet.", file=out)
        return
    from claude_meter.history.wall_text import window_name

    several = len({r.account for r in readings}) > 1
    width = max(len(name(r.account)) for r in readings) if several else 0
    labels = {r.window_key: window_name(r.window_key) for r in readings}  # as status says them
    room = max(len(label) for label in labels.values())
    for r in readings:
        when = local_time(r.at, day="dated")
        whose = f"{name(r.account):<{width}}  " if several else ""
        org = r.org_uuid[:8] or "-"
        event = f"  {', '.join(r.events)}" if r.events else ""
        label = labels[r.window_key]
        print(f"{when}  {whose}{org:<8}  {label:<{room}} {r.percent:6.2f}%{event}", file=out)


#: How ``record_and_forecast``'s reason begins when another program held the write lock.
NOT_RECORDED: Final = "this reading was not added to the usage history"


def record_and_forecast(
    result: FetchResult, now: datetime, *, record: bool = True
) -> tuple[Forecasts, str | None]:
    """Store what ``status`` fetched and forecast each window from the history.

    Returns the forecasts and, when the history could not be used, a one-line reason (the
    numbers are still printed; only the forecasts are missing), or, when another program held
    its write lock past ``READING_BUSY_TIMEOUT_SECONDS`` (half a second: a status bar calls
    ``status`` every few seconds), that the reading was not recorded (:data:`NOT_RECORDED`);
    ``record=False`` only forecasts (the lock was found held for an earlier account). Demo
    readings are not stored: they would mix a fake organization into the person's history.
    """
    if result.source == "demo" or not result.snapshots:
        return {}, None
    from claude_meter.history import HistoryStore, HistoryUnavailable, forecasts_for
    from claude_meter.history.database import READING_BUSY_TIMEOUT_SECONDS, HistoryLocked
    from claude_meter.readings.journal import drain

    try:
        with HistoryStore.open(quick_check=False, busy=READING_BUSY_TIMEOUT_SECONDS) as store:
            problem = None
            try:  # the status line's readings made since first, then this newer one
                if record:
                    drain(store, raise_locked=True)
                    store.record_many(result.snapshots, raise_locked=True)
            except HistoryLocked as exc:  # reads are not held up by a write lock: forecasts
                problem = f"{NOT_RECORDED}: {exc}"
            forecasts: dict[tuple[str | None, str], Forecast] = {}
            for snapshot in result.snapshots:
                for key, forecast in forecasts_for(store, snapshot, now).items():
                    forecasts[snapshot.org_uuid, key] = forecast
            return forecasts, problem
    except HistoryUnavailable as exc:
        return {}, f"usage history unavailable, so no forecast: {exc}"
