"""The fake claude.ai, exercised over real sockets the way the clients will use it."""

from __future__ import annotations

import ssl
import threading
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest
from cryptography import x509

from claude_meter.fake import (
    DEFAULT_OAUTH_TOKEN,
    DEFAULT_SESSION_KEY,
    SCENARIOS,
    FakeClaude,
    run_forever,
)
from claude_meter.fake import scenarios as sc
from tests.fake.support import (
    AUTH_ERROR,
    ISO_MICRO,
    ISO_Z,
    NOW,
    SESSION_COOKIE,
    get_usage,
    oauth,
    percents,
    usage_url,
    web,
)

pytestmark = pytest.mark.usefixtures("no_leftover_threads")


# -- lifecycle ------------------------------------------------------------------------------


def test_unknown_scenario_is_refused_with_the_valid_names(fake: FakeClaude) -> None:
    with pytest.raises(ValueError, match=r"unknown scenario 'nope'.*rising.*malformed"):
        FakeClaude("nope")
    with pytest.raises(ValueError, match="fraction-scale"):
        fake.scenario = "Normal"
    assert fake.scenario == "normal"


def test_all_scenarios_construct_and_serve_organizations() -> None:
    for name in SCENARIOS:
        with FakeClaude(name, seed=1) as server, web(server) as client:
            assert server.base_url == f"http://127.0.0.1:{server.port}"
            if name not in ("flaky", "cloudflare", "expired"):
                assert client.get("/api/organizations").status_code == 200


def test_stop_is_idempotent_and_port_needs_a_running_server() -> None:
    server = FakeClaude()
    with pytest.raises(RuntimeError, match="start"):
        _ = server.port
    server.start()
    assert server.start() is server
    server.stop()
    server.stop()
    with pytest.raises(RuntimeError):
        _ = server.base_url


def test_run_forever_stops_cleanly_on_ctrl_c(
    fake: FakeClaude, monkeypatch: pytest.MonkeyPatch
) -> None:
    thread = fake._thread
    assert thread is not None
    real_join = thread.join

    def interrupted(timeout: float | None = None) -> None:
        monkeypatch.setattr(thread, "join", real_join)  # stop() joins it for real
        raise KeyboardInterrupt

    monkeypatch.setattr(thread, "join", interrupted)
    run_forever(fake)
    with pytest.raises(RuntimeError):
        _ = fake.port


def test_run_forever_returns_when_the_server_is_stopped_elsewhere() -> None:
    server = FakeClaude().start()
    runner = threading.Thread(target=run_forever, args=(server,))
    runner.start()
    server.stop()
    runner.join(5)
    assert not runner.is_alive()


# -- web route: authentication ---------------------------------------------------------------


@pytest.mark.parametrize(
    "cookie",
    [None, "sessionKey=sk-ant-sid01-wrong", "sessionkey=" + DEFAULT_SESSION_KEY, "other=1"],
)
def test_web_calls_without_the_session_cookie_get_401(fake: FakeClaude, cookie: str | None) -> None:
    with web(fake, cookie) as client:
        for path in ("/api/organizations", "/api/account", usage_url(sc.PERSONAL)):
            response = client.get(path)
            assert response.status_code == 401
            assert response.headers["content-type"] == "application/json"
            assert response.json() == AUTH_ERROR
    assert [entry.authenticated for entry in fake.request_log] == [False] * 3


def test_session_cookie_among_browser_cookies_is_accepted(fake: FakeClaude) -> None:
    cookie = f'cf_clearance=a.b-c; __cf_bm=x=y; {SESSION_COOKIE}; lastActiveOrg="{sc.TEAM.uuid}"'
    with web(fake, cookie) as client:
        assert client.get("/api/organizations").status_code == 200
    assert fake.request_log[0].authenticated


def test_unknown_paths_and_methods_get_404_json(fake: FakeClaude) -> None:
    with web(fake) as client:
        for response in (client.get("/api/nope"), client.get("/"), client.post("/api/account")):
            assert response.status_code == 404
            assert response.json()["error"]["type"] == "not_found_error"


# -- web route: normal scenario ----------------------------------------------------------------


def test_organizations_list_a_console_org_first(fake: FakeClaude) -> None:
    with web(fake) as client:
        orgs = client.get("/api/organizations").json()
    assert [(o["name"], o["capabilities"]) for o in orgs] == [
        ("Demo Console", ["api"]),
        ("Personal", ["chat", "claude_max"]),
    ]
    expected = {"uuid", "name", "capabilities", "created_at", "updated_at", "settings"}
    assert all(expected | {"active_flags"} <= set(org) for org in orgs)


def test_account_lists_every_membership(fake: FakeClaude) -> None:
    with web(fake) as client:
        account = client.get("/api/account").json()
    assert account["email_address"] == "demo@example.com"
    orgs = [m["organization"] for m in account["memberships"]]
    assert [o["uuid"] for o in orgs] == [sc.CONSOLE.uuid, sc.PERSONAL.uuid]
    assert set(orgs[1]) == {"uuid", "name", "rate_limit_tier", "billing_type"}


def test_normal_usage_report(fake: FakeClaude) -> None:
    report = get_usage(fake)
    utilization = {
        key: value and value["utilization"]
        for key, value in report.items()
        if key not in ("limits", "extra_usage")
    }
    assert utilization == {
        "five_hour": 37.0,
        "seven_day": 64.0,
        "seven_day_sonnet": 12.0,
        "seven_day_opus": None,
        "seven_day_oauth_apps": 8.0,
        "seven_day_cowork": None,
        "seven_day_omelette": 0.0,
        "iguana_necktie": None,
    }
    assert report["seven_day_omelette"] == {"utilization": 0.0, "resets_at": None}
    assert report["extra_usage"] == {
        "is_enabled": True,
        "monthly_limit": 5000,
        "used_credits": 1250.0,
        "utilization": 25.0,
        "currency": "USD",
        "decimal_places": 2,
    }
    assert percents(report) == [
        ("session", 37, None),
        ("weekly_all", 64, None),
        ("weekly_scoped", 12, "Sonnet"),
    ]


def test_resets_at_follow_now_in_both_iso_forms(fake: FakeClaude) -> None:
    report = get_usage(fake)
    five = report["five_hour"]["resets_at"]
    week = report["seven_day"]["resets_at"]
    assert ISO_MICRO.match(five)
    assert ISO_MICRO.match(week)
    assert timedelta(0) < datetime.fromisoformat(five) - NOW <= timedelta(hours=5)
    assert timedelta(hours=5) < datetime.fromisoformat(week) - NOW <= timedelta(days=7)
    session, weekly = report["limits"][:2]
    assert ISO_Z.match(session["resets_at"])
    assert datetime.fromisoformat(session["resets_at"]) == datetime.fromisoformat(five)
    assert datetime.fromisoformat(weekly["resets_at"]) == datetime.fromisoformat(week)


def test_console_org_and_optional_endpoints(fake: FakeClaude) -> None:
    base = "/api/organizations/"
    with web(fake) as client:
        console_usage = client.get(usage_url(sc.CONSOLE)).json()
        overage = client.get(f"{base}{sc.PERSONAL.uuid}/overage_spend_limit")
        no_overage = client.get(f"{base}{sc.CONSOLE.uuid}/overage_spend_limit")
        subscription = client.get(f"{base}{sc.PERSONAL.uuid}/subscription_details")
        broken = client.get(f"{base}{sc.CONSOLE.uuid}/subscription_details")
    assert console_usage["five_hour"] is None
    assert console_usage["seven_day"] is None
    assert console_usage["limits"] == []
    assert overage.json()["monthly_credit_limit"] == 5000
    assert overage.json()["currency"] == "USD"
    assert no_overage.status_code == 404
    assert subscription.json()["status"] == "active"
    assert broken.status_code == 500


def test_unknown_org_is_404_and_someone_elses_org_is_403(fake: FakeClaude) -> None:
    with web(fake) as client:
        unknown = client.get("/api/organizations/00000000-0000-0000-0000-000000000000/usage")
        foreign = client.get(usage_url(sc.TEAM))
    assert unknown.status_code == 404
    assert unknown.json()["error"]["type"] == "not_found_error"
    assert foreign.status_code == 403
    assert foreign.json() == {
        "type": "error",
        "error": {"type": "permission_error", "message": "Invalid authorization for organization"},
    }


# -- OAuth route ------------------------------------------------------------------------------


def test_oauth_usage_matches_the_first_usable_org(fake: FakeClaude) -> None:
    with oauth(fake) as client:
        response = client.get("/api/oauth/usage")
    assert response.status_code == 200
    assert response.json() == get_usage(fake)
    assert fake.request_log[0].authenticated


def test_oauth_profile(fake: FakeClaude) -> None:
    with oauth(fake, **{"anthropic-beta": "other-2025-01-01,oauth-2025-04-20"}) as client:
        profile = client.get("/api/oauth/profile").json()
    assert profile["account"] == {
        "uuid": sc.ACCOUNT_UUID,
        "email": "demo@example.com",
        "display_name": "Demo User",
        "has_claude_max": True,
        "has_claude_pro": False,
    }
    assert profile["organization"]["uuid"] == sc.PERSONAL.uuid
    assert set(profile["organization"]) == {
        "uuid",
        "name",
        "organization_type",
        "billing_type",
        "rate_limit_tier",
        "subscription_status",
    }


def test_oauth_auth_and_beta_header(fake: FakeClaude) -> None:
    with oauth(fake, Authorization="Bearer sk-ant-oat01-wrong") as client:
        wrong = client.get("/api/oauth/usage")
    with oauth(fake, Cookie=SESSION_COOKIE, Authorization="") as client:
        cookie_only = client.get("/api/oauth/usage")
    with oauth(fake, **{"anthropic-beta": ""}) as client:
        no_beta = client.get("/api/oauth/usage")
    assert (wrong.status_code, wrong.json()) == (401, AUTH_ERROR)
    assert cookie_only.status_code == 401
    assert no_beta.status_code == 400
    assert no_beta.json()["error"]["type"] == "invalid_request_error"
    assert no_beta.headers["content-type"] == "application/json"


# -- login, rotation, TLS, the log -------------------------------------------------------------


def test_login_sets_the_session_cookie_like_claude_ai(fake: FakeClaude) -> None:
    with web(fake, cookie=None) as client:
        page = client.get("/login")
        signed_in = client.get("/login?session=1")
        assert client.get("/api/organizations").status_code == 200
        posted = client.post("/login", data={"x": "1"})
    assert page.status_code == 200
    assert "set-cookie" not in page.headers
    assert "Signed in" in signed_in.text
    session, last_org = signed_in.headers.get_list("set-cookie")
    assert session == (
        f"sessionKey={DEFAULT_SESSION_KEY}; Path=/; HttpOnly; SameSite=Lax; Max-Age=2592000"
    )
    assert last_org.startswith(f"lastActiveOrg={sc.PERSONAL.uuid}; Path=/;")
    assert posted.headers.get_list("set-cookie")[0] == session


def test_rotation_sends_the_new_key_once_then_accepts_both() -> None:
    new_key = "sk-ant-sid02-rotated-0123456789"
    with FakeClaude(rotate_to=new_key) as server, web(server) as client:
        first = client.get(usage_url(sc.PERSONAL))
        second = client.get(usage_url(sc.PERSONAL))
        with web(server, f"sessionKey={new_key}") as rotated:
            assert rotated.get("/api/organizations").status_code == 200
            login = rotated.get("/login?session=1")
        assert first.headers["set-cookie"].startswith(f"sessionKey={new_key}; Path=/;")
        assert "set-cookie" not in second.headers
        assert second.status_code == 200
        assert login.cookies["sessionKey"] == new_key
        assert new_key not in repr(server.request_log)


def test_tls_mode_with_the_generated_certificate() -> None:
    with FakeClaude(tls=True) as server:
        assert server.base_url == f"https://127.0.0.1:{server.port}"
        assert server.cert_path is not None
        cert_path = Path(server.cert_path)
        assert cert_path.read_bytes() == server.cert_pem
        context = ssl.create_default_context(cafile=server.cert_path)
        with pytest.raises(httpx.ConnectError), httpx.Client(timeout=10) as untrusting:
            untrusting.get(f"{server.base_url}/api/organizations")
        with web(server, cookie=None) as plain_http:
            plain_http.base_url = httpx.URL(server.base_url.replace("https", "http"))
            with pytest.raises(httpx.TransportError):
                plain_http.get("/api/organizations")
        with httpx.Client(base_url=server.base_url, verify=context, timeout=10) as client:
            login = client.get("/login?session=1")
            orgs = client.get("/api/organizations")
        assert "Secure; HttpOnly" in login.headers["set-cookie"]
        assert orgs.status_code == 200
        cert = x509.load_pem_x509_certificate(server.cert_pem or b"")
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        assert set(san.get_values_for_type(x509.DNSName)) == {
            "localhost",
            "claude.ai",
            "api.anthropic.com",
        }
        assert {str(ip) for ip in san.get_values_for_type(x509.IPAddress)} == {"127.0.0.1", "::1"}
    assert not cert_path.exists()
    assert server.cert_path is None


def test_request_log_redacts_secrets(fake: FakeClaude) -> None:
    with web(fake, f"a=b; {SESSION_COOKIE}") as client, oauth(fake) as api:
        client.get("/api/organizations")
        api.get("/api/oauth/usage")
    web_entry, oauth_entry = fake.request_log
    assert (web_entry.method, web_entry.path) == ("GET", "/api/organizations")
    assert web_entry.headers["Cookie"] == "<redacted>"
    assert oauth_entry.headers["Authorization"] == "<redacted>"
    assert oauth_entry.headers["anthropic-beta"] == "oauth-2025-04-20"
    log = repr(fake.request_log)
    assert DEFAULT_SESSION_KEY not in log
    assert DEFAULT_OAUTH_TOKEN not in log
