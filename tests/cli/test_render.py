"""``status``'s two output forms (:mod:`claude_meter.cli.render`): text for people, JSON for
programs, on models built here."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest

from claude_meter.cli.render import iso_utc, render_human, render_json
from claude_meter.core.models import FetchError, FetchResult, Snapshot, UsageWindow
from tests.conftest import NOW

SESSION = UsageWindow(
    key="five_hour",
    label="Session (5h)",
    percent=37.444,
    resets_at=NOW + timedelta(hours=2, minutes=9),
)
WEEK = UsageWindow(
    key="seven_day", label="Week", percent=82.0, severity="warning", surface="cowork"
)
GOOD = Snapshot(
    source="web",
    org_uuid="org-1",
    org_name="Personal",
    account_email="a@example.com",
    plan="claude_max",
    fetched_at=NOW,
    windows=(SESSION, WEEK),
)
REFUSED = Snapshot(
    source="web",
    org_uuid="org-2",
    fetched_at=NOW,
    error=FetchError(kind="rate_limited", message="Slow down.", retry_at=NOW),
)
RESULT = FetchResult(source="web", fetched_at=NOW, snapshots=(GOOD, REFUSED))


@pytest.mark.parametrize(
    ("moment", "text"),
    [
        (None, None),
        (NOW, "2026-11-25T09:00:00Z"),
        (
            datetime(2026, 11, 25, 10, 0, 0, 999, tzinfo=timezone(timedelta(hours=1))),
            "2026-11-25T09:00:00Z",
        ),
    ],
)
def test_times_are_iso_utc_to_the_second(moment: datetime | None, text: str | None) -> None:
    assert iso_utc(moment) == text


def test_one_block_per_organization_one_line_per_window() -> None:
    lines = render_human(RESULT, NOW).split("\n")
    assert lines[0] == "Personal · a@example.com · Max"
    assert lines[1].startswith(
        "  Session (5h)                  37%  ███████░░░░░░░░░░░░░  resets in 2h 9m"
    )
    assert lines[2] == (
        "  Week                          82%  ████████████████░░░░  not started  ! server warning"
    )
    assert lines[3:] == ["", "org-2", "  ! Slow down.", ""]


def test_colour_follows_the_row_grade_and_remaining_shows_what_is_left() -> None:
    text = render_human(RESULT, NOW, color=True, show_remaining=True)
    assert "\x1b[32m 62% left\x1b[0m  \x1b[32m███████░░░░░░░░░░░░░\x1b[0m" in text
    assert "\x1b[38;5;208m 18% left\x1b[0m" in text  # 82 % used: orange
    assert "\x1b[" not in render_human(RESULT, NOW, show_remaining=True)


def test_an_organization_without_windows_says_so_and_no_result_prints_nothing() -> None:
    empty = FetchResult(
        source="demo", fetched_at=NOW, snapshots=(Snapshot(source="demo", fetched_at=NOW),)
    )
    assert render_human(empty, NOW) == "Claude\n  (no usage windows on this plan)\n"
    assert render_human(FetchResult(source="web", fetched_at=NOW), NOW) == ""


def test_the_json_form() -> None:
    shown = json.loads(render_json(RESULT))
    assert shown["fetched_at"] == "2026-11-25T09:00:00Z"
    assert shown["worst"] == {"org": "org-1", "key": "seven_day", "percent": 82.0}
    good, refused = shown["organizations"]
    assert good["windows"][0] == {
        "key": "five_hour",
        "label": "Session (5h)",
        "percent": 37.44,
        "resets_at": "2026-11-25T11:09:00Z",
        "forecast": {"percent_at_reset": None, "wall_at": None, "fast_burn": None},
    }
    assert good["windows"][1]["severity"] == "warning"  # only when the server sent them
    assert good["windows"][1]["surface"] == "cowork"
    assert "severity" not in good["windows"][0]
    assert good["worst"] == {"key": "seven_day", "percent": 82.0}
    assert refused["error"] == {
        "kind": "rate_limited",
        "message": "Slow down.",
        "retry_at": "2026-11-25T09:00:00Z",
    }
    assert refused["windows"] == []
    assert refused["worst"] is None


def test_json_keeps_text_as_written() -> None:
    named = Snapshot(source="web", org_name="Équipe 東京", fetched_at=NOW.astimezone(UTC))
    text = render_json(FetchResult(source="web", fetched_at=NOW, snapshots=(named,)))
    assert '"Équipe 東京"' in text
