"""No cookie or token value may appear in any output, log line or exception text.

Every scenario is run through the real CLI code with logging at DEBUG for every logger
(httpx and httpcore included), and everything that came out is searched for the secrets.
"""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from claude_meter.cli import main
from claude_meter.clients.web import WebClient
from claude_meter.fake import SCENARIOS, FakeClaude
from claude_meter.sources.cookies import SessionCookies
from tests.conftest import NOW, TEST_OAUTH_TOKEN, TEST_SESSION_KEY

ROTATED = "sk-ant-sid02-ROTATEDSECRET-99887766"
SECRETS = (TEST_SESSION_KEY, TEST_OAUTH_TOKEN, ROTATED, "TESTSECRET", "ROTATEDSECRET")


def assert_clean(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text


@pytest.mark.parametrize("scenario", SCENARIOS)
@pytest.mark.parametrize("route", ["web", "claude-code"])
def test_cli_outputs_and_logs(
    scenario: str,
    route: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    tmp_path: Path,
) -> None:
    caplog.set_level(logging.DEBUG)
    with FakeClaude(
        scenario,
        session_key=TEST_SESSION_KEY,
        oauth_token=TEST_OAUTH_TOKEN,
        rotate_to=ROTATED,
        seed=3,
    ) as server:
        server.start()
        monkeypatch.setenv("CLAUDE_METER_BASE_URL", server.base_url)
        monkeypatch.setenv("CLAUDE_METER_OAUTH_BASE_URL", server.base_url)
        if route == "web":
            monkeypatch.setenv("CLAUDE_METER_COOKIE", f"a=b; sessionKey={TEST_SESSION_KEY}")
        else:
            monkeypatch.setenv("CLAUDE_CODE_OAUTH_TOKEN", TEST_OAUTH_TOKEN)
        texts = []
        for argv in (["status"], ["status", "--json"]):
            out = io.StringIO()
            main(argv, stdout=out)
            texts.append(out.getvalue())
        assert_clean(repr(server.request_log))
    captured = capsys.readouterr()
    texts += [captured.out, captured.err, caplog.text]
    texts += [repr(r.__dict__) for r in caplog.records]
    for text in texts:
        assert_clean(text)
    assert caplog.records, "logging at DEBUG should have produced records to check"


def test_exceptions_and_models_hold_no_secret() -> None:
    with FakeClaude("normal", session_key=TEST_SESSION_KEY, rotate_to=ROTATED) as server:
        server.start()
        cookies = SessionCookies.parse(f"sessionKey={TEST_SESSION_KEY}")
        with WebClient(cookies, server.base_url, clock=lambda: NOW) as client:
            fetched = client.fetch()
            assert_clean(repr(client.cookies))
    assert fetched.rotated is not None
    assert_clean(repr(fetched))
    assert_clean(fetched.result.model_dump_json())
    server.scenario = "expired"


def test_json_output_of_a_real_process(fake_server: FakeClaude) -> None:
    fake_server.scenario = "expired"
    done = subprocess.run(
        [sys.executable, "-m", "claude_meter", "status", "--json"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={
            **os.environ,
            "CLAUDE_METER_BASE_URL": fake_server.base_url,
            "CLAUDE_METER_COOKIE": f"sessionKey={TEST_SESSION_KEY}",
        },
    )
    assert done.returncode == 2
    assert json.loads(done.stdout)["error"]["kind"] == "session_expired"
    assert_clean(done.stdout + done.stderr)
