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


def test_a_corrupt_choice_file_is_ignored_with_a_message(
    keyring_items: Items, home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config_dir().mkdir(parents=True)
    (config_dir() / "sources.json").write_text("{not json")
    t = term()
    assert run_sources(json_output=True, term=t) == 0
    assert "could not be read (not JSON) and was ignored" in texts(t)[1]
    out = io.StringIO()
    assert main(["status"], stdout=out) == 2
    assert "was ignored" in capsys.readouterr().err
