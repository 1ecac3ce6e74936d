"""The stored routes put together per account, each figure with where it came from and when.

The statusline knows only the session and the weekly window; claude.ai (through the tray, the
browser extension or ``status``) also knows the per-model windows and extra usage. For one
account, each window is shown from the newest entry that has it, with its route and time, so
a fresh statusline reading and a claude.ai reading from an hour ago make one line. Pure
functions of entries and a clock, without the app's models (``status --cached`` and
``statusline``).

"Account" here is what one sign-in sees of one organization: the metered account
(``account``: a named account's id, None for the default one) and the organization (else
the e-mail). Two metered accounts in one Team organization are two views, never one.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any, Final, NamedTuple

from claude_meter.core.display import ROUTE_LABELS
from claude_meter.readings.store import Entry, parse_time

#: A figure older than this is marked with its age.
OLD: Final = timedelta(minutes=10)
#: The windows every line starts with, in this order.
HEADLINE: Final = ("five_hour", "seven_day")


class Row(NamedTuple):
    """One window of one account: its figures, the route they came from and when."""

    key: str
    label: str
    percent: float | None
    resets_at: datetime | None
    source: str
    read_at: datetime


class Extra(NamedTuple):
    percent: float | None
    used_credits: float | None
    monthly_limit: float | None
    currency: str | None
    decimal_places: int
    source: str
    read_at: datetime


class AccountView(NamedTuple):
    """What is known of one account, from every route."""

    name: str
    org_uuid: str | None
    rows: tuple[Row, ...]
    extra: Extra | None
    read_at: datetime  # the newest reading of any route
    error: str | None  # the newest route's error, when it failed
    #: The metered account (a named account's id; None: the default one).
    account: str | None = None


def entry_account(entry: Entry) -> str | None:
    """The metered account an entry names; absent, null or not text: the default one."""
    account = entry.get("account")
    return account if isinstance(account, str) and account else None


def account_key(entry: Entry) -> str:
    """Which view an entry belongs to: its metered account and organization (else e-mail)."""
    who = str(entry.get("org_uuid") or entry.get("account_email") or "-")
    account = entry_account(entry)
    return f"{who}@{account}" if account else who


def accounts(entries: Iterable[Entry]) -> list[AccountView]:
    """Per metered account and organization (else e-mail), newest first; entries newest
    first."""
    grouped: dict[str, list[Entry]] = {}
    for entry in entries:
        grouped.setdefault(account_key(entry), []).append(entry)
    views = [_account(group) for group in grouped.values()]
    return sorted((v for v in views if v is not None), key=lambda v: v.read_at, reverse=True)


def _account(group: Sequence[Entry]) -> AccountView | None:
    rows: dict[str, Row] = {}
    extra: Extra | None = None
    newest = group[0]
    read_at = parse_time(newest.get("read_at"))
    if read_at is None:
        return None
    for entry in group:  # newest first: the first entry with a window wins it
        when = parse_time(entry.get("read_at"))
        source = str(entry.get("source"))
        if when is None:
            continue
        for window in entry.get("windows") or ():
            row = _row(window, source, when)
            if row is not None and row.key not in rows:
                rows[row.key] = row
        if extra is None and isinstance(entry.get("extra_usage"), dict):
            extra = _extra(entry["extra_usage"], source, when)
    ordered = [rows.pop(k) for k in HEADLINE if k in rows] + list(rows.values())
    name = next((str(e[k]) for e in group for k in ("org_name", "account_email") if e.get(k)), "")
    error = newest.get("error")
    message = error.get("message") if isinstance(error, dict) else None
    return AccountView(
        name=name or "Claude",
        org_uuid=_text(newest.get("org_uuid")),
        rows=tuple(ordered),
        extra=extra,
        read_at=read_at,
        error=message if isinstance(message, str) else None,
        account=entry_account(newest),
    )


def _row(window: Any, source: str, when: datetime) -> Row | None:
    if not isinstance(window, dict) or not isinstance(window.get("key"), str):
        return None
    return Row(
        key=window["key"],
        label=str(window.get("label") or window["key"]),
        percent=number(window.get("percent")),
        resets_at=parse_time(window.get("resets_at")),
        source=source,
        read_at=when,
    )


def _extra(raw: dict[str, Any], source: str, when: datetime) -> Extra:
    places = raw.get("decimal_places")
    return Extra(
        percent=number(raw.get("percent")),
        used_credits=number(raw.get("used_credits")),
        monthly_limit=number(raw.get("monthly_limit")),
        currency=_text(raw.get("currency")),
        decimal_places=places if isinstance(places, int) and 0 <= places <= 6 else 2,
        source=source,
        read_at=when,
    )


def number(value: object) -> float | None:
    """A JSON number as a float; booleans, NaN, infinities (``Infinity``, ``1e999``), integers
    too large for a float and anything else are None."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        result = float(value)
    except OverflowError:
        return None
    return result if math.isfinite(result) else None


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def short_label(row: Row) -> str:
    """``5h``, ``7d``, ``Opus``: what a one-line meter calls a window."""
    if row.key == "five_hour":
        return "5h"
    if row.key == "seven_day":
        return "7d"
    return row.label.split("·")[-1].strip() or row.key


def short_age(moment: datetime, now: datetime) -> str:
    """``40s``, ``12m``, ``3h``, ``2d`` old."""
    seconds = max(0, int((now - moment).total_seconds()))
    for size, unit in ((86400, "d"), (3600, "h"), (60, "m")):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def provenance(source: str, read_at: datetime, now: datetime) -> str:
    """``Claude Code's status line, 2m ago``: where a figure came from and how old it is."""
    return f"{ROUTE_LABELS.get(source, source)}, {short_age(read_at, now)} ago"
