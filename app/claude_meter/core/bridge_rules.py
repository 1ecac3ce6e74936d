"""How the browser extension's snapshots and the app's own fetches share one meter.

The extension reads claude.ai inside the browser (its cookies, its fingerprint: no Cloudflare
check, no cookie decryption), so while it reports an organization the app need not read that
organization itself. These rules are pure functions of snapshots, times and a flag, so the
live meter (``poll/live.py``) only has to call them:

- :func:`covered_orgs`: the organizations the extension read *successfully* less than
  :data:`BRIDGE_FRESH` ago. An error from the extension covers nothing: the app's own route
  (another session, Claude Code) may still work for that organization.
- :func:`own_fetch_needed`: the app skips its own poll when the extension covers every
  organization it knows, except when the person asked for it ("Refresh now").
- and the merge itself, :func:`claude_meter.core.meter.apply_result` with the covered
  organizations: each source reports only what it read, so neither wipes the other's
  organizations, and a failure of one route never marks the other route's fresh numbers
  stale.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Final

from claude_meter.core.models import FetchResult

#: A bridge snapshot younger than this covers its organization.
BRIDGE_FRESH: Final = timedelta(minutes=2)


def covered_orgs(
    bridge_seen: Mapping[str, datetime], now: datetime, fresh: timedelta = BRIDGE_FRESH
) -> frozenset[str]:
    """Organizations whose last good bridge snapshot (``org -> fetched_at``) is fresh.

    A time in the future (a clock step backwards) counts as fresh only up to ``fresh`` ahead,
    so a bad clock cannot silence the app's own fetch for long.
    """
    return frozenset(org for org, seen in bridge_seen.items() if abs(now - seen) < fresh)


def good_bridge_orgs(result: FetchResult) -> dict[str, datetime]:
    """``org -> fetched_at`` for the organizations a bridge result read without error."""
    if result.error is not None:
        return {}
    return {
        s.org_uuid: s.fetched_at
        for s in result.snapshots
        if s.org_uuid is not None and s.error is None
    }


def own_fetch_needed(
    known_orgs: Iterable[str | None], covered: frozenset[str], forced: bool
) -> bool:
    """Whether the app reads claude.ai itself on this poll.

    It does when asked to ("Refresh now"), when the extension covers nothing, and when the
    app knows an organization the extension does not cover (the app cannot read one
    organization alone: the organization list comes first).
    """
    if forced or not covered:
        return True
    return any(org is None or org not in covered for org in known_orgs)
