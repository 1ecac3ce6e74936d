"""What survives a poll: a rotated session goes to the keyring entry it came from; the
environment's session is never copied there."""

from __future__ import annotations

from claude_meter.clients.web import WebFetch
from claude_meter.core.models import FetchResult
from claude_meter.poll.keeping import keep
from claude_meter.sources.cookies import SessionCookies
from claude_meter.sources.keyring_store import SERVICE, Keyring
from claude_meter.sources.selection import Selection, WebCandidate
from tests.conftest import NOW, TEST_SESSION_KEY
from tests.sources.memory_keyring import MemoryKeyring

OLD = SessionCookies.parse(f"sessionKey={TEST_SESSION_KEY}")
NEW = SessionCookies.parse("sessionKey=sk-ant-sid02-ROTATED-0000000000000000000000000000")


def test_a_rotated_session_is_stored_in_its_own_entry_but_never_the_environments() -> None:
    backend = MemoryKeyring()
    store = Keyring(backend).store("work")
    selection = Selection.create({}, now=NOW, store=store, stored_only=True, remembered=False)
    fetched = WebFetch(FetchResult(source="web", fetched_at=NOW), rotated=NEW)
    keep(selection, WebCandidate(OLD, "environment", "CLAUDE_METER_COOKIE"), fetched)
    assert backend.items == {}
    keep(selection, WebCandidate(OLD, "stored", "the keyring"), fetched)
    assert backend.items == {(SERVICE, "claude.ai session (work)"): NEW.header().reveal()}
