"""The accounts found on this computer, to offer each as a named account in one step.

``claude-meter sources`` lists them with the command that adds each, ``sources --add`` adds
every one not yet metered, and the first-run window offers the same with a list to tick.
Each distinct browser sign-in is one :class:`Found` (one per session, then one per email once
the server has said which account a session is: ``poll/identify.py``), and so is Claude
Code's sign-in. Whether a found account is already metered, by the default account or a
named one, is decided here from the settings alone; so are the names offered (the email when
known, else the browser profile). Qt-free and network-free: what is asked of the server is
passed in.
"""

from __future__ import annotations

import shlex
import sys
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import msgspec

from claude_meter.core.account_changes import AccountProblem, added, unique_name
from claude_meter.core.accounts import MAX_ACCOUNTS, AccountRef

if TYPE_CHECKING:
    from claude_meter.core.settings import Settings
    from claude_meter.sources.browsers import BrowserSession
    from claude_meter.sources.cookies import SessionCookies


class Found(msgspec.Struct, frozen=True):
    """One account found: a browser profile's sign-in or a Claude Code sign-in."""

    kind: Literal["browser", "claude-code"]
    label: str  # "Chromium (Profile 2, “Grace”)", "Claude Code (~/.claude)"
    browser: str | None = None
    profile: str | None = None  # the profile's folder name
    display: str | None = None  # the profile's name in the browser, when it has its own
    config_dir: str | None = None  # None: Claude Code's default folder
    email: str | None = None
    #: The name of the account that already meters it (the default one or a named one).
    metered_as: str | None = None
    #: The session (to ask the server whose it is); never shown, never stored, and not
    #: compared (two finds of one sign-in are equal): see the methods below.
    cookies: SessionCookies | None = None

    def _shown(self) -> tuple[tuple[str, object], ...]:
        fields = self.__struct_fields__
        return tuple((name, getattr(self, name)) for name in fields if name != "cookies")

    def __repr__(self) -> str:
        return f"Found({', '.join(f'{name}={value!r}' for name, value in self._shown())})"

    def __eq__(self, other: object) -> bool:
        return self._shown() == other._shown() if type(other) is Found else NotImplemented

    def __hash__(self) -> int:
        return hash(self._shown())

    def suggested_name(self) -> str:
        """What to call it: its email when known, else the browser profile or folder."""
        if self.email and len(self.email) <= 40:
            return self.email
        if self.email:
            return self.email.split("@", 1)[0][:40]
        if self.kind == "claude-code":
            folder = Path(self.config_dir).name if self.config_dir else ""
            return f"Claude Code {folder}".strip()[:40]
        browser = self.label.split(" (", 1)[0]
        return f"{browser} {self.display or self.profile or ''}".strip()[:40]

    def as_account(self) -> dict[str, str | None]:
        """The references ``accounts add`` would keep for it."""
        if self.kind == "claude-code":
            return {"config_dir": self.config_dir}
        return {"browser": self.browser, "profile": self.profile}

    def add_command(self, name: str) -> str:
        """The exact command that adds it."""
        start = f"claude-meter accounts add {shlex.quote(name)}"
        if self.kind == "claude-code":
            folder = shlex.quote(self.config_dir) if self.config_dir else "~/.claude"
            return f"{start} --claude-config {folder}"
        return f"{start} --browser {self.browser} --profile {shlex.quote(self.profile or '')}"


def from_sessions(sessions: Iterable[BrowserSession]) -> list[Found]:
    """One :class:`Found` per distinct browser sign-in (the first profile of each session)."""
    from claude_meter.sources.browsers import distinct_accounts

    found = []
    for session in distinct_accounts(sessions):
        profile = session.profile
        display = profile.display_name if profile.display_name != profile.name else None
        found.append(
            Found(
                "browser",
                profile.label,
                browser=profile.browser.key,
                profile=profile.name,
                display=display,
                cookies=session.cookies,
            )
        )
    return found


def claude_code_found(
    env: Mapping[str, str], home: Path, platform: str = sys.platform
) -> Found | None:
    """Claude Code's sign-in in ``CLAUDE_CONFIG_DIR`` (or its default folder), when usable;
    ``CLAUDE_CODE_OAUTH_TOKEN`` is not an account (it names no folder)."""
    from claude_meter.core.errors import MeterError
    from claude_meter.sources.claude_code import (
        CONFIG_DIR_ENV,
        TOKEN_ENV,
        find_claude_code_credentials,
    )

    scoped = {k: v for k, v in env.items() if k != TOKEN_ENV}
    try:
        credentials = find_claude_code_credentials(scoped, home, platform=platform)
    except MeterError:
        return None
    if credentials is None or credentials.lacks_profile_scope:
        return None
    folder = scoped.get(CONFIG_DIR_ENV, "").strip() or None
    label = f"Claude Code ({folder or '~/.claude'})"
    config_dir = str(Path(folder).expanduser()) if folder else None
    return Found("claude-code", label, config_dir=config_dir)


def scan(env: Mapping[str, str], *, now: datetime, platform: str = sys.platform) -> list[Found]:
    """Every account on this computer: each browser sign-in, then Claude Code's."""
    from claude_meter.sources.browser_profiles import discover_profiles
    from claude_meter.sources.browsers import scan_browsers
    from claude_meter.sources.claude_code import default_home

    home = default_home()
    profiles = discover_profiles(platform, home, env)
    sessions = scan_browsers(profiles, platform=platform, now=now, environ=env).sessions
    found = from_sessions(sessions)
    code = claude_code_found(env, home, platform)
    return found + ([code] if code is not None else [])


def by_email(found: Sequence[Found]) -> list[Found]:
    """One per email once the server has told them (the first found of each); those with no
    email stay as they are."""
    seen: set[str] = set()
    kept = []
    for item in found:
        key = (item.email or "").casefold()
        if key and key in seen:
            continue
        seen.add(key)
        kept.append(item)
    return kept


def mark_metered(
    found: Sequence[Found], settings: Settings, *, default_email: str | None = None
) -> list[Found]:
    """Each found account with the name of the account that already meters it, if any."""
    return [
        msgspec.structs.replace(item, metered_as=_metered_as(item, settings, default_email))
        for item in found
    ]


def _metered_as(item: Found, settings: Settings, default_email: str | None) -> str | None:
    email = (item.email or "").casefold()
    for account in settings.accounts:
        if email and (account.email or "").casefold() == email:
            return account.name
        if item.kind == account.kind == "browser" and _same_browser(account, item):
            return account.name
        if item.kind == account.kind == "claude-code" and _same_folder(
            account.config_dir, item.config_dir
        ):
            return account.name
    default = settings.default_account_name if settings.default_account else None
    if default is None:
        return None
    if email and email == (default_email or "").casefold():
        return default
    if (
        settings.source == "browser"
        and item.kind == "browser"
        and settings.browser == item.browser
        and _same_profile(settings.profile, item)
    ):
        return default
    if settings.source == "claude-code" and item.kind == "claude-code" and item.config_dir is None:
        return default
    return None


def _same_browser(account: AccountRef, item: Found) -> bool:
    return account.browser == item.browser and _same_profile(account.profile, item)


def _same_profile(wanted: str | None, item: Found) -> bool:
    if wanted is None:
        return True
    folded = wanted.casefold()
    return folded in ((item.profile or "").casefold(), (item.display or "").casefold())


def _same_folder(one: str | None, other: str | None) -> bool:
    def resolved(folder: str | None) -> Path:
        return Path(folder).expanduser().resolve() if folder else Path("~/.claude").expanduser()

    return resolved(one) == resolved(other)


def names_for(found: Sequence[Found], settings: Settings) -> list[str]:
    """A name for each found account, unique among the settings' and each other."""
    names: list[str] = []
    for item in found:
        names.append(unique_name(settings, item.suggested_name() or "Account", names))
    return names


class Adding(msgspec.Struct, frozen=True):
    """What adding the found accounts did: the settings to save, who was added, who not."""

    settings: Settings
    added: tuple[AccountRef, ...]
    left_out: tuple[tuple[Found, str], ...]  # (found, why not)


def add_found(settings: Settings, found: Sequence[Found], history: Iterable[str]) -> Adding:
    """Add each found account that nothing meters yet, under its suggested name; ``history``:
    the ids the usage history holds, which a new account must not have, as for every other
    way of adding one (``core/account_changes.avoided_ids``)."""
    taken = tuple(history)
    new = [item for item in found if item.metered_as is None]
    done: list[AccountRef] = []
    left: list[tuple[Found, str]] = []
    for item, name in zip(new, names_for(new, settings), strict=True):
        if len(settings.accounts) >= MAX_ACCOUNTS:
            left.append((item, f"at most {MAX_ACCOUNTS} accounts"))
            continue
        try:
            refs = item.as_account()
            settings, account = added(settings, name, item.kind, taken, email=item.email, **refs)
        except AccountProblem as exc:
            left.append((item, str(exc)))
            continue
        done.append(account)
    return Adding(settings, tuple(done), tuple(left))
