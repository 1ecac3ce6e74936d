"""What the meter shows, as a pure reduction of fetch results over time.

:func:`apply_result` merges one :class:`FetchResult`, from any source, into the
:class:`MeterState`, in one pass. It never loses what the person already saw: an
organization whose fetch failed keeps its last good windows, marked stale and carrying the
error; a poll that failed as a whole marks every known organization that way.
:func:`indicator` turns the state into what the tray icon draws.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Final, Literal

import msgspec

from claude_meter.core.display import remaining
from claude_meter.core.errors import SIGN_IN_KINDS
from claude_meter.core.grades import UNKNOWN, Grade, grade_for
from claude_meter.core.models import FetchError, FetchResult, Snapshot
from claude_meter.core.statusline_rules import STATUSLINE
from claude_meter.core.worst import worst_of

#: Numbers older than this many poll intervals are drawn dimmed as stale.
STALE_AFTER_INTERVALS = 3


@dataclass(frozen=True)
class MeterState:
    """Everything the tray knows: last good snapshot per organization and the last outcome."""

    snapshots: tuple[Snapshot, ...] = ()
    error: FetchError | None = None  # the whole last poll failed
    last_success: datetime | None = None
    last_attempt: datetime | None = None
    fetching: bool = False
    signed_in: bool = True

    @property
    def has_numbers(self) -> bool:
        return any(s.windows or s.extra_usage for s in self.snapshots)

    def is_stale(self, now: datetime, interval: timedelta) -> bool:
        """True when the numbers shown are older than :data:`STALE_AFTER_INTERVALS` polls."""
        if self.last_success is None:
            return False
        return now - self.last_success > interval * STALE_AFTER_INTERVALS


#: Sources that report only the organizations they read (the browser extension, Claude
#: Code's status line): the others stay as they are.
PARTIAL_SOURCES: Final = frozenset({"extension", STATUSLINE})


def apply_result(
    state: MeterState, result: FetchResult, covered: frozenset[str] = frozenset()
) -> MeterState:
    """Fold one reading, from any source, into the state: the one merge.

    It never loses what the person already saw: an organization whose reading failed keeps
    its last good windows, marked stale and carrying the error; a poll that failed as a
    whole marks every known organization that way. The sources share the state per
    organization (see ``core/bridge_rules.py`` for why):

    - the browser extension and Claude Code's status line (:data:`PARTIAL_SOURCES`) report
      only what they read: the other organizations stay as they are, and a whole-poll
      failure is shown only while there are no numbers at all (otherwise the state is
      returned unchanged);
    - the app's own poll never replaces the numbers of a ``covered`` organization (read well
      by the extension moments ago) with a failure, keeps a covered organization it did not
      list, and its whole-poll failure marks only the uncovered ones.
    """
    partial = result.source in PARTIAL_SOURCES
    if partial and result.error is not None and state.has_numbers:
        return state
    if result.error is not None and not (covered and not partial):
        kept = tuple(
            msgspec.structs.replace(s, stale=True, error=result.error) for s in state.snapshots
        )
        return replace(
            state,
            snapshots=kept,
            error=result.error,
            last_attempt=result.fetched_at,
            fetching=False,
            signed_in=result.error.kind not in SIGN_IN_KINDS,
        )
    previous = {s.org_uuid: s for s in state.snapshots}
    merged: list[Snapshot] = []
    any_good = False
    for snapshot in _reported(state.snapshots, result, covered):
        old = previous.get(snapshot.org_uuid)
        if snapshot.error is not None and old is not None and (old.windows or old.extra_usage):
            merged.append(
                msgspec.structs.replace(old, stale=True, error=snapshot.error)
            )  # keep the numbers the person saw, say why they are old
        else:
            any_good = any_good or snapshot.error is None
            merged.append(snapshot)
    return replace(
        state,
        snapshots=tuple(merged),
        error=None,
        last_success=result.fetched_at if any_good else state.last_success,
        last_attempt=result.fetched_at,
        fetching=False,
        signed_in=not merged
        or not all(s.error is not None and s.error.kind in SIGN_IN_KINDS for s in merged),
    )


def _reported(
    current: Sequence[Snapshot], result: FetchResult, covered: frozenset[str]
) -> list[Snapshot]:
    """Each organization's snapshot from this reading, in order, before the last-good rule."""
    if result.source in PARTIAL_SOURCES:
        reported = {s.org_uuid: s for s in result.snapshots}
        shown = [reported.pop(s.org_uuid, s) for s in current]
        return shown + [s for s in result.snapshots if s.org_uuid in reported]
    if not covered:
        return list(result.snapshots)
    kept: dict[str | None, Snapshot] = {s.org_uuid: s for s in current if s.org_uuid in covered}
    if result.error is not None:  # a whole failure reaches only the uncovered organizations
        failed = [msgspec.structs.replace(s, error=result.error) for s in current]
        return [*kept.values(), *(s for s in failed if s.org_uuid not in covered)]
    own: list[Snapshot] = []
    for snapshot in result.snapshots:
        extension = kept.pop(snapshot.org_uuid, None)
        broken = snapshot.error is not None
        own.append(extension if extension is not None and broken else snapshot)
    return own + list(kept.values())


IndicatorKind = Literal["number", "not_signed_in", "loading", "error", "stale"]


@dataclass(frozen=True)
class Indicator:
    """What the tray icon shows: a kind, the text (2-3 characters) and the grade colour."""

    kind: IndicatorKind
    text: str
    grade: Grade
    percent: float | None = None


def indicator(
    state: MeterState, now: datetime, interval: timedelta, *, show_remaining: bool = False
) -> Indicator:
    """The icon for a state. Order: no sign-in, first fetch, numbers (maybe stale), error.

    With ``show_remaining`` the text is what is left (``100 - percent``); the grade and
    ``percent`` stay those of the percent used.
    """
    figure = remaining if show_remaining else _used
    worst = worst_of(state.snapshots)
    stale = state.is_stale(now, interval) or any(s.stale for s in state.snapshots)
    if worst is not None:
        percent = worst[1].percent
        return Indicator(
            "stale" if stale else "number", icon_text(figure(percent)), grade_for(percent), percent
        )
    if not state.signed_in:
        return Indicator("not_signed_in", "–", UNKNOWN)
    if state.last_attempt is None:
        return Indicator("loading", "…", UNKNOWN)
    if state.error is not None or any(s.error for s in state.snapshots):
        return Indicator("error", "!", UNKNOWN)
    extra = [s.extra_usage.percent for s in state.snapshots if s.extra_usage]
    known = [p for p in extra if p is not None]
    if known:  # credit-based plans have no windows, only extra usage
        percent = max(known)
        return Indicator(
            "stale" if stale else "number", icon_text(figure(percent)), grade_for(percent), percent
        )
    return Indicator("number", "–", UNKNOWN)


def _used(percent: float | None) -> float | None:
    return percent


def icon_text(percent: float | None) -> str:
    """At most three characters: ``7``, ``64``, ``100``; unknown is ``?``."""
    if percent is None:
        return "?"
    shown = int(percent + 1e-9)
    return str(min(max(shown, 0), 999))
