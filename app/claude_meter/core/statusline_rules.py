"""How Claude Code's status line readings join the meter's other routes.

Claude Code hands its status line the session and weekly windows of its account, for free,
after each turn (``cli/statusline.py``); the tray reads them from the shared last-readings
file. Such a reading knows two windows, so it is laid over what the meter knows of the same
organization: its windows replace theirs, the others (per-model caps) and extra usage stay,
each kept window marked with the route and time it was read (``UsageWindow.read_via`` and
``read_at``), which the popover shows. While it is fresh (``BRIDGE_FRESH``, 2 minutes) it
covers its organization like a fresh extension snapshot: the app skips its own poll when
every organization it knows is covered (``core/bridge_rules.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import msgspec

from claude_meter.core.models import FetchResult, Snapshot, UsageWindow

STATUSLINE: Final = "claude-code-statusline"


def overlay(current: Sequence[Snapshot], incoming: FetchResult) -> FetchResult:
    """The status line's result, each snapshot completed with the windows and extra usage
    the meter holds for its organization from other routes."""
    by_org = {s.org_uuid: s for s in current if s.org_uuid is not None}
    laid = tuple(_laid(by_org.get(s.org_uuid), s) if s.org_uuid else s for s in incoming.snapshots)
    return msgspec.structs.replace(incoming, snapshots=laid)


def _laid(base: Snapshot | None, fresh: Snapshot) -> Snapshot:
    if base is None:
        return fresh
    new = {w.key: w for w in fresh.windows}
    windows = [new.pop(w.key) if w.key in new else _carried(w, base) for w in base.windows]
    windows.extend(new.values())
    return msgspec.structs.replace(
        fresh,
        windows=tuple(windows),
        extra_usage=fresh.extra_usage or base.extra_usage,
        spend=fresh.spend or base.spend,
        org_name=fresh.org_name or base.org_name,
        account_email=fresh.account_email or base.account_email,
        plan=fresh.plan or base.plan,
    )


def _carried(window: UsageWindow, base: Snapshot) -> UsageWindow:
    if window.read_via is not None:  # carried before: it keeps its own route and time
        return window
    return msgspec.structs.replace(window, read_via=base.source, read_at=base.fetched_at)
