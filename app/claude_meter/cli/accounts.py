"""``claude-meter accounts``: list, add, remove and rename the accounts metered side by side.

The settings keep names and references only (``core/accounts.py``); a pasted session goes to
the account's own keyring entry and nowhere else. Every change is written the way the tray
writes its settings (``save_settings``: a temporary file, then rename). The rules (how many,
which names) are ``core/account_changes.py``'s; this module asks, checks what is on this
computer (a browser profile, a Claude Code folder) and says what it did.

Why it is a little over 400 lines: one job, the four subcommands of one command, and each
kind of account (browser, pasted, Claude Code, extension) has its own check and its own words
when adding it; splitting them would scatter one command's messages over several modules.
"""

from __future__ import annotations

import json
import logging
import shlex
import sys
import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING

import msgspec

from claude_meter.core.account_changes import (
    AccountProblem,
    TooMany,
    added,
    earlier_id,
    new_name,
    removal,
    renamed,
    with_email,
)
from claude_meter.core.accounts import DEFAULT_ID, AccountKind, AccountRef, check_name
from claude_meter.core.settings import (
    Settings,
    UnreadableSettings,
    load_settings,
    save_settings,
    settings_path,
)

if TYPE_CHECKING:
    from claude_meter.cli.credentials import Terminal
    from claude_meter.sources.keyring_store import SessionStore

log = logging.getLogger("claude_meter.cli.accounts")

OK, USAGE_ERROR = 0, 1


def account_rows(settings: Settings) -> list[dict[str, object]]:
    """Every account, the default one first, as ``accounts --json`` lists them (no secret)."""
    from claude_meter.cli.status import default_from
    from claude_meter.sources.choice import load_choice

    choice, _ = load_choice()
    read = emails_read()
    rows: list[dict[str, object]] = [
        {
            "id": DEFAULT_ID,
            "name": settings.default_account_name,
            "default": True,
            "kind": settings.source,
            "from": default_from(settings),
            "browser": settings.browser if settings.source == "browser" else None,
            "profile": settings.profile if settings.source == "browser" else None,
            "config_dir": None,
            "email": read.get(None) or choice.account_email,
            "metered": settings.default_account or not settings.accounts,
        }
    ]
    for account in settings.accounts:
        rows.append(
            {
                "id": account.id,
                "name": account.name,
                "default": False,
                "kind": account.kind,
                "from": account.describe(),
                "browser": account.browser,
                "profile": account.profile,
                "config_dir": account.config_dir,
                "email": read.get(account.id) or account.email,
                "metered": True,
            }
        )
    return rows


def emails_read() -> dict[str | None, str]:
    """Each account's email as its newest stored reading gives it (``last-readings.json``,
    written by ``status``, the tray and the status line; None: the default account)."""
    from claude_meter.readings.store import StoreUnreadable, load

    try:
        entries = load()  # newest first
    except StoreUnreadable:
        return {}
    emails: dict[str | None, str] = {}
    for entry in entries:
        account, email = entry.get("account") or None, entry.get("account_email")
        if isinstance(email, str) and email and (account is None or isinstance(account, str)):
            emails.setdefault(account, email)
    return emails


def run_list(*, json_output: bool, term: Terminal, path: Path | None = None) -> int:
    settings = _load(term, path)
    rows = account_rows(settings)
    if json_output:
        print(json.dumps({"accounts": rows}, indent=2, ensure_ascii=False), file=term.out)
        return OK
    width = max(_columns(str(r["name"])) for r in rows) + 2
    for row in rows:
        parts = [str(row["from"])]
        if row["email"]:
            parts.append(str(row["email"]))
        if row["default"]:
            parts.append("default (login/logout)")
        if not row["metered"]:
            parts.append("not metered: `claude-meter login` meters it again")
        name = str(row["name"])
        padding = " " * (width - _columns(name))
        print(f"{name}{padding}{' · '.join(parts)}", file=term.out)
    return OK


def _columns(text: str) -> int:
    """How many terminal columns ``text`` takes: an emoji or a CJK letter two, a combining
    mark none (``len`` counted one each, and a name with an emoji pushed its row askew)."""
    return sum(
        0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1
        for c in text
    )


def run_add(
    *,
    name: str,
    browser: str | None,
    profile: str | None,
    paste: bool,
    claude_config: str | None,
    extension: bool,
    term: Terminal,
    path: Path | None = None,
    store: SessionStore | None = None,
) -> int:
    """Add a named account; a pasted one's session goes to its own keyring entry."""
    settings = load_for_change(term, path)
    if settings is None:
        return USAGE_ERROR
    history = recorded_ids()
    try:
        new_name(settings, name)  # refused first, before notes about its source
        kind, refs = _source(browser, profile, paste, claude_config, extension, term)
        changed, account = added(settings, name, kind, history, **refs)
    except TooMany as exc:
        print(f"claude-meter: {exc} (`claude-meter accounts remove NAME`).", file=term.err)
        return USAGE_ERROR
    except AccountProblem as exc:
        print(f"claude-meter: {exc}.", file=term.err)
        return USAGE_ERROR
    if account.config_dir and not _read_once(account):
        print(
            f"claude-meter: note: no Claude Code sign-in in {account.config_dir} yet; run "
            f"`CLAUDE_CONFIG_DIR={account.config_dir} claude` once to sign in.",
            file=term.err,
        )
    if paste and not _store_pasted(account, term, store):
        return USAGE_ERROR
    if not _save(changed, term, path):
        if paste:
            _store_of(account.id, store).delete()  # nothing half-added
        return USAGE_ERROR
    email = _first_email(account, term) if _read_once(account) else None
    if email is not None:
        account = save_email(account, email, term, path, quiet=True) or account
    said = f" ({account.email})" if account.email else ""
    print(f"Added {account.name}: {account.describe()}{said}.", file=term.out)
    earlier = earlier_id(changed, account, history)
    if earlier is not None:
        print(
            f"It starts a history of its own: the removed account's stays apart, shown as "
            f"'Removed account ({earlier})' until it is 90 days old.",
            file=term.out,
        )
    if kind == "extension":
        print(
            "Its numbers come from the browser extension"
            + (f" in the profile labelled {account.profile!r}" if account.profile else "")
            + ": pair it from the tray's menu or with `claude-meter bridge --pair`.",
            file=term.out,
        )
    return OK


def recorded_ids() -> tuple[str, ...]:
    """The named accounts' ids the usage history holds readings of (removed ones included),
    so a new account is not given one and does not inherit its readings; none when there is
    no history yet (it is not created for this) or it cannot be read."""
    from claude_meter.history.database import HistoryUnavailable
    from claude_meter.history.reads import account_ids
    from claude_meter.history.store import HistoryStore, default_path

    if not default_path().exists():
        return ()
    try:
        with HistoryStore.open_read_only() as store:
            return account_ids(store)
    except HistoryUnavailable:
        return ()


def run_remove(*, name: str, term: Terminal, path: Path | None = None,
               store: SessionStore | None = None) -> int:  # fmt: skip
    settings = load_for_change(term, path)
    if settings is None:
        return USAGE_ERROR
    try:
        done = removal(settings, name)  # the Settings window's Remove… does the same
    except AccountProblem as exc:
        print(f"claude-meter: {exc}.", file=term.err)
        return USAGE_ERROR
    if not _save(done.settings, term, path):
        return USAGE_ERROR
    account = done.account
    if account is None or done.secret_entry is None:
        print(
            f"{settings.default_account_name} is no longer metered; its stored session and "
            "choice are kept (`claude-meter login` meters it again).",
            file=term.out,
        )
        return OK
    from claude_meter.sources.keyring_store import SessionStore

    kept = (store or SessionStore(entry=done.secret_entry)).delete()
    what = " and its session in the keyring" if kept else ""
    print(f"Removed {account.name}{what}.", file=term.out)
    if account.id in recorded_ids():
        print(
            f"Its history stays until it is 90 days old, shown as 'Removed account "
            f"({account.id})'; an account added under this name again starts its own.",
            file=term.out,
        )
    return OK


def run_rename(*, old: str, new: str, term: Terminal, path: Path | None = None) -> int:
    settings = load_for_change(term, path)
    if settings is None:
        return USAGE_ERROR
    try:
        changed = renamed(settings, old, new)
    except AccountProblem as exc:
        print(f"claude-meter: {exc}.", file=term.err)
        return USAGE_ERROR
    if not _save(changed, term, path):
        return USAGE_ERROR
    new_name = check_name(new)
    print(f"Renamed to {new_name}; its history and stored session stay with it.", file=term.out)
    return OK


def meter_default_again(term: Terminal, path: Path | None = None) -> None:
    """After ``login``: the default account is metered again, if it had been removed."""
    settings = _load(term, path)
    if settings.default_account:
        return
    if _save(msgspec.structs.replace(settings, default_account=True), term, path):
        print(f"{settings.default_account_name} is metered again.", file=term.out)


# -- the parts ---------------------------------------------------------------------------------


def _source(
    browser: str | None,
    profile: str | None,
    paste: bool,
    claude_config: str | None,
    extension: bool,
    term: Terminal,
) -> tuple[AccountKind, dict[str, str | None]]:
    """The account's kind and references, checked against this computer."""
    if browser is not None:
        key, folder = _browser_profile(browser, profile, term)
        return "browser", {"browser": key, "profile": folder}
    if profile is not None and not extension:
        raise AccountProblem("--profile goes with --browser or --extension")
    if paste:
        return "pasted", {}
    if claude_config is not None:
        return "claude-code", {"config_dir": _config_dir(claude_config)}
    from claude_meter.core.account_routing import profile_label

    try:  # the extension's popup and the bridge take a label by this rule: one that fails
        label = profile_label(profile)  # it here could never be matched
    except ValueError as exc:
        raise AccountProblem(str(exc)) from None
    return "extension", {"profile": label}


def _browser_profile(browser: str, profile: str | None, term: Terminal) -> tuple[str, str]:
    """The browser's key and the profile's folder name: it must exist; with several,
    ``--profile`` must say which."""
    from claude_meter.sources.browser_profiles import (
        BROWSERS,
        browser_named,
        discover_profiles,
        os_key,
    )
    from claude_meter.sources.claude_code import default_home

    found = browser_named(browser)
    if found is None or os_key(sys.platform) not in found.roots:
        here = [b.key for b in BROWSERS if os_key(sys.platform) in b.roots]
        raise AccountProblem("unknown browser; choose one of: " + ", ".join(here))
    profiles = discover_profiles(sys.platform, default_home(), term.env, [found])
    names = ", ".join(
        p.name + (f" ({p.display_name})" if p.display_name not in (None, p.name) else "")
        for p in profiles
    )
    if not profiles:
        raise AccountProblem(f"no {found.label} profile was found on this computer")
    if profile is None:
        if len(profiles) > 1:
            raise AccountProblem(
                f"{found.label} has several profiles; name one with --profile: {names}"
            )
        return found.key, profiles[0].name
    chosen = [p for p in profiles if p.matches(profile)]
    if not chosen:
        raise AccountProblem(f"{found.label} has no profile of that name; its profiles: {names}")
    return found.key, chosen[0].name


def _config_dir(given: str) -> str:
    """The Claude Code configuration folder as an absolute path; it must exist (one with no
    sign-in yet is added, with a note: :func:`run_add`)."""
    folder = Path(given).expanduser()
    if not folder.is_dir():
        raise AccountProblem("that Claude Code configuration folder does not exist")
    return str(folder.resolve())


def _read_once(account: AccountRef) -> bool:
    """Whether ``add`` reads the new account once, to check it and learn its email: every
    kind but the extension's (its numbers come from the browser). A Claude Code folder with
    no sign-in yet is not asked (``_config_dir`` said what to do); one read of its route,
    in Claude Code's own request bucket, is well within that route's budget, and its 429
    hold is kept as every poll keeps it."""
    if account.kind == "extension":
        return False
    if account.kind == "claude-code" and account.config_dir and sys.platform != "darwin":
        return (Path(account.config_dir) / ".credentials.json").is_file()
    return True


def _store_of(account_id: str, store: SessionStore | None) -> SessionStore:
    if store is not None:
        return store
    from claude_meter.core.accounts import keyring_entry
    from claude_meter.sources.keyring_store import SessionStore

    return SessionStore(entry=keyring_entry(account_id))


def _store_pasted(account: AccountRef, term: Terminal, store: SessionStore | None) -> bool:
    """Read the pasted session (never echoed) into the account's own keyring entry."""
    from claude_meter.cli.paste import read_session

    cookies = read_session(term.stdin, term.err)
    if cookies is None:
        return False
    target = _store_of(account.id, store)
    saved = target.save(cookies)
    if not saved.persisted:  # a command ends at once: nothing is kept "for this run"
        from claude_meter.cli.credentials import not_stored

        print(
            f"claude-meter: {account.name} was not added: "
            f"{not_stored(target, 'then add it again')}",
            file=term.err,
        )
        return False
    return True


def _first_email(account: AccountRef, term: Terminal) -> str | None:
    """Poll the new account once: its email, or a note that it cannot be read yet."""
    from claude_meter.clients.remembered import RememberedAnswers
    from claude_meter.poll.fetcher import Fetcher

    try:
        result = Fetcher(term.env, remembered=RememberedAnswers()).fetch_account(account)
    except Exception as exc:  # noqa: BLE001 - the account is added; reading it is a bonus
        # words to act on, never the exception's type or text (which may quote a header)
        print(
            "claude-meter: it could not be read yet: something went wrong inside ClaudeMeter. "
            "It is added all the same: run "
            f"`claude-meter status --account {shlex.quote(account.name)}` to read it again.",
            file=term.err,
        )
        log.debug("reading %s failed: %s", account.id, type(exc).__name__)  # never its text
        return None
    emails = [s.account_email for s in result.snapshots if s.account_email]
    if result.error is not None:
        print(f"claude-meter: it could not be read yet: {result.error.message}", file=term.err)
    return emails[0] if emails else None


def load_for_change(term: Terminal, path: Path | None = None) -> Settings | None:
    """The settings to change (a damaged file is set aside, and the person told); None, said,
    when the file is there but cannot be read: a change would replace it unseen."""
    loaded = load_settings(path)
    if loaded.unread is not None:
        where = path or settings_path()
        print(f"claude-meter: nothing was changed: {UnreadableSettings(where, loaded.unread)}.",
              file=term.err)  # fmt: skip
        return None
    if loaded.notice:
        print(f"claude-meter: {loaded.notice}", file=term.err)
    return loaded.settings


def save_email(
    account: AccountRef, email: str, term: Terminal, path: Path | None, *, quiet: bool = False
) -> AccountRef | None:
    """The email a read gave saved with ``account``, into the settings as they are *now*:
    read again just before saving, since the tray or another command may have saved while
    the session was pasted or read (a copy loaded before would undo their change). The
    account as saved; None when nothing was saved (it is gone, the email is refused, the
    file cannot be read or written)."""
    fresh = load_for_change(term, path)
    if fresh is None:
        return None
    with_it = with_email(fresh, account.id, email)
    if with_it.accounts == fresh.accounts or not _save(with_it, term, path, quiet=quiet):
        return None
    return next(a for a in with_it.accounts if a.id == account.id)


def save_changed(settings: Settings, term: Terminal, path: Path | None = None) -> bool:
    """Write changed settings as the tray does; False (and said) when they could not be."""
    return _save(settings, term, path)


def _load(term: Terminal, path: Path | None) -> Settings:
    loaded = load_settings(path)
    if loaded.notice:
        print(f"claude-meter: {loaded.notice}", file=term.err)
    return loaded.settings


def _save(settings: Settings, term: Terminal, path: Path | None, *, quiet: bool = False) -> bool:
    try:
        save_settings(settings, path)
    except UnreadableSettings as exc:
        if not quiet:
            print(f"claude-meter: nothing was changed: {exc}.", file=term.err)
        return False
    except (OSError, ValueError) as exc:
        if not quiet:
            why = getattr(exc, "strerror", None) or "refused"
            print(f"claude-meter: the settings could not be saved ({why}).", file=term.err)
        return False
    return True
