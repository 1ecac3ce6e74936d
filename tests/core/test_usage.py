"""The parsing rules of the usage report, as tables of cases."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from claude_meter.core.errors import UnexpectedResponse
from claude_meter.core.usage import (
    decide_scale,
    label_for_key,
    parse_timestamp,
    parse_usage_report,
)

RESET = "2026-11-25T13:00:00.412233+00:00"


def w(util: Any, resets: Any = RESET) -> dict[str, Any]:
    return {"utilization": util, "resets_at": resets}


def percents(report: dict[str, Any]) -> dict[str, float | None]:
    return {win.key: win.percent for win in parse_usage_report(report).windows}


def test_protocol_example_report() -> None:
    report = {
        "five_hour": w(37.0),
        "seven_day": w(64.0, "2026-11-28T09:00:00.412251+00:00"),
        "seven_day_sonnet": w(12.0),
        "seven_day_opus": None,
        "seven_day_oauth_apps": None,
        "seven_day_cowork": None,
        "seven_day_omelette": w(0.0, None),
        "iguana_necktie": None,
        "extra_usage": {
            "is_enabled": True,
            "monthly_limit": 5000,
            "used_credits": 1250.0,
            "utilization": 25.0,
            "currency": "USD",
            "decimal_places": 2,
        },
        "limits": [
            {"kind": "session", "percent": 37, "resets_at": RESET, "scope": None},
            {"kind": "weekly_all", "percent": 64, "resets_at": RESET, "scope": None},
            {
                "kind": "weekly_scoped",
                "percent": 12,
                "resets_at": RESET,
                "scope": {"model": {"id": None, "display_name": "Sonnet"}, "surface": None},
            },
        ],
    }
    parsed = parse_usage_report(report)
    assert [(x.key, x.label, x.percent) for x in parsed.windows] == [
        ("five_hour", "Session (5h)", 37.0),
        ("seven_day", "Weekly · all models", 64.0),
        ("seven_day_sonnet", "Weekly · Sonnet", 12.0),
        ("seven_day_omelette", "Weekly · Claude Design", 0.0),
    ]
    assert parsed.windows[0].resets_at == datetime(2026, 11, 25, 13, 0, 0, 412233, tzinfo=UTC)
    assert parsed.windows[3].resets_at is None
    assert parsed.extra_usage is not None
    assert parsed.extra_usage.percent == 25.0
    assert parsed.extra_usage.currency == "USD"
    assert parsed.scale == "percent"


@pytest.mark.parametrize(
    ("key", "label"),
    [
        ("five_hour", "Session (5h)"),
        ("seven_day", "Weekly · all models"),
        ("seven_day_opus", "Weekly · Opus"),
        ("seven_day_sonnet", "Weekly · Sonnet"),
        ("seven_day_oauth_apps", "Weekly · Claude Code & apps"),
        ("seven_day_cowork", "Weekly · Cowork"),
        ("seven_day_routines", "Weekly · Routines"),
        ("seven_day_omelette", "Weekly · Claude Design"),
        ("seven_day_design", "Weekly · Claude Design"),
        ("seven_day_fable", "Weekly · Fable"),
        ("seven_day_haiku", "Weekly · Haiku"),
        ("five_hour_opus", "Session (5h) · Opus"),
        ("monthly_thing", "Monthly thing"),
        ("x", "X"),
    ],
)
def test_labels(key: str, label: str) -> None:
    assert label_for_key(key) == label


def test_unknown_window_shaped_key_becomes_a_window_and_others_do_not() -> None:
    report = {
        "five_hour": w(10.0),
        "seven_day_haiku": w(20.0),
        "brand_new_limit": w(30.0),
        "tangelo": w(99.0),  # known non-window key
        "spend": {"utilization": 50.0},
        "something": {"amount": 3},
        "a_list": [1, 2],
    }
    assert percents(report) == {"five_hour": 10.0, "seven_day_haiku": 20.0, "brand_new_limit": 30.0}
    labels = [x.label for x in parse_usage_report(report).windows]
    assert labels == ["Session (5h)", "Weekly · Haiku", "Brand new limit"]


@pytest.mark.parametrize(
    ("window", "expected"),
    [
        (w(None), None),
        ({"resets_at": RESET}, None),
        (w("37"), None),
        (w(True), None),
        (w(-5.0), None),
        (w(float("nan")), None),
        (w(float("inf")), None),
        (w(104.5), 104.5),  # over the wall is real
        (w(0), 0.0),
    ],
)
def test_missing_or_odd_utilization_is_unknown_not_zero(
    window: Any, expected: float | None
) -> None:
    assert percents({"five_hour": window, "seven_day": w(50.0)})["five_hour"] == expected


def test_null_windows_are_absent() -> None:
    assert percents({"five_hour": None, "seven_day": w(3.0), "seven_day_opus": None}) == {
        "seven_day": 3.0
    }


def test_limits_fill_a_null_seven_day() -> None:
    report = {
        "five_hour": w(37.0),
        "seven_day": None,
        "limits": [
            {"kind": "session", "percent": 37, "resets_at": RESET},
            {"kind": "weekly_all", "percent": 64, "resets_at": "2026-11-28T09:00:00Z"},
        ],
    }
    parsed = parse_usage_report(report)
    assert {x.key: x.percent for x in parsed.windows} == {"five_hour": 37.0, "seven_day": 64.0}
    weekly = parsed.windows[1]
    assert weekly.label == "Weekly · all models"
    assert weekly.resets_at == datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


def test_weekly_scoped_limits_become_per_model_windows() -> None:
    report = {
        "five_hour": w(5.0),
        "limits": [
            {"kind": "weekly_scoped", "percent": 33, "scope": {"model": {"display_name": "Opus"}}},
            {
                "kind": "weekly_scoped",
                "percent": 7,
                "scope": {"model": {"display_name": "Sonnet 5"}},
            },
            {"kind": "weekly_scoped", "percent": 9, "scope": None},  # no name: cannot be shown
            {"kind": "monthly_fresh", "percent": 12, "scope": None},  # a kind never seen
            "junk",
            {"percent": 3},
        ],
    }
    parsed = parse_usage_report(report)
    got = {x.key: (x.label, x.percent) for x in parsed.windows}
    assert got == {
        "five_hour": ("Session (5h)", 5.0),
        "seven_day_opus": ("Weekly · Opus", 33.0),
        "seven_day_sonnet_5": ("Weekly · Sonnet 5", 7.0),
        "limit_monthly_fresh": ("Monthly fresh", 12.0),
    }


def test_named_key_wins_over_a_disagreeing_limit_and_limits_fill_unknowns() -> None:
    report = {
        "five_hour": w(40.0),
        "seven_day": w(None, None),
        "limits": [
            {"kind": "session", "percent": 90, "resets_at": RESET},
            {"kind": "weekly_all", "percent": 64, "resets_at": RESET},
        ],
    }
    got = percents(report)
    assert got == {"five_hour": 40.0, "seven_day": 64.0}


# -- the scale rule -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("report", "expected"),
    [
        # 2026 captures: percents.
        ({"five_hour": w(10.0), "seven_day": w(29.0)}, {"five_hour": 10.0, "seven_day": 29.0}),
        # A real 1 % with a 0 %: never 100 %.
        ({"five_hour": w(1.0), "seven_day": w(0.0)}, {"five_hour": 1.0, "seven_day": 0.0}),
        ({"five_hour": w(1)}, {"five_hour": 1.0}),
        # 1 % beside a larger percent in the same report.
        ({"five_hour": w(1.0), "seven_day": w(48.0)}, {"five_hour": 1.0, "seven_day": 48.0}),
        # Old fraction reports, decided for the whole report: 0.01 is 1 %.
        (
            {"five_hour": w(0.42), "seven_day": w(0.64), "seven_day_opus": w(0.01)},
            {"five_hour": 42.0, "seven_day": 64.0, "seven_day_opus": 1.0},
        ),
        # A fraction report with a window at exactly 1.0 (the wall) and one at 0.
        ({"five_hour": w(1.0), "seven_day": w(0.5)}, {"five_hour": 100.0, "seven_day": 50.0}),
    ],
)
def test_scale_is_decided_per_report(report: dict[str, Any], expected: dict[str, float]) -> None:
    got = percents(report)
    assert got == pytest.approx(expected)


def test_limits_cross_check_decides_an_ambiguous_report() -> None:
    # 1.0 and 0.0 alone read as percents; limits[] say the session is at 100 %: fractions.
    fraction = {
        "five_hour": w(1.0),
        "seven_day": w(0.0),
        "limits": [{"kind": "session", "percent": 100}, {"kind": "weekly_all", "percent": 0}],
    }
    assert percents(fraction) == {"five_hour": 100.0, "seven_day": 0.0}
    # And the other way: limits[] confirm a real 1 %.
    real_one = {
        "five_hour": w(1.0),
        "seven_day": w(0.5),
        "limits": [{"kind": "session", "percent": 1}],
    }
    assert percents(real_one) == {"five_hour": 1.0, "seven_day": 0.5}


@pytest.mark.parametrize(
    ("named", "pairs", "scale"),
    [
        ([], [], "percent"),
        ([None], [], "percent"),
        ([0.0, 1.0], [], "percent"),
        ([0.3], [], "fraction"),
        ([0.3, 2.0], [], "percent"),
        ([0.3], [(0.3, 0.0)], "percent"),  # |0.3-0| <= 1 agrees with percent, 30 != 0
        ([1.0], [(1.0, 100.0)], "fraction"),
        ([0.0], [(0.0, 0.0)], "percent"),  # a tie of votes falls through
    ],
)
def test_decide_scale_table(
    named: list[float | None], pairs: list[tuple[float, float]], scale: str
) -> None:
    assert decide_scale(named, pairs) == scale


def test_extra_usage_percent_from_money_and_enterprise_report() -> None:
    report = {
        "five_hour": None,
        "seven_day": None,
        "extra_usage": {
            "is_enabled": True,
            "monthly_limit": 100000,
            "used_credits": 43210,
            "utilization": 43.21,
            "currency": "eur",
            "decimal_places": 2,
        },
    }
    parsed = parse_usage_report(report)
    assert parsed.windows == ()
    assert parsed.extra_usage is not None
    assert parsed.extra_usage.currency == "EUR"
    assert parsed.extra_usage.percent == pytest.approx(43.21)


def test_extra_usage_defaults_and_junk() -> None:
    parsed = parse_usage_report(
        {"extra_usage": {"utilization": "x", "decimal_places": 99, "currency": 5}}
    )
    assert parsed.extra_usage is not None
    assert parsed.extra_usage.percent is None
    assert parsed.extra_usage.decimal_places == 2
    assert parsed.extra_usage.currency is None


def test_all_null_report_is_valid_and_empty() -> None:
    assert parse_usage_report({"five_hour": None, "seven_day": None}).windows == ()


def test_one_junk_window_beside_good_ones_is_tolerated() -> None:
    assert percents({"five_hour": "37%", "seven_day": w(5.0)}) == {"seven_day": 5.0}


@pytest.mark.parametrize(
    "data",
    [
        None,
        [],
        [1, 2],
        "five_hour",
        3,
        {},
        {"foo": [1, 2, 3]},
        {"error": {"type": "x"}},
        {"five_hour": "37%", "seven_day": True, "limits": {"kind": 5}},
    ],
)
def test_other_shapes_raise_unexpected(data: Any) -> None:
    with pytest.raises(UnexpectedResponse, match="does not understand"):
        parse_usage_report(data)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-25T13:00:00.412233+00:00", datetime(2026, 11, 25, 13, 0, 0, 412233, tzinfo=UTC)),
        ("2026-11-25T13:00:00Z", datetime(2026, 11, 25, 13, tzinfo=UTC)),
        ("2026-11-25T14:00:00+01:00", datetime(2026, 11, 25, 13, tzinfo=UTC)),
        ("2026-11-25T13:00:00", datetime(2026, 11, 25, 13, tzinfo=UTC)),
        ("yesterday", None),
        ("", None),
        (None, None),
        (12345, None),
    ],
)
def test_timestamps(text: Any, expected: datetime | None) -> None:
    assert parse_timestamp(text) == expected


# -- regressions found by the fuzz tests (test_usage_properties.py) ------------------------


def test_an_integer_too_big_for_a_float_is_unknown_not_a_failed_report() -> None:
    """Found: float(10**400) raised OverflowError, so the whole report was 'unexpected'."""
    report = parse_usage_report({"five_hour": w(37.0), "seven_day": w(10**400)})
    assert [(win.key, win.percent) for win in report.windows] == [
        ("five_hour", 37.0),
        ("seven_day", None),
    ]


def test_extra_usage_with_a_vanishing_limit_has_no_percent() -> None:
    """Found: used / limit overflowed to an infinite percent."""
    extra = {"monthly_limit": 1.8268590555700355e-264, "used_credits": 3.284131982559307e42}
    report = parse_usage_report({"five_hour": w(10), "extra_usage": extra})
    assert report.extra_usage is not None
    assert report.extra_usage.percent is None
