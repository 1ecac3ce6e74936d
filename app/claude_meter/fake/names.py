"""The names of the fake claude.ai's scenarios, apart from what they serve (``scenarios.py``).

The command line's help lists them: this module imports nothing, so building the parser of
every command (``cli/arguments.py``) does not load the scenarios' data and what it imports
(about 9 ms of every command's start, ``docs/benchmarks.md``).
"""

from __future__ import annotations

SCENARIOS: tuple[str, ...] = (
    "normal",
    "rising",
    "fraction-scale",
    "limits-only",
    "enterprise",
    "multi-org",
    "expired",
    "cloudflare",
    "chrome-tls",
    "rate-limited",
    "flaky",
    "malformed",
    "ua-bucket",
    "new-shapes",
    "region-redirect",
    "spa-shell",
)
"""``ua-bucket``: the OAuth usage endpoint answers ``429 Retry-After: 0`` to any client whose
``User-Agent`` does not start with ``claude-code/``, as the real one's small bucket does.
``new-shapes``: the answer shapes seen since mid-2026 (a model cap only in ``limits[]``,
``severity``, ``scope.surface``, ``spend``). ``region-redirect``: claude.ai redirects the
organization's calls (usage, overage, subscription) to its "unavailable in your region"
page. ``spa-shell``: the usage endpoint answers ``200`` with the web app's HTML shell, as a
moved endpoint does (no Cloudflare marks)."""
