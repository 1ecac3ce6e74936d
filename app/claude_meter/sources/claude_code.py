"""Claude Code's OAuth token, read-only.

**Never refresh this token and never write its file.** Refresh tokens are single-use: a second
program that refreshes revokes Claude Code's token family and logs the person out of Claude
Code. When the token has expired we say "run `claude` once to renew the sign-in" instead.

Where Claude Code keeps it, in the order we look:
1. the environment variable ``CLAUDE_CODE_OAUTH_TOKEN`` (no expiry or scopes known);
2. ``$CLAUDE_CONFIG_DIR/.credentials.json``, else ``~/.claude/.credentials.json``;
3. on macOS, the Keychain generic password with service ``Claude Code-credentials``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Final

import msgspec

from claude_meter.core import json_input
from claude_meter.core.errors import NotSignedIn
from claude_meter.core.secret import Secret
from claude_meter.core.server_time import from_epoch

TOKEN_ENV: Final = "CLAUDE_CODE_OAUTH_TOKEN"  # noqa: S105 - a variable name, not a token
CONFIG_DIR_ENV: Final = "CLAUDE_CONFIG_DIR"
KEYCHAIN_SERVICE: Final = "Claude Code-credentials"
PROFILE_SCOPE: Final = "user:profile"

KeychainReader = Callable[[str], str | None]


class ClaudeCodeCredentials(msgspec.Struct, frozen=True):
    """What we may use of Claude Code's sign-in: the access token and what is known of it."""

    access_token: Secret
    origin: str
    expires_at: datetime | None = None
    scopes: tuple[str, ...] | None = None
    subscription_type: str | None = None
    rate_limit_tier: str | None = None

    def is_expired(self, now: datetime) -> bool:
        return self.expires_at is not None and self.expires_at <= now

    @property
    def lacks_profile_scope(self) -> bool:
        return self.scopes is not None and PROFILE_SCOPE not in self.scopes


def credentials_path(env: Mapping[str, str], home: Path) -> Path:
    """Claude Code's credentials file, honouring ``CLAUDE_CONFIG_DIR``."""
    config_dir = env.get(CONFIG_DIR_ENV, "").strip()
    base = Path(config_dir).expanduser() if config_dir else home / ".claude"
    return base / ".credentials.json"


def read_macos_keychain(service: str) -> str | None:
    """The Keychain generic password for ``service``, or None (``security`` may prompt once).

    macOS only: ``subprocess`` is imported here, not with the module (the other systems never
    run a program to read Claude Code's sign-in)."""
    import shutil
    import subprocess

    security = shutil.which("security")
    if security is None:
        return None
    try:
        done = subprocess.run(  # noqa: S603 - fixed program and arguments
            [security, "find-generic-password", "-s", service, "-w"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if done.returncode != 0:
        return None  # no item, or the person refused the Keychain prompt
    return done.stdout.strip() or None


def find_claude_code_credentials(
    env: Mapping[str, str],
    home: Path,
    *,
    platform: str,
    keychain: KeychainReader = read_macos_keychain,
) -> ClaudeCodeCredentials | None:
    """Claude Code's token from the first place that has one; None when it is nowhere.

    A present but unreadable store raises :class:`NotSignedIn` with what to do.
    """
    token = env.get(TOKEN_ENV, "").strip()
    if token:
        return ClaudeCodeCredentials(access_token=Secret(token), origin=f"${TOKEN_ENV}")
    path = credentials_path(env, home)
    if path.is_file():
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            raise NotSignedIn(_unreadable(str(path))) from None
        return parse_credentials(text, origin=str(path))
    if platform == "darwin":
        text_or_none = keychain(KEYCHAIN_SERVICE)
        if text_or_none:
            return parse_credentials(text_or_none, origin="macOS Keychain")
    return None


def parse_credentials(text: str, *, origin: str) -> ClaudeCodeCredentials:
    """The ``claudeAiOauth`` entry of a credentials document; :class:`NotSignedIn` if unusable."""
    try:
        data = json_input.loads(text)
    except json_input.NotJson:
        raise NotSignedIn(_unreadable(origin)) from None
    oauth = data.get("claudeAiOauth") if isinstance(data, dict) else None
    token = oauth.get("accessToken") if isinstance(oauth, dict) else None
    if not isinstance(oauth, dict) or not isinstance(token, str) or not token.strip():
        raise NotSignedIn(
            f"Claude Code's credentials ({origin}) hold no claude.ai sign-in. "
            "Run `claude` and sign in with your Claude account."
        )
    expires = oauth.get("expiresAt")
    expires_at = None
    if isinstance(expires, int | float) and not isinstance(expires, bool) and expires > 0:
        expires_at = from_epoch(expires, per_second=1000, clamp=True)
    scopes = oauth.get("scopes")
    return ClaudeCodeCredentials(
        access_token=Secret(token.strip()),
        origin=origin,
        expires_at=expires_at,
        scopes=tuple(s for s in scopes if isinstance(s, str)) if isinstance(scopes, list) else None,
        subscription_type=_text(oauth.get("subscriptionType")),
        rate_limit_tier=_text(oauth.get("rateLimitTier")),
    )


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _unreadable(origin: str) -> str:
    return (
        f"Claude Code's credentials ({origin}) could not be read. "
        "Run `claude` once to renew the sign-in."
    )


def default_home() -> Path:
    """The home folder, honouring ``HOME`` so tests can point it at a temporary folder."""
    return Path(os.environ.get("HOME") or Path.home())
