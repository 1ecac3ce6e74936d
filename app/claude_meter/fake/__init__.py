"""A fake claude.ai / api.anthropic.com on loopback, for the demo mode, the CLI and the tests.

It serves the private usage endpoints described in docs/protocol.md over real sockets, and plays
named scenarios (expired session, Cloudflare challenge, rate limit, flaky network, ...) so every
client path can be exercised without an account and without touching the real service.

The server module and the scenarios' and accounts' data are loaded on first use, so
``claude-meter --help`` can list the scenario names (``names.py``) without paying for them.

Several accounts side by side: ``FakeClaude(accounts=(PERSONAL_ACCOUNT, WORK_ACCOUNT))``, each
with its own keys, organizations, numbers and scenario (``accounts.py``, ``server.py``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .names import SCENARIOS

if TYPE_CHECKING:
    from .accounts import (
        MAX_ACCOUNTS,
        PERSONAL_ACCOUNT,
        READY_MADE_ACCOUNTS,
        THIRD_ACCOUNT,
        WORK_ACCOUNT,
        FakeAccount,
        fake_accounts,
    )
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


_ACCOUNTS = frozenset(
    {
        "MAX_ACCOUNTS",
        "PERSONAL_ACCOUNT",
        "READY_MADE_ACCOUNTS",
        "THIRD_ACCOUNT",
        "WORK_ACCOUNT",
        "FakeAccount",
        "fake_accounts",
    }
)


def __getattr__(name: str) -> object:
    if name in _LAZY:
        from . import server

        return getattr(server, name)
    if name in _ACCOUNTS:  # the accounts' data, loaded with the scenarios' on first use
        from . import accounts

        return getattr(accounts, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "DEFAULT_OAUTH_TOKEN",
    "DEFAULT_SESSION_KEY",
    "MAX_ACCOUNTS",
    "PERSONAL_ACCOUNT",
    "READY_MADE_ACCOUNTS",
    "SCENARIOS",
    "THIRD_ACCOUNT",
    "WORK_ACCOUNT",
    "FakeAccount",
    "FakeClaude",
    "LoggedRequest",
    "fake_accounts",
    "run_forever",
]
