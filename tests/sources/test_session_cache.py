"""The tray's copy of the stored session: read once, read again only when it may have changed
(a change stamp written by any ClaudeMeter process, a refusal by the server, a failed read)."""

from __future__ import annotations

from pathlib import Path

import pytest

from claude_meter.fake import FakeClaude
from claude_meter.poll.fetcher import Fetcher
from claude_meter.sources import keyring_store
from claude_meter.sources.cookies import SessionCookies
from claude_meter.sources.keyring_store import SERVICE, SESSION_ENTRY, Keyring, SessionStore
from claude_meter.sources.session_cache import (
    MAX_AGE_SECONDS,
    REREAD_AFTER_REFUSAL_SECONDS,
    RETRY_AFTER_FAILURE_SECONDS,
    SessionCache,
    stamp_path,
)
from tests.conftest import TEST_SESSION_KEY
from tests.sources.memory_keyring import CountingKeyring, LockedKeyring

COOKIES = SessionCookies.parse(f"sessionKey={TEST_SESSION_KEY}")
OTHER = SessionCookies.parse("sessionKey=sk-ant-sid02-ANOTHER-SESSION")


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def backend() -> CountingKeyring:
    keyring = CountingKeyring()
    keyring.items[(SERVICE, SESSION_ENTRY)] = COOKIES.header().reveal()
    return keyring


@pytest.fixture
def tray(clock: Clock) -> SessionCache:
    """The cache the tray app passes to every store it opens for its run."""
    return SessionCache(clock=clock)


def another_process(backend: CountingKeyring) -> SessionStore:
    """``claude-meter login`` or ``logout`` in a terminal: the same keyring, no cache."""
    store = SessionStore(backend)
    store._cache = None  # what a process that installed nothing has
    return store


def test_polls_read_the_keyring_once(tray: SessionCache, backend: CountingKeyring) -> None:
    assert [SessionStore(backend, cache=tray).load() for _ in range(5)] == [COOKIES] * 5
    assert backend.reads == 1
    assert tray.reads == 1


def test_a_login_or_logout_in_another_process_is_seen_at_the_next_poll(
    tray: SessionCache, backend: CountingKeyring
) -> None:
    assert SessionStore(backend, cache=tray).load() == COOKIES
    assert another_process(backend).save(OTHER).persisted
    assert SessionStore(backend, cache=tray).load() == OTHER
    assert SessionStore(backend, cache=tray).load() == OTHER
    assert another_process(backend).delete()
    assert SessionStore(backend, cache=tray).load() is None
    assert backend.reads == 4  # the first poll, after the login, in delete, after the logout
    assert tray.reads == 3


def test_what_this_process_saves_is_read_back_once_not_taken_on_trust(
    tray: SessionCache, backend: CountingKeyring
) -> None:
    """Another process may have written between our write and our stamp; the keyring holds
    whichever came last, so the next poll reads it (once)."""
    assert SessionStore(backend, cache=tray).load() == COOKIES
    assert (
        SessionStore(backend, cache=tray).save(OTHER).persisted
    )  # a rotated sessionKey, a pasted session
    assert [SessionStore(backend, cache=tray).load() for _ in range(3)] == [OTHER] * 3
    assert tray.reads == 2


def test_a_logout_while_this_process_was_writing_is_what_the_next_poll_sees(
    tray: SessionCache, backend: CountingKeyring
) -> None:
    class Racing(CountingKeyring):
        def set_password(self, service: str, username: str, password: str) -> None:
            super().set_password(service, username, password)
            another_process(backend).delete()  # lands between our write and our stamp

    racing = Racing()
    racing.items = backend.items
    store = SessionStore(racing, cache=tray)
    assert store.save(OTHER).persisted
    assert SessionStore(backend, cache=tray).load() is None


def test_a_quiet_copy_is_read_again_after_six_hours(
    tray: SessionCache, backend: CountingKeyring, clock: Clock
) -> None:
    SessionStore(backend, cache=tray).load()
    clock.now += MAX_AGE_SECONDS - 1
    SessionStore(backend, cache=tray).load()
    assert tray.reads == 1
    clock.now += 1
    SessionStore(backend, cache=tray).load()
    assert tray.reads == 2


def test_a_logout_when_the_entry_is_already_gone_still_reaches_the_tray(
    tray: SessionCache, backend: CountingKeyring
) -> None:
    assert SessionStore(backend, cache=tray).load() == COOKIES
    backend.items.clear()  # removed with another tool
    assert another_process(backend).delete() is False  # nothing was there to remove
    assert SessionStore(backend, cache=tray).load() is None


def test_the_stamp_holds_no_secret_and_changes_with_every_save(
    tray: SessionCache, backend: CountingKeyring
) -> None:
    SessionStore(backend, cache=tray).save(OTHER)
    first = stamp_path().read_text()
    SessionStore(backend, cache=tray).save(OTHER)
    second = stamp_path().read_text()
    assert first != second
    for text in (first, second):
        assert TEST_SESSION_KEY not in text
        assert "ANOTHER" not in text
        assert len(text) == 32
    assert stamp_path().stat().st_mode & 0o077 == 0


def test_a_refused_session_is_read_again_at_most_every_half_hour(
    tray: SessionCache, backend: CountingKeyring, clock: Clock
) -> None:
    SessionStore(backend, cache=tray).load()
    SessionStore(backend, cache=tray).refused()
    SessionStore(backend, cache=tray).load()
    assert tray.reads == 1  # just read: a new read would give the same refused session
    clock.now += REREAD_AFTER_REFUSAL_SECONDS
    store = SessionStore(backend, cache=tray)
    store.refused()
    assert store.load() == COOKIES
    assert tray.reads == 2
    SessionStore(backend, cache=tray).refused()
    SessionStore(backend, cache=tray).load()
    assert tray.reads == 2


def test_a_keyring_that_could_not_be_read_is_asked_again_later_not_every_poll(
    clock: Clock,
) -> None:
    cache = SessionCache(clock=clock)
    keyring = Keyring(LockedKeyring(), cache)
    store = keyring.store()
    assert store.load() is None
    assert store.problem == "the keyring is locked"
    assert keyring.store().load() is None
    assert cache.reads == 1
    clock.now += RETRY_AFTER_FAILURE_SECONDS
    assert keyring.store().load() is None
    assert cache.reads == 2


def test_a_missing_or_unwritable_stamp_still_works(
    backend: CountingKeyring, clock: Clock, tmp_path: Path
) -> None:
    (tmp_path / "a-file").write_text("")
    blocked = SessionCache(tmp_path / "a-file" / "stamp", clock=clock)
    store = SessionStore(backend, cache=blocked)
    assert store.load() == COOKIES
    assert store.save(OTHER).persisted  # the stamp cannot be written: the save still counts
    assert SessionStore(backend, cache=blocked).load() == OTHER


def test_the_command_line_reads_the_keyring_every_time(backend: CountingKeyring) -> None:
    assert not hasattr(keyring_store, "_installed")  # nothing process-wide to install
    for _ in range(3):
        assert SessionStore(backend).load() == COOKIES
    assert backend.reads == 3


def test_tray_polls_against_claude_ai_read_the_keyring_once(
    tray: SessionCache, backend: CountingKeyring
) -> None:
    with FakeClaude("normal", session_key=TEST_SESSION_KEY).start() as server:
        env = {"CLAUDE_METER_BASE_URL": server.base_url}
        poll = Fetcher(env, keyring=Keyring(backend, tray)).fetch
        results = [poll("web") for _ in range(3)]
    assert [r.error for r in results] == [None, None, None]
    assert all(r.snapshots for r in results)
    assert tray.reads == 1


def test_a_stored_session_the_server_refused_is_not_sent_or_read_again_for_half_an_hour(
    tray: SessionCache, backend: CountingKeyring, clock: Clock
) -> None:
    """Refused once: still "session expired" at every poll, without a request a minute for
    a known answer, nor a keyring read; after half an hour it is tried again, and when
    refused again read again (someone may have stored a new one with another tool)."""
    with FakeClaude("normal", session_key="sk-ant-sid02-SOMEONE-ELSE").start() as server:
        env = {"CLAUDE_METER_BASE_URL": server.base_url}
        poll = Fetcher(env, keyring=Keyring(backend, tray)).fetch
        requests = []
        errors = []
        for _ in range(3):
            errors.append(poll("web").error)
            requests.append(len(server.request_log))
        assert requests[0] > 0
        assert requests[1] == requests[2] == requests[0]  # no request for a known refusal
        assert tray.reads == 1
        clock.now += REREAD_AFTER_REFUSAL_SECONDS
        errors.append(poll("web").error)  # tried, refused: read again next time
        assert len(server.request_log) > requests[-1]
        errors.append(poll("web").error)
        assert tray.reads == 2
    assert [e.kind if e else None for e in errors] == ["session_expired"] * 5
    assert errors[1] is not None
    assert errors[0] is not None
    assert errors[1].message == errors[0].message
