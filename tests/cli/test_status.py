"""``claude-meter status``: output forms, exit statuses, source choice, over real sockets."""

from __future__ import annotations

import io
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from claude_meter.cli import main
from claude_meter.fake import FakeClaude
from tests.cli.real_process import Env, run_command, run_python
from tests.conftest import TEST_OAUTH_TOKEN, TEST_SESSION_KEY


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    out = io.StringIO()
    status = main(argv, stdout=out)
    return status, out.getvalue(), capsys.readouterr().err


def point_at(monkeypatch: pytest.MonkeyPatch, server: FakeClaude, *, cookie: bool = True) -> None:
    monkeypatch.setenv("CLAUDE_METER_BASE_URL", server.base_url)
    monkeypatch.setenv("CLAUDE_METER_OAUTH_BASE_URL", server.base_url)
    if cookie:
        monkeypatch.setenv("CLAUDE_METER_COOKIE", f"sessionKey={TEST_SESSION_KEY}")


def test_json_shape_is_the_documented_interface(
    fake_server: FakeClaude, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    point_at(monkeypatch, fake_server)
    status, out, err = run(["status", "--json"], capsys)
    assert status == 0
    assert err == ""
    data = json.loads(out)
    assert set(data) >= {"fetched_at", "source", "organizations", "worst"}
    assert data["source"] == "web"
    assert data["fetched_at"].endswith("Z")
    org = data["organizations"][0]
    assert set(org) >= {"uuid", "name", "email", "windows", "worst", "extra_usage", "error"}
    assert org["error"] is None
    window = org["windows"][0]
    assert set(window) == {"key", "label", "percent", "resets_at", "forecast"}
    assert window == {
        "key": "five_hour",
        "label": "Session (5h)",
        "percent": 37.0,
        "resets_at": window["resets_at"],
        # one reading is not enough to forecast: every value null, never a guess
        "forecast": {"percent_at_reset": None, "wall_at": None, "fast_burn": None},
    }
    assert window["resets_at"].endswith("Z")
    assert org["worst"] == {"key": "seven_day", "percent": 64.0}
    assert data["worst"] == {"org": org["uuid"], "key": "seven_day", "percent": 64.0}
    assert org["extra_usage"]["currency"] == "USD"


def test_human_output(
    fake_server: FakeClaude, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    point_at(monkeypatch, fake_server)
    status, out, _ = run(["status"], capsys)
    assert status == 0
    lines = out.splitlines()
    assert lines[0].startswith("Personal · ")
    session = next(line for line in lines if "Session (5h)" in line)
    assert " 37%" in session
    assert "█" in session
    assert "resets in " in session
    assert "(" in session
    assert any("Extra usage" in line and "$12.50 of $50.00" in line for line in lines)
    assert "\x1b[" not in out  # not a terminal: no colour codes


@pytest.mark.parametrize(
    ("scenario", "status", "kind"),
    [
        ("normal", 0, None),
        ("rising", 0, None),
        ("fraction-scale", 0, None),
        ("limits-only", 0, None),
        ("enterprise", 0, None),
        ("multi-org", 0, None),
        ("expired", 2, "session_expired"),
        ("cloudflare", 3, "cloudflare"),
        ("rate-limited", 3, "rate_limited"),
        ("malformed", 4, "unexpected"),
    ],
)
def test_exit_status_per_scenario(
    scenario: str,
    status: int,
    kind: str | None,
    fake_server: FakeClaude,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    fake_server.scenario = scenario
    point_at(monkeypatch, fake_server)
    got, out, _ = run(["status", "--json"], capsys)
    assert got == status
    data = json.loads(out)
    errors = [data["error"]] + [o["error"] for o in data["organizations"]]
    kinds = {e["kind"] for e in errors if e}
    assert kinds == ({kind} if kind else set())


def test_no_credentials_says_how_to_connect(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(["status"], capsys)
    assert status == 2
    assert out == ""
    assert "CLAUDE_METER_COOKIE" in err
    assert "--demo" in err
    status, out, _ = run(["status", "--json"], capsys)
    assert status == 2
    assert json.loads(out)["error"]["kind"] == "not_signed_in"


def test_source_web_without_cookie(capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(["status", "--source", "web"], capsys)
    assert status == 2
    assert "No claude.ai session given" in err


def test_bad_cookie_is_not_echoed(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CLAUDE_METER_COOKIE", "sessionKey=ab\x01cd; other")
    status, out, err = run(["status"], capsys)
    assert status == 2
    assert "CLAUDE_METER_COOKIE is not usable" in err
    assert "ab\x01cd" not in out + err


def test_claude_code_source_from_home(
    fake_server: FakeClaude,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    point_at(monkeypatch, fake_server, cookie=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / ".claude").mkdir()
    (tmp_path / ".claude" / ".credentials.json").write_text(
        json.dumps(
            {
                "claudeAiOauth": {
                    "accessToken": TEST_OAUTH_TOKEN,
                    "expiresAt": 4102444800000,
                    "scopes": ["user:inference", "user:profile"],
                }
            }
        )
    )
    status, out, _ = run(["status", "--json"], capsys)  # auto falls back to Claude Code
    assert status == 0
    assert json.loads(out)["source"] == "claude-code"
    status, out, _ = run(["status", "--json", "--source", "claude-code"], capsys)
    assert status == 0
    (tmp_path / ".claude" / ".credentials.json").write_text(
        json.dumps({"claudeAiOauth": {"accessToken": TEST_OAUTH_TOKEN, "expiresAt": 1000}})
    )
    status, out, _ = run(["status", "--json", "--source", "claude-code"], capsys)
    assert status == 2
    assert "run `claude` once" in json.loads(out)["error"]["message"]


def test_missing_claude_code(capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(["status", "--source", "claude-code"], capsys)
    assert status == 2
    assert "Claude Code's sign-in was not found" in err


def test_non_loopback_override_is_refused(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CLAUDE_METER_BASE_URL", "https://attacker.example")
    monkeypatch.setenv("CLAUDE_METER_COOKIE", f"sessionKey={TEST_SESSION_KEY}")
    status, out, err = run(["status", "--json"], capsys)
    assert status == 1
    assert "may only point at this computer" in err
    assert TEST_SESSION_KEY not in out + err


def test_demo_runs_without_an_account(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(["status", "--demo", "--json", "--scenario", "multi-org"], capsys)
    assert status == 0
    data = json.loads(out)
    assert data["source"] == "demo"
    assert [o["name"] for o in data["organizations"]] == ["Personal", "Acme Team"]


def test_unknown_scenario_and_bad_usage(capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(["status", "--demo", "--scenario", "nope"], capsys)
    assert status == 1
    assert "unknown demo scenario" in err
    with pytest.raises(SystemExit) as info:
        main(["status", "--source", "carrier-pigeon"])
    assert info.value.code == 1


#: ``status --json`` run as ``claude-meter`` runs it; then which of the modules named in its
#: first argument it loaded, and its exit status, on a line of standard error of its own.
WATCH = (
    "import json, runpy, sys\n"
    "watched = json.loads(sys.argv[1])\n"
    "sys.argv = ['claude-meter', 'status', '--json']\n"
    "status = None\n"
    "try:\n    runpy.run_module('claude_meter', run_name='__main__')\n"
    "except SystemExit as e:\n    status = e.code\n"
    "loaded = [m for m in watched if m in sys.modules]\n"
    "print('LOADED', json.dumps([loaded, status]), file=sys.stderr)\n"
)


def status_json_loading(
    watched: tuple[str, ...], env: Env
) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    """``status --json`` in a real process, and which of ``watched`` it loaded (a package
    counts when any of its modules did); it must have ended with status 0."""
    done = run_python(WATCH, json.dumps(watched), env=env)
    said = [line for line in done.stderr.splitlines() if line.startswith("LOADED ")]
    assert len(said) == 1, done.stderr
    loaded, status = json.loads(said[0].removeprefix("LOADED "))
    assert status == 0, done.stderr
    return done, loaded


def test_real_process_imports_no_qt(fake_server: FakeClaude) -> None:
    # sqlite3 is allowed: status records what it fetched into the usage history.
    heavy = ("PySide6", "shiboken6", "keyring", "browser_cookie3", "cryptography")
    env = {
        "CLAUDE_METER_BASE_URL": fake_server.base_url,
        "CLAUDE_METER_COOKIE": f"sessionKey={TEST_SESSION_KEY}",
    }
    done, loaded = status_json_loading(heavy, env)
    assert loaded == [], done.stderr
    assert json.loads(done.stdout)["organizations"]


#: What ``status --json`` on the Claude Code route never needs: the cached reader with its
#: view and light settings reader (``status --cached``), the status line (whose template
#: fields only its own help lists: ``build_parser``), the tray's poll schedule (a 429's hold
#: alone reads its cap), the Firefox profiles' ini parser
#: (no Firefox here), claude.ai's client and the browsers' cookie readers; and, once a call
#: found the keyring empty, the keyring (``sources/keyring_absence.py``).
NOT_FOR_STATUS_JSON = (
    "claude_meter.cli.cached",
    "claude_meter.cli.statusline",
    "claude_meter.core.policy",
    "claude_meter.readings.preference",
    "claude_meter.readings.view",
    "configparser",
    "claude_meter.clients.web",
    "claude_meter.sources.browsers",
    "browser_cookie3",
    "keyring",
)


def test_status_json_on_the_claude_code_route_loads_only_what_it_answers_with(
    tmp_path: Path,
) -> None:
    """As ``benchmarks/peers.py`` runs it: Claude Code's sign-in, the fake over TLS, the
    keyring's ``fail`` backend; the second call in the same home is the one measured."""
    (tmp_path / ".claude").mkdir()
    (tmp_path / ".claude" / ".credentials.json").write_text(
        json.dumps({"claudeAiOauth": {"accessToken": TEST_OAUTH_TOKEN, "expiresAt": 4102444800000}})
    )
    with FakeClaude("normal", oauth_token=TEST_OAUTH_TOKEN, tls=True).start() as server:
        env = {
            "CLAUDE_METER_COOKIE": None,
            "HOME": str(tmp_path),
            "CLAUDE_METER_OAUTH_BASE_URL": server.base_url,
            "CLAUDE_METER_BASE_URL": server.base_url,
            "SSL_CERT_FILE": str(server.cert_path),
            "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
        }
        first, looked = status_json_loading(NOT_FOR_STATUS_JSON, env)
        second, loaded = status_json_loading(NOT_FOR_STATUS_JSON, env)
    assert "keyring" in looked, first.stderr  # the first call looked, once
    assert loaded == [], second.stderr
    for done in (first, second):
        assert json.loads(done.stdout)["source"] == "claude-code"
        assert TEST_OAUTH_TOKEN not in done.stdout + done.stderr


def test_version_and_help() -> None:
    done = run_command("--version")
    assert done.returncode == 0
    assert done.stdout.startswith("claude-meter ")
    done = run_command("status", "--help")
    assert done.returncode == 0
    assert "--json" in done.stdout
    assert "Traceback" not in done.stderr


def _json_of(done: subprocess.CompletedProcess[str]) -> Any:
    return json.loads(done.stdout)


def test_the_text_says_remaining_when_the_settings_do(
    fake_server: FakeClaude, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The tray's "used"/"remaining" choice holds in the terminal too; --json stays raw."""
    from claude_meter.core.settings import Settings, save_settings

    point_at(monkeypatch, fake_server)
    status, used, _ = run(["status"], capsys)
    assert status == 0
    assert " 37%  " in used
    assert "left" not in used
    save_settings(Settings(percent_shown="remaining"))
    status, left, _ = run(["status"], capsys)
    assert status == 0
    assert " 63% left  " in left
    assert " 36% left  " in left  # the weekly window, 64 % used
    status, out, _ = run(["status", "--json"], capsys)
    assert json.loads(out)["organizations"][0]["windows"][0]["percent"] == 37.0


def test_a_refusal_for_now_says_when_to_run_the_command_again(
    fake_server: FakeClaude, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The command ends at once: not the tray's "ClaudeMeter will try again"; same kinds."""
    fake_server.scenario = "rate-limited"
    point_at(monkeypatch, fake_server)
    got, out, err = run(["status"], capsys)
    assert got == 3
    assert "claude.ai is rate-limiting requests; it asks to wait until " in out
    assert ": try again then." in out
    monkeypatch.setenv("CLAUDE_METER_BASE_URL", "http://127.0.0.1:1")  # nothing listens
    got, out, err = run(["status", "--json"], capsys)
    assert got == 3
    error = json.loads(out)["error"]
    assert error["kind"] == "network"
    assert error["message"] == (
        "Can't reach claude.ai: the connection was refused. Try again in a minute."
    )
    assert "ClaudeMeter will" not in out + err


def test_an_expired_session_says_to_run_the_command_again_not_refresh(
    fake_server: FakeClaude, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A command has no Refresh: after signing in again, it is run again."""
    point_at(monkeypatch, fake_server)
    for scenario, then in (
        ("expired", "(or paste a new session), then run the command again."),
        ("cloudflare", "or use the ClaudeMeter browser extension, then run the command again."),
    ):
        fake_server.scenario = scenario
        _, out, err = run(["status", "--json"], capsys)
        data = json.loads(out)
        errors = [data["error"]] + [o["error"] for o in data["organizations"]]
        messages = [e["message"] for e in errors if e]
        assert messages, out
        assert all(m.endswith(then) for m in messages), messages
        assert "refresh" not in out + err
