"""Whose is each session found? One poll each, to learn the account's email from the server.

``claude-meter sources --add`` asks before adding what ``sources/discovery.py`` found, so two
browser profiles signed in to the same account become one account, and one the default
account already reads is not added twice. Each session is sent only to claude.ai's own
answers about itself (with the organization lists remembered as ``status`` remembers them,
keyed by the session), never with another session; a rotated key is not kept (the browser
keeps its own).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import msgspec

from claude_meter.core.endpoints import web_base_url

if TYPE_CHECKING:
    from claude_meter.clients.remembered import RememberedAnswers
    from claude_meter.core.models import FetchResult
    from claude_meter.sources.discovery import Found


def _now() -> datetime:
    return datetime.now(UTC)


def identify(
    found: Sequence[Found],
    env: Mapping[str, str],
    *,
    remembered: RememberedAnswers | None = None,
    clock: Callable[[], datetime] = _now,
) -> list[Found]:
    """``found`` with each browser sign-in's email, as the server gives it (when it answers)."""
    from claude_meter.clients.web import WebClient
    from claude_meter.clients.web_transport import transport_mode

    told = []
    for item in found:
        if item.cookies is None or item.email is not None:
            told.append(item)
            continue
        with WebClient(
            item.cookies,
            web_base_url(env),
            transport=transport_mode(env),
            clock=clock,
            remembered=remembered,
        ) as client:
            email = email_in(client.fetch().result)
        told.append(msgspec.structs.replace(item, email=email) if email else item)
    return told


def email_in(result: FetchResult) -> str | None:
    """The account's email as a poll's snapshots carry it."""
    return next((s.account_email for s in result.snapshots if s.account_email), None)
