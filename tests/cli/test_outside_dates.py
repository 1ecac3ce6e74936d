"""Dates from outside, year 1 to 9999 at any offset, in several zones (issue 16, findings 4).

Every path that shows or computes with a server's date runs here: the parser (named windows
and ``limits[]``), the history and its forecast (which subtracts the window's length), the
text and JSON output of ``status``, a 429's ``Retry-After`` date, and a bridge post printed as
``bridge`` prints it. Zones are POSIX ``TZ`` strings, so no time zone database is needed.
"""

from __future__ import annotations

import io
import json
import os
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claude_meter.cli import main
from claude_meter.core.server_time import EARLIEST, LATEST
from tests.conftest import TEST_SESSION_KEY
from tests.support.fuzzing import budget
from tests.support.hostile import HostileServer, answer, headers_of, hostile_server

pytestmark = pytest.mark.fuzz

ORG = "5e1f0c2a-0000-4000-8000-000000000001"
#: East and west of UTC, the extremes (+14, -11), a half-hour zone and one with summer time.
ZONES = ["UTC0", "JST-9", "LINT-14", "SST11", "IST-5:30", "PST8PDT,M3.2.0,M11.1.0"]
FAR = ["9999-12-31T23:59:59Z", "9999-12-31T23:59:59+14:00", "0001-01-01T00:00:00Z"]

outside_dates = st.builds(
    lambda moment, offset: moment.replace(tzinfo=timezone(offset)).isoformat(),
    st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59, 59)),
    st.timedeltas(
        min_value=-timedelta(hours=23, minutes=59), max_value=timedelta(hours=23, minutes=59)
    ),
) | st.sampled_from(FAR)


@pytest.fixture
def in_zone() -> Iterator[Callable[[str], None]]:
    """Switch the local zone (``TZ`` and :func:`time.tzset`); the old one comes back after."""
    before = os.environ.get("TZ")

    def switch(zone: str) -> None:
        os.environ["TZ"] = zone
        time.tzset()

    yield switch
    if before is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = before
    time.tzset()


@pytest.fixture
def claude(monkeypatch: pytest.MonkeyPatch) -> Iterator[HostileServer]:
    with hostile_server() as server:
        orgs = [{"uuid": ORG, "name": "Org", "capabilities": ["chat", "claude_pro"]}]
        server.routes["/api/organizations"] = [(0.0, answer(json.dumps(orgs).encode()))]
        server.script = [(0.0, answer(b"{}", status="404 Not Found"))]
        monkeypatch.setenv("CLAUDE_METER_BASE_URL", server.base_url)
        monkeypatch.setenv("CLAUDE_METER_COOKIE", f"sessionKey={TEST_SESSION_KEY}")
        yield server


def usage_with(server: HostileServer, resets_at: str, *, status: str = "200 OK") -> None:
    report = {
        "five_hour": {"utilization": 37.0, "resets_at": resets_at},
        "seven_day": {"utilization": 12.0, "resets_at": None},
        "limits": [
            {
                "kind": "weekly_scoped",
                "scope": {"model": {"id": "opus"}},
                "percent": 5,
                "resets_at": resets_at,
            }
        ],
    }
    server.routes[f"/api/organizations/{ORG}/usage"] = [
        (0.0, answer(json.dumps(report).encode(), status=status))
    ]


def status(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    return main(["status", "--source", "web", *args], stdout=out), out.getvalue()


def expected_reset(text: str) -> datetime | None:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    try:
        moment = moment.astimezone(UTC)
    except OverflowError:
        return None
    return moment if EARLIEST <= moment <= LATEST else None


# -- the cases the red team found ----------------------------------------------------------


@pytest.mark.parametrize("zone", ["JST-9", "UTC0", "SST11"])
@pytest.mark.parametrize("resets_at", FAR)
@pytest.mark.parametrize("form", [(), ("--json",)])
def test_far_resets_print_as_unknown_in_every_zone(
    claude: HostileServer,
    in_zone: Callable[[str], None],
    zone: str,
    resets_at: str,
    form: tuple[str, ...],
) -> None:
    in_zone(zone)
    usage_with(claude, resets_at)
    code, out = status(*form)
    assert code == 0
    if form:
        window = json.loads(out)["organizations"][0]["windows"][0]
        assert window["percent"] == 37.0
        assert window["resets_at"] is None  # "never" is unknown, not a made-up date
    else:
        assert "37" in out


@pytest.mark.parametrize("zone", ["JST-9", "LINT-14", "UTC0"])
def test_a_far_retry_after_date_is_a_rate_limit_without_a_time(
    claude: HostileServer,
    in_zone: Callable[[str], None],
    zone: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    in_zone(zone)
    claude.routes[f"/api/organizations/{ORG}/usage"] = [
        (
            0.0,
            answer(
                b"{}",
                status="429 Too Many",
                headers=[("Retry-After", "Fri, 31 Dec 9999 23:59:59 GMT")],
            ),
        )
    ]
    code, out = status("--json")
    assert code == 3
    error = json.loads(out)["organizations"][0]["error"]
    assert error["kind"] == "rate_limited"
    assert error["retry_at"] is None
    assert "Traceback" not in capsys.readouterr().err


# -- the class: any date, any offset, any zone, every path ---------------------------------


@given(resets_at=outside_dates, zone=st.sampled_from(ZONES), as_json=st.booleans())
@settings(
    max_examples=budget(ci=30, share=0.002),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
def test_any_reset_date_through_status_and_its_history(
    claude: HostileServer, in_zone: Callable[[str], None], resets_at: str, zone: str, as_json: bool
) -> None:
    in_zone(zone)
    usage_with(claude, resets_at)
    code, out = status(*(["--json"] if as_json else []))
    assert code == 0
    if as_json:
        org = json.loads(out)["organizations"][0]
        resets = {w["key"]: w["resets_at"] for w in org["windows"]}
        want = expected_reset(resets_at)
        got = resets["five_hour"]
        assert got == (None if want is None else want.isoformat().replace("+00:00", "Z"))
        assert resets["seven_day_opus"] == got
    else:
        assert "37" in out


@given(
    day=st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31)),
    zone=st.sampled_from(ZONES),
)
@settings(
    max_examples=budget(ci=60, share=0.01),
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
def test_any_retry_after_date_in_any_zone(
    in_zone: Callable[[str], None], day: datetime, zone: str
) -> None:
    from email.utils import format_datetime

    from claude_meter.clients.http_errors import Answer, raise_for_answer
    from claude_meter.core.errors import RateLimited

    in_zone(zone)
    text = format_datetime(day.replace(tzinfo=UTC), usegmt=True)
    got = Answer(429, headers_of({"retry-after": text}), b"{}")
    with pytest.raises(RateLimited) as caught:
        raise_for_answer(got, "web", datetime.now(UTC))
    retry_at = caught.value.retry_at
    assert retry_at is None or EARLIEST <= retry_at <= LATEST


@given(resets_at=outside_dates, zone=st.sampled_from(ZONES))
@settings(
    max_examples=budget(ci=40, share=0.01),
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
def test_any_reset_date_in_a_bridge_post_is_printed(
    in_zone: Callable[[str], None], resets_at: str, zone: str
) -> None:
    """What ``bridge`` does with an accepted post: record, forecast, print one JSON line."""
    from claude_meter.bridge.wire import parse_post
    from claude_meter.cli.history import record_and_forecast
    from claude_meter.cli.render import render_human, render_json

    in_zone(zone)
    post = {
        "version": 1,
        "organizations": [
            {
                "organization": {"uuid": ORG, "name": "Org"},
                "usage": {"five_hour": {"utilization": 37.0, "resets_at": resets_at}},
            }
        ],
    }
    now = datetime.now(UTC)
    result = parse_post(json.dumps(post).encode(), now)
    forecasts, _ = record_and_forecast(result, now)
    line = json.loads(render_json(result, forecasts))
    assert line["organizations"][0]["windows"][0]["percent"] == 37.0
    assert "37" in render_human(result, now=now, forecasts=forecasts)
