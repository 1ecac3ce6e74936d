"""The columns of an exported reading, shared by ``history --csv/--json`` and the History
window's "Save CSV": ``time,org,window,percent,resets_at,event,account`` (see the README).
``account`` came last, with accounts: a column is only ever added at the end (``history``
adds ``account_id`` after these, ``cli/history.py``; the window's Save CSV does not yet)."""

from typing import Final

EXPORT_COLUMNS: Final = ("time", "org", "window", "percent", "resets_at", "event", "account")
