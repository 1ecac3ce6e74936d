"""Property-based: any JSON value gives a report or one UnexpectedResponse, nothing else."""

from __future__ import annotations

import math
import os
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claude_meter.core.errors import UnexpectedResponse
from claude_meter.core.usage import KNOWN_WINDOWS, parse_usage_report

# CI runs a modest budget; `HYPOTHESIS_PROFILE=fuzz` runs the long one by hand.
settings.register_profile("ci", max_examples=300, deadline=None)
settings.register_profile("fuzz", max_examples=20000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=30)
)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=12), children, max_size=5)
    ),
    max_leaves=30,
)
timestamps = st.none() | st.text(max_size=40) | st.datetimes().map(lambda d: d.isoformat() + "Z")
windows = (
    st.none()
    | json_values
    | st.fixed_dictionaries({"utilization": json_scalars, "resets_at": timestamps})
)
limit_entries = st.fixed_dictionaries(
    {
        "kind": st.sampled_from(["session", "weekly_all", "weekly_scoped", "new_kind"])
        | json_scalars
    },
    optional={
        "percent": json_scalars,
        "resets_at": timestamps,
        "scope": st.none()
        | st.fixed_dictionaries({"model": st.fixed_dictionaries({"display_name": json_scalars})})
        | json_values,
    },
)
reports = st.dictionaries(
    st.sampled_from([*KNOWN_WINDOWS, "seven_day_new", "tangelo", "spend"]) | st.text(max_size=10),
    windows,
    max_size=8,
).flatmap(
    lambda d: st.fixed_dictionaries(
        {},
        optional={
            "limits": st.lists(limit_entries, max_size=4) | json_values,
            "extra_usage": json_values,
        },
    ).map(lambda extra: {**d, **extra})
)


def _check(data: Any) -> None:
    try:
        report = parse_usage_report(data)
    except UnexpectedResponse as exc:
        assert "does not understand" in str(exc)  # noqa: PT017 - property check, not a raises
        return
    keys = [w.key for w in report.windows]
    assert len(keys) == len(set(keys)), "one window per key"
    for window in report.windows:
        assert window.label
        if window.percent is not None:
            assert math.isfinite(window.percent)
            assert window.percent >= 0
        if window.resets_at is not None:
            assert window.resets_at.utcoffset() is not None


@given(json_values)
@settings(suppress_health_check=[HealthCheck.too_slow])
def test_any_json_value(data: Any) -> None:
    _check(data)


@given(reports)
@settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
def test_report_like_values(data: dict[str, Any]) -> None:
    _check(data)


@given(
    st.lists(
        st.floats(min_value=1.0001, max_value=150, allow_nan=False),
        min_size=1,
        max_size=4,
    ),
    st.floats(min_value=0, max_value=1),
)
def test_a_value_above_one_makes_every_value_a_percent(big: list[float], small: float) -> None:
    report = {"five_hour": {"utilization": small, "resets_at": None}}
    report.update(
        {f"seven_day_m{i}": {"utilization": v, "resets_at": None} for i, v in enumerate(big)}
    )
    parsed = parse_usage_report(report)
    by_key = {w.key: w.percent for w in parsed.windows}
    assert by_key["five_hour"] == small  # never multiplied: a real 1 % stays 1 %
