"""Property-based: any JSON value gives a report or one UnexpectedResponse, nothing else.

Budgets come from the shared Hypothesis profiles (tests/support/fuzzing.py): modest in CI,
large with ``bash scripts/fuzz``.
"""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claude_meter.core import validation
from claude_meter.core.errors import UnexpectedResponse
from claude_meter.core.usage import parse_usage_report
from tests.support.fuzzing import budget
from tests.support.strategies import json_scalars, json_values, numbers, usage_reports

pytestmark = pytest.mark.fuzz


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
    extra = report.extra_usage
    if extra is not None:
        assert extra.percent is None or math.isfinite(extra.percent)
        assert 0 <= extra.decimal_places <= 6


@given(json_values)
@settings(max_examples=budget(share=0.5), suppress_health_check=[HealthCheck.too_slow])
def test_any_json_value(data: Any) -> None:
    _check(data)


@given(usage_reports)
@settings(
    max_examples=budget(share=0.2),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_report_like_values(data: dict[str, Any]) -> None:
    _check(data)


@given(json_scalars, st.sampled_from(["utilization", "resets_at"]), st.floats(0, 100))
def test_one_odd_value_costs_only_its_own_window(odd: Any, field: str, percent: float) -> None:
    """A window's strange number or time never hides the others or fails the whole report."""
    other = {"utilization": 12.0, "resets_at": "2026-11-25T13:00:00Z", field: odd}
    report = parse_usage_report(
        {"five_hour": {"utilization": percent, "resets_at": None}, "seven_day": other}
    )
    by_key = {w.key: w for w in report.windows}
    assert by_key["five_hour"].percent in (percent, percent * 100)
    assert set(by_key) == {"five_hour", "seven_day"}
    _check(validation.as_json_data(report))


@given(numbers, numbers, json_scalars)
def test_extra_usage_percent_is_finite(limit: Any, used: Any, utilization: Any) -> None:
    extra = {"monthly_limit": limit, "used_credits": used, "utilization": utilization}
    _check({"five_hour": {"utilization": 10, "resets_at": None}, "extra_usage": extra})


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
