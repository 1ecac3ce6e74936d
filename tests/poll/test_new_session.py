"""A new pasted session for a named pasted account (``poll/new_session.py``): parsed as
``login --paste`` parses it, read once against the fake claude.ai over a real socket, and
stored in the account's own keyring entry only when it is a good one of the same email."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from claude_meter.core import validation
from claude_meter.core.accounts import AccountRef, keyring_entry
from claude_meter.core.settings import Settings
from claude_meter.fake import FakeClaude
from claude_meter.fake.accounts import PERSONAL_ACCOUNT, WORK_ACCOUNT
from claude_meter.poll.fetcher import Fetcher
from claude_meter.poll.messages import TRAY_ADVICE
from claude_meter.poll.new_session import (
    NotReplaced,
    OtherEmail,
    pasted_account,
    replace_session,
)
from claude_meter.sources.keyring_store import SERVICE, Keyring, SessionStore
from claude_meter.sources.session_cache import SessionCache
from tests.sources.memory_keyring import MemoryKeyring, UnavailableKeyring

WORK = AccountRef(id="work", name="Work", kind="pasted", email=WORK_ACCOUNT.email)
RENEWED = "sk-ant-sid01-fake-work-renewed-0a1b2c3d4e5f60718293a4b5c6d7e8f9"
ENTRY = (SERVICE, keyring_entry("work"))


@pytest.fixture
def server() -> Iterator[FakeClaude]:
    with FakeClaude("normal", accounts=(PERSONAL_ACCOUNT, WORK_ACCOUNT)).start() as fake:
        yield fake


def fetcher_of(server: FakeClaude, keyring: Keyring | None = None) -> Fetcher:
    env = {"CLAUDE_METER_BASE_URL": server.base_url, "CLAUDE_METER_OAUTH_BASE_URL": server.base_url}
    return Fetcher(env, keyring=keyring, advice=TRAY_ADVICE)


def expired_work(backend: MemoryKeyring, server: FakeClaude) -> None:
    """Work's old session is stored and claude.ai has signed it out; ``RENEWED`` is its new."""
    backend.items[ENTRY] = f"sessionKey={WORK_ACCOUNT.session_key}"
    server.sign_in_again("work", RENEWED)


def test_a_new_session_is_read_once_and_replaces_the_old_one(server: FakeClaude) -> None:
    backend = MemoryKeyring()
    expired_work(backend, server)
    store = SessionStore(backend, entry=keyring_entry("work"))
    done = replace_session(
        WORK, f"Cookie: sessionKey={RENEWED}\n", store,
        fetcher=fetcher_of(server), known_email=WORK_ACCOUNT.email,
    )  # fmt: skip
    assert done.account == WORK
    assert done.email == WORK_ACCOUNT.email
    assert done.unchecked is None
    assert backend.items[ENTRY] == f"sessionKey={RENEWED}"
    assert list(backend.items) == [ENTRY]  # only its own entry
    assert {r.account for r in server.request_log} == {"work"}
    assert server.cross_account_requests() == []


def test_a_session_claude_ai_refuses_is_not_stored(server: FakeClaude) -> None:
    backend = MemoryKeyring()
    expired_work(backend, server)
    store = SessionStore(backend, entry=keyring_entry("work"))
    with pytest.raises(NotReplaced) as caught:  # the old one again: signed out
        replace_session(WORK, WORK_ACCOUNT.session_key, store, fetcher=fetcher_of(server))
    assert str(caught.value).startswith("claude.ai refused that session (it has expired")
    assert backend.items[ENTRY] == f"sessionKey={WORK_ACCOUNT.session_key}"
    assert WORK_ACCOUNT.session_key not in str(caught.value)


def test_another_emails_session_is_refused_unless_confirmed(server: FakeClaude) -> None:
    backend = MemoryKeyring()
    expired_work(backend, server)
    store = SessionStore(backend, entry=keyring_entry("work"))
    fetcher = fetcher_of(server)
    with pytest.raises(OtherEmail) as caught:
        replace_session(WORK, PERSONAL_ACCOUNT.session_key, store, fetcher=fetcher,
                        known_email=WORK_ACCOUNT.email)  # fmt: skip
    assert str(caught.value) == (
        "that session is signed in as ada@example.com, not ada.lovelace@initech.example "
        "(Work's); nothing was changed. Paste a session of ada.lovelace@initech.example, or add "
        "that one as an account of its own"
    )
    assert (caught.value.known, caught.value.new) == (WORK_ACCOUNT.email, PERSONAL_ACCOUNT.email)
    assert backend.items[ENTRY] == f"sessionKey={WORK_ACCOUNT.session_key}"  # untouched
    # the email compared without regard to case; confirmed, it is stored
    done = replace_session(WORK, PERSONAL_ACCOUNT.session_key, store, fetcher=fetcher,
                           known_email=WORK_ACCOUNT.email, other_email_ok=True)  # fmt: skip
    assert done.email == PERSONAL_ACCOUNT.email
    assert backend.items[ENTRY] == f"sessionKey={PERSONAL_ACCOUNT.session_key}"
    same = replace_session(WORK, RENEWED, store, fetcher=fetcher,
                           known_email=WORK_ACCOUNT.email.upper())  # fmt: skip
    assert same.email == WORK_ACCOUNT.email


def test_what_is_not_a_session_is_refused_without_quoting_it() -> None:
    backend = MemoryKeyring()
    store = SessionStore(backend, entry=keyring_entry("work"))
    with pytest.raises(NotReplaced) as caught:
        replace_session(WORK, "hello there secret-ish", store)
    assert str(caught.value).startswith("that is not a claude.ai session: ")
    assert "hello" not in str(caught.value)
    assert backend.items == {}


def test_no_usable_keyring_changes_and_reads_nothing(server: FakeClaude) -> None:
    store = SessionStore(UnavailableKeyring(), entry=keyring_entry("work"))
    with pytest.raises(NotReplaced) as caught:
        replace_session(WORK, RENEWED, store, fetcher=fetcher_of(server))
    assert str(caught.value).startswith(
        "Work's session was not replaced: no usable keyring was found (UnavailableKeyring is "
        "not available here), and a pasted session is kept only there, never in a file."
    )
    assert server.request_log == []


def test_a_read_that_fails_otherwise_stores_it_and_says_why() -> None:
    """Offline (nothing listens there): the session is stored unchecked."""
    backend = MemoryKeyring()
    store = SessionStore(backend, entry=keyring_entry("work"))
    closed = FakeClaude()
    with closed.start():
        url = closed.base_url
    offline = Fetcher({"CLAUDE_METER_BASE_URL": url, "CLAUDE_METER_OAUTH_BASE_URL": url})
    done = replace_session(WORK, RENEWED, store, fetcher=offline, known_email=WORK.email)
    assert done.email is None
    assert done.unchecked
    assert backend.items[ENTRY] == f"sessionKey={RENEWED}"


def test_a_session_the_read_rotated_is_stored_rotated(server: FakeClaude) -> None:
    backend = MemoryKeyring()
    expired_work(backend, server)
    rotated = "sk-ant-sid01-fake-work-rotated-9f8e7d6c5b4a39281706f5e4d3c2b1a0"
    server.rotate_session_key("work", rotated)
    store = SessionStore(backend, entry=keyring_entry("work"))
    replace_session(WORK, RENEWED, store, fetcher=fetcher_of(server))
    assert backend.items[ENTRY] == f"sessionKey={rotated}"


def test_the_trays_cached_copy_gives_way_at_the_next_poll(server: FakeClaude) -> None:
    """The tray's poll holds the refused session in its cache; the new one stored through
    the same keyring is read at the very next poll, and the account reads again."""
    backend = MemoryKeyring()
    expired_work(backend, server)
    keyring = Keyring(backend, SessionCache())
    fetcher = fetcher_of(server, keyring)
    refused = fetcher.fetch_account(WORK)
    assert refused.error is not None
    assert refused.error.kind == "session_expired"
    assert refused.error.message.startswith(
        "The claude.ai session pasted for Work has expired or was signed out. Give it a new "
        "session in Settings… → Accounts: choose Work, then Paste new session…"
    )
    replace_session(WORK, RENEWED, keyring.store("work"), fetcher=fetcher)
    again = fetcher.fetch_account(WORK)
    assert again.error is None, again.error
    assert again.account == "work"
    assert {s.account_email for s in again.snapshots} == {WORK_ACCOUNT.email}


def test_only_a_named_pasted_account_takes_one() -> None:
    settings = validation.parse({"accounts": [
        validation.as_json_data(WORK),
        {"id": "home", "name": "Home", "kind": "browser", "browser": "firefox", "profile": "p"},
        {"id": "cc", "name": "Code Two", "kind": "claude-code", "config_dir": "/tmp/cc two"},
        {"id": "ext", "name": "Ext", "kind": "extension"},
    ]}, Settings)  # fmt: skip
    assert pasted_account(settings, "work") == WORK
    with pytest.raises(NotReplaced, match=r"^Default is the default account: give it a new "
                       r"session with `claude-meter login --paste`$"):  # fmt: skip
        pasted_account(settings, "Default")
    with pytest.raises(NotReplaced) as browser:
        pasted_account(settings, "Home")
    assert str(browser.value) == (
        "Home reads its session from firefox (p): sign in to claude.ai there again and it is "
        "read at the next poll. Only a pasted account takes a pasted session; to read this one "
        "from a pasted session instead, remove it (`claude-meter accounts remove Home`) and add "
        "it with --paste"
    )
    with pytest.raises(NotReplaced, match=r"run `CLAUDE_CONFIG_DIR='/tmp/cc two' claude`"):
        pasted_account(settings, "Code Two")
    with pytest.raises(NotReplaced, match=r"from the browser extension: sign in to claude\.ai"):
        pasted_account(settings, "Ext")
    with pytest.raises(NotReplaced, match=r"^there is no account of that name"):
        pasted_account(settings, "Nobody")
