"""An organization's section: which parts decide its widgets, and a reading of the same
shape shown in place exactly as a section built from it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import msgspec
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from claude_meter.core import validation
from claude_meter.core.models import ExtraUsage, Snapshot, UsageWindow
from claude_meter.core.statusline_rules import STATUSLINE
from claude_meter.qt.org_section import NO_WINDOWS, OrgSection, org_shape

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def snapshot(*percents: float, **parts: object) -> Snapshot:
    keys = ("five_hour", "seven_day", "seven_day_sonnet")
    windows = tuple(
        UsageWindow(key=key, label=key, percent=p, resets_at=NOW + timedelta(hours=2))
        for key, p in zip(keys, percents, strict=False)
    )
    fields: dict[str, object] = {
        "source": "web",
        "org_uuid": "org-1",
        "org_name": "Initech",
        "account_email": "ada@example.com",
        "plan": "default_claude_max_5x",
        "fetched_at": NOW,
        "windows": windows,
        **parts,
    }
    return validation.parse(fields, Snapshot)


def texts(section: OrgSection) -> list[tuple[str, str, bool]]:
    return [
        (label.text(), label.styleSheet(), label.isEnabled())
        for label in section.findChildren(QLabel)
        if label.isVisibleTo(section)
    ]


def test_the_shape_changes_with_the_windows_shown_and_the_parts_it_has() -> None:
    hidden: frozenset[str] = frozenset()
    base = org_shape(snapshot(10, 20), hidden, with_account=True)
    assert org_shape(snapshot(55, 99), hidden, with_account=True) == base  # numbers only
    assert org_shape(snapshot(10, 20, stale=True), hidden, with_account=True) == base
    assert org_shape(snapshot(10), hidden, with_account=True) != base  # a window went
    assert org_shape(snapshot(10, 20, 5), hidden, with_account=True) != base  # one came
    assert (
        org_shape(snapshot(10, 20, 5), frozenset({"seven_day_sonnet"}), with_account=True) == base
    )
    extra = ExtraUsage(is_enabled=True, monthly_limit=5000, used_credits=100)
    assert org_shape(snapshot(10, 20, extra_usage=extra), hidden, with_account=True) != base
    assert org_shape(snapshot(10, 20, fallback_from="web"), hidden, with_account=True) != base
    assert org_shape(snapshot(10, 20), hidden, with_account=False) != base
    assert org_shape(snapshot(10, 20, org_uuid="org-2"), hidden, with_account=True) != base


def test_a_reading_shown_in_place_reads_as_a_section_built_from_it(qtbot: QtBot) -> None:
    extra = ExtraUsage(is_enabled=True, monthly_limit=5000, used_credits=100)
    first = snapshot(10, 20, extra_usage=extra)
    section = OrgSection(first, with_account=True, hidden=frozenset(), show_remaining=False)
    qtbot.addWidget(section)
    later = [
        snapshot(96, 21, extra_usage=msgspec.structs.replace(extra, used_credits=900)),
        snapshot(97, 22, extra_usage=extra, stale=True),  # dimmed, rows disabled
        snapshot(98, 22, extra_usage=extra, source=STATUSLINE),  # where it came from
        snapshot(12, 1, extra_usage=extra, org_name="Initech Labs", plan="default_claude_pro"),
    ]
    for reading in later:
        assert org_shape(reading, frozenset(), with_account=True) == org_shape(
            first, frozenset(), with_account=True
        )
        section.show_snapshot(reading)
        built = OrgSection(reading, with_account=True, hidden=frozenset(), show_remaining=False)
        qtbot.addWidget(built)
        for row in (*section.rows, *built.rows):
            row.tick(NOW)
        assert texts(section) == texts(built)
        assert [r.bar.value() for r in section.rows] == [r.bar.value() for r in built.rows]
        assert [r.bar.styleSheet() for r in section.rows] == [
            r.bar.styleSheet() for r in built.rows
        ]
        assert [r.bar.accessibleName() for r in section.rows] == [
            r.bar.accessibleName() for r in built.rows
        ]
        assert [r.isEnabled() for r in section.rows] == [r.isEnabled() for r in built.rows]
        assert [r.origin.isVisibleTo(r) for r in section.rows] == [
            r.origin.isVisibleTo(r) for r in built.rows
        ]


def test_an_organization_without_windows_says_so(qtbot: QtBot) -> None:
    section = OrgSection(snapshot(), with_account=False, hidden=frozenset(), show_remaining=False)
    qtbot.addWidget(section)
    assert [t for t, _, _ in texts(section)] == ["Initech", NO_WINDOWS]
