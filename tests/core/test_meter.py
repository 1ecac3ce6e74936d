"""The meter state never loses the last good numbers; the icon indicator per state."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from claude_meter.core.meter import MeterState, apply_result, icon_text, indicator
from claude_meter.core.models import ExtraUsage, FetchError, FetchResult, Snapshot, UsageWindow

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
INTERVAL = timedelta(seconds=60)


def window(key: str, percent: float | None) -> UsageWindow:
    return UsageWindow(key=key, label=key, percent=percent)


def ok(at: datetime, *percents: float, org: str = "o1") -> FetchResult:
    snapshot = Snapshot(
        source="web",
        org_uuid=org,
        fetched_at=at,
        windows=tuple(window(f"w{i}", p) for i, p in enumerate(percents)),
    )
    return FetchResult(source="web", fetched_at=at, snapshots=(snapshot,))


def failed(at: datetime, kind: str) -> FetchResult:
    return FetchResult(source="web", fetched_at=at, error=FetchError(kind=kind, message=kind))


def org_failed(at: datetime, kind: str, org: str = "o1") -> FetchResult:
    snapshot = Snapshot(
        source="web", org_uuid=org, fetched_at=at, error=FetchError(kind=kind, message=kind)
    )
    return FetchResult(source="web", fetched_at=at, snapshots=(snapshot,))


def test_first_fetch_then_numbers() -> None:
    state = MeterState()
    assert indicator(state, NOW, INTERVAL).kind == "loading"
    state = apply_result(state, ok(NOW, 37, 64))
    shown = indicator(state, NOW, INTERVAL)
    assert (shown.kind, shown.text, shown.grade.name) == ("number", "64", "warn")


def test_whole_poll_failure_keeps_numbers_marked_stale() -> None:
    state = apply_result(MeterState(), ok(NOW, 37, 64))
    state = apply_result(state, failed(NOW + INTERVAL, "network"))
    assert [w.percent for w in state.snapshots[0].windows] == [37, 64]
    assert state.snapshots[0].stale
    assert state.snapshots[0].error is not None
    assert state.last_success == NOW
    shown = indicator(state, NOW + INTERVAL, INTERVAL)
    assert (shown.kind, shown.text) == ("stale", "64")


def test_org_failure_keeps_that_orgs_numbers() -> None:
    state = apply_result(MeterState(), ok(NOW, 90))
    state = apply_result(state, org_failed(NOW + INTERVAL, "unexpected"))
    assert state.snapshots[0].windows[0].percent == 90
    assert state.snapshots[0].stale
    assert state.snapshots[0].error is not None
    state = apply_result(state, ok(NOW + 2 * INTERVAL, 91))
    assert not state.snapshots[0].stale
    assert indicator(state, NOW + 2 * INTERVAL, INTERVAL).kind == "number"


def test_old_numbers_turn_stale_after_three_intervals() -> None:
    state = apply_result(MeterState(), ok(NOW, 10))
    assert indicator(state, NOW + 3 * INTERVAL, INTERVAL).kind == "number"
    assert indicator(state, NOW + 3 * INTERVAL + timedelta(seconds=1), INTERVAL).kind == "stale"


def test_not_signed_in_error_and_expired() -> None:
    state = apply_result(MeterState(), failed(NOW, "not_signed_in"))
    assert indicator(state, NOW, INTERVAL).kind == "not_signed_in"
    state = apply_result(MeterState(), failed(NOW, "server"))
    assert (indicator(state, NOW, INTERVAL).kind, indicator(state, NOW, INTERVAL).text) == (
        "error",
        "!",
    )
    # Expired after numbers were seen: keep the numbers (stale); the popover says why.
    state = apply_result(apply_result(MeterState(), ok(NOW, 50)), failed(NOW, "session_expired"))
    assert not state.signed_in
    assert indicator(state, NOW, INTERVAL).kind == "stale"


def test_extra_usage_only_plans_show_the_credit_percent() -> None:
    snapshot = Snapshot(
        source="web", org_uuid="e", fetched_at=NOW, extra_usage=ExtraUsage(percent=43.2)
    )
    state = apply_result(
        MeterState(), FetchResult(source="web", fetched_at=NOW, snapshots=(snapshot,))
    )
    assert indicator(state, NOW, INTERVAL).text == "43"


def test_icon_text_fits() -> None:
    assert [icon_text(p) for p in (None, 0, 7.9, 64, 99.99, 100, 104, 12345, -3)] == [
        "?",
        "0",
        "7",
        "64",
        "99",
        "100",
        "104",
        "999",
        "0",
    ]
