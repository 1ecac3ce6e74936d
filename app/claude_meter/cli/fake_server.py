"""``claude-meter fake-server``: the demo's fake claude.ai, on its own, until Ctrl+C."""

from __future__ import annotations

import sys
from typing import Literal, TextIO

from claude_meter.core.endpoints import OAUTH_BASE_ENV, WEB_BASE_ENV, is_loopback_url


def run_fake_server(
    *,
    scenario: str,
    host: str,
    port: int,
    tls: bool,
    out: TextIO,
    faults: Literal["standard", "soak"] = "standard",
    seed: int | None = None,
    accounts: int = 1,
) -> int:
    """Serve until Ctrl+C; ``accounts`` above 1 serves that many (``fake_accounts``)."""
    from claude_meter.fake import MAX_ACCOUNTS, SCENARIOS, FakeClaude, fake_accounts
    from claude_meter.fake.server import run_forever
    from claude_meter.sources.claude_code import TOKEN_ENV
    from claude_meter.sources.cookies import COOKIE_ENV

    if scenario not in SCENARIOS:
        print(
            f"claude-meter: unknown scenario {scenario!r}; choose one of: " + ", ".join(SCENARIOS),
            file=sys.stderr,
        )
        return 1
    scheme = "https" if tls else "http"
    if not is_loopback_url(f"{scheme}://{host if ':' not in host else f'[{host}]'}"):
        print("claude-meter: the fake server listens on loopback addresses only.", file=sys.stderr)
        return 1
    if not 1 <= accounts <= MAX_ACCOUNTS:
        print(f"claude-meter: --accounts takes 1 to {MAX_ACCOUNTS}.", file=sys.stderr)
        return 1
    served = fake_accounts(accounts) if accounts > 1 else ()
    try:
        server = FakeClaude(
            scenario,
            host=host,
            port=port,
            tls=tls,
            faults=faults,
            seed=seed,
            accounts=served,
        ).start()
    except OSError as exc:
        print(f"claude-meter: cannot listen on {host}:{port}: {exc.strerror}", file=sys.stderr)
        return 1
    base = server.base_url
    print(f"Fake claude.ai ({scenario}) at {base}. Press Ctrl+C to stop.", file=out)
    print("To point ClaudeMeter at it (demo credentials, not a real session):", file=out)
    print(f"  export {WEB_BASE_ENV}={base} {OAUTH_BASE_ENV}={base}", file=out)
    if not served:
        print(f"  export {COOKIE_ENV}=sessionKey={server.accounts[0].session_key}", file=out)
    for account in served:
        print(f"Account {account.name} ({account.email}):", file=out)
        print(f"  export {COOKIE_ENV}=sessionKey={account.session_key}", file=out)
        print(f"  export {TOKEN_ENV}={account.oauth_token}", file=out)
    if server.cert_path:
        print(f"  (HTTPS certificate: {server.cert_path})", file=out)
    out.flush()
    run_forever(server)
    return 0
