"""The accounts ``claude-meter sources`` found, and ``sources --add`` adding them in one step.

``sources`` reads no network: it lists each distinct browser sign-in and Claude Code's, says
which account already meters it when the settings tell, and prints the exact ``accounts add``
command of each other one. ``sources --add`` first asks claude.ai whose each sign-in is (one
poll each, with the organization lists remembered as ``status`` does) and what the default
account reads, so two profiles of one account are added once and the default account's own
is not added again; then it adds every one left, named by its email, asking nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from claude_meter.sources.discovery import (
    Found,
    add_found,
    by_email,
    claude_code_found,
    from_sessions,
    mark_metered,
    names_for,
)

if TYPE_CHECKING:
    from claude_meter.cli.credentials import Terminal
    from claude_meter.clients.remembered import RememberedAnswers
    from claude_meter.core.settings import Settings
    from claude_meter.sources.browsers import BrowserSession

OK, USAGE_ERROR = 0, 1


def found_accounts(
    sessions: Sequence[BrowserSession], env: Mapping[str, str]
) -> tuple[Settings, list[Found]]:
    """The settings in force and every account found, marked with what meters it."""
    from claude_meter.core.settings import peek_settings
    from claude_meter.sources.choice import load_choice
    from claude_meter.sources.claude_code import default_home

    settings = peek_settings()
    found = from_sessions(sessions)
    code = claude_code_found(env, default_home())
    if code is not None:
        found.append(code)
    email = load_choice()[0].account_email
    return settings, mark_metered(found, settings, default_email=email)


def found_json(found: Sequence[Found], settings: Settings) -> list[dict[str, object]]:
    """``sources --json``'s ``accounts_found`` (no secret: the session stays out)."""
    fresh = [item for item in found if item.metered_as is None]
    names = dict(zip(map(id, fresh), names_for(fresh, settings), strict=True))
    return [
        {
            "kind": item.kind,
            "label": item.label,
            "browser": item.browser,
            "profile": item.profile,
            "config_dir": item.config_dir,
            "email": item.email,
            "metered_as": item.metered_as,
            "add_command": item.add_command(names[id(item)]) if id(item) in names else None,
        }
        for item in found
    ]


def print_found(found: Sequence[Found], settings: Settings, term: Terminal) -> None:
    if not found:
        print("\nNo account was found to add (no browser sign-in, no Claude Code).", file=term.out)
        return
    print("\nAccounts found (one per distinct sign-in):", file=term.out)
    for entry in found_json(found, settings):
        if entry["metered_as"]:
            print(f"  {entry['label']:<40} metered as {entry['metered_as']}", file=term.out)
        else:
            print(f"  {entry['label']:<40} {entry['add_command']}", file=term.out)
    if any(item.metered_as is None for item in found):
        print(
            "`claude-meter sources --add` asks claude.ai whose each sign-in is and adds each "
            "account not metered yet, named by its email.",
            file=term.out,
        )


def run_add_found(found: Sequence[Found], term: Terminal) -> int:
    """Ask whose each sign-in is, then add each account nothing meters yet."""
    from claude_meter.cli.accounts import load_for_change, recorded_ids, save_changed
    from claude_meter.clients.remembered import RememberedAnswers
    from claude_meter.poll.identify import identify

    settings = load_for_change(term)
    if settings is None:
        return USAGE_ERROR
    remembered = RememberedAnswers()
    told = identify(found, term.env, remembered=remembered)
    email, route = _default_reads(settings, term, remembered)
    marked = mark_metered(by_email(told), settings, default_email=email)
    if route == "claude-code":  # the default account reads Claude Code's sign-in: not again
        marked = [
            _as_default(item, settings) if item.kind == "claude-code" else item for item in marked
        ]
    adding = add_found(settings, marked, recorded_ids())
    if adding.added and not save_changed(adding.settings, term):
        return USAGE_ERROR
    for account in adding.added:
        said = f" ({account.email})" if account.email else ""
        print(f"Added {account.name}: {account.describe()}{said}.", file=term.out)
    for item in marked:
        if item.metered_as is not None:
            print(f"Already metered: {item.label} as {item.metered_as}.", file=term.out)
    for item, why in adding.left_out:
        print(f"claude-meter: {item.label} was not added: {why}.", file=term.err)
    if not marked:
        print("No account was found to add (no browser sign-in, no Claude Code).", file=term.out)
    return OK


def _default_reads(
    settings: Settings, term: Terminal, remembered: RememberedAnswers
) -> tuple[str | None, str | None]:
    """The default account's email and route, from one poll as ``status`` makes it."""
    if not settings.default_account and settings.accounts:
        return None, None
    from claude_meter.poll.fetcher import Fetcher
    from claude_meter.poll.identify import email_in

    fallback = settings.challenge_fallback
    result = Fetcher(term.env, remembered=remembered).fetch(
        "auto", fallback=fallback, others=settings.accounts
    )
    return email_in(result), (result.source if result.snapshots else None)


def _as_default(item: Found, settings: Settings) -> Found:
    import msgspec

    if item.metered_as is not None:
        return item
    return msgspec.structs.replace(item, metered_as=settings.default_account_name)
