"""The command line's note that the keyring holds no session: trusted while the change stamp
stays as it was, the keyring's configuration is the same, and for at most 30 minutes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from keyring.backends import fail

from claude_meter.sources.cookies import SessionCookies
from claude_meter.sources.keyring_absence import (
    ABSENT_FOR_SECONDS,
    known_absent,
    note_absent,
    note_path,
)
from claude_meter.sources.keyring_store import SERVICE, SESSION_ENTRY, SessionStore
from claude_meter.sources.session_cache import mark_changed, read_stamp, stamp_path
from tests.conftest import TEST_SESSION_KEY
from tests.sources.memory_keyring import CountingKeyring, LockedKeyring

COOKIES = SessionCookies.parse(f"sessionKey={TEST_SESSION_KEY}")
ENV = {"PYTHON_KEYRING_BACKEND": "keyring.backends.SecretService.Keyring"}


class CountingLocked(LockedKeyring):
    reads = 0

    def get_password(self, service: str, username: str) -> str | None:
        self.reads += 1
        return super().get_password(service, username)


class CountingFail(fail.Keyring):
    reads = 0

    def get_password(self, service: Any, username: Any, password: Any = None) -> Any:
        self.reads += 1
        return super().get_password(service, username)


def test_a_note_is_trusted_while_the_stamp_is_unchanged_and_for_30_minutes(
    tmp_path: Path,
) -> None:
    stamp = tmp_path / "keyring-session.changed"
    note_absent(stamp, None, ENV, clock=lambda: 1000.0)
    assert known_absent(stamp, None, ENV, clock=lambda: 1000.0)
    assert known_absent(stamp, None, ENV, clock=lambda: 1000.0 + ABSENT_FOR_SECONDS - 1)
    assert not known_absent(stamp, None, ENV, clock=lambda: 1000.0 + ABSENT_FOR_SECONDS)
    assert not known_absent(stamp, None, ENV, clock=lambda: 999.0)  # the clock went back
    assert not known_absent(stamp, "a-new-stamp", ENV, clock=lambda: 1000.0)
    other = {"PYTHON_KEYRING_BACKEND": "keyring.backends.kwallet.DBusKeyring"}
    assert not known_absent(stamp, None, other, clock=lambda: 1000.0)
    assert not known_absent(stamp, None, {**ENV, "DBUS_SESSION_BUS_ADDRESS": "unix:path=/x"})


@pytest.mark.parametrize("text", ["", "not json", '{"stamp": null}', '{"stamp": 1, "at": "x"}'])
def test_a_damaged_or_missing_note_is_not_trusted(tmp_path: Path, text: str) -> None:
    stamp = tmp_path / "keyring-session.changed"
    assert not known_absent(stamp, None, ENV)
    note_path(stamp).write_text(text)
    assert not known_absent(stamp, None, ENV)


def test_the_note_holds_no_secret_and_no_variable_s_value(tmp_path: Path) -> None:
    stamp = tmp_path / "keyring-session.changed"
    env = {**ENV, "DBUS_SESSION_BUS_ADDRESS": "unix:path=/run/user/1000/bus,guid=abc123"}
    note_absent(stamp, "0f0f", env)
    text = note_path(stamp).read_text()
    assert set(json.loads(text)) == {"stamp", "at", "keyring"}
    assert "guid" not in text
    assert "SecretService" not in text
    assert note_path(stamp).name == "keyring-session.absent"


def test_the_command_line_asks_an_empty_keyring_once_until_the_stamp_changes() -> None:
    backend = CountingKeyring()
    assert SessionStore(backend, remember_absence=True).load() is None
    assert SessionStore(backend, remember_absence=True).load() is None
    assert backend.reads == 1  # the second call trusted the note
    SessionStore(backend).save(COOKIES)  # any ClaudeMeter save rewrites the stamp
    reads = backend.reads
    assert SessionStore(backend, remember_absence=True).load() == COOKIES
    assert backend.reads == reads + 1
    assert not note_path(stamp_path()).exists()  # a stored session removes the note
    assert SessionStore(backend, remember_absence=True).load() == COOKIES
    assert backend.reads == reads + 2  # and a stored session is read on every call


def test_a_session_put_there_by_another_tool_is_seen_after_30_minutes() -> None:
    backend = CountingKeyring()
    assert SessionStore(backend, remember_absence=True).load() is None
    backend.items[(SERVICE, SESSION_ENTRY)] = COOKIES.header().reveal()  # secret-tool, say
    assert SessionStore(backend, remember_absence=True).load() is None  # within 30 minutes
    note = json.loads(note_path(stamp_path()).read_text())
    note["at"] -= ABSENT_FOR_SECONDS
    note_path(stamp_path()).write_text(json.dumps(note))
    assert SessionStore(backend, remember_absence=True).load() == COOKIES
    assert backend.reads == 2


def test_a_logout_elsewhere_is_seen_at_once() -> None:
    backend = CountingKeyring()
    SessionStore(backend).save(COOKIES)
    assert SessionStore(backend, remember_absence=True).load() == COOKIES
    SessionStore(backend).delete()
    assert SessionStore(backend, remember_absence=True).load() is None
    mark_changed(stamp_path())  # e.g. a login that failed half-way still stamps
    reads = backend.reads
    assert SessionStore(backend, remember_absence=True).load() is None
    assert backend.reads == reads + 1


def test_a_keyring_that_could_not_be_read_is_asked_again_every_time() -> None:
    backend = CountingLocked()
    for _ in range(3):
        assert SessionStore(backend, remember_absence=True).load() is None
    assert backend.reads == 3
    assert not note_path(stamp_path()).exists()


def test_no_usable_keyring_at_all_is_noted_as_nothing_stored() -> None:
    backend = CountingFail()
    for _ in range(3):
        assert SessionStore(backend, remember_absence=True).load() is None
    assert backend.reads == 1


def test_without_remember_absence_the_keyring_is_always_asked() -> None:
    backend = CountingKeyring()
    for _ in range(3):
        assert SessionStore(backend).load() is None
    assert backend.reads == 3
    assert not note_path(stamp_path()).exists()


def test_a_named_account_has_a_note_of_its_own() -> None:
    from claude_meter.core.accounts import keyring_entry

    backend = CountingKeyring()
    entry = keyring_entry("side")
    assert SessionStore(backend, entry=entry, remember_absence=True).load() is None
    assert note_path(stamp_path(entry)).exists()
    assert not note_path(stamp_path()).exists()
    SessionStore(backend, entry=entry).save(COOKIES)
    assert SessionStore(backend, entry=entry, remember_absence=True).load() == COOKIES
    assert read_stamp(stamp_path(entry)) is not None


def test_a_backend_chosen_in_keyringrc_cfg_is_asked_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The note holds for the configuration it was made under: an edit of keyringrc.cfg (the
    file ``keyring`` reads when ``PYTHON_KEYRING_BACKEND`` is not set) asks the keyring again,
    not 30 minutes later."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    rc = tmp_path / "config" / "python_keyring" / "keyringrc.cfg"
    rc.parent.mkdir(parents=True)
    rc.write_text("[backend]\ndefault-keyring = keyring.backends.null.Keyring\n")
    backend = CountingKeyring()
    assert SessionStore(backend, remember_absence=True).load() is None
    assert SessionStore(backend, remember_absence=True).load() is None
    assert backend.reads == 1  # the note is trusted while the file is as it was
    backend.items[(SERVICE, SESSION_ENTRY)] = COOKIES.header().reveal()
    rc.write_text("[backend]\ndefault-keyring = keyring.backends.SecretService.Keyring\n")
    assert SessionStore(backend, remember_absence=True).load() == COOKIES
    assert backend.reads == 2
    SessionStore(backend).delete()
    assert SessionStore(backend, remember_absence=True).load() is None
    reads = backend.reads
    rc.unlink()  # removed: keyring chooses by itself, and is asked again
    assert SessionStore(backend, remember_absence=True).load() is None
    assert SessionStore(backend, remember_absence=True).load() is None
    assert backend.reads == reads + 1
