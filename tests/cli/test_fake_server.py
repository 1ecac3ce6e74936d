"""``claude-meter fake-server`` (:mod:`claude_meter.cli.fake_server`): its own process serving
real HTTPS, and the refusals it explains before listening."""

from __future__ import annotations

import io
import os
import re
import socket
import ssl
import subprocess
import sys

import httpx
import pytest

from claude_meter.cli.arguments import build_parser
from claude_meter.cli.fake_server import run_fake_server
from claude_meter.fake import DEFAULT_SESSION_KEY, MAX_ACCOUNTS, READY_MADE_ACCOUNTS
from tests.e2e.processes import fake_claude_process, fake_claude_tls_process


def test_it_serves_https_and_says_how_to_point_at_it() -> None:
    argv = [sys.executable, "-m", "claude_meter", "fake-server", "--tls", "--port", "0"]
    with fake_claude_tls_process(argv, dict(os.environ)) as (base_url, cert):
        assert base_url.startswith("https://127.0.0.1:")
        trusted = ssl.create_default_context(cafile=cert)
        with httpx.Client(base_url=base_url, verify=trusted) as client:
            answer = client.get(
                "/api/organizations", headers={"Cookie": f"sessionKey={DEFAULT_SESSION_KEY}"}
            )
            refused = client.get("/api/organizations", headers={"Cookie": "sessionKey=wrong"})
    assert answer.status_code == 200
    assert answer.json()[0]["uuid"]
    assert refused.status_code in (401, 403)


def test_it_serves_the_ready_made_accounts_and_prints_each_ones_setup() -> None:
    argv = [sys.executable, "-m", "claude_meter", "fake-server", "--accounts", "3"]
    server = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        lines = [server.stdout.readline() for _ in range(12)]
    finally:
        server.terminate()
        server.wait(10)
        assert server.stdout is not None
        server.stdout.close()
    said = "".join(lines)
    base = re.search(r"at (http://\S+)\. Press Ctrl\+C", lines[0])
    assert base is not None, said
    for account in READY_MADE_ACCOUNTS:
        assert f"Account {account.name} ({account.email}):\n" in said
        assert f"  export CLAUDE_METER_COOKIE=sessionKey={account.session_key}\n" in said
        assert f"  export CLAUDE_CODE_OAUTH_TOKEN={account.oauth_token}\n" in said
    assert DEFAULT_SESSION_KEY not in said


def test_the_accounts_it_serves_answer_with_their_own_organizations() -> None:
    argv = [sys.executable, "-m", "claude_meter", "fake-server", "--accounts", "2"]
    with fake_claude_process(argv, dict(os.environ)) as base_url, httpx.Client() as client:
        for account in READY_MADE_ACCOUNTS[:2]:
            cookie = {"Cookie": f"sessionKey={account.session_key}"}
            orgs = client.get(f"{base_url}/api/organizations", headers=cookie).json()
            assert [o["uuid"] for o in orgs] == [o.uuid for o in account.orgs]
        side = {"Cookie": f"sessionKey={READY_MADE_ACCOUNTS[2].session_key}"}
        assert client.get(f"{base_url}/api/organizations", headers=side).status_code == 401


def refusal(capsys: pytest.CaptureFixture[str], **given: object) -> str:
    out = io.StringIO()
    options: dict[str, object] = {"scenario": "normal", "host": "127.0.0.1", "port": 0}
    assert run_fake_server(**{**options, "tls": False, **given}, out=out) == 1  # type: ignore[arg-type]
    assert out.getvalue() == ""
    return capsys.readouterr().err


def test_an_unknown_scenario_names_the_known_ones(capsys: pytest.CaptureFixture[str]) -> None:
    said = refusal(capsys, scenario="no-such-scenario")
    assert "unknown scenario 'no-such-scenario'; choose one of: normal," in said


@pytest.mark.parametrize("count", [0, 9])
def test_accounts_out_of_range_are_refused(capsys: pytest.CaptureFixture[str], count: int) -> None:
    assert "--accounts takes 1 to 8." in refusal(capsys, accounts=count)


def test_the_parser_takes_as_many_accounts_as_the_fake_makes(
    capsys: pytest.CaptureFixture[str],
) -> None:
    parser = build_parser()
    assert parser.parse_args(["fake-server", "--accounts", str(MAX_ACCOUNTS)]).accounts == 8
    with pytest.raises(SystemExit):
        parser.parse_args(["fake-server", "--accounts", str(MAX_ACCOUNTS + 1)])
    assert "--accounts: invalid choice: 9" in capsys.readouterr().err


ELSEWHERE = ["0.0.0.0", "192.0.2.1", "example.com"]  # noqa: S104 - refused, never bound


@pytest.mark.parametrize("host", ELSEWHERE)
def test_it_listens_on_loopback_only(capsys: pytest.CaptureFixture[str], host: str) -> None:
    assert "loopback addresses only" in refusal(capsys, host=host)


def test_a_port_in_use_is_explained(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        said = refusal(capsys, port=port)
    assert f"cannot listen on 127.0.0.1:{port}: Address already in use" in said
