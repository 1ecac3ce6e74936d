"""The app's rules against the JSON vectors the extension's tests also use (tests/vectors/).

One folder of fixtures, two implementations: the Python core (the parser of record) and the
extension's copy for its badge and popup (``extension/lib/``, tested by ``node --test``).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from claude_meter.core.display import format_countdown, format_percent
from claude_meter.core.errors import UnexpectedResponse
from claude_meter.core.grades import grade_for
from claude_meter.core.meter import icon_text
from claude_meter.core.models import Snapshot
from claude_meter.core.usage import parse_timestamp, parse_usage_report
from claude_meter.core.worst import worst_of, worst_window
from tests.conftest import NOW

VECTORS = Path(__file__).resolve().parents[1] / "vectors"


def cases(name: str) -> list[dict[str, Any]]:
    data = json.loads((VECTORS / name).read_text(encoding="utf-8"))
    return list(data["cases"])


def ids(name: str) -> list[str]:
    return [str(c.get("name", i)) for i, c in enumerate(cases(name))]


def to_ms(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@pytest.mark.parametrize("case", cases("usage_reports.json"), ids=ids("usage_reports.json"))
def test_usage_reports(case: dict[str, Any]) -> None:
    expected = case["expected"]
    if expected == "unexpected":
        with pytest.raises(UnexpectedResponse):
            parse_usage_report(case["report"])
        return
    report = parse_usage_report(case["report"])
    assert report.scale == expected["scale"]
    got = [
        {"key": w.key, "label": w.label, "percent": w.percent, "resets_at": to_ms(w.resets_at)}
        for w in report.windows
    ]
    assert got == expected["windows"]
    worst = worst_window(report.windows)
    assert (None if worst is None else {"key": worst.key, "percent": worst.percent}) == expected[
        "worst"
    ]
    extra = report.extra_usage
    assert (None if extra is None else extra.percent) == expected["extra_usage_percent"]


@pytest.mark.parametrize("case", cases("worst_of.json"), ids=ids("worst_of.json"))
def test_worst_of(case: dict[str, Any]) -> None:
    snapshots = [
        Snapshot(
            source="web",
            org_uuid=f"org-{i}",
            fetched_at=NOW,
            windows=parse_usage_report(report).windows,
        )
        for i, report in enumerate(case["reports"])
    ]
    found = worst_of(snapshots)
    got = (
        None
        if found is None
        else {
            "org_index": snapshots.index(found[0]),
            "key": found[1].key,
            "percent": found[1].percent,
        }
    )
    assert got == case["expected"]


@pytest.mark.parametrize("case", cases("grades.json"), ids=lambda c: str(c["percent"]))
def test_grades(case: dict[str, Any]) -> None:
    percent = case["percent"]
    assert grade_for(percent).name == case["grade"]
    assert grade_for(percent).rgb == case["rgb"]
    assert icon_text(percent) == case["badge"]
    assert format_percent(percent) == case["shown"]


@pytest.mark.parametrize("case", cases("countdowns.json"), ids=lambda c: str(c["resets_at"]))
def test_countdowns(case: dict[str, Any]) -> None:
    now = parse_timestamp(case["now"])
    assert now is not None
    resets_at = parse_timestamp(case["resets_at"])
    assert format_countdown(resets_at, now, UTC) == case["expected"]
