"""The columns of an exported reading, shared by ``history --csv/--json`` and the History
window's "Save CSV": ``time,org,window,percent,resets_at,event,account`` (see the README).
``account`` came last, with accounts, and ``account_id`` (the account's id, which a rename
leaves alone) after it: a column is only ever added at the end."""

from typing import Final

EXPORT_COLUMNS: Final = (
    "time",
    "org",
    "window",
    "percent",
    "resets_at",
    "event",
    "account",
    "account_id",
)
