"""``login``, ``logout`` and the ``auto`` order, over real sockets and real files."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from claude_meter.cli import main
from claude_meter.cli.credentials import Terminal, run_login, run_logout
from claude_meter.core.paths import config_dir
from claude_meter.fake import FakeClaude
from claude_meter.sources.choice import load_choice
from claude_meter.sources.keyring_store import SERVICE, SESSION_ENTRY, SessionStore
from tests.conftest import TEST_OAUTH_TOKEN, TEST_SESSION_KEY
from tests.sources.memory_keyring import SharedMemoryKeyring
from tests.sources.profiles import chromium_profile

LONG_AGO = datetime(2020, 1, 1, tzinfo=UTC)
Items = dict[tuple[str, str], str]
ROTATED = "sk-ant-sid02-ROTATEDSECRET-0011223344"
STALE = "sk-ant-sid01-STALESECRET-5566778899"
SECRETS = (TEST_SESSION_KEY, TEST_OAUTH_TOKEN, ROTATED, STALE, "SECRET")


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeClaude]:
    with FakeClaude("normal", session_key=TEST_SESSION_KEY, oauth_token=TEST_OAUTH_TOKEN) as fake:
        monkeypatch.setenv("CLAUDE_METER_BASE_URL", fake.base_url)
        monkeypatch.setenv("CLAUDE_METER_OAUTH_BASE_URL", fake.base_url)
        yield fake


def browser_profile(home: Path, name: str, key: str, org: str = "org-a", **kw: Any) -> None:
    chromium_profile(
        home / ".config/chromium", name, {"sessionKey": key, "lastActiveOrg": org}, **kw
    )


def store(items: dict[tuple[str, str], str], key: str) -> None:
    items[(SERVICE, SESSION_ENTRY)] = f"sessionKey={key}"


def status(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, Any, str]:
    out = io.StringIO()
    code = main(["status", "--json", *args], stdout=out)
    return code, json.loads(out.getvalue()), capsys.readouterr().err


def first_org_call_authenticated(server: FakeClaude) -> bool:
    return next(r for r in server.request_log if r.path == "/api/organizations").authenticated


def term(stdin: str = "") -> Terminal:
    import os

    return Terminal(env=os.environ, stdin=io.StringIO(stdin), out=io.StringIO(), err=io.StringIO())


def texts(t: Terminal) -> tuple[str, str]:
    assert isinstance(t.out, io.StringIO)
    assert isinstance(t.err, io.StringIO)
    return t.out.getvalue(), t.err.getvalue()


def assert_clean(*chunks: str) -> None:
    for chunk in chunks:
        for secret in SECRETS:
            assert secret not in chunk


# -- the auto order ----------------------------------------------------------------------------


def test_environment_beats_stored_and_does_not_fall_through(
    server: FakeClaude,
    keyring_items: Items,
    home: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    store(keyring_items, TEST_SESSION_KEY)
    monkeypatch.setenv("CLAUDE_METER_COOKIE", f"sessionKey={STALE}")
    code, data, _ = status(capsys)
    assert code == 2
    assert data["error"]["kind"] == "session_expired"
    assert len([r for r in server.request_log if r.path == "/api/organizations"]) == 1


def test_stored_session_comes_before_the_browsers(
    server: FakeClaude, keyring_items: Items, home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store(keyring_items, TEST_SESSION_KEY)
    browser_profile(home, "Default", STALE)
    code, data, _ = status(capsys)
    assert code == 0
    assert data["source"] == "web"
    assert first_org_call_authenticated(server)


def test_an_expired_stored_session_gives_way_to_a_browser(
    server: FakeClaude, keyring_items: Items, home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store(keyring_items, STALE)
    browser_profile(home, "Default", TEST_SESSION_KEY)
    code, data, _ = status(capsys)
    assert code == 0
    assert data["organizations"]
    assert not first_org_call_authenticated(server)


def test_the_remembered_profile_is_read_first(
    server: FakeClaude, keyring_items: Items, home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    browser_profile(home, "Default", STALE)
    browser_profile(home, "Profile 2", TEST_SESSION_KEY, org="org-b", display="Work")
    config_dir().mkdir(parents=True)
    (config_dir() / "sources.json").write_text(
        json.dumps({"browser": "chromium", "profile": "Profile 2"})
    )
    code, _, _ = status(capsys)
    assert code == 0
    assert first_org_call_authenticated(server)


def test_claude_code_comes_last(
    server: FakeClaude,
    keyring_items: Items,
    home: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("CLAUDE_CODE_OAUTH_TOKEN", TEST_OAUTH_TOKEN)
    code, data, _ = status(capsys)
    assert code == 0
    assert data["source"] == "claude-code"
    browser_profile(home, "Default", TEST_SESSION_KEY)
    code, data, _ = status(capsys)
    assert data["source"] == "web"


def test_explicit_browser_and_profile(
    server: FakeClaude, keyring_items: Items, home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store(keyring_items, STALE)
    browser_profile(home, "Default", STALE)
    browser_profile(home, "Profile 2", TEST_SESSION_KEY, org="org-b", display="Work")
    code, _, _ = status(capsys, "--browser", "chromium", "--profile", "work")
    assert code == 0
    assert first_org_call_authenticated(server)
    code, data, _ = status(capsys, "--browser", "chromium", "--profile", "Nope")
    assert code == 2
    assert "Chromium has no profile called 'Nope'" in data["error"]["message"]
    assert "Profile 2 (Work)" in data["error"]["message"]
    code, data, _ = status(capsys, "--browser", "firefox")
    assert code == 2
    assert data["error"]["message"].startswith("No Firefox profile was found (looked in ")
    out = io.StringIO()
    assert main(["status", "--browser", "netscape"], stdout=out) == 1
    assert "unknown browser 'netscape'" in capsys.readouterr().err


def test_a_rotated_session_is_stored(
    keyring_items: Items,
    home: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    store(keyring_items, TEST_SESSION_KEY)
    with FakeClaude("normal", session_key=TEST_SESSION_KEY, rotate_to=ROTATED) as fake:
        monkeypatch.setenv("CLAUDE_METER_BASE_URL", fake.base_url)
        code, _, _ = status(capsys)
    assert code == 0
    assert keyring_items[(SERVICE, SESSION_ENTRY)].endswith(f"sessionKey={ROTATED}")


def test_no_source_says_what_was_looked_at(
    keyring_items: Items, home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    browser_profile(home, "Default", TEST_SESSION_KEY, expires=LONG_AGO)
    out = io.StringIO()
    assert main(["status"], stdout=out) == 2
    err = capsys.readouterr().err
    assert "The claude.ai session in Chromium (Default" in err
    assert "expired on 2020-01-01" in err
    assert "claude-meter login --paste" in err
    assert "CLAUDE_METER_COOKIE" in err
    assert "Traceback" not in err


# -- login, logout, sources --------------------------------------------------------------------


def test_login_paste_stores_in_the_keyring(keyring_items: Items, home: Path) -> None:
    t = term(f"  Cookie: sessionKey={TEST_SESSION_KEY}; lastActiveOrg=org-a\n")
    assert run_login(browser=None, profile=None, paste=True, term=t) == 0
    out, err = texts(t)
    assert "Stored the claude.ai session in the keyring (SharedMemoryKeyring)" in out
    assert keyring_items[(SERVICE, SESSION_ENTRY)] == (
        f"sessionKey={TEST_SESSION_KEY}; lastActiveOrg=org-a"
    )
    assert load_choice()[0].stored_from == "paste"
    assert_clean(out, err, (config_dir() / "sources.json").read_text())


@pytest.mark.parametrize("pasted", ["", "   \n", "sessionKey=a\x01b", "one two"])
def test_login_paste_refuses_what_is_not_a_session(
    keyring_items: Items, home: Path, pasted: str
) -> None:
    t = term(pasted)
    assert run_login(browser=None, profile=None, paste=True, term=t) == 1
    out, err = texts(t)
    assert "that is not a claude.ai session" in err
    assert keyring_items == {}
    if pasted.strip():
        assert pasted.strip() not in out + err


def test_login_paste_without_a_keyring(home: Path) -> None:
    t = term(f"sessionKey={TEST_SESSION_KEY}")
    assert run_login(browser=None, profile=None, paste=True, term=t) == 1
    out, err = texts(t)
    assert "the session was not stored: no usable keyring was found" in err
    assert "in memory for this run" not in err  # the command ends: there is no run to keep it
    assert not (config_dir() / "sources.json").exists()
    assert_clean(out, err)


def test_login_from_the_only_browser_session(keyring_items: Items, home: Path) -> None:
    browser_profile(home, "Default", TEST_SESSION_KEY)
    t = term()
    assert run_login(browser=None, profile=None, paste=False, term=t) == 0
    out, _ = texts(t)
    assert "Stored the claude.ai session of Chromium (Default" in out
    assert f"sessionKey={TEST_SESSION_KEY}" in keyring_items[(SERVICE, SESSION_ENTRY)]
    choice = load_choice()[0]
    assert (choice.browser, choice.profile) == ("chromium", "Default")


def test_login_with_several_accounts_asks_which(keyring_items: Items, home: Path) -> None:
    browser_profile(home, "Default", TEST_SESSION_KEY, org="org-a")
    browser_profile(home, "Profile 1", STALE, org="org-a")  # same account: offered once
    browser_profile(home, "Profile 2", ROTATED, org="org-b", display="Work")
    t = term()
    assert run_login(browser=None, profile=None, paste=False, term=t) == 1
    _, err = texts(t)
    assert "1. Chromium (Default" in err
    assert "2. Chromium (Profile 2, “Work”)" in err
    assert "Profile 1" not in err
    assert "claude-meter login --browser chromium --profile 'Profile 2'" in err
    assert keyring_items == {}
    assert_clean(err)
    t = term()
    assert run_login(browser="chromium", profile="Work", paste=False, term=t) == 0
    assert f"sessionKey={ROTATED};" in keyring_items[(SERVICE, SESSION_ENTRY)]


def test_login_finds_nothing(keyring_items: Items, home: Path) -> None:
    t = term()
    assert run_login(browser=None, profile=None, paste=False, term=t) == 2
    _, err = texts(t)
    assert "No browser profile was found (looked for Chrome, Chromium" in err
    assert "claude-meter login --paste" in err


def test_logout_removes_and_says_what(keyring_items: Items, home: Path) -> None:
    store(keyring_items, TEST_SESSION_KEY)
    browser_profile(home, "Default", TEST_SESSION_KEY)
    assert run_login(browser="chromium", profile=None, paste=False, term=term()) == 0
    t = term()
    assert run_logout(term=t) == 0
    out, _ = texts(t)
    assert "Removed the claude.ai session stored in the keyring (SharedMemoryKeyring)" in out
    assert "the remembered source choice (chromium, profile Default)" in out
    assert keyring_items == {}
    assert not (config_dir() / "sources.json").exists()
    t = term()
    assert run_logout(term=t) == 0
    assert "Nothing was stored" in texts(t)[0]


def test_logout_with_a_locked_keyring_does_not_claim_nothing_was_stored(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "tests.sources.memory_keyring.LockedKeyring")
    t = term()
    assert run_logout(term=t) == 0
    out, err = texts(t)
    assert "Nothing was removed." in out
    assert "Nothing was stored" not in out  # the session may well be in there, locked
    assert "the keyring could not be checked: the keyring is locked" in err
    assert "run `claude-meter logout` again" in err


def test_logout_says_a_choice_it_cannot_remove_and_still_removes_the_session(
    keyring_items: Items, home: Path
) -> None:
    """A folder where ``sources.json`` should be ended ``logout`` in a traceback."""
    store(keyring_items, TEST_SESSION_KEY)
    (config_dir() / "sources.json").mkdir(parents=True)
    t = term()
    assert run_logout(term=t) == 1
    out, err = texts(t)
    assert "Removed the claude.ai session stored in the keyring" in out
    assert keyring_items == {}
    assert (
        f"claude-meter: the remembered source choice ({config_dir() / 'sources.json'}) could "
        "not be removed (Is a directory): remove it yourself, then run `claude-meter logout` "
        "again." in err
    )
    assert (config_dir() / "sources.json").is_dir()


def test_the_store_used_by_default_is_the_configured_keyring(keyring_items: Items) -> None:
    assert type(SessionStore().backend()) is SharedMemoryKeyring
