"""The tray's beginning, before Qt: what its first poll needs, made and the poll started.

PySide6 and the tray's Qt layer take some 0.1 s to load and build, and the first poll needs
none of them: only the settings, the keyring, the saved state and the fetcher. So the tray's
start (``cli/tray_start.py``) makes those here, Qt-free, and the first poll
(:class:`~claude_meter.poll.first.FirstPoll`) waits on the network while Qt loads. On a real
network, where the first poll's connection, TLS handshake and two requests take a few round
trips to the server, those round trips no longer wait for Qt (``docs/benchmarks.md``, the
tray's start).

:func:`begin` is also what ``qt/compose.py`` calls when the start did not begin early: the
demo (its fetcher is pointed at the demo's server first), and a launch that saw another tray
running (it only asks that one to open its popover, and must not poll).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, NamedTuple

from claude_meter.clients.http import ClientPool
from claude_meter.core.account_view import default_route
from claude_meter.core.policy import Route
from claude_meter.core.settings import Loaded, load_settings
from claude_meter.core.state import SavedState, load_state
from claude_meter.poll.fetcher import Fetcher
from claude_meter.poll.first import FirstPoll
from claude_meter.poll.messages import TRAY_ADVICE

if TYPE_CHECKING:
    from claude_meter.sources.keyring_child import KeyringInChild
    from claude_meter.sources.keyring_store import Keyring


class Beginning(NamedTuple):
    """The parts the first poll runs on, for the tray to keep using."""

    pool: ClientPool
    #: None in the demo, which never reads the person's keyring.
    keyring: Keyring | None
    #: The keyring's helper process, to be closed with the tray (None: none was started).
    keyring_child: KeyringInChild | None
    loaded: Loaded
    route: Route
    fetcher: Fetcher
    #: The saved state, read once (its first poll and the meter both need it); None in the demo.
    saved: SavedState | None
    #: The first poll, already running (unless a saved rate-limit deadline holds it back);
    #: None in the demo, whose poll starts once its fetcher points at the demo's server.
    first_poll: FirstPoll | None


def begin(
    env: Mapping[str, str], *, demo: bool, keyring_child: KeyringInChild | None = None
) -> Beginning:
    """The pool, keyring, settings and fetcher made, and (but in the demo) the first poll
    started. ``keyring_child``: the keyring's helper already reading the stored session
    (``sources/keyring_early.py``)."""
    pool = ClientPool()
    keyring, child = (None, None) if demo else open_keyring(keyring_child)
    loaded = load_settings()
    route: Route = default_route(loaded.settings)  # the saved deadline of that route holds
    fetcher = Fetcher(env, settings=loaded.settings, pool=pool, keyring=keyring, advice=TRAY_ADVICE)
    if demo:
        return Beginning(pool, None, None, loaded, route, fetcher, None, None)
    saved = load_state()
    first = FirstPoll.unless_held(fetcher, saved, route, datetime.now(UTC))
    return Beginning(pool, keyring, child, loaded, route, fetcher, saved, first)


def open_keyring(early: KeyringInChild | None = None) -> tuple[Keyring, KeyringInChild | None]:
    """The stored session read once and kept (see ``sources/keyring_store.py``); on Linux the
    keyring reached through a child process, so its libraries never load into the tray
    (``early``: the one already reading the session, started with the process)."""
    from claude_meter.sources.keyring_child import KeyringInChild, wanted
    from claude_meter.sources.keyring_store import Keyring
    from claude_meter.sources.session_cache import SessionCache

    child = early or (KeyringInChild() if wanted() else None)
    return Keyring(child, SessionCache()), child
