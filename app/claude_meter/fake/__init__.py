"""A fake claude.ai / api.anthropic.com on loopback, for the demo mode, the CLI and the tests.

It serves the private usage endpoints described in docs/protocol.md over real sockets, and plays
named scenarios (expired session, Cloudflare challenge, rate limit, flaky network, ...) so every
client path can be exercised without an account and without touching the real service.

The server module is loaded on first use, so ``claude-meter --help`` can list the scenario
names without paying for the HTTP server's imports.

Several accounts side by side: ``FakeClaude(accounts=(PERSONAL_ACCOUNT, WORK_ACCOUNT))``, each
with its own keys, organizations, numbers and scenario (``accounts.py``, ``server.py``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .accounts import (
    PERSONAL_ACCOUNT,
    READY_MADE_ACCOUNTS,
    THIRD_ACCOUNT,
    WORK_ACCOUNT,
    FakeAccount,
)
from .scenarios import SCENARIOS

if TYPE_CHECKING:
    from .server import (
        DEFAULT_OAUTH_TOKEN,
        DEFAULT_SESSION_KEY,
        FakeClaude,
        LoggedRequest,
        run_forever,
    )

_LAZY = frozenset(
    {"DEFAULT_OAUTH_TOKEN", "DEFAULT_SESSION_KEY", "FakeClaude", "LoggedRequest", "run_forever"}
)


def __getattr__(name: str) -> object:
    if name in _LAZY:
        from . import server

        return getattr(server, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "DEFAULT_OAUTH_TOKEN",
    "DEFAULT_SESSION_KEY",
    "PERSONAL_ACCOUNT",
    "READY_MADE_ACCOUNTS",
    "SCENARIOS",
    "THIRD_ACCOUNT",
    "WORK_ACCOUNT",
    "FakeAccount",
    "FakeClaude",
    "LoggedRequest",
    "run_forever",
]
