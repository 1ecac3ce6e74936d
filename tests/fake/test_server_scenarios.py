"""The fake claude.ai's scenarios and injected faults, over real sockets (see test_server.py;
test_scenarios.py reads the same rules directly)."""

from __future__ import annotations

import httpx
import pytest

from claude_meter.fake import FakeClaude
from claude_meter.fake import scenarios as sc
from tests.fake.support import (
    AUTH_ERROR,
    SESSION_COOKIE,
    ManualClock,
    flaky_plan,
    get_usage,
    oauth,
    percents,
    soak_plan,
    usage_url,
    web,
)

pytestmark = pytest.mark.usefixtures("no_leftover_threads")


# -- scenarios ----------------------------------------------------------------------------------


@pytest.mark.parametrize("fake", ["rising"], indirect=True)
def test_rising_climbs_with_the_clock_and_caps_at_100(fake: FakeClaude, clock: ManualClock) -> None:
    seen = []
    for elapsed in (0, 30, 60, 90, 150, 180, 600, 3000):
        clock.value = 1000.0 + elapsed
        report = get_usage(fake)
        five = report["five_hour"]["utilization"]
        week = report["seven_day"]["utilization"]
        assert percents(report)[:2] == [
            ("session", round(five), None),
            ("weekly_all", round(week), None),
        ]
        seen.append((elapsed, five, week))
    assert seen[:4] == [(0, 70.0, 55.0), (30, 75.0, 56.5), (60, 80.0, 58.0), (90, 85.0, 59.5)]
    assert [five for _, five, _ in seen[4:]] == [95.0, 100.0, 100.0, 100.0]
    assert [week for _, _, week in seen[4:]] == [62.5, 64.0, 85.0, 100.0]
    with oauth(fake) as client:
        assert client.get("/api/oauth/usage").json()["five_hour"]["utilization"] == 100.0


@pytest.mark.parametrize("fake", ["rising"], indirect=True)
def test_setting_the_scenario_restarts_the_rise(fake: FakeClaude, clock: ManualClock) -> None:
    clock.value += 120
    fake.scenario = "rising"
    assert get_usage(fake)["five_hour"]["utilization"] == 70.0


@pytest.mark.parametrize("fake", ["fraction-scale"], indirect=True)
def test_fraction_scale_report(fake: FakeClaude) -> None:
    report = get_usage(fake)
    assert "limits" not in report
    assert report["five_hour"]["utilization"] == 0.42
    assert report["seven_day"]["utilization"] == 0.64
    assert report["seven_day_opus"]["utilization"] == 0.01
    windows = [v for v in report.values() if isinstance(v, dict) and "utilization" in v]
    assert all(0 <= w["utilization"] <= 1 for w in windows)


@pytest.mark.parametrize("fake", ["limits-only"], indirect=True)
def test_limits_only_report(fake: FakeClaude) -> None:
    report = get_usage(fake)
    assert report["seven_day"] is None
    assert report["five_hour"]["utilization"] == 37.0
    assert percents(report) == [
        ("session", 37, None),
        ("weekly_all", 64, None),
        ("weekly_scoped", 33, "Opus"),
        ("weekly_scoped", 12, "Sonnet"),
    ]


@pytest.mark.parametrize("fake", ["enterprise"], indirect=True)
def test_enterprise_report_has_only_extra_usage(fake: FakeClaude) -> None:
    with web(fake) as client:
        orgs = [o for o in client.get("/api/organizations").json() if o["capabilities"] != ["api"]]
        org = sc.ENTERPRISE
        overage = client.get(f"/api/organizations/{org.uuid}/overage_spend_limit").json()
    assert [o["uuid"] for o in orgs] == [org.uuid]
    report = get_usage(fake, org)
    windows = {k: v for k, v in report.items() if k not in ("extra_usage", "limits")}
    assert set(windows.values()) == {None}
    assert report["extra_usage"] == {
        "is_enabled": True,
        "monthly_limit": 100000,
        "used_credits": 43210,
        "utilization": 43.21,
        "currency": "EUR",
        "decimal_places": 2,
    }
    assert overage["currency"] == "EUR"


@pytest.mark.parametrize("fake", ["multi-org"], indirect=True)
def test_multi_org(fake: FakeClaude) -> None:
    with web(fake) as client:
        orgs = client.get("/api/organizations").json()
        members = client.get("/api/account").json()["memberships"]
        login = client.get("/login", params={"session": "1"})
    usable = [o for o in orgs if o["capabilities"] != ["api"]]
    assert [(o["name"], o["capabilities"]) for o in usable] == [
        ("Personal", ["chat", "claude_max"]),
        ("Acme Team", ["chat", "raven"]),
    ]
    assert len(members) == 3
    personal, team = get_usage(fake, sc.PERSONAL), get_usage(fake, sc.TEAM)
    assert personal["five_hour"] != team["five_hour"]
    assert login.cookies["lastActiveOrg"] == sc.TEAM.uuid


@pytest.mark.parametrize("fake", ["expired"], indirect=True)
def test_expired_session_and_its_return(fake: FakeClaude) -> None:
    with web(fake) as client, oauth(fake) as api:
        assert client.get("/api/organizations").json() == AUTH_ERROR
        assert client.get(usage_url(sc.PERSONAL)).status_code == 401
        assert api.get("/api/oauth/usage").status_code == 401
        assert all(entry.authenticated for entry in fake.request_log)
        fake.scenario = "normal"
        assert client.get(usage_url(sc.PERSONAL)).status_code == 200
        assert api.get("/api/oauth/usage").status_code == 200


@pytest.mark.parametrize("fake", ["cloudflare"], indirect=True)
def test_cloudflare_challenges_the_web_route_only(fake: FakeClaude) -> None:
    with web(fake) as client, oauth(fake) as api:
        for path in ("/api/organizations", usage_url(sc.PERSONAL)):
            challenge = client.get(path)
            assert challenge.status_code == 403
            assert challenge.headers["cf-mitigated"] == "challenge"
            assert challenge.headers["content-type"].startswith("text/html")
            assert "<title>Just a moment...</title>" in challenge.text
        assert api.get("/api/oauth/usage").status_code == 200


@pytest.mark.parametrize("fake", ["rate-limited"], indirect=True)
def test_rate_limited_usage_calls(fake: FakeClaude) -> None:
    with web(fake) as client, oauth(fake) as api:
        assert client.get("/api/organizations").status_code == 200
        for response in (client.get(usage_url(sc.PERSONAL)), api.get("/api/oauth/usage")):
            assert response.status_code == 429
            assert response.headers["retry-after"] == "120"
            assert response.json()["error"]["type"] == "rate_limit_error"


@pytest.mark.parametrize("fake", ["malformed"], indirect=True)
def test_malformed_usage_rotates_through_wrong_shapes(fake: FakeClaude) -> None:
    with web(fake) as client, oauth(fake) as api:
        assert client.get("/api/organizations").status_code == 200
        answers = [client.get(usage_url(sc.PERSONAL)) for _ in range(4)]
        answers.append(api.get("/api/oauth/usage"))
    assert {a.status_code for a in answers} == {200}
    assert {a.headers["content-type"] for a in answers} == {"application/json"}
    assert [a.content for a in answers] == [*sc.MALFORMED_BODIES, sc.MALFORMED_BODIES[0]]
    assert answers[1].json() == [{"five_hour": 37}]
    with pytest.raises(ValueError, match="Unterminated"):
        answers[2].json()


def test_flaky_replays_its_seed() -> None:
    def fits(seed: int) -> bool:
        kinds = {(o.kind, o.html) for o in flaky_plan(seed, 12)}
        return ("slow", False) not in kinds and len(kinds) == 4

    seed = next(s for s in range(1000) if fits(s))
    plan = flaky_plan(seed, 12)
    with FakeClaude("flaky", seed=seed) as server, web(server) as client:
        for outcome in plan:
            if outcome.kind == "reset":
                with pytest.raises(httpx.TransportError):
                    client.get(usage_url(sc.PERSONAL))
                continue
            response = client.get(usage_url(sc.PERSONAL))
            assert response.status_code == outcome.status
            expected = "text/html" if outcome.html else "application/json"
            assert response.headers["content-type"].startswith(expected)


def test_soak_faults_are_served_as_claude_ai_would_fail() -> None:
    """Each request through the soak mix: the answer matches the planned fault."""
    seed, count = 1, 120  # a seed whose first 120 requests meet every fault
    plan = soak_plan(seed, count)
    with FakeClaude("flaky", seed=seed, faults="soak") as server:
        client = httpx.Client(
            base_url=server.base_url, headers={"Cookie": SESSION_COOKIE}, timeout=0.5
        )
        with client:
            expired_left = 0
            good = 0
            step = 0
            seen: set[str] = set()
            while step < count:
                outcome = plan[step]
                if expired_left:  # no draw while a session is expired
                    expired_left -= 1
                    assert client.get(usage_url(sc.PERSONAL)).status_code == 401
                    continue
                step += 1
                seen.add(outcome.kind)
                if outcome.kind in ("reset", "timeout", "slow"):
                    with pytest.raises(httpx.TransportError):
                        client.get(usage_url(sc.PERSONAL))
                    continue
                answer = client.get(usage_url(sc.PERSONAL))
                if outcome.kind == "ok" or outcome.kind == "slow-body":
                    good += 1
                    assert answer.status_code == 200
                    five = answer.json()["five_hour"]["utilization"]
                    assert five == sc.soak_percents(good)[0]  # new numbers every answer
                elif outcome.kind == "error":
                    assert answer.status_code == outcome.status
                elif outcome.kind == "malformed":
                    assert answer.status_code == 200
                elif outcome.kind == "rate-limited":
                    assert (answer.status_code, answer.headers["retry-after"]) == (429, "1")
                elif outcome.kind == "cloudflare":
                    assert answer.status_code == 403
                    assert answer.headers["cf-mitigated"] == "challenge"
                else:
                    assert outcome.kind == "expire"
                    assert answer.status_code == 401
                    expired_left = outcome.count - 1
    assert seen >= {kind for kind, _ in sc.SOAK_MIX} | {"ok"}
