"""``sources``: every source in ``auto``'s order, with no secret value, over real files."""

from __future__ import annotations

import io
import json
import logging
from pathlib import Path

import pytest

from claude_meter.cli import main
from claude_meter.cli.sources import run_sources
from claude_meter.core.paths import config_dir
from tests.cli.real_process import run_command
from tests.cli.test_credentials import (  # helpers login's tests use too
    LONG_AGO,
    STALE,
    Items,
    assert_clean,
    browser_profile,
    store,
    term,
    texts,
)
from tests.conftest import TEST_OAUTH_TOKEN, TEST_SESSION_KEY


def test_sources_json_lists_everything_and_no_secret(
    keyring_items: Items,
    home: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    store(keyring_items, TEST_SESSION_KEY)
    browser_profile(home, "Default", TEST_SESSION_KEY)
    browser_profile(home, "Profile 1", STALE, expires=LONG_AGO)
    (home / ".claude").mkdir()
    (home / ".claude/.credentials.json").write_text(json.dumps({"claudeAiOauth": {
        "accessToken": TEST_OAUTH_TOKEN, "expiresAt": 4102444800000, "scopes": ["user:inference"]
    }}))  # fmt: skip
    monkeypatch.setenv("CLAUDE_METER_COOKIE", f"sessionKey={TEST_SESSION_KEY}")
    t = term()
    assert run_sources(json_output=True, term=t) == 0
    out, err = texts(t)
    data = json.loads(out)
    assert data["auto_order"] == ["environment", "stored", "browser", "claude-code"]
    kinds = [(s["kind"], s["state"]) for s in data["sources"]]
    assert kinds == [
        ("environment", "present"),
        ("stored", "present"),
        ("browser", "signed_in"),
        ("browser", "expired"),
        ("claude-code", "missing_scope"),
    ]
    browser = data["sources"][2]
    assert browser["browser"] == "chromium"
    assert browser["profile"] == "Default"
    assert browser["org_hint"] == "org-a"
    assert browser["cookie_age_seconds"] > 0
    assert browser["cookie_created_at"] == "2026-11-20T00:00:00Z"
    t2 = term()
    assert run_sources(json_output=False, term=t2) == 0
    human, err2 = texts(t2)
    assert "Chromium (Default)" in human
    assert "expired on 2020-01-01" in human
    assert_clean(out, err, human, err2, caplog.text)


def test_sources_without_anything(home: Path) -> None:
    t = term()
    assert run_sources(json_output=True, term=t) == 0
    states = [(s["kind"], s["state"]) for s in json.loads(texts(t)[0])["sources"]]
    assert states == [
        ("environment", "missing"),
        ("stored", "unavailable"),
        ("browser", "missing"),
        ("claude-code", "missing"),
    ]
    t = term()
    assert run_sources(json_output=False, term=t) == 0
    lines = texts(t)[0].splitlines()
    browsers = next(line for line in lines if line.lstrip().startswith("Browsers"))
    assert browsers.split(None, 1)[1].startswith("no browser profile found (looked for Chrome")
    summaries = [line[43:] for line in lines[1:5]]  # each as a state, none a sentence
    assert all(s[0].islower() and not s.endswith(".") for s in summaries), summaries


def test_a_source_that_cannot_be_read_is_a_state_with_what_to_do_under_it(home: Path) -> None:
    """Like the other lines, an unreadable profile's line is a state ("cookies could not be
    read"), not its message's capitalised sentence, which follows on a line of its own."""
    browser_profile(home, "Profile 1", STALE, expires=LONG_AGO)
    (home / ".config/chromium/Default").mkdir(parents=True)
    (home / ".config/chromium/Default/Cookies").write_bytes(b"not a database")
    (home / ".claude").mkdir()
    (home / ".claude/.credentials.json").write_text("{damaged")
    t = term()
    assert run_sources(json_output=False, term=t) == 0
    lines = texts(t)[0].splitlines()
    states = {line[:43].strip(): line[43:] for line in lines[1:] if line[:43].strip()}
    assert states["Chromium (Default)"] == "cookies could not be read"
    assert states["Chromium (Profile 1)"] == "claude.ai session expired"
    assert states["Claude Code"] == "sign-in could not be read"
    advice = [line[43:] for line in lines[1:] if line.startswith(" " * 43)]
    assert advice[0].startswith("Chromium (Default)'s cookie file is not a cookie database")
    assert advice[1].startswith("The claude.ai session in Chromium (Profile 1) expired on 2020-")
    assert advice[2].startswith("Claude Code's credentials (")
    t = term()
    assert run_sources(json_output=True, term=t) == 0  # the JSON keeps both, as it did
    entries = {e["label"]: e for e in json.loads(texts(t)[0])["sources"]}
    assert entries["Chromium (Default)"]["state"] == "unreadable"
    assert entries["Chromium (Default)"]["message"] == advice[0]
    assert entries["Claude Code"]["message"] == advice[2]


def test_an_unusable_cookie_variable_is_a_state_with_why_under_it(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its line was the whole sentence, in the column where every other line has a state."""
    monkeypatch.setenv("CLAUDE_METER_COOKIE", f"sessionKey {TEST_SESSION_KEY}")
    t = term()
    assert run_sources(json_output=False, term=t) == 0
    out, err = texts(t)
    lines = out.splitlines()
    assert lines[1] == f"  {'CLAUDE_METER_COOKIE':<40} set, but not usable"
    assert lines[2] == " " * 43 + (
        "CLAUDE_METER_COOKIE is not usable: a bare sessionKey value has no spaces or semicolons."
    )
    t = term()
    assert run_sources(json_output=True, term=t) == 0
    entry = json.loads(texts(t)[0])["sources"][0]
    assert (entry["state"], entry["summary"]) == ("invalid", "set, but not usable")
    assert entry["message"] == lines[2].strip()
    assert_clean(out, err, texts(t)[0])


def test_a_corrupt_choice_file_is_ignored_with_a_message(
    keyring_items: Items, home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config_dir().mkdir(parents=True)
    (config_dir() / "sources.json").write_text("{not json")
    ignored = (
        f"claude-meter: the remembered source choice in {config_dir() / 'sources.json'} could "
        "not be read (not valid JSON (line 1, column 2: expecting property name enclosed in "
        "double quotes)) and was ignored; pick a source again with `claude-meter login`."
    )
    out = io.StringIO()
    assert main(["sources", "--json"], stdout=out) == 0
    assert capsys.readouterr().err.splitlines() == [ignored]  # read three times, said once
    assert main(["status"], stdout=out) == 2
    assert capsys.readouterr().err.splitlines()[0] == ignored


def test_a_damaged_file_is_said_once_by_a_real_process(
    keyring_items: Items, home: Path, tmp_path: Path
) -> None:
    """Without a handler Python's last resort printed the log's bare line before the command's
    own: two lines, two forms. Settings too: its notice only, not also the log's line."""
    config_dir().mkdir(parents=True)
    (config_dir() / "sources.json").write_text("{not json")
    (config_dir() / "settings.json").write_text("{not json")
    done = run_command("accounts")
    lines = done.stderr.splitlines()
    assert done.returncode == 0, done.stderr
    assert [line.split(" (")[0] for line in lines] == [
        "claude-meter: Your settings could not be read",
        f"claude-meter: the remembered source choice in {config_dir() / 'sources.json'} could "
        "not be read",
    ]
    done = run_command("sources")
    assert done.stderr.splitlines() == lines[1:]
