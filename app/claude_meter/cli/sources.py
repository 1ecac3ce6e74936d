"""``claude-meter sources``: every source ``auto`` would try, in its order, and the accounts found.

Nothing printed here ever contains a cookie or token value: each source is described by where
it is, its state and the cookie's age, never by what it holds.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Final

from claude_meter.cli.credentials import OK, Terminal, backend_label, make_selection
from claude_meter.core.errors import MeterError, NotSignedIn
from claude_meter.sources.cookies import COOKIE_ENV, InvalidCookie, cookies_from_env

if TYPE_CHECKING:
    from claude_meter.sources.browsers import BrowserSession
    from claude_meter.sources.keyring_store import SessionStore
    from claude_meter.sources.selection import Selection


def run_sources(
    *, json_output: bool, term: Terminal, store: SessionStore | None = None, add: bool = False
) -> int:
    """Every source found, in ``auto``'s order, with no secret value; then the accounts found
    (``add``: each one not metered yet is added, see ``cli/discover.py``)."""
    from claude_meter.cli import discover

    selection = make_selection(term, store=store)
    sessions: list[BrowserSession] = []
    entries = [_env_entry(term.env), _stored_entry(selection)]
    entries += _browser_entries(selection, sessions)
    entries.append(_claude_code_entry(term.env, selection.now))
    settings, found = discover.found_accounts(sessions, term.env)
    if add:
        return discover.run_add_found(found, term)
    if json_output:
        document = {
            "auto_order": ["environment", "stored", "browser", "claude-code"],
            "sources": entries,
            "accounts_found": discover.found_json(found, settings),
        }
        print(json.dumps(document, indent=2), file=term.out)
    else:
        print("Sources, in the order `auto` tries them:", file=term.out)
        for entry in entries:
            print(f"  {entry['label']:<40} {entry['summary']}", file=term.out)
            if _advice_below(entry):
                print(f"  {'':<40} {entry['message']}", file=term.out)  # what to do about it
        discover.print_found(found, settings, term)
    return OK


def _env_entry(env: Mapping[str, str]) -> dict[str, object]:
    try:
        state = "present" if cookies_from_env(env) is not None else "missing"
        message = None
    except InvalidCookie as exc:
        state, message = "invalid", f"{COOKIE_ENV} is not usable: {exc}."
    summary = {"present": "set", "missing": "not set", "invalid": "set, but not usable"}[state]
    return {"kind": "environment", "label": COOKIE_ENV, "state": state, "message": message,
            "summary": summary}  # fmt: skip


def _stored_entry(selection: Selection) -> dict[str, object]:
    store = selection.store
    choice = selection.choice
    usable = store.usable()
    stored = store.load() if usable else None
    if stored is None and store.problem:
        usable = False
    state = "present" if stored is not None else ("missing" if usable else "unavailable")
    summary = {
        "present": f"a session is stored (from {choice.stored_from or 'an earlier login'})",
        "missing": "nothing stored (`claude-meter login` stores one)",
        "unavailable": f"no usable keyring: {store.problem}",
    }[state]
    if stored is not None and choice.account_email:
        summary += f" · {choice.account_email}"
    return {
        "kind": "stored",
        "label": f"Keyring ({backend_label(store)})" if usable else "Keyring",
        "state": state,
        "backend": store.backend_name(),
        "stored_from": choice.stored_from if stored is not None else None,
        "account_email": choice.account_email if stored is not None else None,
        "org_hint": stored.org_hint if stored is not None else None,
        "message": None if usable else store.problem,
        "summary": summary,
    }


#: A browser profile that cannot be read, by its failure's ``reason`` (``sources/browsers.py``):
#: the line's state; the text form prints the failure's message, what to do, under it.
_BROWSER_STATES: Final = {
    "expired": "claude.ai session expired",
    "unusable": "claude.ai session unusable",
    "locked": "cookie file could not be read",
    "unreadable": "cookies could not be read",
    "app_bound": "cookies protected by app-bound encryption",
    "key": "cookie key not available",
}


def _advice_below(entry: Mapping[str, object]) -> bool:
    """Whether the text form prints the entry's message under its state: a source that is
    there but cannot be read (the state says so, the message what to do)."""
    if entry["kind"] == "browser":
        return entry["summary"] in _BROWSER_STATES.values()
    if entry["kind"] == "environment":
        return entry["state"] == "invalid"
    return entry["kind"] == "claude-code" and entry["state"] == "unreadable"


def _browser_entries(
    selection: Selection, sessions: list[BrowserSession]
) -> list[dict[str, object]]:
    from claude_meter.sources.browsers import (
        NoBrowserSession,
        account_key,
        looked_for,
        no_session_message,
        read_profile,
    )

    profiles = selection.ordered_profiles()
    if not profiles:
        looked = looked_for(selection.platform)
        return [
            {
                "kind": "browser",
                "label": "Browsers",
                "state": "missing",
                "message": no_session_message([], selection.platform),
                # a state like the other lines' ("not set"), not the message's sentence
                "summary": f"no browser profile found (looked for {looked})",
            }
        ]
    entries = []
    first_of: dict[str, str] = {}
    choice = selection.choice
    for profile in profiles:
        remembered = choice.browser == profile.browser.key and (
            choice.profile is None or profile.matches(choice.profile)
        )
        entry: dict[str, object] = {
            "kind": "browser",
            "label": profile.label,
            "browser": profile.browser.key,
            "profile": profile.name,
            "profile_name": profile.display_name,
            "remembered": remembered,
            "account_email": choice.account_email if remembered else None,
            "org_hint": None,
            "cookie_created_at": None,
            "cookie_age_seconds": None,
            "cookie_expires_at": None,
            "same_account_as": None,
            "message": None,
        }
        try:
            session = read_profile(
                profile, platform=selection.platform, now=selection.now, environ=selection.env
            )
        except NotSignedIn as exc:
            reason = getattr(exc, "reason", "unreadable")
            entry["state"] = "no_session" if reason == "no_session" else reason
            if isinstance(exc, NoBrowserSession) and reason == "no_session":
                entry["summary"] = "not signed in to claude.ai"
            else:  # a state like the other lines'; the message, what to do, follows it
                entry["message"] = exc.message
                entry["summary"] = _BROWSER_STATES.get(reason, _BROWSER_STATES["unreadable"])
            entries.append(entry)
            continue
        key = account_key(session.cookies)
        sessions.append(session)
        entry["state"] = "signed_in"
        entry["org_hint"] = session.cookies.org_hint
        entry["same_account_as"] = first_of.get(key)
        first_of.setdefault(key, profile.label)
        if session.created_at is not None:
            entry["cookie_created_at"] = _iso(session.created_at)
            entry["cookie_age_seconds"] = int((selection.now - session.created_at).total_seconds())
        entry["cookie_expires_at"] = _iso(session.expires_at)
        parts = ["signed in"]
        if session.created_at is not None:
            parts.append(f"cookie {_age(selection.now - session.created_at)} old")
        if entry["account_email"]:
            parts.append(str(entry["account_email"]))
        if entry["same_account_as"]:
            parts.append(f"same account as {entry['same_account_as']}")
        if remembered:
            parts.append("remembered")
        entry["summary"] = " · ".join(parts)
        entries.append(entry)
    return entries


def _claude_code_entry(env: Mapping[str, str], now: datetime) -> dict[str, object]:
    from claude_meter.sources.claude_code import default_home, find_claude_code_credentials

    entry: dict[str, object] = {"kind": "claude-code", "label": "Claude Code", "origin": None,
                                "expires_at": None, "message": None}  # fmt: skip
    try:
        found = find_claude_code_credentials(env, default_home(), platform=sys.platform)
    except MeterError as exc:
        entry.update(state="unreadable", message=exc.message, summary="sign-in could not be read")
        return entry
    if found is None:
        entry.update(state="missing", summary="not signed in (run `claude` to sign in)")
        return entry
    entry["origin"] = found.origin
    entry["expires_at"] = _iso(found.expires_at)
    if found.is_expired(now):
        entry.update(state="expired", summary="token expired: run `claude` once to renew it")
    elif found.lacks_profile_scope:
        entry.update(
            state="missing_scope",
            summary="token lacks the user:profile scope (made by `claude setup-token`?): "
            "sign in with `claude` instead",
        )
    else:
        entry.update(state="present", summary=f"token present ({found.origin})")
    return entry


def _iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _age(delta: object) -> str:
    seconds = int(getattr(delta, "total_seconds", lambda: 0)())
    if seconds < 3600:
        return f"{max(seconds // 60, 0)} min"
    if seconds < 86400:
        return f"{seconds // 3600} h"
    return f"{seconds // 86400} days"
