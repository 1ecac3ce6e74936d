"""The demo, set up in one place: a fake claude.ai on loopback and the environment that
points both routes at it (``status --demo``, the tray's ``--demo``, and "Try the demo" in the
first-run window all start it here), plus a plausible past for a throwaway history (for
every account).

With ``accounts`` (the tray's ``CLAUDE_METER_DEMO_ACCOUNTS=2`` to ``8``) the fake serves that
many accounts side by side (``fake_accounts``): the first is the default one, the others the
demo's named accounts (:attr:`Demo.named`), each polled with its own session, so the tray's
accounts can be seen without any account. They live in the demo's settings only
(:func:`demo_settings`), which the tray keeps in the demo's throwaway folder: nothing of them
reaches the person's settings, keyring or history."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from claude_meter.core.errors import ConfigurationError
from claude_meter.sources.cookies import COOKIE_ENV

if TYPE_CHECKING:
    from types import TracebackType

    from claude_meter.core.models import FetchResult, Snapshot
    from claude_meter.core.settings import Settings
    from claude_meter.fake.server import FakeClaude
    from claude_meter.history import HistoryStore

DEFAULT_SCENARIO = "rising"


@dataclass
class Demo:
    """A running fake claude.ai and the environment that reaches it; stop it when done.

    ``history`` is a throwaway one (a demo never writes into the person's own), made by
    :meth:`open_history`.
    """

    server: FakeClaude
    env: Mapping[str, str]
    history: HistoryStore | None = None
    _folder: tempfile.TemporaryDirectory[str] | None = None
    #: The demo's named accounts: (id, name, the environment with its own session).
    named: tuple[tuple[str, str, Mapping[str, str]], ...] = ()

    def folder(self) -> Path:
        """The demo's throwaway folder (its history, its settings), removed at :meth:`stop`."""
        if self._folder is None:
            self._folder = tempfile.TemporaryDirectory(prefix="claude-meter-demo-")
        return Path(self._folder.name)

    def open_history(self) -> HistoryStore:
        """A history in a temporary folder, removed at :meth:`stop`."""
        from claude_meter.history import HistoryStore

        if self.history is None:
            self.history = HistoryStore.open(self.folder() / "history.sqlite3", quick_check=False)
        return self.history

    def stop(self) -> None:
        self.server.stop()
        if self.history is not None:
            self.history.close()
        if self._folder is not None:
            self._folder.cleanup()

    def __enter__(self) -> Demo:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.stop()


def start_demo(scenario: str = DEFAULT_SCENARIO, *, speed: float = 1.0, accounts: int = 1) -> Demo:
    """Start the fake claude.ai in ``scenario``; its clock runs ``speed`` times as fast;
    ``accounts`` side by side (see the module's docstring).

    An unknown scenario, or a number of accounts outside 1 to 8, is a
    :class:`ConfigurationError` saying what is allowed.
    """
    from claude_meter.fake import DEFAULT_SESSION_KEY, SCENARIOS, FakeClaude
    from claude_meter.fake.accounts import MAX_ACCOUNTS, fake_accounts

    if scenario not in SCENARIOS:
        raise ConfigurationError(
            f"unknown demo scenario {scenario!r}; choose one of: {', '.join(SCENARIOS)}"
        )
    if not 1 <= accounts <= MAX_ACCOUNTS:
        raise ConfigurationError(f"the demo shows 1 to {MAX_ACCOUNTS} accounts, not {accounts}")
    served = fake_accounts(accounts) if accounts > 1 else ()
    clock = None
    if speed != 1.0:
        started = time.monotonic()
        clock = lambda: started + (time.monotonic() - started) * speed  # noqa: E731
    server = FakeClaude(scenario, clock=clock, accounts=served).start()
    env = {
        "CLAUDE_METER_BASE_URL": server.base_url,
        "CLAUDE_METER_OAUTH_BASE_URL": server.base_url,
        COOKIE_ENV: f"sessionKey={served[0].session_key if served else DEFAULT_SESSION_KEY}",
    }
    named = tuple(
        (a.name, a.name.title(), {**env, COOKIE_ENV: f"sessionKey={a.session_key}"})
        for a in served[1:]
    )
    return Demo(server, env, named=named)


def demo_settings(settings: Settings, demo: Demo) -> Settings:
    """The person's display choices with the demo's accounts (``Personal`` the default)."""
    import msgspec

    from claude_meter.core.accounts import AccountRef

    refs = tuple(AccountRef(id=key, name=name, kind="pasted") for key, name, _ in demo.named)
    return msgspec.structs.replace(
        settings,
        accounts=refs,
        default_account=True,
        default_account_name="Personal",
        icon_account=None,
    )


#: The demo's made-up past: 90 days (the history's retention), a reading an hour, and the last
#: 8 days every 10 minutes (about 3,100 readings, under a second to store).
SEED_DAYS = 90
SEED_STEP = timedelta(hours=1)
RECENT_DAYS = 8
RECENT_STEP = timedelta(minutes=10)


def past_of(snapshot: Snapshot, now: datetime) -> list[Snapshot]:
    """The made-up past of one snapshot read at ``now``, oldest first and strictly before it:
    :data:`SEED_DAYS` hourly, then the last :data:`RECENT_DAYS` every :data:`RECENT_STEP`."""
    from claude_meter.poll.demo_history import past_snapshots

    recent = now - timedelta(days=RECENT_DAYS)
    past = list(past_snapshots(snapshot, now, days=SEED_DAYS, step=SEED_STEP, until=recent))
    return past + list(past_snapshots(snapshot, now, days=RECENT_DAYS, step=RECENT_STEP))


def seed_history(history: HistoryStore, result: FetchResult, now: datetime) -> None:
    """Give a throwaway history a plausible past, so forecasts, the History window's resets and
    walls, and the year's calendar show at once (see ``poll/demo_history.py``). The tray's demo
    writes it after its first drawn numbers instead (``poll/demo_seeding.py``)."""
    pasts: list[Snapshot] = []
    for snapshot in result.snapshots:
        pasts += past_of(snapshot, now)
    history.record_many(pasts)  # in this order, in one transaction: ~3,100 rows, one commit
