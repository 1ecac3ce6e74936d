"""``claude-meter fake-server`` (:mod:`claude_meter.cli.fake_server`): its own process serving
real HTTPS, and the refusals it explains before listening."""

from __future__ import annotations

import io
import os
import socket
import ssl
import sys

import httpx
import pytest

from claude_meter.cli.fake_server import run_fake_server
from claude_meter.fake import DEFAULT_SESSION_KEY
from tests.e2e.processes import fake_claude_tls_process


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


def refusal(capsys: pytest.CaptureFixture[str], **given: object) -> str:
    out = io.StringIO()
    options: dict[str, object] = {"scenario": "normal", "host": "127.0.0.1", "port": 0}
    assert run_fake_server(**{**options, "tls": False, **given}, out=out) == 1  # type: ignore[arg-type]
    assert out.getvalue() == ""
    return capsys.readouterr().err


def test_an_unknown_scenario_names_the_known_ones(capsys: pytest.CaptureFixture[str]) -> None:
    said = refusal(capsys, scenario="no-such-scenario")
    assert "unknown scenario 'no-such-scenario'; choose one of: normal," in said


ELSEWHERE = ["0.0.0.0", "192.0.2.1", "example.com"]  # noqa: S104 - refused, never bound


@pytest.mark.parametrize("host", ELSEWHERE)
def test_it_listens_on_loopback_only(capsys: pytest.CaptureFixture[str], host: str) -> None:
    assert "loopback addresses only" in refusal(capsys, host=host)


def test_a_port_in_use_is_explained(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        said = refusal(capsys, port=port)
    assert f"cannot listen on 127.0.0.1:{port}: Address already in use" in said
