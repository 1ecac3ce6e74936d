"""The keyring store: one service name, memory only (and said so) when no keyring is usable."""

from __future__ import annotations

from pathlib import Path

import pytest
from keyring.backends import fail

from claude_meter.sources.cookies import SessionCookies
from claude_meter.sources.keyring_store import SERVICE, SESSION_ENTRY, SessionStore
from tests.conftest import TEST_SESSION_KEY
from tests.sources.memory_keyring import LockedKeyring, MemoryKeyring

COOKIES = SessionCookies.parse(f"sessionKey={TEST_SESSION_KEY}; lastActiveOrg=org-1")


def _files_under(path: Path) -> list[Path]:
    return [p for p in path.rglob("*") if p.is_file()]


def test_saves_loads_and_deletes_under_one_service_name() -> None:
    backend = MemoryKeyring()
    store = SessionStore(backend)
    assert store.load() is None
    saved = store.save(COOKIES)
    assert saved.persisted
    assert saved.message is None
    assert list(backend.items) == [(SERVICE, SESSION_ENTRY)]
    assert SERVICE == "claude-meter"
    assert SessionStore(backend).load() == COOKIES  # a new run reads it back
    assert SessionStore(backend).delete() is True
    assert backend.items == {}
    assert SessionStore(backend).delete() is False


@pytest.mark.parametrize(
    "backend",
    [fail.Keyring(), LockedKeyring()],
    ids=["fail", "locked"],
)
def test_no_usable_keyring_keeps_the_session_in_memory_and_says_so(
    backend: object, tmp_path: Path
) -> None:
    import os

    home = Path(os.environ["HOME"])
    before = _files_under(home)
    store = SessionStore(backend)
    saved = store.save(COOKIES)
    assert not saved.persisted
    assert saved.message is not None
    assert "kept in memory for this run only" in saved.message
    assert "nothing was written to disk" in saved.message
    why = "no keyring backend is available" if isinstance(backend, fail.Keyring) else "locked"
    assert why in saved.message
    assert TEST_SESSION_KEY not in saved.message
    assert store.load() == COOKIES  # this run still has it
    assert SessionStore(backend).load() is None  # the next run does not
    assert _files_under(home) == before  # and no file was written instead


def test_the_default_backend_honours_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "tests.sources.memory_keyring.MemoryKeyring")
    assert SessionStore().backend_name() == "tests.sources.memory_keyring.MemoryKeyring"
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    store = SessionStore()
    assert not store.usable()
    assert store.load() is None


def test_a_corrupt_stored_value_is_ignored() -> None:
    backend = MemoryKeyring()
    backend.set_password(SERVICE, SESSION_ENTRY, "sessionKey=a\x01b")
    assert SessionStore(backend).load() is None


def test_each_named_account_has_its_own_entry_and_change_stamp() -> None:
    from claude_meter.sources.keyring_store import Keyring
    from claude_meter.sources.session_cache import SessionCache, stamp_path

    backend = MemoryKeyring()
    keyring = Keyring(backend, SessionCache())
    work = keyring.store("work")
    assert work.save(COOKIES).persisted
    assert list(backend.items) == [(SERVICE, "claude.ai session (work)")]
    assert keyring.store().load() is None  # the default account's entry is another
    assert keyring.store("home").load() is None
    assert keyring.store("work").load() == COOKIES
    assert stamp_path(work.entry).name == "keyring-session-work.changed"
    assert stamp_path(work.entry).exists()  # a running tray sees this account's change
    assert not stamp_path(SESSION_ENTRY).exists()
    assert keyring.store("work").delete() is True
    assert backend.items == {}
