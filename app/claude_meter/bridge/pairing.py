"""Pairing: which browser extensions may post to the bridge, and the window to add one.

The person opens a two-minute window ("Pair browser extension" in the app, or
``claude-meter bridge --pair``); during it each extension that asks gets its own random
token, bound to its origin, so several browsers can pair and each can be told apart. Outside
the window nobody can pair. Tokens live in the OS keyring (entry ``bridge pairing token`` of
the ``claude-meter`` service) and in memory only for this run when no keyring is usable; the
extension then simply pairs again next time.

Tokens are :class:`~claude_meter.core.secret.Secret` everywhere but on the wire and in the
keyring, and are compared with :func:`hmac.compare_digest` against every stored token.

A working token is never pushed out. Any local process can ask to pair during the window and
forge any extension's ``Origin``, so: each window the person opens admits at most
:data:`PAIRINGS_PER_WINDOW` pairings, and once :data:`MAX_PAIRED` extensions are paired a new
pairing is refused, with a reason, until the person forgets them (``claude-meter bridge
--forget``). A pairing is always a new token, even for an origin already paired: replacing
that origin's token would let a forged ``Origin`` evict the real extension as well.
"""

from __future__ import annotations

import hmac
import json
import logging
import secrets
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Final, Literal

import msgspec

from claude_meter.core import json_input
from claude_meter.core.secret import Secret
from claude_meter.core.server_time import EARLIEST, parse_iso
from claude_meter.sources.keyring_store import BRIDGE_ENTRY, SessionStore
from claude_meter.sources.session_cache import read_stamp, stamp_path

log = logging.getLogger("claude_meter.bridge.pairing")

PAIRING_WINDOW: Final = timedelta(minutes=2)
TOKEN_BYTES: Final = 32  # 256 bits
#: At most this many tokens are kept; past it a pairing is refused, none is forgotten.
MAX_PAIRED: Final = 16
#: Pairings one opened window admits (a person pairs one or two browsers at a time).
PAIRINGS_PER_WINDOW: Final = 4

#: Why a pairing was refused, for the bridge's answer and log.
PAIR_REFUSALS: Final = {
    "closed": "pairing is closed",
    "window_used": (
        f"this pairing window already paired {PAIRINGS_PER_WINDOW} extensions; "
        "open it again to pair more"
    ),
    "full": (
        f"{MAX_PAIRED} extensions are paired already; forget them first "
        "(claude-meter bridge --forget, or Forget paired browsers in the settings)"
    ),
}

TokenCheck = Literal["ok", "unknown", "other_origin"]
_NOT_READ: Final = object()
#: A keyring that could not be read is asked again after this long, not at every request.
RETRY_AFTER_FAILURE: Final = timedelta(minutes=1)


def _now() -> datetime:
    return datetime.now(UTC)


class PairedBrowser(msgspec.Struct, frozen=True):
    """One paired extension: its token, the origin it paired from, and when."""

    token: Secret
    origin: str
    paired_at: datetime


class Pairing:
    """The pairing window and the tokens of the paired extensions; safe across threads.

    ``store`` is the keyring store (None: memory only, for tests and ``--no-keyring`` runs).
    """

    def __init__(
        self,
        store: SessionStore | None = None,
        *,
        clock: Callable[[], datetime] = _now,
        window: timedelta = PAIRING_WINDOW,
    ) -> None:
        self._store = store
        self._clock = clock
        self._window = window
        self._lock = threading.Lock()
        self._open_until: datetime | None = None
        self._paired_in_window = 0
        self._stamp_path = stamp_path(BRIDGE_ENTRY) if store is not None else None
        # The tokens are read on first use, not here: the app builds this on its GUI thread,
        # and a keyring read may wait for an unlock prompt. ``_keyring`` orders the reads and
        # writes (always taken before ``_lock``).
        self._keyring = threading.Lock()
        self._stamp: object = _NOT_READ  # a stamp (str or None) once read
        self._retry_at = 0.0  # after a failed read, not before this (monotonic)
        self._paired: list[PairedBrowser] = []
        self.problem: str | None = None  # why tokens are not kept in the keyring, once known

    # -- the window ---------------------------------------------------------------------

    def open_window(self) -> datetime:
        """Open (or extend) the pairing window; returns when it closes."""
        with self._lock:
            self._open_until = self._clock() + self._window
            self._paired_in_window = 0
            return self._open_until

    def close_window(self) -> None:
        with self._lock:
            self._open_until = None

    def window_open(self) -> bool:
        with self._lock:
            return self._is_open()

    def _is_open(self) -> bool:
        return self._open_until is not None and self._clock() < self._open_until

    # -- tokens -------------------------------------------------------------------------

    def pair(self, origin: str) -> Secret | None:
        """A fresh token for ``origin``; None when refused (see :meth:`try_pair`)."""
        got = self.try_pair(origin)
        return got if isinstance(got, Secret) else None

    def try_pair(self, origin: str) -> Secret | str:
        """A fresh token for ``origin``, or the key in :data:`PAIR_REFUSALS` saying why not."""
        with self._keyring:
            self._read_if_changed()
            with self._lock:
                if not self._is_open():
                    return "closed"
                if self._paired_in_window >= PAIRINGS_PER_WINDOW:
                    return "window_used"
                if len(self._paired) >= MAX_PAIRED:
                    return "full"
                token = Secret(secrets.token_urlsafe(TOKEN_BYTES))
                self._paired.append(PairedBrowser(token, origin, self._clock()))
                self._paired_in_window += 1
                paired = list(self._paired)
            self._save(paired)  # outside ``_lock``: checks and the window go on meanwhile
            return token

    def check(self, token: str, origin: str) -> TokenCheck:
        """Whether ``token`` was given to ``origin``; every stored token is compared."""
        presented = token.encode("utf-8", "replace")
        found: PairedBrowser | None = None
        self._reload_if_changed()
        with self._lock:
            for paired in self._paired:
                if hmac.compare_digest(presented, paired.token.reveal().encode()):
                    found = paired
        if found is None:
            return "unknown"
        return "ok" if hmac.compare_digest(found.origin, origin) else "other_origin"

    def paired(self) -> tuple[tuple[str, datetime], ...]:
        """``(origin, paired_at)`` of each paired extension; never the tokens."""
        self._reload_if_changed()
        with self._lock:
            return tuple((p.origin, p.paired_at) for p in self._paired)

    def forget(self) -> int:
        """Forget every paired extension (they must pair again); how many there were."""
        with self._keyring:
            self._read_if_changed()
            with self._lock:
                count, self._paired = len(self._paired), []
            if self._store is not None and self._store.remove_entry(BRIDGE_ENTRY):
                self._stamp = _NOT_READ  # read back at the next use (see ``_save``)
            return count

    # -- the keyring --------------------------------------------------------------------

    def _reload_if_changed(self) -> None:
        """Read the tokens on first use, and again when another process changed them."""
        if self._stamp_path is None or self._current():
            return
        with self._keyring:
            self._read_if_changed()

    def _current(self) -> bool:
        """Whether what we hold is what the keyring holds, as far as the stamp tells; a read
        that failed counts as current until :data:`RETRY_AFTER_FAILURE` has passed."""
        assert self._stamp_path is not None
        if self._stamp is _NOT_READ:
            return time.monotonic() < self._retry_at
        return read_stamp(self._stamp_path) == self._stamp

    def _read_if_changed(self) -> None:
        """The read itself; the caller holds ``_keyring``."""
        if self._stamp_path is None or self._current():
            return
        stamp = read_stamp(self._stamp_path)  # before the read: a change during it counts
        if self._stamp is not _NOT_READ:
            log.info("the paired browsers changed in another ClaudeMeter process")
        paired = self._load()
        with self._lock:
            if paired is None:  # locked, unreachable: keep what we have, ask again later
                self._retry_at = time.monotonic() + RETRY_AFTER_FAILURE.total_seconds()
                return
            self._paired, self._stamp = paired, stamp

    def _load(self) -> list[PairedBrowser] | None:
        """The stored tokens; None when the keyring could not be read."""
        assert self._store is not None
        ok, text = self._store.read_entry(BRIDGE_ENTRY)
        if not ok:
            return None
        if not text:
            return []
        try:
            items = json_input.loads(text)
            return [
                PairedBrowser(
                    Secret(str(item["token"])),
                    str(item["origin"]),
                    parse_iso(str(item["paired_at"])) or EARLIEST,  # guarded like any stored time
                )
                for item in items
            ][-MAX_PAIRED:]
        except (ValueError, TypeError, KeyError):
            log.warning("the paired browsers stored in the keyring are unreadable; ignoring them")
            return []

    def _save(self, paired: list[PairedBrowser]) -> None:
        """Store ``paired``; the caller holds ``_keyring``.

        Never over tokens we could not read (a locked keyring at the first use): that would
        erase the other browsers' pairings, so the new one is kept for this run only. After
        our own write the tokens are read back at the next use, not taken on trust: another
        process may have written between our write and our stamp.
        """
        if self._store is None:
            return
        if self._stamp is _NOT_READ:
            self.problem = (
                "The keyring could not be read, so this pairing is remembered for this run only."
            )
            log.info("bridge token kept in memory only: the stored ones could not be read")
            return
        text = json.dumps(
            [
                {
                    "token": p.token.reveal(),
                    "origin": p.origin,
                    "paired_at": p.paired_at.isoformat(),
                }
                for p in paired
            ]
        )
        if self._store.write_entry(BRIDGE_ENTRY, text):
            self._stamp = _NOT_READ
            self._retry_at = 0.0
        else:
            self.problem = (
                "No usable keyring was found, so paired browsers are remembered for this run "
                "only; the extension pairs again next time."
            )
            log.info("bridge tokens kept in memory only: %s", self._store.problem)
