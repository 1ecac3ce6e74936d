"""``claude-meter login``, ``logout`` and ``sources``: connect an account, forget it, look.

Secrets go only to the keyring (:mod:`claude_meter.sources.keyring_store`); the choice of
browser and profile goes to a small non-secret file (:mod:`claude_meter.sources.choice`).
Nothing printed here ever contains a cookie or token value.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, TextIO

from claude_meter.core.errors import ConfigurationError, MeterError, NotSignedIn
from claude_meter.sources.choice import RememberedChoice, forget_choice, load_choice, save_choice
from claude_meter.sources.cookies import COOKIE_ENV, InvalidCookie, cookies_from_env

if TYPE_CHECKING:
    from claude_meter.sources.browsers import BrowserSession
    from claude_meter.sources.keyring_store import SessionStore
    from claude_meter.sources.selection import Selection

OK, USAGE_ERROR, SIGN_IN = 0, 1, 2


@dataclass(frozen=True)
class Terminal:
    """Where the commands read and write; tests pass their own."""

    env: Mapping[str, str]
    stdin: TextIO
    out: TextIO
    err: TextIO


def _now() -> datetime:
    return datetime.now(UTC)


def _selection(
    term: Terminal,
    *,
    browser: str | None = None,
    profile: str | None = None,
    store: SessionStore | None = None,
) -> Selection:
    from claude_meter.sources.selection import Selection

    selection = Selection.create(
        term.env, now=_now(), browser=browser, profile=profile, store=store
    )
    for note in selection.notes:
        print(f"claude-meter: {note}", file=term.err)
    return selection


# -- login -------------------------------------------------------------------------------------


def run_login(
    *,
    browser: str | None,
    profile: str | None,
    paste: bool,
    term: Terminal,
    store: SessionStore | None = None,
) -> int:
    """Store a session in the keyring: pasted, or from one browser profile (asked if several)."""
    try:
        selection = _selection(term, browser=browser, profile=profile, store=store)
        if paste:
            return _login_paste(selection, term)
        return _login_browser(selection, term)
    except ConfigurationError as exc:
        print(f"claude-meter: {exc}", file=term.err)
        return USAGE_ERROR
    except MeterError as exc:
        print(f"claude-meter: {exc.message}", file=term.err)
        return SIGN_IN


def _login_paste(selection: Selection, term: Terminal) -> int:
    from claude_meter.cli.paste import read_session

    cookies = read_session(term.stdin, term.err)
    if cookies is None:
        return USAGE_ERROR
    saved = selection.store.save(cookies)
    if not saved.persisted:
        print(f"claude-meter: {saved.message}", file=term.err)
        return USAGE_ERROR
    _remember(RememberedChoice(stored_from="paste"), term)
    print(
        f"Stored the claude.ai session in the keyring ({_backend(selection.store)}). "
        "`claude-meter status` uses it from now on.",
        file=term.out,
    )
    return OK


def _login_browser(selection: Selection, term: Terminal) -> int:
    from claude_meter.sources.browsers import distinct_accounts, scan_browsers

    profiles = (
        selection.explicit_profiles() if selection.browser is not None else selection.all_profiles()
    )
    scan = scan_browsers(profiles, platform=selection.platform, now=selection.now, environ=term.env)
    accounts = distinct_accounts(scan.sessions)
    if not accounts:
        selection.looked_at, selection.failures = scan.looked_at, scan.failures
        print(
            f"claude-meter: {selection.no_web_session_message()} Sign in to claude.ai in a "
            "browser and run `claude-meter login` again, or paste the session with "
            "`claude-meter login --paste`.",
            file=term.err,
        )
        return SIGN_IN
    chosen = accounts[0] if len(accounts) == 1 else _ask(accounts, term)
    if chosen is None:
        return USAGE_ERROR
    profile = chosen.profile
    saved = selection.store.save(chosen.cookies)
    _remember(
        RememberedChoice(
            browser=profile.browser.key,
            profile=profile.name,
            stored_from=profile.label if saved.persisted else None,
        ),
        term,
    )
    if saved.persisted:
        print(
            f"Stored the claude.ai session of {profile.label} in the keyring "
            f"({_backend(selection.store)}); {profile.label} is read first from now on.",
            file=term.out,
        )
    else:
        print(f"claude-meter: {saved.message}", file=term.err)
        print(f"{profile.label} is remembered and read directly each time instead.", file=term.out)
    return OK


def _ask(accounts: list[BrowserSession], term: Terminal) -> BrowserSession | None:
    """Several accounts: a numbered choice on a terminal, else the commands that pick one."""
    print("Several claude.ai sign-ins were found:", file=term.err)
    for number, session in enumerate(accounts, 1):
        hint = f" (organization {session.cookies.org_hint})" if session.cookies.org_hint else ""
        print(f"  {number}. {session.profile.label}{hint}", file=term.err)
    isatty = getattr(term.stdin, "isatty", None)
    if isatty is not None and isatty():
        print("Which one? ", end="", file=term.err, flush=True)
        answer = term.stdin.readline().strip()
        if answer.isdigit() and 1 <= int(answer) <= len(accounts):
            return accounts[int(answer) - 1]
    commands = "; ".join(
        f"claude-meter login --browser {s.profile.browser.key} --profile '{s.profile.name}'"
        for s in accounts
    )
    print(f"claude-meter: pick one with: {commands}", file=term.err)
    return None


def _remember(choice: RememberedChoice, term: Terminal) -> None:
    try:
        save_choice(choice)
    except OSError as exc:
        print(f"claude-meter: the choice could not be remembered ({exc.strerror}).", file=term.err)


def _backend(store: SessionStore) -> str:
    """A readable backend name: ``SecretService``, ``macOS``, ``Windows`` (their classes are
    all called ``Keyring``), else the class name."""
    kind = type(store.backend())
    return kind.__module__.rsplit(".", 1)[-1] if kind.__name__ == "Keyring" else kind.__name__


# -- logout ------------------------------------------------------------------------------------


def run_logout(*, term: Terminal, store: SessionStore | None = None) -> int:
    """Remove the stored session and the remembered choice, and say what went."""
    if store is None:
        from claude_meter.sources.keyring_store import SessionStore

        store = SessionStore()
    removed = []
    if store.delete():
        removed.append(f"the claude.ai session stored in the keyring ({_backend(store)})")
    choice, _ = load_choice()
    if forget_choice():
        what = "the remembered source choice"
        if choice.browser:
            what += f" ({choice.browser}{f', profile {choice.profile}' if choice.profile else ''})"
        removed.append(what)
    if removed:
        print("Removed " + " and ".join(removed) + ".", file=term.out)
    else:
        print("Nothing was stored: there was nothing to remove.", file=term.out)
    if store.problem and not store.usable():
        print(f"claude-meter: the keyring could not be checked: {store.problem}.", file=term.err)
    notes = []
    if term.env.get(COOKIE_ENV, "").strip():
        notes.append(f"{COOKIE_ENV} is still set and still used")
    notes.append("your browsers stay signed in to claude.ai and `auto` still finds them")
    print("Note: " + "; ".join(notes) + ".", file=term.out)
    return OK


# -- sources -----------------------------------------------------------------------------------


def run_sources(
    *, json_output: bool, term: Terminal, store: SessionStore | None = None, add: bool = False
) -> int:
    """Every source found, in ``auto``'s order, with no secret value; then the accounts found
    (``add``: each one not metered yet is added, see ``cli/discover.py``)."""
    from claude_meter.cli import discover

    selection = _selection(term, store=store)
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
        discover.print_found(found, settings, term)
    return OK


def _env_entry(env: Mapping[str, str]) -> dict[str, object]:
    try:
        state = "present" if cookies_from_env(env) is not None else "missing"
        message = None
    except InvalidCookie as exc:
        state, message = "invalid", f"{COOKIE_ENV} is not usable: {exc}."
    summary = {"present": "set", "missing": "not set", "invalid": message or "invalid"}[state]
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
        "label": f"Keyring ({_backend(store)})" if usable else "Keyring",
        "state": state,
        "backend": store.backend_name(),
        "stored_from": choice.stored_from if stored is not None else None,
        "account_email": choice.account_email if stored is not None else None,
        "org_hint": stored.org_hint if stored is not None else None,
        "message": None if usable else store.problem,
        "summary": summary,
    }


def _browser_entries(
    selection: Selection, sessions: list[BrowserSession]
) -> list[dict[str, object]]:
    from claude_meter.sources.browsers import (
        NoBrowserSession,
        account_key,
        no_session_message,
        read_profile,
    )

    profiles = selection.ordered_profiles()
    if not profiles:
        return [
            {
                "kind": "browser",
                "label": "Browsers",
                "state": "missing",
                "message": no_session_message([], selection.platform),
                "summary": no_session_message([], selection.platform),
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
            else:
                entry["message"] = exc.message
                entry["summary"] = exc.message
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
        entry.update(state="unreadable", message=exc.message, summary=exc.message)
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
