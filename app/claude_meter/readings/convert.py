"""The app's models to last-readings entries and back, and the writers' one call.

Writers (tray, ``status``, ``bridge``) hold :class:`~claude_meter.core.models.Snapshot`s;
:func:`remember` stores a result's snapshots and never raises: a reading is never worth a
crash, a failure is one log line. The tray reads the statusline's entries back as snapshots
(:func:`snapshot_of`) to put them through the live meter like any reading.
"""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path

from claude_meter.core import validation
from claude_meter.core.account_names import is_account_id
from claude_meter.core.models import FetchResult, Snapshot, UsageWindow
from claude_meter.readings.store import Entry, StoreUnreadable, iso, parse_time, record

log = logging.getLogger("claude_meter.readings")

#: Not stored by :func:`remember`: the demo's readings are not the person's, and the status
#: line writes its own (a snapshot the meter laid over other routes is not one reading).
_NOT_STORED = frozenset({"demo", "claude-code-statusline"})


def entry_of(snapshot: Snapshot) -> Entry:
    """One snapshot as a stored entry (no secret is in a snapshot, none is in an entry)."""
    extra = snapshot.extra_usage
    entry: Entry = {
        "source": snapshot.source,
        "account": snapshot.account,  # None: the default account (docs/last-readings.md)
        "org_uuid": snapshot.org_uuid,
        "org_name": snapshot.org_name,
        "account_email": snapshot.account_email,
        "plan": snapshot.plan,
        "read_at": iso(snapshot.fetched_at),
        "windows": [
            {
                "key": w.key,
                "label": w.label,
                "percent": w.percent,
                "resets_at": iso(w.resets_at) if w.resets_at else None,
            }
            for w in snapshot.windows
        ],
        "extra_usage": None,
        "error": None,
    }
    if extra is not None and extra.is_enabled is not False:
        entry["extra_usage"] = {
            "percent": extra.percent,
            "used_credits": extra.used_credits,
            "monthly_limit": extra.monthly_limit,
            "currency": extra.currency,
            "decimal_places": extra.decimal_places,
        }
    if snapshot.error is not None:
        entry["error"] = {"kind": snapshot.error.kind, "message": snapshot.error.message}
        if snapshot.stale:
            entry["windows"] = []  # the store keeps the last good numbers of this key itself
    return entry


def remember(result: FetchResult, now: datetime, path: Path | None = None) -> None:
    """Store the result's snapshots in the shared file; failures are logged, never raised."""
    if result.source in _NOT_STORED:
        return
    entries = [entry_of(s) for s in result.snapshots if s.source not in _NOT_STORED]
    try:
        record(entries, now, path)
    except StoreUnreadable as exc:  # left as it is: nothing else will ever replace it
        log.warning(
            "could not store the last readings: %s; make it readable for you, or remove it, "
            "and the next reading writes a new one (status bars and `status --cached` show "
            "nothing new until then)",
            exc,
        )
    except OSError as exc:  # the folder: not writable (a read-only home), no space
        where = exc.filename or path or "the state folder"
        log.warning(
            "could not store the last readings (%s: %s): they need a folder there that you can "
            "write to (status bars and `status --cached` show nothing new until then)",
            where,
            exc.strerror or type(exc).__name__,
        )


def snapshot_of(entry: Entry) -> Snapshot | None:
    """A stored entry as a snapshot again; None for an entry that does not make one."""
    read_at = parse_time(entry.get("read_at"))
    if read_at is None or not isinstance(entry.get("source"), str):
        return None
    windows = []
    for raw in entry.get("windows") or ():
        if isinstance(raw, dict) and isinstance(raw.get("key"), str):
            percent = raw.get("percent")
            windows.append(
                UsageWindow(
                    key=raw["key"],
                    label=str(raw.get("label") or raw["key"]),
                    percent=float(percent) if isinstance(percent, int | float) else None,
                    resets_at=parse_time(raw.get("resets_at")),
                )
            )
    extra = entry.get("extra_usage")
    error = entry.get("error")
    try:  # a source, an extra or an error this app does not know: no snapshot
        return validation.parse(
            {
                "source": entry["source"],
                "org_uuid": _text(entry.get("org_uuid")),
                "org_name": _text(entry.get("org_name")),
                "account_email": _text(entry.get("account_email")),
                "plan": _text(entry.get("plan")),
                "fetched_at": read_at,
                "account": _account(entry.get("account")),
                "windows": windows,
                "extra_usage": extra if isinstance(extra, dict) else None,
                "error": error if isinstance(error, dict) else None,
            },
            Snapshot,
        )
    except validation.Invalid:
        return None


def _account(value: object) -> str | None:
    """The metered account an entry names (an account id); anything else is the default."""
    if isinstance(value, str) and is_account_id(value):
        return value
    return None


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None
