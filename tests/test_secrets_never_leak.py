"""No cookie or token value may appear in any output, log line or exception text.

Every scenario is run through the real CLI code with logging at DEBUG for every logger,
and everything that came out is searched for the secrets.
"""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import msgspec
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
    assert_clean(msgspec.json.encode(fetched.result).decode())
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


# -- several accounts: no account's secret in another's requests, or anywhere it is not sent --


@pytest.mark.parametrize("expired", [None, "work"])
def test_no_account_secret_goes_astray(
    expired: str | None,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    tmp_path: Path,
) -> None:
    """Every accounts command and status over three accounts (the default one stored by
    login, one pasted, one browser profile, one Claude Code folder): each request carries one
    account's secret and asks only that account's organizations; no secret in any output, log
    line, settings or state file, and each keyring entry holds its own account's only."""
    from claude_meter.core.paths import config_dir, data_dir, state_dir
    from claude_meter.core.settings import Settings, save_settings
    from claude_meter.fake.accounts import PERSONAL_ACCOUNT, THIRD_ACCOUNT, WORK_ACCOUNT
    from claude_meter.sources.keyring_store import SERVICE, SESSION_ENTRY
    from tests.sources.memory_keyring import SharedMemoryKeyring
    from tests.sources.profiles import chromium_profile

    accounts = (PERSONAL_ACCOUNT, WORK_ACCOUNT, THIRD_ACCOUNT)
    secrets = [s for a in accounts for s in (a.session_key, a.oauth_token)]
    caplog.set_level(logging.DEBUG)
    home = tmp_path / "home"
    monkeypatch.setenv("HOME", str(home))
    SharedMemoryKeyring.shared.clear()
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "tests.sources.memory_keyring.SharedMemoryKeyring")
    items = SharedMemoryKeyring.shared
    items[(SERVICE, SESSION_ENTRY)] = f"sessionKey={PERSONAL_ACCOUNT.session_key}"
    chromium_profile(
        home / ".config/chromium", "Default", {"sessionKey": THIRD_ACCOUNT.session_key}
    )
    agent = home / "agent"
    agent.mkdir(parents=True)
    (agent / ".credentials.json").write_text(json.dumps({"claudeAiOauth": {
        "accessToken": WORK_ACCOUNT.oauth_token, "expiresAt": 4102444800000,
    }}))  # fmt: skip
    texts: list[str] = []

    def run(*argv: str, stdin: str = "") -> None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        out = io.StringIO()
        main(list(argv), stdout=out)
        captured = capsys.readouterr()
        texts.extend([out.getvalue(), captured.out, captured.err])

    with FakeClaude("normal", accounts=accounts).start() as server:
        if expired:
            server.set_scenario(expired, "expired")
        monkeypatch.setenv("CLAUDE_METER_BASE_URL", server.base_url)
        monkeypatch.setenv("CLAUDE_METER_OAUTH_BASE_URL", server.base_url)
        save_settings(Settings())
        run("accounts", "add", "Work", "--paste", stdin=f"sessionKey={WORK_ACCOUNT.session_key}")
        run("accounts", "add", "Side", "--browser", "chromium")
        run("accounts", "add", "Agent", "--claude-config", str(agent))
        run("accounts", "add", f"sessionKey={WORK_ACCOUNT.session_key}", "--extension")
        run("accounts")
        run("accounts", "--json")
        for argv in (["status"], ["status", "--json"], ["status", "--account", "Work"]):
            run(*argv)
        run("sources")
        run("sources", "--json")
        run("sources", "--add")
        run("accounts", "rename", "Work", "Initech")
        run("accounts", "remove", "Initech")
        for request in server.request_log:
            assert set(request.secrets_of) <= {request.account}, request.path
        assert server.cross_account_requests() == []
        assert {r.account for r in server.request_log} >= {"personal", "work", "side"}
        assert_clean(repr(server.request_log))
    files = [p for d in (config_dir(), data_dir(), state_dir()) if d.exists() for p in d.rglob("*")]
    texts += [p.read_bytes().decode("utf-8", "replace") for p in files if p.is_file()]
    texts += [caplog.text, *(repr(r.__dict__) for r in caplog.records)]
    for text in texts:
        for secret in secrets:
            assert secret not in text
    assert any("Side" in t for t in texts)  # the commands did run
    for (_service, entry), value in items.items():
        owners = [a.name for a in accounts if a.session_key in value]
        assert len(owners) == 1, entry
    SharedMemoryKeyring.shared.clear()


def test_the_records_that_carry_a_secret_never_show_it() -> None:
    """A pasted session or a found sign-in's cookies travel in records (msgspec Structs):
    their repr, and so any log line or exception that quotes one, leaves the secret out."""
    from claude_meter.qt.add_account import AddChoice
    from claude_meter.qt.new_session import NewSession
    from claude_meter.sources.discovery import Found

    cookies = SessionCookies.parse(f"sessionKey={TEST_SESSION_KEY}")
    found = Found("browser", "Chromium (Default)", browser="chromium", cookies=cookies)
    pasted = f"sessionKey={TEST_SESSION_KEY}"
    records = (
        found,
        AddChoice("Work", found=found),
        AddChoice("Work", pasted=pasted),
        NewSession(pasted, other_email_ok=True),
    )
    for record in records:
        assert_clean(repr(record))
        assert_clean(str(record))
        assert_clean(f"{[record]}")
    assert repr(found).startswith("Found(kind='browser', label='Chromium (Default)'")
    assert "name='Work'" in repr(records[2])
    assert found == Found("browser", "Chromium (Default)", browser="chromium")  # not compared
