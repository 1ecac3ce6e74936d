"""One poll with its collaborators passed in: the pool, the keyring, the settings, the demo.
Against the fake claude.ai over real sockets; nothing is installed process-wide."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from claude_meter.clients.http import ClientPool
from claude_meter.core.settings import Settings
from claude_meter.fake import FakeClaude
from claude_meter.poll.demo import start_demo
from claude_meter.poll.fetcher import Fetcher
from claude_meter.poll.messages import CLI_ADVICE, TRAY_ADVICE, WAITING_FOR_EXTENSION, Advice
from claude_meter.sources.browser_profiles import discover_profiles
from claude_meter.sources.cookies import SessionCookies
from claude_meter.sources.keyring_store import SERVICE, SESSION_ENTRY, Keyring
from claude_meter.sources.session_cache import SessionCache
from tests.conftest import TEST_OAUTH_TOKEN, TEST_SESSION_KEY
from tests.sources.memory_keyring import CountingKeyring, SharedMemoryKeyring
from tests.sources.profiles import chromium_profile

COOKIE = f"sessionKey={TEST_SESSION_KEY}"


def paths(server: FakeClaude) -> list[str]:
    return [r.path for r in server.request_log]


def test_a_pool_keeps_the_organization_list_between_polls(fake_server: FakeClaude) -> None:
    env = {"CLAUDE_METER_BASE_URL": fake_server.base_url, "CLAUDE_METER_COOKIE": COOKIE}
    pool = ClientPool()
    try:
        fetcher = Fetcher(env, pool=pool)
        assert all(fetcher().error is None for _ in range(3))
    finally:
        pool.close()
    assert paths(fake_server).count("/api/organizations") == 1
    fresh = Fetcher(env)  # no pool (the command line): the list is asked for every time
    assert fresh().error is None
    assert fresh().error is None
    assert paths(fake_server).count("/api/organizations") == 3


def test_the_stored_session_comes_from_the_keyring_it_was_given(fake_server: FakeClaude) -> None:
    backend = CountingKeyring()
    backend.items[(SERVICE, SESSION_ENTRY)] = COOKIE
    keyring = Keyring(backend, SessionCache())
    fetcher = Fetcher({"CLAUDE_METER_BASE_URL": fake_server.base_url}, keyring=keyring)
    results = [fetcher.fetch("web") for _ in range(3)]
    assert [r.error for r in results] == [None, None, None]
    assert backend.reads == 1  # the cache it was given: read once
    alone = Fetcher({"CLAUDE_METER_BASE_URL": fake_server.base_url})  # the tests' "fail" one
    assert alone.fetch("web").error is not None


def test_the_command_line_s_own_keyring_is_read_while_it_holds_a_session(
    fake_server: FakeClaude, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without a keyring given (the command line), an empty keyring is noted and not asked
    again (sources/keyring_absence.py); one that holds a session is read on every poll."""
    from claude_meter.sources.keyring_absence import note_path
    from claude_meter.sources.keyring_store import SessionStore
    from claude_meter.sources.session_cache import stamp_path

    SharedMemoryKeyring.shared.clear()
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "tests.sources.memory_keyring.SharedMemoryKeyring")
    env = {"CLAUDE_METER_BASE_URL": fake_server.base_url}
    try:
        assert Fetcher(env).fetch("web").error is not None  # nothing stored: noted
        assert note_path(stamp_path()).exists()
        SessionStore().save(SessionCookies.parse(COOKIE))  # `claude-meter login`
        for _ in range(2):
            result = Fetcher(env).fetch("web")
            assert (result.source, result.error) == ("web", None)
        assert not note_path(stamp_path()).exists()
    finally:
        SharedMemoryKeyring.shared.clear()


def test_the_settings_name_the_source_and_take_effect_at_the_next_poll(
    fake_server: FakeClaude,
) -> None:
    env = {
        "CLAUDE_METER_BASE_URL": fake_server.base_url,
        "CLAUDE_METER_OAUTH_BASE_URL": fake_server.base_url,
        "CLAUDE_METER_COOKIE": COOKIE,
        "CLAUDE_CODE_OAUTH_TOKEN": TEST_OAUTH_TOKEN,
    }
    fetcher = Fetcher(env, settings=Settings(source="claude-code"))
    assert fetcher().source == "claude-code"
    fetcher.configure(settings=Settings(source="pasted"))
    assert fetcher().source == "web"
    before = len(fake_server.request_log)
    fetcher.configure(settings=Settings(source="extension"))
    waiting = fetcher()
    assert (waiting.source, waiting.snapshots) == ("extension", ())
    assert waiting.error is not None
    assert waiting.error.message == WAITING_FOR_EXTENSION
    assert len(fake_server.request_log) == before  # claude.ai is never asked


def test_the_demo_environment_is_one_fake_server_for_both_routes() -> None:
    with start_demo("normal") as demo:
        assert demo.env["CLAUDE_METER_BASE_URL"] == demo.env["CLAUDE_METER_OAUTH_BASE_URL"]
        result = Fetcher(demo.env, demo=True)()
        assert result.source == "demo"
        assert result.error is None
        assert result.snapshots


@pytest.mark.parametrize(
    ("advice", "says", "never"),
    [
        (TRAY_ADVICE, ("Settings… → Paste session…", "Try the demo"), "claude-meter "),
        (CLI_ADVICE, ("`claude-meter login --paste`", "claude-meter status --demo"), "Settings"),
    ],
)
def test_no_sign_in_anywhere_names_what_the_surface_offers(
    advice: Advice, says: tuple[str, ...], never: str
) -> None:
    """The tray's banner points at its own windows; the command line at its commands."""
    result = Fetcher(
        {},
        settings=Settings(source="auto"),
        keyring=Keyring(CountingKeyring(), SessionCache()),
        advice=advice,
    )()
    assert result.error is not None
    assert result.error.kind == "not_signed_in"
    for words in (*says, "`claude`"):
        assert words in result.error.message
    assert never not in result.error.message


@pytest.mark.parametrize(
    ("advice", "named"),
    [(TRAY_ADVICE, "Settings… → Paste session…"), (CLI_ADVICE, "`claude-meter login --paste`")],
)
def test_a_browser_failure_names_the_surface_s_way_to_paste(advice: Advice, named: str) -> None:
    """A browser's own failure ("not a cookie database this version understands. Paste the
    session with ...") names the tray's Settings button in the tray, the command elsewhere."""
    home = Path(os.environ["HOME"])
    chromium_profile(home / ".config/chromium", "Default", {"sessionKey": TEST_SESSION_KEY})
    (profile,) = discover_profiles("linux", home, {})
    profile.cookie_file.write_bytes(b"not a cookie database" * 100)
    keyring = Keyring(CountingKeyring(), SessionCache())
    result = Fetcher({}, settings=Settings(source="auto"), keyring=keyring, advice=advice)()
    assert result.error is not None
    message = result.error.message
    assert "not a cookie database this version understands" in message
    assert f"Paste the session with {named} instead." in message
    if advice is TRAY_ADVICE:
        assert "claude-meter " not in message
