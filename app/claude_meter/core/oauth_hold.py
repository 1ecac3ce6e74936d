"""The Claude Code route's "not before" time per token, kept across restarts and programs.

``api.anthropic.com/api/oauth/usage`` answers ``429`` for hours to a client it has put in a
small bucket, often with ``Retry-After: 0`` (docs/protocol.md, "Claude Code route"). Asking
again at once only keeps it there, so after a 429 nothing is sent with that token before its
hold ends:

- the server's ``Retry-After`` when it names a time ahead (up to :data:`DEADLINE_CAP`);
- otherwise the next step of :data:`LADDER` (75 s, 3, 5, 10, 20, then every 30 minutes),
  counted from the 429s since the last answer with numbers.

A hold belongs to one token (a digest of it is the key, never the token) and lives in a small
JSON file in the state folder, so the tray, a restarted tray and ``claude-meter status`` all
honour it. "Refresh now" may send one request during a hold (:meth:`HoldStore.allow_once`);
that override is spent until a hold runs out by itself or an answer brings numbers, so
pressing it again and again sends nothing more. A hold written under a clock that has since
been set back (it began in the future) is ignored.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from datetime import datetime, timedelta
from pathlib import Path
from typing import Final, Literal

import msgspec
from msgspec.structs import force_setattr, replace

from claude_meter.core import paths, server_time, validation
from claude_meter.core.files import write_atomically
from claude_meter.core.state import file_problem, read_json

log = logging.getLogger("claude_meter.oauth_hold")

FILE_NAME: Final = "claude-code-holds.json"
LADDER: Final = tuple(timedelta(seconds=s) for s in (75, 3 * 60, 5 * 60, 10 * 60, 20 * 60, 30 * 60))
_CLOCK_SLACK: Final = timedelta(minutes=1)
_AHEAD: Final = timedelta(seconds=0.5)

Verdict = Literal["send", "override", "wait"]


class Hold(msgspec.Struct, frozen=True, kw_only=True):
    """One token's hold: until when, how many 429s in a row, and the override's state."""

    not_before: datetime
    set_at: datetime
    strikes: int = 1
    override_wanted: bool = False  # "Refresh now" asked for one request during this hold
    overridden: bool = False  # that one request was sent; no more until the hold runs out

    def __post_init__(self) -> None:
        # Both times guarded as aware UTC; out of range, the hold (so the file) is invalid
        # and ignored: a damaged file holds nothing.
        force_setattr(self, "not_before", server_time.required(self.not_before))
        force_setattr(self, "set_at", server_time.required(self.set_at))


class _Holds(msgspec.Struct, frozen=True, kw_only=True):
    holds: dict[str, Hold] = {}


def token_key(token: str) -> str:
    """The file's key for a token: a short digest, which reveals nothing of the token."""
    return hashlib.sha256(token.encode()).hexdigest()[:16]


def hold_after_429(
    previous: Hold | None, retry_at: datetime | None, now: datetime, *, overriding: bool
) -> Hold:
    """The hold after a 429: ``Retry-After`` when it is ahead, else the next ladder step.

    ``now`` is when the answer came; ``Retry-After: 0`` (a time a moment before it) is not
    "ahead", and neither is anything less than half a second away.
    """
    from claude_meter.core.policy import DEADLINE_CAP  # here: only a 429 needs the schedule's

    strikes = (previous.strikes + 1) if previous is not None else 1
    if retry_at is not None and retry_at - now >= _AHEAD:
        not_before = min(retry_at, now + DEADLINE_CAP)
    else:
        not_before = now + LADDER[min(strikes, len(LADDER)) - 1]
    return Hold(not_before=not_before, set_at=now, strikes=strikes, overridden=overriding)


def verdict(hold: Hold | None, now: datetime) -> Verdict:
    """May a request be sent now: freely, as the one override, or not at all."""
    if hold is None or now >= hold.not_before or now < hold.set_at - _CLOCK_SLACK:
        return "send"
    if hold.override_wanted and not hold.overridden:
        return "override"
    return "wait"


class HoldStore:
    """The holds file: read and written whole, atomically; a damaged file holds nothing.

    Two programs writing at once lose one write at worst, which costs one early request.
    """

    def __init__(self, path: Path | None = None) -> None:
        self._path = path
        self._lock = threading.Lock()

    @property
    def path(self) -> Path:
        return self._path or paths.state_dir() / FILE_NAME

    def get(self, key: str) -> Hold | None:
        return self._load().holds.get(key)

    def put(self, key: str, hold: Hold) -> None:
        with self._lock:
            holds = dict(self._load().holds)
            holds[key] = hold
            self._save(holds)

    def clear(self, key: str) -> None:
        with self._lock:
            holds = dict(self._load().holds)
            if holds.pop(key, None) is not None:
                self._save(holds)

    def allow_once(self) -> bool:
        """ "Refresh now": let one request through every hold whose override is unspent.

        True when a hold will let it through (the caller may then fetch at once).
        """
        with self._lock:
            holds = self._load().holds
            unspent = {k: h for k, h in holds.items() if not h.overridden}
            if not unspent:
                return False
            updated = {k: replace(h, override_wanted=True) for k, h in unspent.items()}
            self._save({**holds, **updated})
            return True

    def _load(self) -> _Holds:
        try:
            return validation.parse(read_json(self.path), _Holds)
        except FileNotFoundError:
            return _Holds()
        except (OSError, ValueError) as exc:  # msgspec's errors are ValueErrors
            log.warning(
                "could not read Claude Code's rate-limit waits in %s (%s); going on without "
                "them, so a request may go out before a wait the server asked for is over",
                self.path,
                file_problem(exc),
            )
            return _Holds()

    def _save(self, holds: dict[str, Hold]) -> None:
        data = validation.as_json_data(_Holds(holds=holds))
        try:
            write_atomically(self.path, json.dumps(data, indent=1))
        except OSError as exc:
            log.warning(
                "could not save Claude Code's rate-limit wait to %s (%s); without it, a poll "
                "may ask again before the wait is over",
                self.path,
                file_problem(exc),
            )
