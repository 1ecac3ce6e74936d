"""claude.ai's answers as models and snapshots, as tables; and the one property that matters:
the app's own fetch and the browser extension's post of the same answers give the same
snapshots (the fake claude.ai over real sockets, read once by the web client and once the
way the extension reads it)."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from typing import Any

import httpx
import msgspec
import pytest
from hypothesis import HealthCheck, given, settings

from claude_meter.bridge.wire import parse_post
from claude_meter.clients.web import WebClient
from claude_meter.core.answers import (
    CHANGED_ORGS,
    read_account,
    read_extra,
    read_organization,
    read_organizations,
    snapshot_of,
)
from claude_meter.core.errors import UnexpectedResponse
from claude_meter.core.models import (
    Account,
    FetchError,
    Membership,
    Organization,
    OverageSpendLimit,
    Snapshot,
    SubscriptionDetails,
)
from claude_meter.core.usage import parse_usage_report
from claude_meter.fake import FakeClaude
from claude_meter.fake import scenarios as sc
from claude_meter.sources.cookies import SessionCookies
from tests.conftest import NOW, TEST_SESSION_KEY
from tests.support.fuzzing import budget
from tests.support.strategies import json_values

# -- /api/organizations ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("item", "expected"),
    [
        ({"uuid": "o"}, Organization(uuid="o")),
        ({"uuid": "o", "name": "N", "capabilities": ["chat", 7, "claude_pro"]},
         Organization(uuid="o", name="N", capabilities=("chat", "claude_pro"))),
        ({"uuid": "o", "name": 7, "capabilities": "chat"}, Organization(uuid="o")),
        ({"uuid": 7, "name": "N"}, None),
        ({"name": "N"}, None),
        (["o"], None),
        ("o", None),
        (None, None),
    ],
)  # fmt: skip
def test_an_organization_entry(item: object, expected: Organization | None) -> None:
    assert read_organization(item) == expected


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ([], []),
        ([{"uuid": "a"}, {"no": "uuid"}, {"uuid": "b"}], ["a", "b"]),
        ([{"uuid": "a"}, None, 3], ["a"]),
    ],
)
def test_the_organization_list(data: object, expected: list[str]) -> None:
    assert [org.uuid for org in read_organizations(data)] == expected


@pytest.mark.parametrize("data", [None, {}, {"uuid": "a"}, "a", 3, [None], [{"name": "x"}]])
def test_an_organization_list_of_another_shape_is_a_changed_endpoint(data: object) -> None:
    with pytest.raises(UnexpectedResponse) as caught:
        read_organizations(data)
    assert caught.value.message == CHANGED_ORGS


# -- /api/account ----------------------------------------------------------------------------


def membership(uuid: str, **more: object) -> dict[str, object]:
    return {"organization": {"uuid": uuid, **more}, "role": "admin"}


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (None, None),
        ([], None),
        ("me@example.com", None),
        ({}, Account()),
        ({"email_address": "me@example.com"}, Account(email="me@example.com")),
        ({"email_address": ""}, Account()),
        ({"email_address": 7}, Account()),
        ({"email_address": "e" * 400}, Account(email="e" * 320)),
        ({"memberships": "all"}, Account()),
        (
            {"memberships": [
                membership("a", name="A", rate_limit_tier="t"),
                {"organization": "b"},
                None,
                membership("c", name=["not", "text"]),  # the model refuses it: skipped
                {"organization": {"name": "no uuid"}},
                membership("d"),
            ]},
            Account(memberships=(
                Membership(uuid="a", name="A", rate_limit_tier="t"),
                Membership(uuid="d"),
            )),
        ),
    ],
)  # fmt: skip
def test_the_account(data: object, expected: Account | None) -> None:
    assert read_account(data) == expected


# -- extras ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (None, None),
        ([], None),
        ("x", None),
        ({"is_enabled": "sometimes"}, None),
        ({"is_enabled": "\ud800"}, None),  # JSON's "\ud800": no bool, and no crash either
        ({"disabled_until": "never", "out_of_credits": "true"},  # not a time: unknown
         OverageSpendLimit(out_of_credits=True)),
        ({"monthly_credit_limit": "1500", "is_enabled": 1},  # numbers as text, 1 for true
         OverageSpendLimit(monthly_credit_limit=1500.0, is_enabled=True)),
        # pydantic also took "yes", "on" and 1.0 for a bool, and a bool for a number; msgspec
        # does not: such an answer is no extra, as any other shape the struct does not take
        ({"is_enabled": "yes"}, None),
        ({}, OverageSpendLimit()),
        ({"is_enabled": True, "currency": "EUR", "unknown": 1},
         OverageSpendLimit(is_enabled=True, currency="EUR")),
    ],
)  # fmt: skip
def test_an_extra_is_best_effort(data: object, expected: OverageSpendLimit | None) -> None:
    assert read_extra(OverageSpendLimit, data) == expected


@pytest.mark.fuzz
@given(json_values)
@settings(max_examples=budget(share=0.1), suppress_health_check=[HealthCheck.too_slow])
def test_any_answer_is_read_or_refused_in_words(data: Any) -> None:
    """The account, the organizations and the extras of any JSON value: models, None, or
    (for the organization list) :class:`UnexpectedResponse`; never anything else."""
    read_account(data)
    read_extra(OverageSpendLimit, data)
    read_extra(SubscriptionDetails, data)
    with contextlib.suppress(UnexpectedResponse):
        read_organizations(data)


# -- one organization's snapshot -------------------------------------------------------------

REPORT = parse_usage_report({"five_hour": {"utilization": 37, "resets_at": None}})
FAILED = FetchError(kind="server", message="claude.ai had a server error.")
ME, MAX = "me@example.com", "default_max_5x"
EMPTY_PLAN = Account(memberships=(Membership(uuid="o", name="", rate_limit_tier=""),))
PLANNED = Account(
    email=ME,
    memberships=(
        Membership(uuid="o", name="Old name", rate_limit_tier="first"),
        Membership(uuid="other", name="Other", rate_limit_tier="other"),
        Membership(uuid="o", name="From the account", rate_limit_tier=MAX),  # the last counts
    ),
)


@pytest.mark.parametrize(
    ("org", "account", "expected"),
    [
        (Organization(uuid="o", name="Own"), None, ("Own", None, None)),
        (Organization(uuid="o"), None, (None, None, None)),
        (Organization(uuid="o", name="Own"), PLANNED, ("Own", ME, MAX)),
        (Organization(uuid="o"), PLANNED, ("From the account", ME, MAX)),
        (Organization(uuid="o", name=""), PLANNED, ("From the account", ME, MAX)),
        (Organization(uuid="none"), PLANNED, (None, ME, None)),
        (Organization(uuid="o", name="N" * 300), None, ("N" * 200, None, None)),
        (Organization(uuid="o"), EMPTY_PLAN, (None, None, None)),
    ],
)  # fmt: skip
def test_who_and_which_plan(
    org: Organization, account: Account | None, expected: tuple[str | None, ...]
) -> None:
    for usage in (REPORT, FAILED):
        snapshot = snapshot_of(org, account, usage, source="web", fetched_at=NOW)
        assert (snapshot.org_name, snapshot.account_email, snapshot.plan) == expected
        assert (snapshot.org_uuid, snapshot.source, snapshot.fetched_at) == (org.uuid, "web", NOW)


def test_a_report_with_its_extras_or_an_error_without_them() -> None:
    overage, subscription = OverageSpendLimit(is_enabled=True), SubscriptionDetails(status="a")
    org = Organization(uuid="o")
    good = snapshot_of(
        org,
        None,
        REPORT,
        source="extension",
        fetched_at=NOW,
        overage=overage,
        subscription=subscription,
    )
    assert (good.windows, good.extra_usage) == (REPORT.windows, REPORT.extra_usage)
    assert (good.overage, good.subscription, good.error) == (overage, subscription, None)
    failed = snapshot_of(
        org,
        None,
        FAILED,
        source="extension",
        fetched_at=NOW,
        overage=overage,
        subscription=subscription,
    )
    assert (failed.windows, failed.overage, failed.subscription) == ((), None, None)
    assert failed.error == FAILED


# -- the two routes agree --------------------------------------------------------------------


@pytest.fixture
def fake() -> Iterator[FakeClaude]:
    with FakeClaude(session_key=TEST_SESSION_KEY, now=lambda: NOW, clock=lambda: 500.0) as s:
        s.start()
        yield s


def extensions_post(server: FakeClaude, uuids: list[str]) -> dict[str, Any]:
    """What the extension posts: the answers as sent (an extra that failed: null)."""
    with httpx.Client(
        base_url=server.base_url, headers={"Cookie": f"sessionKey={TEST_SESSION_KEY}"}
    ) as http:

        def get(path: str) -> Any:
            answer = http.get(path)
            return answer.json() if answer.status_code == 200 else None

        listed = {entry["uuid"]: entry for entry in get("/api/organizations")}
        base = "/api/organizations/"
        organizations = [
            {
                "organization": listed[uuid],
                "usage": get(f"{base}{uuid}/usage"),
                "overage": get(f"{base}{uuid}/overage_spend_limit"),
                "subscription": get(f"{base}{uuid}/subscription_details"),
            }
            for uuid in uuids
        ]
        return {"version": 1, "account": get("/api/account"), "organizations": organizations}


def comparable(snapshot: Snapshot) -> dict[str, object]:
    fields = msgspec.structs.asdict(snapshot)
    del fields["source"]
    return fields


@pytest.mark.parametrize(
    "scenario", ["normal", "rising", "fraction-scale", "limits-only", "enterprise", "multi-org"]
)
def test_the_apps_fetch_and_the_extensions_post_give_the_same_snapshots(
    fake: FakeClaude, scenario: str
) -> None:
    fake.scenario = scenario
    cookies = SessionCookies.parse(f"sessionKey={TEST_SESSION_KEY}")
    with WebClient(cookies, fake.base_url, clock=lambda: NOW) as client:
        own = client.fetch().result.snapshots
    assert own
    assert all(s.error is None for s in own)
    post = extensions_post(fake, [s.org_uuid or "" for s in own])
    posted = parse_post(json.dumps(post).encode(), NOW).snapshots
    assert [s.source for s in posted] == ["extension"] * len(own)
    assert [comparable(s) for s in posted] == [comparable(s) for s in own]
    if scenario == "enterprise":
        assert any(s.overage is not None for s in own)
        assert sc.EMAIL in {s.account_email for s in own}
