"""``claude-meter status`` with several accounts: a block per account, then per organization.

Each metered account (``Settings.metered``) is read with its own credential only
(``Fetcher.fetch_account``; the default account as ``status`` always read it), one after the
other: the organization list each remembers (``clients/remembered.py``, keyed by a digest of
the session) is read and written by one poll at a time, so a call makes one ``/usage`` request
per organization once the lists are known.

The JSON keeps its old top-level fields, those of the *first* account shown (the default one,
else the first named one), so a script that reads ``organizations`` goes on working, and adds
``accounts``: one object per account with its organizations in exactly the old shape. The
exit status is the most severe over every account (and organization), as it is over
organizations: 2, then 4, then 3, then 0.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, TextIO

import msgspec

from claude_meter.cli.cached import wants_color
from claude_meter.cli.render import Forecasts, render_human, to_json_object
from claude_meter.cli.status import (
    account_entry,
    default_from,
    email_of,
    exit_status,
    poll_default,
)
from claude_meter.core.account_changes import AccountProblem, named, unknown
from claude_meter.core.accounts import AccountRef
from claude_meter.core.errors import ConfigurationError, worst_exit_status
from claude_meter.core.models import FetchResult

if TYPE_CHECKING:
    from claude_meter.core.settings import Settings


class Read(msgspec.Struct, frozen=True):
    """One account's poll: who it is and what it gave."""

    account: AccountRef | None  # None: the default account
    name: str
    result: FetchResult
    forecasts: Forecasts


def run_accounts_status(
    settings: Settings,
    *,
    json_output: bool,
    account: str | None,
    env: Mapping[str, str],
    out: TextIO,
    err: TextIO,
) -> int:
    """Read every metered account (or the one named), print, return the worst exit status."""
    if account is not None:
        try:
            found = named(settings, account)
        except AccountProblem as exc:  # one account's name and another's id
            print(f"claude-meter: {exc}.", file=err)
            return 1
        if found is None:
            print(f"claude-meter: {unknown(settings)}.", file=err)
            return 1
        wanted: Sequence[AccountRef | None] = (found,) if isinstance(found, AccountRef) else (None,)
    else:
        wanted = settings.metered
    try:
        reads = _read_all(settings, wanted, env, err)
    except ConfigurationError as exc:
        print(f"claude-meter: {exc}", file=err)
        return 1
    now = datetime.now(UTC)
    blocks = bool(settings.accounts)  # only the default one: the output is as it always was
    if json_output:
        print(json.dumps(json_object(settings, reads), ensure_ascii=False), file=out)
    else:
        color = wants_color(out, env)
        remaining = settings.percent_shown == "remaining"
        for number, read in enumerate(reads):
            text = render_human(read.result, now, color=color, forecasts=read.forecasts,
                                show_remaining=remaining)  # fmt: skip
            if blocks:
                if number:
                    print("", file=out)
                print(heading(settings, read), file=out)
                text = "".join(f"  {line}" if line.strip() else line
                               for line in text.splitlines(keepends=True))  # fmt: skip
            print(text, file=out, end="")
            if _by_the_tray(read):
                print(f"  ({tray_note(read.name)})", file=out)
            elif read.result.error is not None:
                if blocks:
                    print(f"  ! {read.result.error.message}", file=out)
                who = f"{read.name}: " if blocks else ""
                print(f"claude-meter: {who}{read.result.error.message}", file=err)
    for note in same_account_notes(reads):
        print(f"claude-meter: {note}", file=err)
    return worst_exit_status([account_status(r) for r in reads])


def same_account_notes(reads: Sequence[Read]) -> list[str]:
    """Two accounts that read the same claude.ai account (the default one's ``auto`` found a
    named account's sign-in, say): each pair once, with what to do."""
    first: dict[str, str] = {}
    notes = []
    for read in reads:
        email = next((s.account_email for s in read.result.snapshots if s.account_email), None)
        if email is None:
            continue
        other = first.setdefault(email.casefold(), read.name)
        if other != read.name:
            notes.append(
                f"{other} and {read.name} read the same account ({email}); remove one "
                "(`claude-meter accounts remove NAME`), or give the default account its own "
                "sign-in with `claude-meter login`."
            )
    return notes


def _by_the_tray(read: Read) -> bool:
    """An extension account: its numbers reach the tray from the browser, never ``status``."""
    return read.account is not None and read.account.kind == "extension"


def tray_note(name: str) -> str:
    return (
        "its numbers come from the browser extension through the tray; "
        f"`claude-meter status --cached --account '{name}'` shows the last ones"
    )


def account_status(read: Read) -> int:
    """The account's own exit status; an extension account never fails ``status``."""
    return 0 if _by_the_tray(read) else exit_status(read.result)


def _read_all(
    settings: Settings,
    wanted: Sequence[AccountRef | None],
    env: Mapping[str, str],
    err: TextIO,
) -> list[Read]:
    from claude_meter.cli.history import NOT_RECORDED, record_and_forecast
    from claude_meter.clients.remembered import RememberedAnswers
    from claude_meter.poll.fetcher import Fetcher
    from claude_meter.readings.convert import remember

    fetcher = Fetcher(env, settings=settings, remembered=RememberedAnswers())
    reads, problems = [], set()
    locked = False  # another program holds the history's write lock: one wait, not one each
    for account in wanted:
        if account is None:
            result = poll_default(
                settings,
                source="auto",
                demo=False,
                scenario="normal",
                env=env,
                others=settings.accounts,
            ).for_account(None)
        else:
            result = fetcher.fetch_account(account)
        now = datetime.now(UTC)
        forecasts, problem = record_and_forecast(result, now, record=not locked)
        locked = locked or (problem or "").startswith(NOT_RECORDED)
        remember(result, now)
        if problem is not None and problem not in problems:
            problems.add(problem)
            print(f"claude-meter: {problem}", file=err)
        name = settings.account_name(account.id if account else None)
        reads.append(Read(account, name, result, forecasts))
    return reads


def heading(settings: Settings, read: Read) -> str:
    """``Work · chromium (Profile 2) · work@example.com``"""
    where = read.account.describe() if read.account is not None else default_from(settings)
    email = email_of(read.account, read.result)
    shown = email if email and email.casefold() != read.name.casefold() else None
    return " · ".join(part for part in (read.name, where, shown) if part)


def json_object(settings: Settings, reads: Sequence[Read]) -> dict[str, object]:
    """The old top level (of the first account read) with ``accounts`` added."""
    document = to_json_object(reads[0].result, reads[0].forecasts)
    listed = []
    for read in reads:
        shown = to_json_object(read.result, read.forecasts)
        entry = account_entry(settings, read.account, read.name, read.result, shown)
        entry["exit_status"] = account_status(read)
        listed.append(entry)
    document["accounts"] = listed
    return document
