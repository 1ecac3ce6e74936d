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
) -> int:
    from claude_meter.fake import DEFAULT_SESSION_KEY, SCENARIOS, FakeClaude
    from claude_meter.fake.server import run_forever

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
    try:
        server = FakeClaude(
            scenario, host=host, port=port, tls=tls, faults=faults, seed=seed
        ).start()
    except OSError as exc:
        print(f"claude-meter: cannot listen on {host}:{port}: {exc.strerror}", file=sys.stderr)
        return 1
    base = server.base_url
    print(f"Fake claude.ai ({scenario}) at {base}. Press Ctrl+C to stop.", file=out)
    print("To point ClaudeMeter at it (demo credentials, not a real session):", file=out)
    print(f"  export {WEB_BASE_ENV}={base} {OAUTH_BASE_ENV}={base}", file=out)
    print(f"  export CLAUDE_METER_COOKIE=sessionKey={DEFAULT_SESSION_KEY}", file=out)
    if server.cert_path:
        print(f"  (HTTPS certificate: {server.cert_path})", file=out)
    out.flush()
    run_forever(server)
    return 0
