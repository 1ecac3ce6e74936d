"""Snapshots for history tests, built the way the clients build them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from claude_meter.core.models import FetchError, Snapshot, UsageWindow
from claude_meter.history import HistoryStore

ORG = "5c2a7f10-0000-4000-8000-000000000001"
OTHER_ORG = "7e1b0c22-0000-4000-8000-000000000002"
#: A named account metered beside the default one, a member of the same Team organization.
WORK = "work"
T0 = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
SESSION_RESET = T0 + timedelta(hours=4)
WEEK_RESET = T0 + timedelta(days=3)
MIN = timedelta(minutes=1)


def snapshot(
    at: datetime,
    five: float | None = 10.0,
    week: float | None = 40.0,
    *,
    org: str | None = ORG,
    account: str | None = None,
    session_reset: datetime | None = SESSION_RESET,
    week_reset: datetime | None = WEEK_RESET,
    error: bool = False,
    stale: bool = False,
) -> Snapshot:
    return Snapshot(
        source="web",
        account=account,
        org_uuid=org,
        fetched_at=at,
        windows=(
            UsageWindow(
                key="five_hour", label="Session (5h)", percent=five, resets_at=session_reset
            ),
            UsageWindow(
                key="seven_day", label="Weekly · all models", percent=week, resets_at=week_reset
            ),
        ),
        error=FetchError(kind="network", message="offline") if error else None,
        stale=stale,
    )


def percents(
    store: HistoryStore, key: str = "five_hour", org: str = ORG, *, account: str | None = None
) -> list[float]:
    since = T0 - timedelta(days=365)
    return [s.percent for s in store.samples(org, key, since, account=account)]
