"""What must survive a poll: a rotated sessionKey, a fresher copy of an imported session, and
the account's email next to the remembered choice (names only; the session goes to the
keyring, never to a file)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import msgspec

if TYPE_CHECKING:
    from claude_meter.clients.web import WebFetch
    from claude_meter.core.models import FetchResult
    from claude_meter.sources.selection import Selection, WebCandidate

log = logging.getLogger("claude_meter.poll")


def keep(selection: Selection, candidate: WebCandidate, fetched: WebFetch) -> None:
    """Store what must survive: a rotated sessionKey, a fresher copy of an imported session.

    The environment variable is never copied into the keyring.
    """
    if candidate.origin == "environment":
        return
    store = selection.store
    fresher = fetched.rotated
    if (
        fresher is None
        and candidate.profile is not None
        and selection.choice.stored_from == candidate.profile.label
        and fetched.result.error is None
        and selection.stored != candidate.cookies
    ):
        fresher = candidate.cookies
    if fresher is not None:
        saved = store.save(fresher)
        if not saved.persisted:
            log.info("a rotated claude.ai session could not be stored: %s", saved.message)
    _remember_email(selection, candidate, fetched.result)


def _remember_email(selection: Selection, candidate: WebCandidate, result: FetchResult) -> None:
    """Record the account's email next to the remembered choice it belongs to (not secret)."""
    from claude_meter.sources.choice import save_choice

    choice = selection.choice
    emails = [s.account_email for s in result.snapshots if s.account_email]
    belongs = (candidate.origin == "stored" and choice.stored_from) or (
        candidate.profile is not None
        and choice.browser == candidate.profile.browser.key
        and (choice.profile is None or candidate.profile.matches(choice.profile))
    )
    if emails and belongs and choice.account_email != emails[0]:
        try:
            save_choice(msgspec.structs.replace(choice, account_email=emails[0]))
        except OSError as exc:
            log.info("could not remember the account email: %s", type(exc).__name__)
