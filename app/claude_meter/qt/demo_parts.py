"""The demo's parts of the tray's composition (``qt/compose.py``): how many accounts it shows,
how its named accounts are polled, and its made-up past written after the first draw.

Imported only by ``claude-meter --demo``: the tray's normal start does not load it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from claude_meter.core.errors import ConfigurationError
from claude_meter.poll.fetcher import Fetcher

if TYPE_CHECKING:
    from claude_meter.clients.http import ClientPool
    from claude_meter.core.models import FetchResult
    from claude_meter.history import HistoryStore
    from claude_meter.poll.demo import Demo
    from claude_meter.poll.demo_seeding import PastSeeding
    from claude_meter.qt.app import TrayApp


def demo_accounts(env: Mapping[str, str]) -> int:
    """``CLAUDE_METER_DEMO_ACCOUNTS``: how many accounts the demo shows (1 to 8)."""
    text = env.get("CLAUDE_METER_DEMO_ACCOUNTS", "1") or "1"
    if not text.isdigit():
        raise ConfigurationError("CLAUDE_METER_DEMO_ACCOUNTS is a number of accounts, 1 to 8")
    return int(text)


def demo_poll(running: Demo, pool: ClientPool, account_id: str) -> Callable[[], FetchResult]:
    """One of the demo's named accounts, polled with its own session at the demo's fake."""
    account_env = next(env for key, _name, env in running.named if key == account_id)
    demo_fetcher = Fetcher(account_env, pool=pool, demo=True)
    return lambda: demo_fetcher().for_account(account_id)


def seed_after_first_draw(
    meter: TrayApp, history: HistoryStore, stack: contextlib.ExitStack
) -> PastSeeding:
    """The demo's made-up past (sparklines, forecasts, the History window's walls and calendar
    at once), written once its first numbers are drawn, each account's from its first reading,
    the live readings held back meanwhile (``poll/demo_seeding.py``); then drawn again."""
    from claude_meter.poll.demo_seeding import PastSeeding

    seeding = PastSeeding(history, seeded=meter.history_filled.emit)
    meter.meter.writer = seeding.record
    meter.settled.connect(seeding.start)
    stack.callback(seeding.stop)  # before the demo's folder goes (callbacks run last first)
    return seeding
