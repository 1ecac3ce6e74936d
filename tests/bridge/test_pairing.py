"""Pairing tokens: kept in the keyring across runs, bound to their origin, forgettable."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from keyring.errors import KeyringLocked

from claude_meter.bridge import Pairing
from claude_meter.bridge.pairing import (
    MAX_PAIRED,
    PAIR_REFUSALS,
    PAIRINGS_PER_WINDOW,
    RETRY_AFTER_FAILURE,
)
from claude_meter.core.secret import Secret
from claude_meter.sources.keyring_store import BRIDGE_ENTRY, SERVICE, SessionStore
from tests.bridge.support import EXTENSION, FIREFOX, OTHER_EXTENSION, Bridge, Clock, good_post
from tests.sources.memory_keyring import CountingKeyring, MemoryKeyring


def paired_token(pairing: Pairing, origin: str) -> Secret:
    """Open the window and pair ``origin``, as the extension does."""
    pairing.open_window()
    token = pairing.pair(origin)
    assert token is not None
    return token


def test_tokens_survive_a_restart_in_the_keyring_and_can_be_forgotten() -> None:
    backend = MemoryKeyring()
    clock = Clock()
    token = paired_token(Pairing(SessionStore(backend), clock=clock), EXTENSION)
    assert list(backend.items) == [(SERVICE, BRIDGE_ENTRY)]
    again = Pairing(SessionStore(backend), clock=clock)  # the next run of the app
    assert again.check(token.reveal(), EXTENSION) == "ok"
    assert again.check(token.reveal(), FIREFOX) == "other_origin"
    assert again.check(token.reveal() + "x", EXTENSION) == "unknown"
    assert again.forget() == 1
    assert backend.items == {}
    assert Pairing(SessionStore(backend), clock=clock).check(token.reveal(), EXTENSION) == (
        "unknown"
    )


def test_a_forget_or_a_pairing_in_another_process_reaches_the_running_tray_at_once() -> None:
    """``claude-meter bridge --forget`` in a terminal while the tray runs: the tray refuses
    the forgotten token at the extension's next post, not only after a restart."""
    backend = CountingKeyring()
    clock = Clock()
    tray = Pairing(SessionStore(backend), clock=clock)
    token = paired_token(tray, EXTENSION)
    reads = backend.reads
    for _ in range(5):
        assert tray.check(token.reveal(), EXTENSION) == "ok"
    assert backend.reads == reads + 1  # read back once after its own write, then not again

    terminal = Pairing(SessionStore(backend), clock=clock)
    assert terminal.forget() == 1
    assert tray.check(token.reveal(), EXTENSION) == "unknown"
    assert tray.paired() == ()

    other = paired_token(terminal, FIREFOX)  # `claude-meter bridge --pair` in a terminal
    assert tray.check(other.reveal(), FIREFOX) == "ok"
    reads = backend.reads
    assert tray.check(other.reveal(), FIREFOX) == "ok"
    assert backend.reads == reads


def test_building_it_or_opening_the_window_reads_nothing_the_first_request_does() -> None:
    """The tray builds the pairing, and opens its window, on the GUI thread: a keyring read
    there could wait on an unlock prompt. The bridge's request threads read it."""
    backend = CountingKeyring()
    pairing = Pairing(SessionStore(backend))
    pairing.open_window()
    assert backend.reads == 0
    assert pairing.check("not-a-token", EXTENSION) == "unknown"
    assert backend.reads == 1
    assert pairing.check("not-a-token", EXTENSION) == "unknown"
    assert backend.reads == 1


class LockableKeyring(CountingKeyring):
    locked = False

    def get_password(self, service: str, username: str) -> str | None:
        if self.locked:
            raise KeyringLocked("the collection is locked")
        return super().get_password(service, username)


def test_a_locked_keyring_at_first_use_never_costs_the_other_browsers_their_pairing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    backend = LockableKeyring()
    clock = Clock()
    before = Pairing(SessionStore(backend), clock=clock)  # an earlier run paired two browsers
    before.open_window()
    first, second = before.pair(EXTENSION), before.pair(FIREFOX)
    assert first is not None
    assert second is not None
    stored = dict(backend.items)

    backend.locked = True  # the tray started before the person unlocked the keyring
    tray = Pairing(SessionStore(backend), clock=clock)
    assert tray.check(first.reveal(), EXTENSION) == "unknown"
    tray.open_window()
    newer = tray.pair("chrome-extension://another")
    assert newer is not None
    assert tray.problem is not None
    assert "for this run only" in tray.problem
    assert backend.items == stored  # not overwritten with the one new token

    backend.locked = False
    attempts = backend.reads
    assert tray.check(first.reveal(), EXTENSION) == "unknown"  # not asked again at once
    assert backend.reads == attempts
    now = time.monotonic()
    monkeypatch.setattr(time, "monotonic", lambda: now + RETRY_AFTER_FAILURE.total_seconds())
    assert tray.check(first.reveal(), EXTENSION) == "ok"
    assert tray.check(second.reveal(), FIREFOX) == "ok"


def test_without_a_keyring_tokens_live_for_this_run_and_it_is_said() -> None:
    pairing = Pairing(SessionStore(), clock=Clock())  # the test keyring is the "fail" backend
    token = paired_token(pairing, EXTENSION)
    assert pairing.check(token.reveal(), EXTENSION) == "ok"
    assert pairing.problem is not None
    assert "this run only" in pairing.problem


def test_the_window_lasts_two_minutes() -> None:
    clock = Clock()
    pairing = Pairing(clock=clock)
    assert pairing.pair(EXTENSION) is None
    pairing.open_window()
    clock.advance(timedelta(seconds=119))
    assert pairing.pair(EXTENSION) is not None
    clock.advance(timedelta(seconds=1))
    assert pairing.pair(EXTENSION) is None
    assert not pairing.window_open()


def test_a_full_set_refuses_a_new_pairing_and_keeps_every_token() -> None:
    """Issue 16, finding 6 (this replaces "the oldest pairing gives way past the cap"): the
    cap refuses instead of evicting, so a working token is never pushed out silently."""
    pairing = Pairing(clock=Clock())
    tokens: list[Secret] = []
    while len(tokens) < MAX_PAIRED:
        pairing.open_window()
        for _ in range(PAIRINGS_PER_WINDOW):
            token = pairing.pair(EXTENSION)
            assert token is not None
            tokens.append(token)
    pairing.open_window()
    assert pairing.try_pair(EXTENSION) == "full"
    assert "forget" in PAIR_REFUSALS["full"]
    assert all(pairing.check(t.reveal(), EXTENSION) == "ok" for t in tokens)
    pairing.forget()
    assert pairing.pair(EXTENSION) is not None


def test_one_window_admits_a_few_pairings_and_a_new_window_more() -> None:
    pairing = Pairing(clock=Clock())
    pairing.open_window()
    for _ in range(PAIRINGS_PER_WINDOW):
        assert pairing.pair(OTHER_EXTENSION) is not None
    assert pairing.try_pair(OTHER_EXTENSION) == "window_used"
    pairing.open_window()
    assert pairing.pair(OTHER_EXTENSION) is not None


def test_forged_origins_in_the_window_never_evict_the_real_extension(bridge: Bridge) -> None:
    """Any local process may pair during the window with any forged extension origin: the real
    extension's token keeps working, and the flood gets a few tokens, then refusals."""
    bridge.pairing.open_window()
    real = bridge.pair(EXTENSION)
    statuses = []
    for i in range(MAX_PAIRED):
        forged = "chrome-extension://" + "abcdefghijklmnop"[i] * 32
        statuses.append(bridge.request("/pair", origin=forged).status)
    assert statuses.count(200) == PAIRINGS_PER_WINDOW - 1
    assert set(statuses[PAIRINGS_PER_WINDOW - 1 :]) == {403}
    assert bridge.post(good_post(), real).status == 200


def test_an_unreadable_keyring_entry_is_ignored() -> None:
    backend = MemoryKeyring()
    backend.items[(SERVICE, BRIDGE_ENTRY)] = "not json"
    assert Pairing(SessionStore(backend)).paired() == ()
