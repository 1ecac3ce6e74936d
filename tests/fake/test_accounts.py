"""Several accounts served side by side (:mod:`claude_meter.fake.accounts` and ``FakeClaude(
accounts=...)``), over real sockets: each credential opens its own account only."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from claude_meter.core.usage import parse_usage_report
from claude_meter.fake import (
    DEFAULT_SESSION_KEY,
    MAX_ACCOUNTS,
    PERSONAL_ACCOUNT,
    READY_MADE_ACCOUNTS,
    THIRD_ACCOUNT,
    WORK_ACCOUNT,
    FakeAccount,
    FakeClaude,
    fake_accounts,
)
from claude_meter.fake import accounts as ac
from claude_meter.fake import scenarios as sc
from tests.conftest import NOW as PURE_NOW
from tests.fake.support import AUTH_ERROR, NOW, ManualClock, usage_url

pytestmark = pytest.mark.usefixtures("no_leftover_threads")

PERMISSION_ERROR = {
    "type": "error",
    "error": {"type": "permission_error", "message": "Invalid authorization for organization"},
}


@pytest.fixture
def fake(clock: ManualClock) -> Iterator[FakeClaude]:
    with FakeClaude(accounts=READY_MADE_ACCOUNTS, clock=clock, now=lambda: NOW, seed=7) as server:
        yield server


def web(fake: FakeClaude, account: FakeAccount) -> httpx.Client:
    cookie = f"sessionKey={account.session_key}"
    return httpx.Client(base_url=fake.base_url, headers={"Cookie": cookie}, timeout=10)


def oauth(fake: FakeClaude, account: FakeAccount) -> httpx.Client:
    headers = {
        "Authorization": f"Bearer {account.oauth_token}",
        "anthropic-beta": "oauth-2025-04-20",
    }
    return httpx.Client(base_url=fake.base_url, headers=headers, timeout=10)


def usable(account: FakeAccount) -> sc.Org:
    return next(org for org in account.orgs if org.usable)


def five_hour(response: httpx.Response) -> Any:
    assert response.status_code == 200, response.text
    return response.json()["five_hour"]["utilization"]


# -- the ready-made accounts ------------------------------------------------------------------


def test_the_ready_made_accounts_differ_in_everything_a_client_could_mix_up() -> None:
    accounts = READY_MADE_ACCOUNTS
    assert [a.name for a in accounts] == ["personal", "work", "side"]
    assert accounts == (PERSONAL_ACCOUNT, WORK_ACCOUNT, THIRD_ACCOUNT)
    for field in ("email", "session_key", "oauth_token", "account_uuid", "percents"):
        assert len({getattr(a, field) for a in accounts}) == 3, field
    uuids = [org.uuid for a in accounts for org in a.orgs]
    assert len(set(uuids)) == len(uuids)
    assert not set(uuids) & {org.uuid for org in sc.ALL_ORGS}
    assert ac.check_accounts(accounts) == accounts
    # no window of one account reads the same percent as any window of another
    numbers = [set(a.percents or ()) for a in accounts]
    assert all(not (x & y) for i, x in enumerate(numbers) for y in numbers[i + 1 :])


def test_each_account_reports_its_own_numbers_and_the_app_reads_them() -> None:
    for account in READY_MADE_ACCOUNTS:
        report = ac.usage_json(account, "normal", usable(account), PURE_NOW, 0.0)
        windows = parse_usage_report(report).windows
        assert [w.percent for w in windows][:2] == list(account.percents or ())[:2]
        rising = ac.usage_json(account, "rising", usable(account), PURE_NOW, 0.0)
        assert rising == sc.usage_json("rising", usable(account), PURE_NOW, 0.0)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"name": ""}, "needs a name"),
        ({"scenario": "nope"}, "unknown scenario 'nope'"),
        ({"orgs": (sc.CONSOLE,)}, "at least one org with usage windows"),
        ({"percents": (10.0, 120.0, 0.0)}, "within 0-100"),
    ],
)
def test_a_wrong_account_is_refused(change: dict[str, Any], message: str) -> None:
    fields = {
        "name": "x",
        "email": "x@example.com",
        "session_key": "sk-ant-sid01-x",
        "oauth_token": "sk-ant-oat01-x",
        "orgs": (sc.PERSONAL,),
    }
    with pytest.raises(ValueError, match=message):
        FakeAccount(**(fields | change))


def test_accounts_that_share_something_or_clash_with_the_single_account_options() -> None:
    twin = FakeAccount("twin", "t@example.com", "k", "t", orgs=WORK_ACCOUNT.orgs)
    no_orgs = FakeAccount("bare", "b@example.com", "k2", "t2")
    for given, message in [
        ((PERSONAL_ACCOUNT, PERSONAL_ACCOUNT), "share a name"),
        ((WORK_ACCOUNT, twin), "share a organization"),
        ((PERSONAL_ACCOUNT, no_orgs), "give each its own orgs"),
    ]:
        with pytest.raises(ValueError, match=message):
            FakeClaude(accounts=given)
    with pytest.raises(ValueError, match="its own keys"):
        FakeClaude(accounts=(PERSONAL_ACCOUNT,), session_key="sk-ant-sid01-other")
    with pytest.raises(ValueError, match="maps an account's name"):
        FakeClaude(accounts=(PERSONAL_ACCOUNT,), rotate_to="sk-ant-sid02-new")
    with pytest.raises(ValueError, match="unknown account 'nobody'; served: personal, work"):
        FakeClaude(accounts=READY_MADE_ACCOUNTS[:2], rotate_to={"nobody": "k"})


# -- each credential opens its own account --------------------------------------------------


def test_each_session_sees_only_its_organizations_email_and_numbers(fake: FakeClaude) -> None:
    seen = {}
    for account in READY_MADE_ACCOUNTS:
        with web(fake, account) as client:
            orgs = client.get("/api/organizations").json()
            me = client.get("/api/account").json()
            usage = [client.get(usage_url(org)) for org in account.orgs if org.usable]
        assert [o["uuid"] for o in orgs] == [org.uuid for org in account.orgs]
        assert me["email_address"] == account.email
        assert me["uuid"] == account.account_uuid
        assert [m["organization"]["uuid"] for m in me["memberships"]] == [o["uuid"] for o in orgs]
        seen[account.name] = [five_hour(answer) for answer in usage]
    assert seen == {"personal": [21.0], "work": [58.0], "side": [86.0]}
    assert [entry.account for entry in fake.request_log] == [
        name for name in ("personal", "work", "side") for _ in range(3)
    ]
    assert fake.cross_account_requests() == []


def test_another_accounts_organization_is_refused_and_logged_as_cross_account(
    fake: FakeClaude,
) -> None:
    work_org = WORK_ACCOUNT.orgs[0]
    base = f"/api/organizations/{work_org.uuid}"
    with web(fake, PERSONAL_ACCOUNT) as client:
        refused = [client.get(f"{base}/{what}") for what in ("usage", "overage_spend_limit")]
        refused.append(client.get(f"{base}/subscription_details"))
        unknown = client.get("/api/organizations/00000000-0000-0000-0000-000000000000/usage")
        own = client.get(usage_url(PERSONAL_ACCOUNT.orgs[1]))
    for answer in refused:
        assert (answer.status_code, answer.json()) == (403, PERMISSION_ERROR)
        assert answer.headers["content-type"] == "application/json"
    assert unknown.status_code == 404
    assert own.status_code == 200
    crossed = fake.cross_account_requests()
    assert [(e.account, e.path) for e in crossed] == [
        ("personal", f"{base}/usage"),
        ("personal", f"{base}/overage_spend_limit"),
        ("personal", f"{base}/subscription_details"),
    ]
    assert all(e.authenticated for e in crossed)
    assert [e.cross_account for e in fake.request_log] == [True, True, True, False, False]


def test_the_log_names_accounts_never_their_secrets(fake: FakeClaude) -> None:
    with web(fake, WORK_ACCOUNT) as client, oauth(fake, THIRD_ACCOUNT) as api:
        client.get("/api/organizations")
        api.get("/api/oauth/usage")
    with httpx.Client(base_url=fake.base_url, timeout=10) as anonymous:
        anonymous.get("/api/organizations", headers={"Cookie": f"sessionKey={DEFAULT_SESSION_KEY}"})
        anonymous.get(usage_url(WORK_ACCOUNT.orgs[0]))
    assert [(e.account, e.authenticated) for e in fake.request_log] == [
        ("work", True),
        ("side", True),
        (None, False),  # the demo key opens nothing when accounts are given
        (None, False),
    ]
    assert fake.cross_account_requests() == []  # no credential, no account to cross
    log = repr(fake.request_log)
    for account in READY_MADE_ACCOUNTS:
        assert account.session_key not in log
        assert account.oauth_token not in log


def test_oauth_answers_the_tokens_account(fake: FakeClaude) -> None:
    for account in READY_MADE_ACCOUNTS:
        with oauth(fake, account) as api:
            profile = api.get("/api/oauth/profile").json()
            usage = api.get("/api/oauth/usage")
        assert profile["account"]["email"] == account.email
        assert profile["account"]["uuid"] == account.account_uuid
        assert profile["organization"]["uuid"] == usable(account).uuid
        assert account.percents is not None
        assert five_hour(usage) == account.percents[0]
    assert profile["account"]["has_claude_max"] is False  # the side account: Pro
    assert profile["account"]["has_claude_pro"] is True
    assert [e.account for e in fake.request_log] == ["personal"] * 2 + ["work"] * 2 + ["side"] * 2


def test_a_session_key_does_not_open_the_oauth_route_nor_a_token_the_web_one(
    fake: FakeClaude,
) -> None:
    crossed = {"Authorization": f"Bearer {PERSONAL_ACCOUNT.session_key}"}
    with oauth(fake, PERSONAL_ACCOUNT) as api:
        wrong = api.get("/api/oauth/usage", headers=crossed)
        web_with_token = api.get("/api/organizations")
    assert (wrong.status_code, wrong.json()) == (401, AUTH_ERROR)
    assert web_with_token.status_code == 401


# -- per-account scenarios ------------------------------------------------------------------


def test_one_account_expires_while_the_others_keep_answering(fake: FakeClaude) -> None:
    fake.set_scenario("work", "expired")
    assert (fake.scenario_of("work"), fake.scenario_of("personal")) == ("expired", "normal")
    assert fake.scenario == "normal"
    with web(fake, WORK_ACCOUNT) as work, web(fake, PERSONAL_ACCOUNT) as personal:
        with oauth(fake, WORK_ACCOUNT) as work_api:
            assert work.get(usage_url(WORK_ACCOUNT.orgs[0])).json() == AUTH_ERROR
            assert work_api.get("/api/oauth/usage").status_code == 401
        assert five_hour(personal.get(usage_url(PERSONAL_ACCOUNT.orgs[1]))) == 21.0
        fake.set_scenario("work", "normal")
        assert five_hour(work.get(usage_url(WORK_ACCOUNT.orgs[0]))) == 58.0


@pytest.mark.parametrize(
    ("scenario", "status"), [("cloudflare", 403), ("rate-limited", 429), ("malformed", 200)]
)
def test_one_account_challenged_or_limited_the_other_unaffected(
    fake: FakeClaude, scenario: str, status: int
) -> None:
    fake.set_scenario("personal", scenario)
    with web(fake, PERSONAL_ACCOUNT) as personal, web(fake, THIRD_ACCOUNT) as side:
        hit = personal.get(usage_url(PERSONAL_ACCOUNT.orgs[1]))
        assert five_hour(side.get(usage_url(THIRD_ACCOUNT.orgs[0]))) == 86.0
    assert hit.status_code == status
    if scenario == "cloudflare":
        assert hit.headers["cf-mitigated"] == "challenge"
    if scenario == "rate-limited":
        assert hit.headers["retry-after"] == "120"
    if scenario == "malformed":
        assert hit.content in sc.MALFORMED_BODIES


def test_rising_runs_on_each_accounts_own_clock(fake: FakeClaude, clock: ManualClock) -> None:
    fake.set_scenario("personal", "rising")
    clock.value += 60
    fake.set_scenario("side", "rising")
    with web(fake, PERSONAL_ACCOUNT) as personal, web(fake, THIRD_ACCOUNT) as side:
        assert five_hour(personal.get(usage_url(PERSONAL_ACCOUNT.orgs[1]))) == 80.0
        assert five_hour(side.get(usage_url(THIRD_ACCOUNT.orgs[0]))) == 70.0


def test_accounts_without_their_own_scenario_start_in_the_servers() -> None:
    expired = FakeAccount("gone", "g@example.com", "sk-g", "tok-g", (sc.TEAM,), "expired")
    with FakeClaude("rate-limited", accounts=(PERSONAL_ACCOUNT, expired)) as fake:
        assert (fake.scenario_of("personal"), fake.scenario_of("gone")) == (
            "rate-limited",
            "expired",
        )
        with web(fake, PERSONAL_ACCOUNT) as personal:
            assert personal.get(usage_url(PERSONAL_ACCOUNT.orgs[1])).status_code == 429


def test_setting_the_scenario_sets_every_accounts(fake: FakeClaude) -> None:
    fake.set_scenario("work", "rising")
    fake.scenario = "expired"
    assert [fake.scenario_of(a.name) for a in fake.accounts] == ["expired"] * 3
    with web(fake, THIRD_ACCOUNT) as side:
        assert side.get("/api/organizations").status_code == 401


def test_each_account_starts_in_its_own_scenario_and_names_are_checked() -> None:
    expired = FakeAccount("gone", "g@example.com", "sk-g", "tok-g", (sc.TEAM,), "expired")
    with FakeClaude(accounts=(PERSONAL_ACCOUNT, expired)) as fake:
        assert fake.accounts == (PERSONAL_ACCOUNT, expired)
        assert fake.scenario_of("gone") == "expired"
        with web(fake, expired) as client:
            assert client.get("/api/organizations").status_code == 401
        with pytest.raises(ValueError, match="unknown account 'Work'; served: personal, gone"):
            fake.set_scenario("Work", "normal")
        with pytest.raises(ValueError, match="unknown scenario 'Normal'"):
            fake.set_scenario("gone", "Normal")
        assert fake.scenario_of("gone") == "expired"


# -- sign-in and rotation per account --------------------------------------------------------


def test_rotation_stays_with_its_account(fake: FakeClaude) -> None:
    new_key = "sk-ant-sid02-work-rotated-0123456789"
    fake.rotate_session_key("work", new_key)
    with web(fake, PERSONAL_ACCOUNT) as personal, web(fake, WORK_ACCOUNT) as work:
        untouched = personal.get(usage_url(PERSONAL_ACCOUNT.orgs[1]))
        rotated = work.get(usage_url(WORK_ACCOUNT.orgs[0]))
        again = work.get(usage_url(WORK_ACCOUNT.orgs[0]))
    assert "set-cookie" not in untouched.headers
    assert rotated.headers["set-cookie"].startswith(f"sessionKey={new_key}; Path=/;")
    assert "set-cookie" not in again.headers
    with httpx.Client(base_url=fake.base_url, timeout=10) as client:
        client.cookies.set("sessionKey", new_key)
        assert [o["uuid"] for o in client.get("/api/organizations").json()] == [
            WORK_ACCOUNT.orgs[0].uuid
        ]
        login = client.get("/login", params={"account": "work", "session": "1"})
    assert login.cookies["sessionKey"] == new_key
    assert fake.request_log[-2].account == "work"
    assert new_key not in repr(fake.request_log)


def test_rotate_to_by_account_name() -> None:
    new_key = "sk-ant-sid02-side-rotated"
    with (
        FakeClaude(accounts=READY_MADE_ACCOUNTS, rotate_to={"side": new_key}) as fake,
        web(fake, PERSONAL_ACCOUNT) as personal,
        web(fake, THIRD_ACCOUNT) as side,
    ):
        assert "set-cookie" not in personal.get(usage_url(PERSONAL_ACCOUNT.orgs[1])).headers
        cookie = side.get(usage_url(THIRD_ACCOUNT.orgs[0])).headers["set-cookie"]
    assert cookie.startswith(f"sessionKey={new_key};")


def test_login_signs_in_as_the_named_account(fake: FakeClaude) -> None:
    with httpx.Client(base_url=fake.base_url, timeout=10) as client:
        page = client.get("/login", params={"account": "work"})
        first = client.get("/login?session=1")
        work = client.get("/login?account=work&session=1")
        posted = client.post("/login?account=side", data={"x": "1"})
        nobody = client.get("/login?account=nobody&session=1")
    assert 'action="/login?account=work"' in page.text
    assert 'href="/login?account=work&amp;session=1"' in page.text or (
        'href="/login?account=work&session=1"' in page.text
    )
    assert first.cookies["sessionKey"] == PERSONAL_ACCOUNT.session_key
    assert first.cookies["lastActiveOrg"] == PERSONAL_ACCOUNT.orgs[1].uuid  # not the console
    assert work.cookies["sessionKey"] == WORK_ACCOUNT.session_key
    assert work.cookies["lastActiveOrg"] == WORK_ACCOUNT.orgs[0].uuid
    assert posted.cookies["sessionKey"] == THIRD_ACCOUNT.session_key
    assert nobody.status_code == 404


# -- the single account is the demo account ------------------------------------------------


def test_without_accounts_the_demo_account_is_logged_and_unchanged() -> None:
    with FakeClaude(now=lambda: NOW) as fake:
        assert [a.name for a in fake.accounts] == ["demo"]
        assert fake.accounts[0].session_key == DEFAULT_SESSION_KEY
        with httpx.Client(
            base_url=fake.base_url,
            headers={"Cookie": f"sessionKey={DEFAULT_SESSION_KEY}"},
            timeout=10,
        ) as client:
            assert client.get("/api/account").json() == sc.account_json("normal")
            own = client.get(usage_url(sc.PERSONAL))
            foreign = client.get(usage_url(sc.TEAM))
        fake.set_scenario("demo", "expired")
        assert fake.scenario == "normal"  # the server-wide one; the demo account's is:
        assert fake.scenario_of("demo") == "expired"
    assert own.json() == sc.usage_json("normal", sc.PERSONAL, NOW, 0.0)
    assert (foreign.status_code, foreign.json()) == (403, PERMISSION_ERROR)
    assert [e.account for e in fake.request_log] == ["demo"] * 3
    assert [e.path for e in fake.cross_account_requests()] == [usage_url(sc.TEAM)]


def test_a_request_carrying_two_accounts_secrets_is_cross_account(fake: FakeClaude) -> None:
    work_token = {"Authorization": f"Bearer {WORK_ACCOUNT.oauth_token}"}
    with web(fake, PERSONAL_ACCOUNT) as personal:
        personal.get("/api/organizations")
        personal.get("/api/organizations", headers=work_token)
        personal.get(f"/api/organizations?key={THIRD_ACCOUNT.session_key}")
    plain, with_token, in_query = fake.request_log
    assert (plain.secrets_of, plain.cross_account) == (("personal",), False)
    assert (with_token.secrets_of, with_token.cross_account) == (("personal", "work"), True)
    assert (in_query.account, in_query.secrets_of) == ("personal", ("personal", "side"))
    assert fake.cross_account_requests() == [with_token, in_query]


def test_up_to_eight_accounts_each_opening_its_own_organization() -> None:
    accounts = fake_accounts(MAX_ACCOUNTS)
    assert accounts[:3] == READY_MADE_ACCOUNTS
    assert [a.name for a in accounts[3:]] == ["extra4", "extra5", "extra6", "extra7", "extra8"]
    assert fake_accounts(2) == READY_MADE_ACCOUNTS[:2]
    assert fake_accounts(MAX_ACCOUNTS) == accounts  # the same every time
    for field in ("email", "session_key", "oauth_token", "account_uuid"):
        assert len({getattr(a, field) for a in accounts}) == MAX_ACCOUNTS, field
    fives = [a.percents[0] for a in accounts if a.percents]
    every_number = [p for a in accounts for p in a.percents or ()]
    assert len(set(every_number)) == len(every_number) == 3 * MAX_ACCOUNTS
    for count in (0, MAX_ACCOUNTS + 1):
        with pytest.raises(ValueError, match="1 to 8 accounts"):
            fake_accounts(count)
    with FakeClaude(accounts=accounts, now=lambda: NOW) as fake:
        seen = []
        for account in accounts:
            with web(fake, account) as client:
                orgs = client.get("/api/organizations").json()
                seen.append(five_hour(client.get(f"/api/organizations/{orgs[-1]['uuid']}/usage")))
        with web(fake, accounts[7]) as client:
            assert client.get(usage_url(accounts[6].orgs[0])).status_code == 403
    assert seen == fives
    assert [e.account for e in fake.cross_account_requests()] == ["extra8"]
