"""What the fake claude.ai says per scenario (:mod:`claude_meter.fake.scenarios`): its pure
rules, read directly; ``tests/fake/test_server.py`` reads the same data over HTTP."""

from __future__ import annotations

import itertools

import pytest

from claude_meter.core.usage import parse_usage_report
from claude_meter.fake import scenarios as sc
from tests.conftest import NOW


@pytest.mark.parametrize(
    ("scenario", "orgs", "active"),
    [
        ("normal", (sc.CONSOLE, sc.PERSONAL), sc.PERSONAL),
        ("multi-org", (sc.CONSOLE, sc.PERSONAL, sc.TEAM), sc.TEAM),  # not the first usable
        ("enterprise", (sc.CONSOLE, sc.ENTERPRISE), sc.ENTERPRISE),
    ],
)
def test_the_console_comes_first_and_the_active_org(
    scenario: str, orgs: tuple[sc.Org, ...], active: sc.Org
) -> None:
    assert sc.orgs_for(scenario) == orgs
    assert sc.last_active_org(scenario) is active
    assert not sc.CONSOLE.usable


@pytest.mark.parametrize(
    ("elapsed", "percents"),
    [(0, (70.0, 55.0)), (60, (80.0, 58.0)), (180, (100.0, 64.0)), (10_000, (100.0, 100.0))],
)
def test_rising(elapsed: float, percents: tuple[float, float]) -> None:
    assert sc.rising_percents(elapsed) == percents


@pytest.mark.parametrize("scenario", sc.SCENARIOS)
def test_every_report_is_pure_and_understood_by_the_app(scenario: str) -> None:
    for org in sc.orgs_for(scenario):
        report = sc.usage_json(scenario, org, NOW, 30.0)
        assert report == sc.usage_json(scenario, org, NOW, 30.0)
        parsed = parse_usage_report(report)
        if not org.usable:
            assert parsed.windows == ()


def test_the_team_org_reads_other_numbers_than_the_personal_one() -> None:
    personal = parse_usage_report(sc.usage_json("multi-org", sc.PERSONAL, NOW, 0))
    team = parse_usage_report(sc.usage_json("multi-org", sc.TEAM, NOW, 0))
    assert [w.percent for w in personal.windows][:2] == [37.0, 64.0]
    assert [w.percent for w in team.windows][:2] == [81.0, 47.0]


def test_soak_percents_move_every_answer_and_stay_below_the_high_grade() -> None:
    seen = [sc.soak_percents(n) for n in range(200)]
    assert all(a != b for a, b in itertools.pairwise(seen))
    assert all(five < 80 and week < 80 for five, week in seen)
    assert parse_usage_report(sc.soak_usage_json(NOW, 3)).windows[0].percent == seen[3][0]
