"""Routes put together per account: each window from the newest entry that has it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from claude_meter.readings.store import Entry, iso
from claude_meter.readings.view import accounts, provenance, short_age, short_label

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def _entry(source: str, minutes_ago: int, windows: dict[str, float], **more: object) -> Entry:
    return {
        "source": source,
        "org_uuid": "org-a",
        "org_name": more.pop("org_name", None),
        "read_at": iso(NOW - timedelta(minutes=minutes_ago)),
        "windows": [{"key": k, "label": k, "percent": p} for k, p in windows.items()],
        **more,
    }


def test_the_statusline_and_claude_ai_make_one_account() -> None:
    statusline = _entry("claude-code-statusline", 0, {"seven_day": 64, "five_hour": 37})
    web = _entry(
        "web",
        60,
        {"five_hour": 20, "seven_day_opus": 12},
        org_name="Acme",
        extra_usage={"percent": 25, "used_credits": 1250, "monthly_limit": 5000},
    )
    (view,) = accounts([statusline, web])
    assert view.name == "Acme"
    assert [(r.key, r.percent, r.source) for r in view.rows] == [
        ("five_hour", 37, "claude-code-statusline"),
        ("seven_day", 64, "claude-code-statusline"),
        ("seven_day_opus", 12, "web"),
    ]
    assert view.extra is not None
    assert view.extra.percent == 25
    assert view.extra.source == "web"
    assert view.read_at == NOW


def test_accounts_newest_first_and_garbage_ignored() -> None:
    other = _entry("web", 5, {"five_hour": 1}) | {"org_uuid": "org-b"}
    broken = _entry("web", 1, {}) | {"windows": ["junk", {"key": 3}, {"key": "x", "percent": True}]}
    views = accounts([broken, other])
    assert [v.org_uuid for v in views] == ["org-a", "org-b"]
    assert [(r.key, r.percent) for r in views[0].rows] == [("x", None)]


def test_short_forms() -> None:
    (view,) = accounts([_entry("web", 0, {"seven_day_opus": 1})])
    assert short_label(view.rows[0]._replace(label="Weekly · Opus")) == "Opus"
    assert short_age(NOW - timedelta(seconds=40), NOW) == "40s"
    assert short_age(NOW - timedelta(hours=3, minutes=5), NOW) == "3h"
    assert provenance("web", NOW - timedelta(minutes=12), NOW) == "claude.ai, 12m ago"


def test_numbers_no_float_can_hold_are_unknown() -> None:
    from claude_meter.readings.view import number

    for value in (float("inf"), -float("inf"), float("nan"), 10**400, True, "37", None):
        assert number(value) is None
    assert number(37) == 37.0


def test_two_accounts_in_one_organization_are_two_views() -> None:
    """The same org uuid, two metered accounts: never one line of mixed figures."""
    mine = _entry("claude-code-statusline", 0, {"five_hour": 37})
    work = _entry("web", 5, {"five_hour": 90, "seven_day_opus": 3}, account="work")
    old_default = _entry("web", 30, {"seven_day_opus": 12}, account=None)
    views = accounts([mine, work, old_default])
    assert [(v.account, [(r.key, r.percent) for r in v.rows]) for v in views] == [
        (None, [("five_hour", 37), ("seven_day_opus", 12)]),
        ("work", [("five_hour", 90), ("seven_day_opus", 3)]),
    ]
