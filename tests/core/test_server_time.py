"""The one guarded notion of an outside time (issue 16, findings 1 and 4)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from claude_meter.core import validation
from claude_meter.core.models import FetchError, UsageWindow
from claude_meter.core.server_time import (
    EARLIEST,
    LATEST,
    from_epoch,
    parse_http_date,
    parse_iso,
    within_range,
)

pytestmark = pytest.mark.fuzz

offsets = st.timedeltas(
    min_value=-timedelta(hours=23, minutes=59), max_value=timedelta(hours=23, minutes=59)
)
any_moment = st.builds(
    lambda moment, offset: moment.replace(tzinfo=timezone(offset)),
    st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59, 59)),
    offsets,
)


@given(any_moment)
def test_any_moment_is_in_range_or_unknown_and_safe_to_compute_with(moment: datetime) -> None:
    kept = within_range(moment)
    for parsed in (kept, parse_iso(moment.isoformat()), parse_iso(moment)):
        assert parsed == kept
    if kept is None:
        return
    assert EARLIEST <= kept <= LATEST
    assert kept.tzinfo is UTC
    (kept + timedelta(days=3650)).astimezone()  # the sums the app does stay representable
    (kept - timedelta(days=3650)).astimezone()
    kept.timestamp()


@given(st.text(max_size=60))
def test_any_text_parses_or_is_unknown(text: str) -> None:
    parse_iso(text)
    parse_http_date(text)


@given(
    st.integers(-(10**400), 10**400) | st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([1, 1000, 1_000_000]),
    st.booleans(),
)
def test_any_count_since_1970_is_a_time_or_unknown(
    count: float, per_second: int, clamp: bool
) -> None:
    moment = from_epoch(count, per_second=per_second, clamp=clamp)
    if clamp and count == count:  # not NaN: an expiry always has a time, clamped
        assert moment is not None
    if moment is not None:
        assert EARLIEST <= moment <= LATEST


def test_the_models_guard_their_outside_dates_on_construction() -> None:
    never = datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)
    assert UsageWindow(key="k", label="K", percent=1.0, resets_at=never).resets_at is None
    far = {"key": "k", "label": "K", "percent": 1.0, "resets_at": "0001-01-01T00:00:00Z"}
    assert validation.parse(far, UsageWindow).resets_at is None
    assert FetchError(kind="rate_limited", message="m", retry_at=never).retry_at is None
    soon = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
    assert UsageWindow(key="k", label="K", percent=1.0, resets_at=soon).resets_at == soon
